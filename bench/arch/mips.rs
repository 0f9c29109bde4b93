//! mips (o32) and mips64 (n64): `syscall` with the number in v0 and the arguments in
//! a0..a3, the fifth at 16(sp) of the caller's frame on o32 and in a4 on n64; clone's
//! kernel order is flags, stack, ptid, tls, ctid, and clone3's args, size. The kernel
//! sets a3 on error (v0 the positive errno) and clobbers v1, t0..t9 (on n64 a4..a7,
//! a4/a5 counted conservatively), hi/lo and $at; the last three, which asm! cannot name,
//! ride through the trap on the stack (on o32 in the frame that holds the fifth
//! argument). The child gets the static registers back, so `f` and `arg` wait in s0 and
//! s1; on o32 it makes below its top the argument save area o32 reserves for `fn`.

use core::arch::asm;
use core::ffi::c_void;

use freeclone::CloneFn;
use linux_raw_sys::general::__NR_exit;

/// The system call `nr` with `args`; in the child (0), `f(arg)` and SYS_exit.
#[inline(never)]
pub(super) unsafe fn trap_and_run(nr: usize, args: [usize; 5], f: CloneFn, arg: *mut c_void) -> isize {
    let (value, error): (isize, usize);
    unsafe {
        asm!(
            ".set push",
            ".set noreorder",
            ".set noat",
            // Save $at, hi and lo; o32 also stores the fifth argument for the kernel.
            #[cfg(target_arch = "mips")]
            "addiu $sp, $sp, -40\nsw {fifth}, 16($sp)\nsw $1, 32($sp)",
            #[cfg(target_arch = "mips")]
            "mfhi $24\nsw $24, 24($sp)\nmflo $24\nsw $24, 28($sp)",
            #[cfg(target_arch = "mips64")]
            "daddiu $sp, $sp, -32\nsd $1, 16($sp)",
            #[cfg(target_arch = "mips64")]
            "mfhi $24\nsd $24, 0($sp)\nmflo $24\nsd $24, 8($sp)",
            "syscall",
            "beqz $2, 3f",
            "nop",
            // The parent: restore them and drop the frame (in the branch's delay slot).
            #[cfg(target_arch = "mips")]
            "lw $24, 24($sp)\nmthi $24\nlw $24, 28($sp)\nmtlo $24\nlw $1, 32($sp)",
            #[cfg(target_arch = "mips64")]
            "ld $24, 0($sp)\nmthi $24\nld $24, 8($sp)\nmtlo $24\nld $1, 16($sp)",
            "b 4f",
            #[cfg(target_arch = "mips")]
            "addiu $sp, $sp, 40",
            #[cfg(target_arch = "mips64")]
            "daddiu $sp, $sp, 32",
            "3:",
            #[cfg(target_arch = "mips")]
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
            #[cfg(target_arch = "mips")]
            fifth = in(reg) args[4],
            inlateout("$2") nr as isize => value, in("$4") args[0], in("$5") args[1],
            in("$6") args[2], inlateout("$7") args[3] => error,
            #[cfg(target_arch = "mips64")]
            inlateout("$8") args[4] => _,
            in("$16") f, in("$17") arg,
            lateout("$3") _,
            #[cfg(target_arch = "mips")]
            lateout("$8") _,
            lateout("$9") _, lateout("$10") _, lateout("$11") _,
            lateout("$12") _, lateout("$13") _, lateout("$14") _, lateout("$15") _,
            lateout("$24") _, lateout("$25") _,
        );
    }
    if error != 0 { -value } else { value }
}
