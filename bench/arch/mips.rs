//! mips o32: `syscall` with the number in v0 and the arguments in a0..a3, a fifth at
//! 16(sp) of the caller's frame; clone's kernel order is flags, stack, ptid, tls, ctid,
//! and clone3's args, size. The kernel sets a3 on error (v0 the positive errno) and
//! clobbers v1, t0..t9, hi/lo and $at; the last three, which asm! cannot name, ride
//! through the trap in the same frame. The child gets the static registers back, so `f`
//! and `arg` wait in s0 and s1; it makes below its top the argument save area o32
//! reserves for `fn`.

use core::arch::asm;
use core::ffi::{c_int, c_void};

use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, clone_args};

use super::CloneFn;

/// o32: sp 8-aligned at a call, 16 bytes reserved above it for the callee's a0..a3.
pub const ABI_FRAME_AT_FN_ENTRY: usize = 16;

pub unsafe fn spawn(flags: usize, stack: *mut u8, ctid: *mut c_int, f: CloneFn, arg: *mut c_void) -> isize {
    unsafe { trap_and_run(__NR_clone as usize, [flags, stack as usize, 0, 0, ctid as usize], f, arg) }
}

pub unsafe fn spawn3(args: *const clone_args, size: usize, f: CloneFn, arg: *mut c_void) -> isize {
    unsafe { trap_and_run(__NR_clone3 as usize, [args as usize, size, 0, 0, 0], f, arg) }
}

/// The system call `nr` with `args`; in the child (0), `f(arg)` and SYS_exit.
#[inline(never)]
unsafe fn trap_and_run(nr: usize, args: [usize; 5], f: CloneFn, arg: *mut c_void) -> isize {
    let (value, error): (isize, usize);
    unsafe {
        asm!(
            ".set push",
            ".set noreorder",
            ".set noat",
            "addiu $sp, $sp, -40",
            "sw {fifth}, 16($sp)",
            "sw $1, 32($sp)",
            "mfhi $24", "sw $24, 24($sp)", "mflo $24", "sw $24, 28($sp)",
            "syscall",
            "beqz $2, 3f",
            "nop",
            "lw $24, 24($sp)", "mthi $24", "lw $24, 28($sp)", "mtlo $24",
            "lw $1, 32($sp)",
            "b 4f",
            "addiu $sp, $sp, 40",
            "3:",
            "addiu $sp, $sp, -16",
            "move $25, $16",
            "jalr $25",
            "move $4, $17",
            "move $4, $2",
            "li $2, {exit}",
            "syscall",
            "4:",
            ".set pop",
            exit = const __NR_exit,
            fifth = in(reg) args[4],
            inlateout("$2") nr as isize => value, in("$4") args[0], in("$5") args[1],
            in("$6") args[2], inlateout("$7") args[3] => error,
            in("$16") f, in("$17") arg,
            lateout("$3") _, lateout("$8") _, lateout("$9") _, lateout("$10") _, lateout("$11") _,
            lateout("$12") _, lateout("$13") _, lateout("$14") _, lateout("$15") _,
            lateout("$24") _, lateout("$25") _,
        );
    }
    if error != 0 { -value } else { value }
}
