//! mips64 n64: `syscall` with the number in v0; clone's kernel order is flags (a0),
//! stack (a1), ptid (a2), tls (a3), ctid (a4). The kernel sets a3 on error (v0 the
//! positive errno) and clobbers v1, a4..a7 and t0..t9 (a4/a5 counted conservatively),
//! hi/lo and $at; the last three, which asm! cannot name, ride through the trap on the
//! stack. The child gets the static registers back, so `f` and `arg` wait in s0 and s1.//! clone3 takes args (a0) and size (a1); its child starts on `stack + stack_size`.

use core::arch::asm;
use core::ffi::{c_int, c_void};

use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, clone_args};

use super::CloneFn;

/// n64: sp 16-aligned at a call, the return address in ra, no argument save area.
pub const ABI_FRAME_AT_FN_ENTRY: usize = 0;

#[inline(never)]
pub unsafe fn spawn(flags: usize, stack: *mut u8, ctid: *mut c_int, f: CloneFn, arg: *mut c_void) -> isize {
    let (value, error): (isize, usize);
    unsafe {
        asm!(
            ".set push",
            ".set noreorder",
            ".set noat",
            "daddiu $sp, $sp, -32",
            "sd $1, 16($sp)",
            "mfhi $24", "sd $24, 0($sp)", "mflo $24", "sd $24, 8($sp)",
            "syscall",
            "beqz $2, 3f",
            "nop",
            "ld $24, 0($sp)", "mthi $24", "ld $24, 8($sp)", "mtlo $24",
            "ld $1, 16($sp)",
            "b 4f",
            "daddiu $sp, $sp, 32",
            "3:",
            "move $25, $16",
            "jalr $25",
            "move $4, $17",
            "move $4, $2",
            "li $2, {exit}",
            "syscall",
            "4:",
            ".set pop",
            exit = const __NR_exit,
            inlateout("$2") __NR_clone as isize => value, in("$4") flags, in("$5") stack,
            in("$6") 0usize, inlateout("$7") 0usize => error, inlateout("$8") ctid => _,
            in("$16") f, in("$17") arg,
            lateout("$3") _, lateout("$9") _, lateout("$10") _, lateout("$11") _,
            lateout("$12") _, lateout("$13") _, lateout("$14") _, lateout("$15") _,
            lateout("$24") _, lateout("$25") _,
        );
    }
    if error != 0 { -value } else { value }
}

#[inline(never)]
pub unsafe fn spawn3(args: *const clone_args, size: usize, f: CloneFn, arg: *mut c_void) -> isize {
    let (value, error): (isize, usize);
    unsafe {
        asm!(
            ".set push",
            ".set noreorder",
            ".set noat",
            "daddiu $sp, $sp, -32",
            "sd $1, 16($sp)",
            "mfhi $24", "sd $24, 0($sp)", "mflo $24", "sd $24, 8($sp)",
            "syscall",
            "beqz $2, 3f",
            "nop",
            "ld $24, 0($sp)", "mthi $24", "ld $24, 8($sp)", "mtlo $24",
            "ld $1, 16($sp)",
            "b 4f",
            "daddiu $sp, $sp, 32",
            "3:",
            "move $25, $16",
            "jalr $25",
            "move $4, $17",
            "move $4, $2",
            "li $2, {exit}",
            "syscall",
            "4:",
            ".set pop",
            exit = const __NR_exit,
            inlateout("$2") __NR_clone3 as isize => value, in("$4") args, in("$5") size,
            inlateout("$7") 0usize => error, in("$16") f, in("$17") arg,
            lateout("$3") _, lateout("$6") _, lateout("$8") _, lateout("$9") _, lateout("$10") _,
            lateout("$11") _, lateout("$12") _, lateout("$13") _, lateout("$14") _, lateout("$15") _,
            lateout("$24") _, lateout("$25") _,
        );
    }
    if error != 0 { -value } else { value }
}
