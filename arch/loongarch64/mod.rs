//! loongarch64 (lp64d): `syscall 0`, number in a7, arguments in a0..a5; the kernel
//! returns in a0, saves and restores a1..a7, ra, tp, fp and s0..s8, and hands t0..t8
//! back changed. clone's kernel order (no CLONE_BACKWARDS): flags, stack, ptid, ctid,
//! tls.

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit};

use crate::types::{CloneFn, pid_t};

// ---- Constants ----

/// LoongArch psABI: sp is 16-aligned at a call.
pub(crate) const STACK_ALIGNMENT: usize = 16;
/// The wrapper's own use of the child stack: none, `jirl` keeps the return address in ra.
pub(crate) const CHILD_FRAME_SIZE: usize = 0;
/// Bytes a call leaves on the stack at the callee's entry: the return address stays in ra.
pub(crate) const RETURN_ADDRESS_ON_STACK: usize = 0;

/// Rust's targets here do not probe large frames: a frame larger than the guard can
/// step over it.
pub(crate) const STACK_PROBES: bool = false;

// ---- Raw system calls ----

/// `syscall 0` with what the kernel hands back changed: t0..t8 ($r12..$r20).
macro_rules! syscall_asm {
    ($($operands:tt)*) => {
        asm!(
            "syscall 0",
            $($operands)*
            lateout("$r12") _, lateout("$r13") _, lateout("$r14") _, lateout("$r15") _,
            lateout("$r16") _, lateout("$r17") _, lateout("$r18") _, lateout("$r19") _,
            lateout("$r20") _, options(nostack, preserves_flags),
        )
    };
}

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> usize {
    let ret;
    unsafe { syscall_asm!(in("$r11") nr, lateout("$r4") ret,) };
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> usize {
    let ret;
    unsafe { syscall_asm!(in("$r11") nr, inlateout("$r4") a0 => ret,) };
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    unsafe { asm!("syscall 0", in("$r11") nr, in("$r4") a0, options(nostack, noreturn)) }
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    let ret;
    unsafe { syscall_asm!(in("$r11") nr, inlateout("$r4") a0 => ret, in("$r5") a1,) };
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    unsafe {
        syscall_asm!(in("$r11") nr, inlateout("$r4") a0 => ret, in("$r5") a1, in("$r6") a2,);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    unsafe {
        syscall_asm!(in("$r11") nr, inlateout("$r4") a0 => ret, in("$r5") a1, in("$r6") a2,
            in("$r7") a3,);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall5(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize,
) -> usize {
    let ret;
    unsafe {
        syscall_asm!(in("$r11") nr, inlateout("$r4") a0 => ret, in("$r5") a1, in("$r6") a2,
            in("$r7") a3, in("$r8") a4,);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall6(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    let ret;
    unsafe {
        syscall_asm!(in("$r11") nr, inlateout("$r4") a0 => ret, in("$r5") a1, in("$r6") a2,
            in("$r7") a3, in("$r8") a4, in("$r9") a5,);
    }
    ret
}

/// `mmap` takes six arguments, the offset in bytes.
#[path = "../generic/mmap.rs"]
mod generic_mmap;
pub(crate) use generic_mmap::mmap;

/// The raw clone system call: the kernel's default order, ctid before tls.
#[path = "../generic/clone.rs"]
mod generic_clone;
pub(crate) use generic_clone::clone_syscall;

/// The ID calls: the plain names take 32-bit IDs here.
#[path = "../generic/ids.rs"]
mod generic_ids;
pub(crate) use generic_ids::{NR_GETGID, NR_GETUID, NR_SETGID, NR_SETUID};

// ---- Clone entry ----

/// glibc's `clone` below the portable checks: `stack_top` is already aligned. Returns
/// the child's TID or -errno in the parent; in the child, runs `f(arg)` and exits.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn clone_entry(
    f: CloneFn, stack_top: *mut u8, flags: usize, arg: *mut c_void,
    ptid: *mut pid_t, tls: *mut c_void, ctid: *mut pid_t,
) -> usize {
    naked_asm!(
        ".cfi_startproc",
        "move $t0, $a6",         // ctid
        "move $a6, $a3",         // arg and f survive the syscall in a6 and a5: the
        "move $a3, $t0",         // kernel restores a1..a7, not the temporaries
        "move $t0, $a5",         // tls
        "move $a5, $a0",         // f
        "move $a0, $a2",         // flags
        "move $a2, $a4",         // ptid
        "move $a4, $t0",
        "ori $a7, $zero, {clone}",
        "syscall 0",
        "beqz $a0, 2f",
        "ret",                   // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined 1",      // ra: the child's call chain starts here
        "move $fp, $zero",       // and so does its frame-pointer chain
        "move $a0, $a6",
        "jirl $ra, $a5, 0",      // sp is the aligned top: the psABI needs nothing more
        "ori $a7, $zero, {exit}", // SYS_exit ends this thread only, never the group
        "syscall 0",             // a0 still holds fn's return value: the exit status
        "break 0",
        ".cfi_endproc",
        clone = const __NR_clone,
        exit = const __NR_exit,
    )
}

/// glibc's `__clone3`: the clone3 system call with `args` (`size` bytes). Returns the
/// child's TID or -errno in the parent; the child, which the kernel starts on
/// `stack + stack_size` (or on its copy of the caller's stack), runs `f(arg)` and exits.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn clone3_entry(
    args: *const linux_raw_sys::general::clone_args, size: usize, f: CloneFn, arg: *mut c_void,
) -> usize {
    naked_asm!(
        ".cfi_startproc",
        "ori $a7, $zero, {clone3}", // args and size are already in a0 and a1; f and
        "syscall 0",             // arg stay in a2 and a3, which the kernel restores
        "beqz $a0, 2f",
        "ret",                   // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined 1",      // ra: the child's call chain starts here
        "move $fp, $zero",       // and so does its frame-pointer chain
        "bstrins.d $sp, $zero, 3, 0", // stack + stack_size carries no alignment promise
        "move $a0, $a3",
        "jirl $ra, $a2, 0",
        "ori $a7, $zero, {exit}", // SYS_exit ends this thread only, never the group
        "syscall 0",             // a0 still holds fn's return value: the exit status
        "break 0",
        ".cfi_endproc",
        clone3 = const __NR_clone3,
        exit = const __NR_exit,
    )
}

// ---- TLS ----

/// `CLONE_SETTLS`'s `tls` is the new thread pointer itself.
#[path = "../generic/tls.rs"]
mod generic_tls;
pub(crate) use generic_tls::{TlsArgument, tls_argument, tls_argument_pointer};

/// The thread pointer: tp ($r2), which `CLONE_SETTLS` set to `tls`.
#[inline(always)]
pub(crate) unsafe fn thread_pointer() -> *mut c_void {
    let pointer;
    unsafe { asm!("move {}, $tp", out(reg) pointer, options(nostack, nomem, preserves_flags)) };
    pointer
}

// ---- Signals ----

/// The kernel returns from handlers through the vDSO's trampoline: no restorer needed.
#[path = "../generic/signals.rs"]
mod generic_signals;
pub(crate) use generic_signals::{SignalAction, signal_action, signal_action_handler};

// ---- _start ----

/// The process entry: `start.rs`.
#[cfg(feature = "rt")]
mod start;

// ---- Probes ----

/// The conformance program's instruments (`probes.rs`).
#[cfg(feature = "probes")]
mod probes;
#[cfg(feature = "probes")]
pub(crate) use probes::*;
