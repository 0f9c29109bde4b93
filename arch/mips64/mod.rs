//! mips64 n64: `syscall`, number in v0 ($2), arguments in a0..a5 ($4..$9); the kernel
//! returns in v0 and sets a3 on error (v0 then holds the positive errno), and clobbers
//! v1, t0..t9 and hi/lo. clone's kernel order: flags, stack, ptid, tls, ctid.

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit};

use crate::types::{CloneFn, pid_t};

// ---- Constants ----

/// n64: sp is 16-aligned at a call.
pub(crate) const STACK_ALIGNMENT: usize = 16;
/// The wrapper's own use of the child stack: none, n64 has no argument save area.
pub(crate) const CHILD_FRAME_SIZE: usize = 0;
/// Bytes a call leaves on the stack at the callee's entry: the return address stays in ra.
pub(crate) const RETURN_ADDRESS_ON_STACK: usize = 0;

/// Rust's targets here do not probe large frames: a frame larger than the guard can
/// step over it.
pub(crate) const STACK_PROBES: bool = false;

// ---- Raw system calls ----

/// `syscall` with what the kernel clobbers: v1, a4..a7 and t0..t9 ($8..$15, $24,
/// $25; a4/a5 counted conservatively), and hi/lo and $at, which asm! cannot name
/// (LLVM keeps live values in $at): they ride through the call in a 32-byte frame.
/// (qemu-user preserves $at; a real kernel does not.)
macro_rules! syscall_asm {
    ($($operands:tt)*) => {
        asm!(
            "daddiu $sp, $sp, -32",
            ".set push", ".set noat", "sd $1, 16($sp)",
            "mfhi $24", "sd $24, 0($sp)", "mflo $24", "sd $24, 8($sp)",
            "syscall",
            "ld $24, 0($sp)", "mthi $24", "ld $24, 8($sp)", "mtlo $24",
            "ld $1, 16($sp)", ".set pop",
            "daddiu $sp, $sp, 32",
            $($operands)*
            lateout("$3") _, lateout("$10") _, lateout("$11") _, lateout("$12") _,
            lateout("$13") _, lateout("$14") _, lateout("$15") _, lateout("$24") _,
            lateout("$25") _, options(preserves_flags),
        )
    };
}

/// The a3 error convention and `syscall0`..`syscall4`, as mips (o32) writes them too.
#[path = "../mips/syscalls.rs"]
mod mips_syscalls;
pub(crate) use mips_syscalls::{syscall0, syscall1, syscall1_noreturn, syscall2, syscall3, syscall4};
use mips_syscalls::result;

#[inline(always)]
pub(crate) unsafe fn syscall5(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize,
) -> usize {
    let (value, error): (usize, usize);
    unsafe {
        syscall_asm!(inlateout("$2") nr => value, in("$4") a0, in("$5") a1, in("$6") a2,
            inlateout("$7") a3 => error, inlateout("$8") a4 => _, lateout("$9") _,);
    }
    result(value, error)
}

#[inline(always)]
pub(crate) unsafe fn syscall6(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    let (value, error): (usize, usize);
    unsafe {
        syscall_asm!(inlateout("$2") nr => value, in("$4") a0, in("$5") a1, in("$6") a2,
            inlateout("$7") a3 => error, inlateout("$8") a4 => _, inlateout("$9") a5 => _,);
    }
    result(value, error)
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
        ".set push",
        ".set noreorder",        // every delay slot below is filled by hand
        "daddiu $5, $5, -16",    // the child starts 16 below the top, where f and arg
        "sd $4, 0($5)",          // ride (the kernel gives it no temporaries back);
        "sd $7, 8($5)",          // it pops them before calling fn
        "move $4, $6",           // flags
        "move $6, $8",           // ptid
        "move $7, $9",           // tls
        "move $8, $10",          // ctid
        "li $2, {clone}",
        "syscall",
        "dsubu $12, $0, $2",     // a3 != 0: v0 is a positive errno, return -errno
        "movn $2, $12, $7",
        "beqz $2, 2f",           // only the child sees 0
        "nop",                   // delay slot: nothing to do
        "jr $31",                // parent: TID or -errno
        "nop",                   // delay slot: nothing to do
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined $31",    // the child's call chain starts here
        "move $30, $0",          // and so does its frame-pointer chain
        "ld $25, 0($sp)",        // f, called through t9 as PIC callees expect
        "ld $4, 8($sp)",         // arg
        "jalr $25",
        "daddiu $sp, $sp, 16",   // delay slot: fn starts on the aligned top
        "move $4, $2",           // fn's return value is the exit status
        "li $2, {exit}",         // SYS_exit ends this thread only, never the group
        "syscall",
        "break",
        ".set pop",
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
        ".set push",
        ".set noreorder",        // every delay slot below is filled by hand
        "daddiu $sp, $sp, -16",
        ".cfi_adjust_cfa_offset 16",
        "sd $16, 0($sp)",        // f and arg ride in s0 and s1, which the kernel hands
        ".cfi_rel_offset $16, 0", // the child (clone3 saves the static registers);
        "sd $17, 8($sp)",        // they are callee-saved, so the parent restores them
        ".cfi_rel_offset $17, 8",
        "move $16, $6",          // f
        "move $17, $7",          // arg
        "li $2, {clone3}",       // args and size are already in a0 and a1
        "syscall",
        "dsubu $12, $0, $2",     // a3 != 0: v0 is a positive errno, return -errno
        "movn $2, $12, $7",
        "beqz $2, 2f",           // only the child sees 0
        "nop",                   // delay slot: nothing to do
        "ld $16, 0($sp)",
        "ld $17, 8($sp)",
        "jr $31",                // parent: TID or -errno
        "daddiu $sp, $sp, 16",   // delay slot: drop the frame on the way out
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined $31",    // the child's call chain starts here
        "move $30, $0",          // and so does its frame-pointer chain
        "li $12, -16",           // stack + stack_size carries no alignment promise:
        "and $sp, $sp, $12",     // n64 wants sp 16-aligned
        "move $25, $16",         // f, called through t9 as PIC callees expect
        "jalr $25",
        "move $4, $17",          // delay slot: arg
        "move $4, $2",           // fn's return value is the exit status
        "li $2, {exit}",         // SYS_exit ends this thread only, never the group
        "syscall",
        "break",
        ".set pop",
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

/// What `rdhwr` needs named in assembly, for `mips/tls.rs`: release 2 of MIPS64.
macro_rules! isa_r2 {
    () => { "mips64r2" };
}

/// The thread pointer, read as mips (o32) reads it.
#[path = "../mips/tls.rs"]
mod mips_tls;
pub(crate) use mips_tls::thread_pointer;

// ---- Signals ----

/// `sa_flags` first, as mips (o32) has it.
#[path = "../mips/signals.rs"]
mod mips_signals;
pub(crate) use mips_signals::{SignalAction, signal_action, signal_action_handler};

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
