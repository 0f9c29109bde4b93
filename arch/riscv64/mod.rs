//! riscv64 (lp64d): `ecall`, number in a7, arguments in a0..a5; the kernel returns in a0
//! and preserves every other register. clone's kernel order (CLONE_BACKWARDS): flags,
//! stack, ptid, tls, ctid.

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit};

use crate::types::{CloneFn, pid_t};

// ---- Constants ----

/// RISC-V psABI: sp is 16-aligned at a call.
pub(crate) const STACK_ALIGNMENT: usize = 16;
/// The wrapper's own use of the child stack: none, `jalr` keeps the return address in ra.
pub(crate) const CHILD_FRAME_SIZE: usize = 0;
/// Bytes a call leaves on the stack at the callee's entry: the return address stays in ra.
pub(crate) const RETURN_ADDRESS_ON_STACK: usize = 0;

/// Rust's targets here do not probe large frames: a frame larger than the guard can
/// step over it.
pub(crate) const STACK_PROBES: bool = false;

// ---- Raw system calls ----

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> usize {
    let ret;
    unsafe { asm!("ecall", in("a7") nr, lateout("a0") ret, options(nostack, preserves_flags)) };
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> usize {
    let ret;
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a0 => ret, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    unsafe { asm!("ecall", in("a7") nr, in("a0") a0, options(nostack, noreturn)) }
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    let ret;
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a0 => ret, in("a1") a1,
            options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2,
            options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2,
            in("a3") a3, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall5(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize,
) -> usize {
    let ret;
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2,
            in("a3") a3, in("a4") a4, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall6(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    let ret;
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2,
            in("a3") a3, in("a4") a4, in("a5") a5, options(nostack, preserves_flags));
    }
    ret
}

/// `mmap` takes six arguments, the offset in bytes.
#[path = "../generic/mmap.rs"]
mod generic_mmap;
pub(crate) use generic_mmap::mmap;

/// The raw clone system call: tls before ctid (CONFIG_CLONE_BACKWARDS).
#[path = "../generic/clone_backwards.rs"]
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
        "mv t1, a0",             // f and arg survive the syscall in t1 and t2:
        "mv t2, a3",             // the kernel restores every register but a0
        "mv a0, a2",             // flags
        "mv a2, a4",             // ptid
        "mv a3, a5",             // tls
        "mv a4, a6",             // ctid
        "li a7, {clone}",
        "ecall",
        "beqz a0, 2f",
        "ret",                   // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined ra",     // the child's call chain starts here
        "li s0, 0",              // and so does its frame-pointer chain
        "mv a0, t2",
        "jalr t1",               // sp is the aligned top: the psABI needs nothing more
        "li a7, {exit}",         // SYS_exit ends this thread only, never the group
        "ecall",                 // a0 still holds fn's return value: the exit status
        "unimp",
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
        "li a7, {clone3}",       // args and size are already in a0 and a1; f and arg
        "ecall",                 // stay in a2 and a3, which the kernel gives back
        "beqz a0, 2f",
        "ret",                   // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined ra",     // the child's call chain starts here
        "li s0, 0",              // and so does its frame-pointer chain
        "andi sp, sp, -16",      // stack + stack_size carries no alignment promise
        "mv a0, a3",
        "jalr a2",
        "li a7, {exit}",         // SYS_exit ends this thread only, never the group
        "ecall",                 // a0 still holds fn's return value: the exit status
        "unimp",
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

/// The thread pointer: tp (x4), which `CLONE_SETTLS` set to `tls`.
#[inline(always)]
pub(crate) unsafe fn thread_pointer() -> *mut c_void {
    let pointer;
    unsafe { asm!("mv {}, tp", out(reg) pointer, options(nostack, nomem, preserves_flags)) };
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
