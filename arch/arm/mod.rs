//! arm (EABI): `svc #0`, number in r7, arguments in r0..r5; the kernel returns in r0 and
//! preserves every other register. clone's kernel order: flags, stack, ptid, tls, ctid.
//! One source for ARM state (armv7, armv5te) and Thumb-2 state (thumbv7neon): unified
//! syntax, only instructions both states have, and no movw/movt (armv5te lacks them).

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, __NR_mmap2};

use crate::types::{CloneFn, pid_t};

// ---- Constants ----

/// AAPCS: sp is 8-aligned at every public interface.
pub(crate) const STACK_ALIGNMENT: usize = 8;
/// The wrapper's own use of the child stack: none, `blx` keeps the return address in lr.
pub(crate) const CHILD_FRAME_SIZE: usize = 0;
/// Bytes a call leaves on the stack at the callee's entry: the return address stays in lr.
pub(crate) const RETURN_ADDRESS_ON_STACK: usize = 0;

/// Rust's targets here do not probe large frames: a frame larger than the guard can
/// step over it.
pub(crate) const STACK_PROBES: bool = false;

// ---- Raw system calls ----

/// The trap with the number `{nr}` in r7. r7 is Thumb's frame pointer, which `asm!`
/// refuses as an operand: it goes through `{saved}` and is put back, in either state.
macro_rules! svc {
    () => {
        concat!("mov {saved}, r7\n", "mov r7, {nr}\n", "svc #0\n", "mov r7, {saved}")
    };
}

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> usize {
    let ret;
    unsafe {
        asm!(svc!(), nr = in(reg) nr, saved = out(reg) _, lateout("r0") ret,
            options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> usize {
    let ret;
    unsafe {
        asm!(svc!(), nr = in(reg) nr, saved = out(reg) _, inlateout("r0") a0 => ret,
            options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    // Nothing runs after it: r7 need not be put back.
    unsafe { asm!("mov r7, {nr}", "svc #0", nr = in(reg) nr, in("r0") a0, options(nostack, noreturn)) }
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    let ret;
    unsafe {
        asm!(svc!(), nr = in(reg) nr, saved = out(reg) _, inlateout("r0") a0 => ret, in("r1") a1,
            options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    unsafe {
        asm!(svc!(), nr = in(reg) nr, saved = out(reg) _, inlateout("r0") a0 => ret, in("r1") a1,
            in("r2") a2, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    unsafe {
        asm!(svc!(), nr = in(reg) nr, saved = out(reg) _, inlateout("r0") a0 => ret, in("r1") a1,
            in("r2") a2, in("r3") a3, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall5(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize,
) -> usize {
    let ret;
    unsafe {
        asm!(svc!(), nr = in(reg) nr, saved = out(reg) _, inlateout("r0") a0 => ret, in("r1") a1,
            in("r2") a2, in("r3") a3, in("r4") a4, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall6(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    let ret;
    unsafe {
        asm!(svc!(), nr = in(reg) nr, saved = out(reg) _, inlateout("r0") a0 => ret, in("r1") a1,
            in("r2") a2, in("r3") a3, in("r4") a4, in("r5") a5, options(nostack, preserves_flags));
    }
    ret
}

/// `mmap2` takes the offset in 4096-byte units whatever the page size; an offset that
/// is not a multiple is EINVAL, as glibc's `mmap` makes it.
#[inline(always)]
pub(crate) unsafe fn mmap(
    address: usize, length: usize, protection: usize, flags: usize, fd: usize, offset: usize,
) -> usize {
    if !offset.is_multiple_of(4096) {
        return (linux_raw_sys::errno::EINVAL as usize).wrapping_neg();
    }
    unsafe { syscall6(__NR_mmap2 as usize, address, length, protection, flags, fd, offset / 4096) }
}

/// The raw clone system call: tls before ctid (CONFIG_CLONE_BACKWARDS).
#[path = "../generic/clone_backwards.rs"]
mod generic_clone;
pub(crate) use generic_clone::clone_syscall;

/// The ID calls: the plain names are the 16-bit legacy calls here (`setuid(65536)`
/// would set 0); the 32-bit ones end in 32.
pub(crate) use linux_raw_sys::general::{
    __NR_getgid32 as NR_GETGID, __NR_getuid32 as NR_GETUID, __NR_setgid32 as NR_SETGID, __NR_setuid32 as NR_SETUID,
};

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
        "push {{r4, r5, r6, r7}}", // callee-saved: ctid (r4), f, arg and the number (r7)
        ".cfi_adjust_cfa_offset 16",
        ".cfi_rel_offset r4, 0", ".cfi_rel_offset r5, 4",
        ".cfi_rel_offset r6, 8", ".cfi_rel_offset r7, 12",
        "mov r5, r0",            // f and arg survive the syscall in r5 and r6:
        "mov r6, r3",            // the kernel restores every register but r0
        "mov r0, r2",            // flags
        "ldr r2, [sp, #16]",     // ptid, tls, ctid: AAPCS passes arguments 5..7 on
        "ldr r3, [sp, #20]",     // the caller's stack, above the 16 bytes pushed
        "ldr r4, [sp, #24]",
        "mov r7, #{clone}",
        "svc #0",
        "cmp r0, #0",
        "beq 2f",
        "pop {{r4, r5, r6, r7}}",
        ".cfi_adjust_cfa_offset -16",
        "bx lr",                 // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined lr",     // the child's call chain starts here
        "mov r7, #0",            // and so do its frame chains: Thumb code links frames
        "mov r11, #0",           // through r7, ARM code through r11, and fn may be either
        "mov r0, r6",
        "blx r5",                // interworking call: fn may be Thumb (bit 0) or ARM;
                                 // sp is the aligned top: AAPCS needs nothing more
        "mov r7, #{exit}",       // SYS_exit ends this thread only, never the group
        "svc #0",                // r0 still holds fn's return value: the exit status
        "udf #0",
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
        "push {{r4, r7}}",       // r7 (callee-saved) takes the number; r4 keeps sp 8-aligned
        ".cfi_adjust_cfa_offset 8",
        ".cfi_rel_offset r4, 0", ".cfi_rel_offset r7, 4",
        "mov r7, #{clone3_high}", // 435 is no immediate of either instruction set,
        "add r7, r7, #{clone3_low}", // its two bytes are
        "svc #0",                // f (r2) and arg (r3) survive: the kernel restores
        "cmp r0, #0",            // every register but r0
        "beq 2f",
        "pop {{r4, r7}}",
        ".cfi_adjust_cfa_offset -8",
        "bx lr",                 // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined lr",     // the child's call chain starts here
        "mov r7, #0",            // and so do its frame chains: Thumb code links frames
        "mov r11, #0",           // through r7, ARM code through r11, and fn may be either
        "mov r1, sp",            // stack + stack_size carries no alignment promise:
        "bic r1, r1, #7",        // AAPCS wants sp 8-aligned at a public call (Thumb
        "mov sp, r1",            // cannot `bic` sp itself)
        "mov r0, r3",
        "blx r2",                // interworking call: fn may be Thumb (bit 0) or ARM
        "mov r7, #{exit}",       // SYS_exit ends this thread only, never the group
        "svc #0",                // r0 still holds fn's return value: the exit status
        "udf #0",
        ".cfi_endproc",
        clone3_high = const __NR_clone3 & 0xff00,
        clone3_low = const __NR_clone3 & 0xff,
        exit = const __NR_exit,
    )
}

// ---- TLS ----

/// `CLONE_SETTLS`'s `tls` is the new thread pointer itself.
#[path = "../generic/tls.rs"]
mod generic_tls;
pub(crate) use generic_tls::{TlsArgument, tls_argument, tls_argument_pointer};

/// The thread pointer: TPIDRURO, which `CLONE_SETTLS` set to `tls`, read with `mrc` on
/// ARMv6K and later. Stable rustc hides arm target features from `cfg`; every
/// hard-float Linux target (ARMv6KZ ARM1176 and up) has the register.
#[cfg(any(target_feature = "v6k", target_abi = "eabihf"))]
#[inline(always)]
pub(crate) unsafe fn thread_pointer() -> *mut c_void {
    let pointer;
    unsafe {
        asm!("mrc p15, 0, {}, c13, c0, 3", out(reg) pointer, options(nostack, nomem, preserves_flags));
    }
    pointer
}

/// The thread pointer, before ARMv6K (armv5te has no TPIDRURO): the kernel's user
/// helper `__kuser_get_tls` at 0xffff0fe0 returns it in r0 and clobbers nothing else
/// (Documentation/arch/arm/kernel_user_helpers.rst); qemu-user emulates that page.
#[cfg(not(any(target_feature = "v6k", target_abi = "eabihf")))]
#[inline(always)]
pub(crate) unsafe fn thread_pointer() -> *mut c_void {
    let pointer;
    unsafe {
        asm!("blx {helper}", helper = in(reg) 0xffff_0fe0usize, out("r0") pointer, out("lr") _,
            options(nostack, readonly, preserves_flags));
    }
    pointer
}

// ---- Signals ----

/// The kernel returns from handlers through its own trampoline (vDSO or signal page):
/// no restorer needed.
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
