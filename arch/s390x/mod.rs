//! s390x: `svc 0` with the number in r1 (or `svc NR` for NR < 256), arguments in
//! r2..r7, result in r2; the kernel restores every other register. clone's kernel order
//! (CONFIG_CLONE_BACKWARDS2): stack, flags, ptid, ctid, tls.

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, __NR_mmap};

use crate::types::{CloneFn, pid_t};

// ---- Constants ----

/// s390x ELF ABI: r15 is 8-aligned.
pub(crate) const STACK_ALIGNMENT: usize = 8;
/// The wrapper's own use of the child stack: the 160-byte register save area that every
/// caller provides at 0(r15), its back chain word zero.
pub(crate) const CHILD_FRAME_SIZE: usize = 160;
/// Bytes a call leaves on the stack at the callee's entry: the return address stays in r14.
pub(crate) const RETURN_ADDRESS_ON_STACK: usize = 0;

/// Rust's targets here probe every frame larger than a page (`stack-probes` inline),
/// so a frame of any size that overflows touches the guard first.
pub(crate) const STACK_PROBES: bool = true;

// ---- Raw system calls ----
// r6 and r7 are callee-saved: as operands, the compiler saves and restores them.

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> usize {
    let ret;
    unsafe { asm!("svc 0", in("r1") nr, lateout("r2") ret, options(nostack, preserves_flags)) };
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> usize {
    let ret;
    unsafe {
        asm!("svc 0", in("r1") nr, inlateout("r2") a0 => ret, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    unsafe { asm!("svc 0", in("r1") nr, in("r2") a0, options(nostack, noreturn)) }
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    let ret;
    unsafe {
        asm!("svc 0", in("r1") nr, inlateout("r2") a0 => ret, in("r3") a1,
            options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    unsafe {
        asm!("svc 0", in("r1") nr, inlateout("r2") a0 => ret, in("r3") a1, in("r4") a2,
            options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    unsafe {
        asm!("svc 0", in("r1") nr, inlateout("r2") a0 => ret, in("r3") a1, in("r4") a2,
            in("r5") a3, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall5(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize,
) -> usize {
    let ret;
    unsafe {
        asm!("svc 0", in("r1") nr, inlateout("r2") a0 => ret, in("r3") a1, in("r4") a2,
            in("r5") a3, in("r6") a4, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall6(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    let ret;
    unsafe {
        asm!("svc 0", in("r1") nr, inlateout("r2") a0 => ret, in("r3") a1, in("r4") a2,
            in("r5") a3, in("r6") a4, in("r7") a5, options(nostack, preserves_flags));
    }
    ret
}

/// `mmap` (old_mmap on 64-bit s390) takes one argument: a block of six longs, the
/// offset in bytes.
#[inline(always)]
pub(crate) unsafe fn mmap(
    address: usize, length: usize, protection: usize, flags: usize, fd: usize, offset: usize,
) -> usize {
    let block = [address, length, protection, flags, fd, offset];
    unsafe { syscall1(__NR_mmap as usize, block.as_ptr() as usize) }
}

/// The raw clone system call in the kernel's argument order for this architecture.
#[inline(always)]
pub(crate) unsafe fn clone_syscall(
    flags: usize, stack: usize, ptid: usize, tls: usize, ctid: usize,
) -> usize {
    unsafe { syscall5(__NR_clone as usize, stack, flags, ptid, ctid, tls) }
}

/// The ID calls: the plain names take 32-bit IDs here.
#[path = "../generic/ids.rs"]
mod generic_ids;
pub(crate) use generic_ids::{NR_GETGID, NR_GETUID, NR_SETGID, NR_SETUID};

// ---- Clone entry ----

// `svc NR` encodes the number in 8 bits, which leaves r1 free for `f`.
const _: () = assert!(__NR_clone < 256 && __NR_exit < 256);

/// glibc's `clone` below the portable checks: `stack_top` is already aligned. Returns
/// the child's TID or -errno in the parent; in the child, runs `f(arg)` and exits.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn clone_entry(
    f: CloneFn, stack_top: *mut u8, flags: usize, arg: *mut c_void,
    ptid: *mut pid_t, tls: *mut c_void, ctid: *mut pid_t,
) -> usize {
    naked_asm!(
        ".cfi_startproc",
        "stg %r6, 48(%r15)",     // r6 is callee-saved: its slot in the caller's save area
        ".cfi_offset %r6, -112", // (the CFA is r15 + 160)
        "lgr %r1, %r2",          // f and arg survive the syscall in r1 and r0:
        "lgr %r0, %r5",          // the kernel restores every register but r2
        "lgr %r2, %r3",          // stack
        "lgr %r3, %r4",          // flags
        "lgr %r4, %r6",          // ptid
        "lg %r5, 168(%r15)",     // ctid: arguments 6 and 7 are in the caller's frame
        "lg %r6, 160(%r15)",     // tls
        "svc {clone}",
        "ltgr %r2, %r2",
        "jz 2f",
        "lg %r6, 48(%r15)",
        ".cfi_restore %r6",
        "br %r14",               // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined %r14",   // the child's call chain starts here
        "aghi %r15, -160",       // fn's register save area below the aligned top
        "xc 0(8,%r15), 0(%r15)", // and its back chain zero: the frame chain ends too
        "lgr %r2, %r0",
        "basr %r14, %r1",
        "svc {exit}",            // SYS_exit ends this thread only, never the group;
        ".word 0",               // r2 still holds fn's return value: the exit status
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
        "lghi %r1, {clone3}",    // above 255: `svc 0` with the number in r1
        "svc 0",                 // f (r4) and arg (r5) survive: the kernel restores
        "ltgr %r2, %r2",         // every register but r2
        "jz 2f",
        "br %r14",               // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined %r14",   // the child's call chain starts here
        "lghi %r0, -8",          // stack + stack_size carries no alignment promise:
        "ngr %r15, %r0",         // the ABI wants sp 8-aligned
        "aghi %r15, -160",       // fn's register save area below the aligned top
        "xc 0(8,%r15), 0(%r15)", // and its back chain zero: the frame chain ends too
        "lgr %r2, %r5",
        "basr %r14, %r4",
        "svc {exit}",            // SYS_exit ends this thread only, never the group;
        ".word 0",               // r2 still holds fn's return value: the exit status
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

/// The thread pointer: access registers a0 (high half) and a1 (low half), which
/// `CLONE_SETTLS` set from `tls`.
#[inline(always)]
pub(crate) unsafe fn thread_pointer() -> *mut c_void {
    let pointer;
    unsafe {
        asm!(
            "ear {0}, %a0",      // `ear` writes the low 32 bits only
            "sllg {0}, {0}, 32",
            "ear {0}, %a1",
            out(reg) pointer, options(nostack, nomem, preserves_flags),
        );
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
