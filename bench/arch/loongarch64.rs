//! loongarch64: `syscall 0` with the number in a7 and the arguments in a0..a4; clone's
//! kernel order is flags, stack, ptid, ctid, tls, and clone3's args, size. The kernel
//! restores a1..a7 and the static registers, in the child too, but not t0..t8: `f` and
//! `arg` wait in a5 and a6.

use core::arch::asm;
use core::ffi::c_void;

use freeclone::CloneFn;
use linux_raw_sys::general::__NR_exit;

/// The system call `nr` with `args`; in the child (0), `f(arg)` and SYS_exit.
#[inline(never)]
pub(super) unsafe fn trap_and_run(nr: usize, args: [usize; 5], f: CloneFn, arg: *mut c_void) -> isize {
    let ret: isize;
    unsafe {
        asm!(
            "syscall 0",
            "bnez $a0, 2f",
            "move $a0, $a6",
            "jirl $ra, $a5, 0",
            "ori $a7, $zero, {exit}",
            "syscall 0",
            "2:",
            exit = const __NR_exit,
            inlateout("$r4") args[0] => ret, in("$r5") args[1], in("$r6") args[2], in("$r7") args[3],
            in("$r8") args[4], in("$r9") f, in("$r10") arg, in("$r11") nr,
            lateout("$r12") _, lateout("$r13") _, lateout("$r14") _, lateout("$r15") _,
            lateout("$r16") _, lateout("$r17") _, lateout("$r18") _, lateout("$r19") _,
            lateout("$r20") _, options(nostack),
        );
    }
    ret
}
