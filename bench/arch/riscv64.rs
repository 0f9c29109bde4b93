//! riscv64: `ecall` with the number in a7 and the arguments in a0..a4; clone's kernel
//! order is flags, stack, ptid, tls, ctid, and clone3's args, size. The kernel
//! preserves every register but a0, in the child too, so `f` and `arg` wait in any
//! other register.

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
            "ecall",
            "bnez a0, 2f",
            "mv a0, {arg}",
            "jalr {f}",
            "li a7, {exit}",
            "ecall",
            "2:",
            exit = const __NR_exit,
            arg = in(reg) arg, f = in(reg) f,
            inlateout("a0") args[0] => ret, in("a1") args[1], in("a2") args[2], in("a3") args[3],
            in("a4") args[4], in("a7") nr,
            options(nostack),
        );
    }
    ret
}
