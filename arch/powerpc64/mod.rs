//! powerpc64: `sc`, number in r0, arguments in r3..r8; the kernel returns in r3 and sets
//! CR0.SO on error (r3 then holds the positive errno), and may clobber r0, r4..r12, ctr,
//! xer and cr0 (Documentation/arch/powerpc/syscall64-abi.rst). clone's kernel order
//! (CONFIG_CLONE_BACKWARDS): flags, stack, ptid, tls, ctid.
//! One source for both ELF ABIs: ELFv2 (powerpc64le), where a function pointer is the
//! code address and a function's global entry computes its TOC (r2) from r12, and ELFv1
//! (big-endian powerpc64), where a function pointer is a descriptor in .opd (entry
//! address, TOC, environment) and the caller loads r2 from it. They differ in the
//! `call_fn_in_r12!` lines, the frame a caller provides, and the symbols of functions
//! that are used through pointers (`asm_function!`, in probes.rs).

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit};

use crate::types::{CloneFn, pid_t};

// ---- Constants ----

/// Both ELF ABIs: r1 is 16-aligned at every call.
pub(crate) const STACK_ALIGNMENT: usize = 16;
/// The wrapper's own use of the child stack: the frame a caller provides, its back chain
/// word zero. ELFv2: the 32-byte header (back chain, CR, LR and TOC save words); `fn`
/// takes one argument in r3, so no parameter save area is needed.
#[cfg(target_abi = "elfv2")]
pub(crate) const CHILD_FRAME_SIZE: usize = 32;
/// ELFv1: the 48-byte header and the 64-byte parameter save area, which every caller
/// provides.
#[cfg(not(target_abi = "elfv2"))]
pub(crate) const CHILD_FRAME_SIZE: usize = 112;
/// Bytes a call leaves on the stack at the callee's entry: the return address stays in lr.
pub(crate) const RETURN_ADDRESS_ON_STACK: usize = 0;

/// Calls the `CloneFn` in r12 (`$branch`: `bctrl`, or `bctr` for a tail call).
/// ELFv2: through ctr with its address in r12, from which its global entry computes r2.
#[cfg(target_abi = "elfv2")]
macro_rules! call_fn_in_r12 {
    ($branch:literal) => {
        concat!("mtctr %r12\n", $branch)
    };
}
/// ELFv1: r12 points to a descriptor: entry address, TOC (into r2), environment (r11).
#[cfg(not(target_abi = "elfv2"))]
macro_rules! call_fn_in_r12 {
    ($branch:literal) => {
        concat!("ld %r0, 0(%r12)\n", "ld %r2, 8(%r12)\n", "ld %r11, 16(%r12)\n", "mtctr %r0\n", $branch)
    };
}

/// Rust's targets here probe every frame larger than a page (`stack-probes` inline),
/// so a frame of any size that overflows touches the guard first.
pub(crate) const STACK_PROBES: bool = true;

// ---- Raw system calls ----

/// `sc` (the same for both word sizes: shared with powerpc).
#[path = "../powerpc/syscalls.rs"]
mod syscalls;
pub(crate) use syscalls::{syscall0, syscall1, syscall1_noreturn, syscall2, syscall3, syscall4, syscall5, syscall6};

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
        "li %r0, 0",             // the child's sp: the frame fn's caller provides below
        "stdu %r0, -{frame}(%r4)", // the top, its back chain zero: the frame chain ends
        "std %r3, 8(%r4)",       // f and arg ride in that frame's CR and LR save words,
        "std %r6, 16(%r4)",      // which fn uses only once called: the kernel hands the
        "mr %r3, %r5",           // child no volatile register; flags
        "mr %r5, %r7",           // ptid
        "mr %r6, %r8",           // tls
        "mr %r7, %r9",           // ctid
        "li %r0, {clone}",
        "sc",
        "bns+ 1f",               // CR0.SO: r3 is a positive errno, return -errno
        "neg %r3, %r3",
        "1:",
        "cmpdi %r3, 0",
        "bnelr",                 // parent: TID or -errno; only the child sees 0
        ".cfi_endproc",
        ".cfi_startproc",
        ".cfi_undefined lr",     // the child's call chain starts here
        "ld %r3, 16(%r1)",
        "ld %r12, 8(%r1)",
        call_fn_in_r12!("bctrl"), // sp = top - frame, 16-aligned
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
        "std %r30, -16(%r1)",    // callee-saved: f and arg ride in r30 and r31, which the
        "std %r31, -8(%r1)",     // kernel hands the child; the red zone is this leaf's
        ".cfi_offset r30, -16",
        ".cfi_offset r31, -8",
        "mr %r30, %r5",
        "mr %r31, %r6",
        "li %r0, {clone3}",      // args and size are already in r3 and r4
        "sc",
        "bns+ 1f",               // CR0.SO: r3 is a positive errno, return -errno
        "neg %r3, %r3",
        "1:",
        "cmpdi %r3, 0",
        "beq 2f",                // only the child sees 0
        "ld %r30, -16(%r1)",
        "ld %r31, -8(%r1)",
        "blr",                   // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined lr",     // the child's call chain starts here
        "clrrdi %r1, %r1, 4",    // stack + stack_size carries no alignment promise
        "li %r0, 0",             // the frame fn's caller provides, its back chain zero:
        "stdu %r0, -{frame}(%r1)", // the frame chain ends
        "mr %r3, %r31",
        "mr %r12, %r30",
        call_fn_in_r12!("bctrl"),
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

/// The thread pointer: r13, which `CLONE_SETTLS` set to `tls` (a 64-bit task's; the C
/// libraries' TLS layout puts it 0x7000 past the TCB, which the kernel does not know).
#[inline(always)]
pub(crate) unsafe fn thread_pointer() -> *mut c_void {
    let pointer;
    unsafe { asm!("mr {}, %r13", out(reg) pointer, options(nostack, nomem, preserves_flags)) };
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
