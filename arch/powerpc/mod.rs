//! powerpc (32-bit, SysV ABI): `sc`, number in r0, arguments in r3..r8; the kernel
//! returns in r3 and sets CR0.SO on error (r3 then holds the positive errno), and may
//! clobber r0, r4..r12, ctr, xer and cr0. clone's kernel order
//! (CONFIG_CLONE_BACKWARDS): flags, stack, ptid, tls, ctid.

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, __NR_mmap2};

use crate::types::{CloneFn, pid_t};

// ---- Constants ----

/// SysV powerpc: r1 is 16-aligned at every call.
pub(crate) const STACK_ALIGNMENT: usize = 16;
/// The wrapper's own use of the child stack: the frame header a caller provides (back
/// chain word, zero, and the word where the callee saves lr), 8 bytes rounded up to
/// keep r1 16-aligned.
pub(crate) const CHILD_FRAME_SIZE: usize = 16;
/// Bytes a call leaves on the stack at the callee's entry: the return address stays in lr.
pub(crate) const RETURN_ADDRESS_ON_STACK: usize = 0;

/// Rust's targets here probe every frame larger than a page (`stack-probes` inline),
/// so a frame of any size that overflows touches the guard first.
pub(crate) const STACK_PROBES: bool = true;

// ---- Raw system calls ----

/// `sc` (the same for both word sizes: shared with powerpc64).
#[path = "../powerpc/syscalls.rs"]
mod syscalls;
pub(crate) use syscalls::{syscall0, syscall1, syscall1_noreturn, syscall2, syscall3, syscall4, syscall5, syscall6};

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
        "li %r0, 0",             // the child's sp: the frame fn's caller provides below
        "stwu %r0, -{frame}(%r4)", // the top, its back chain zero: the frame chain ends
        "stw %r3, 8(%r4)",       // f and arg ride in that frame's padding above the
        "stw %r6, 12(%r4)",      // 8-byte header: the kernel hands the child no
        "mr %r3, %r5",           // volatile register; flags
        "mr %r5, %r7",           // ptid
        "mr %r6, %r8",           // tls
        "mr %r7, %r9",           // ctid
        "li %r0, {clone}",
        "sc",
        "bns+ 1f",               // CR0.SO: r3 is a positive errno, return -errno
        "neg %r3, %r3",
        "1:",
        "cmpwi %r3, 0",
        "bnelr",                 // parent: TID or -errno; only the child sees 0
        ".cfi_endproc",
        ".cfi_startproc",
        ".cfi_undefined lr",     // the child's call chain starts here
        "lwz %r3, 12(%r1)",
        "lwz %r0, 8(%r1)",
        "mtctr %r0",
        "bctrl",                 // sp = top - 16, 16-aligned
        "li %r0, {exit}",        // SYS_exit ends this thread only, never the group;
        "sc",                    // r3 still holds fn's return value: the exit status
        "trap",
        ".cfi_endproc",
        frame = const CHILD_FRAME_SIZE,
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
        "stwu %r1, -16(%r1)",    // no red zone in this ABI: a frame of its own
        ".cfi_adjust_cfa_offset 16",
        "stw %r14, 8(%r1)",      // callee-saved: f and arg ride in r14 and r15, which
        "stw %r15, 12(%r1)",     // the kernel hands the child (the lowest ones: a
        ".cfi_offset r14, -8",   // compiled caller saves from r31 down, and would hide
        ".cfi_offset r15, -4",   // a restore missing here from the register probe)
        "mr %r14, %r5",
        "mr %r15, %r6",
        "li %r0, {clone3}",      // args and size are already in r3 and r4
        "sc",
        "bns+ 1f",               // CR0.SO: r3 is a positive errno, return -errno
        "neg %r3, %r3",
        "1:",
        "cmpwi %r3, 0",
        "beq 2f",                // only the child sees 0
        "lwz %r14, 8(%r1)",
        "lwz %r15, 12(%r1)",
        "addi %r1, %r1, 16",
        "blr",                   // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined lr",     // the child's call chain starts here
        "clrrwi %r1, %r1, 4",    // stack + stack_size carries no alignment promise
        "li %r0, 0",             // the frame fn's caller provides, its back chain zero:
        "stwu %r0, -{frame}(%r1)", // the frame chain ends
        "mr %r3, %r15",
        "mtctr %r14",
        "bctrl",
        "li %r0, {exit}",        // SYS_exit ends this thread only, never the group;
        "sc",                    // r3 still holds fn's return value: the exit status
        "trap",
        ".cfi_endproc",
        frame = const CHILD_FRAME_SIZE,
        clone3 = const __NR_clone3,
        exit = const __NR_exit,
    )
}

// ---- TLS ----

/// `CLONE_SETTLS`'s `tls` is the new thread pointer itself.
#[path = "../generic/tls.rs"]
mod generic_tls;
pub(crate) use generic_tls::{TlsArgument, tls_argument, tls_argument_pointer};

/// The thread pointer: r2, which `CLONE_SETTLS` set to `tls` (a 32-bit task's; the C
/// libraries' TLS layout puts it 0x7000 past the TCB, which the kernel does not know).
#[inline(always)]
pub(crate) unsafe fn thread_pointer() -> *mut c_void {
    let pointer;
    unsafe { asm!("mr {}, %r2", out(reg) pointer, options(nostack, nomem, preserves_flags)) };
    pointer
}

// ---- Signals ----

/// The kernel returns from handlers through the vDSO's trampoline (glibc passes no
/// restorer either): no restorer needed.
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
