//! arm (EABI, ARM or Thumb-2 state): `svc #0` with the number in r7 and the arguments
//! in r0..r4; clone's kernel order is flags, stack, ptid, tls, ctid, and clone3's args,
//! size. r7 is Thumb's frame pointer, which asm! refuses as an operand: it is saved and
//! put back around the trap, and the number (clone3's does not fit one ARMv5
//! immediate) comes in another register. The kernel preserves every register but r0,
//! in the child too, so `f` and `arg` wait in r5 and r8.

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
            "mov {saved}, r7",
            "mov r7, {nr}",
            "svc #0",
            "cmp r0, #0",
            "bne 2f",
            "mov r0, r8",
            "blx r5",
            "mov r7, #{exit}",
            "svc #0",
            "2:",
            "mov r7, {saved}",
            exit = const __NR_exit,
            saved = out(reg) _, nr = in(reg) nr,
            inlateout("r0") args[0] => ret, in("r1") args[1], in("r2") args[2], in("r3") args[3],
            in("r4") args[4], in("r5") f, in("r8") arg,
            options(nostack),
        );
    }
    ret
}
