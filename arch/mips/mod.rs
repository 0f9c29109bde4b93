//! mips o32: `syscall`, number in v0 ($2), arguments in a0..a3 ($4..$7) and at 16(sp)
//! and 20(sp); the kernel returns in v0 and sets a3 on error (v0 then holds the
//! positive errno), and clobbers v1, t0..t9 and hi/lo. clone's kernel order: flags,
//! stack, ptid, tls, ctid.

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, __NR_mmap2};

use crate::types::{CloneFn, pid_t};

// ---- Constants ----

/// o32: sp is 8-aligned at a call.
pub(crate) const STACK_ALIGNMENT: usize = 8;
/// The wrapper's own use of the child stack: the 16-byte argument save area that o32
/// callers reserve for the callee's a0..a3.
pub(crate) const CHILD_FRAME_SIZE: usize = 16;
/// Bytes a call leaves on the stack at the callee's entry: the return address stays in ra.
pub(crate) const RETURN_ADDRESS_ON_STACK: usize = 0;

/// Rust's targets here do not probe large frames: a frame larger than the guard can
/// step over it.
pub(crate) const STACK_PROBES: bool = false;

// ---- Raw system calls ----

/// `syscall` in a 40-byte frame, where the kernel reads arguments 5..8 at 16..31(sp)
/// (`$store`s put 5 and 6 there; without the list, none). It clobbers v1, t0..t9,
/// hi/lo and $at; asm! can name none of the last three, and LLVM keeps live values in
/// $at, so they ride through the call at 24, 28 and 32(sp), which the kernel does not
/// write. (qemu-user preserves $at; a real kernel does not.)
macro_rules! syscall_asm {
    ([$($store:literal),*], $($operands:tt)*) => {
        asm!(
            "addiu $sp, $sp, -40",
            $($store,)*
            ".set push", ".set noat", "sw $1, 32($sp)",
            "mfhi $24", "sw $24, 24($sp)", "mflo $24", "sw $24, 28($sp)",
            "syscall",
            "lw $24, 24($sp)", "mthi $24", "lw $24, 28($sp)", "mtlo $24",
            "lw $1, 32($sp)", ".set pop",
            "addiu $sp, $sp, 40",
            $($operands)*
            lateout("$3") _, lateout("$10") _, lateout("$11") _, lateout("$12") _,
            lateout("$13") _, lateout("$14") _, lateout("$15") _, lateout("$24") _,
            lateout("$25") _, options(preserves_flags),
        )
    };
    ($($operands:tt)*) => {
        syscall_asm!([], $($operands)*)
    };
}

/// The a3 error convention and `syscall0`..`syscall4`, as mips64 writes them too.
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
        syscall_asm!(["sw $8, 16($sp)"],
            inlateout("$2") nr => value, in("$4") a0, in("$5") a1, in("$6") a2,
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
        syscall_asm!(["sw $8, 16($sp)", "sw $9, 20($sp)"],
            inlateout("$2") nr => value, in("$4") a0, in("$5") a1, in("$6") a2,
            inlateout("$7") a3 => error, inlateout("$8") a4 => _, inlateout("$9") a5 => _,);
    }
    result(value, error)
}

/// `mmap2`'s offset unit: 4096 bytes whatever the page size (the kernel shifts it).
const MMAP2_OFFSET_UNIT: usize = 4096;

/// `mmap2` takes six arguments, the offset in 4096-byte units.
#[inline(always)]
pub(crate) unsafe fn mmap(
    address: usize, length: usize, protection: usize, flags: usize, fd: usize, offset: usize,
) -> usize {
    let units = offset / MMAP2_OFFSET_UNIT;
    unsafe { syscall6(__NR_mmap2 as usize, address, length, protection, flags, fd, units) }
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
        ".set push",
        ".set noreorder",        // every delay slot below is filled by hand
        "addiu $sp, $sp, -32",   // the kernel reads arguments 5..8 at 16..31(sp)
        ".cfi_adjust_cfa_offset 32",
        "lw $8, 56($sp)",        // ctid: the 7th argument, at the caller's 24(sp)
        "sw $8, 16($sp)",        // is the syscall's 5th
        "addiu $5, $5, -16",     // the child's sp: fn's argument save area below the top
        "sw $4, 0($5)",          // f and arg ride there: the kernel gives the child
        "sw $7, 4($5)",          // no temporaries back
        "move $4, $6",           // flags
        "lw $6, 48($sp)",        // ptid: the caller's 16(sp)
        "lw $7, 52($sp)",        // tls: the caller's 20(sp)
        "li $2, {clone}",
        "syscall",
        "subu $8, $0, $2",       // a3 != 0: v0 is a positive errno, return -errno
        "movn $2, $8, $7",
        "beqz $2, 2f",           // only the child sees 0
        "nop",                   // delay slot: nothing to do
        "jr $31",                // parent: TID or -errno
        "addiu $sp, $sp, 32",    // delay slot: drop the frame on the way out
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined $31",    // the child's call chain starts here
        "move $30, $0",          // and so does its frame-pointer chain
        "lw $25, 0($sp)",        // f, called through t9 as PIC callees expect
        "jalr $25",              // sp = top - 16: the save area o32 reserves for fn
        "lw $4, 4($sp)",         // delay slot: arg
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
        "addiu $sp, $sp, -32",   // the kernel reads 16..31(sp) as arguments 5..8
        ".cfi_adjust_cfa_offset 32",
        "sw $16, 24($sp)",       // f and arg ride in s0 and s1, which the kernel hands
        ".cfi_rel_offset $16, 24", // the child (clone3 saves the static registers);
        "sw $17, 28($sp)",       // they are callee-saved, so the parent restores them
        ".cfi_rel_offset $17, 28",
        "move $16, $6",          // f
        "move $17, $7",          // arg
        "li $2, {clone3}",       // args and size are already in a0 and a1
        "syscall",
        "subu $8, $0, $2",       // a3 != 0: v0 is a positive errno, return -errno
        "movn $2, $8, $7",
        "beqz $2, 2f",           // only the child sees 0
        "nop",                   // delay slot: nothing to do
        "lw $16, 24($sp)",
        "lw $17, 28($sp)",
        "jr $31",                // parent: TID or -errno
        "addiu $sp, $sp, 32",    // delay slot: drop the frame on the way out
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined $31",    // the child's call chain starts here
        "move $30, $0",          // and so does its frame-pointer chain
        "li $8, -8",             // stack + stack_size carries no alignment promise:
        "and $sp, $sp, $8",      // o32 wants sp 8-aligned
        "addiu $sp, $sp, -16",   // fn's argument save area, as o32 callers reserve it
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

/// What `rdhwr` needs named in assembly, for `mips/tls.rs`: release 2 of MIPS32.
macro_rules! isa_r2 {
    () => { "mips32r2" };
}

/// The thread pointer, read as mips64 reads it.
#[path = "../mips/tls.rs"]
mod mips_tls;
pub(crate) use mips_tls::thread_pointer;

// ---- Signals ----

/// `sa_flags` first, as mips64 has it.
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
