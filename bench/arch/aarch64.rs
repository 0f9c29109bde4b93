//! aarch64: `svc #0` with the number in x8 and the arguments in x0..x4; clone's kernel
//! order is flags, stack, ptid, tls, ctid, and clone3's args, size. The kernel
//! preserves every register but x0, in the child too, so `f` and `arg` wait in any
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
            "svc #0",
            "cbnz x0, 2f",
            "mov x0, {arg}",
            "blr {f}",
            "mov x8, #{exit}",
            "svc #0",
            "2:",
            exit = const __NR_exit,
            arg = in(reg) arg, f = in(reg) f,
            inlateout("x0") args[0] => ret, in("x1") args[1], in("x2") args[2], in("x3") args[3],
            in("x4") args[4], in("x8") nr,
            options(nostack),
        );
    }
    ret
}
