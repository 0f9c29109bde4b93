//! s390x: `svc 0` with the number in r1 (clone3's does not fit `svc`'s 8-bit operand)
//! and the arguments in r2..r6; clone's kernel order is stack, flags, ptid, ctid, tls,
//! and clone3's args, size. The kernel preserves every register but r2, in the child
//! too, so `f` and `arg` wait in r7 and r8.

use core::arch::asm;
use core::ffi::c_void;

use freeclone::CloneFn;
use linux_raw_sys::general::__NR_exit;

/// The system call `nr` with `args`; in the child (0), `f(arg)` below the save area
/// it owes `f`, and SYS_exit.
#[inline(never)]
pub(super) unsafe fn trap_and_run(nr: usize, args: [usize; 5], f: CloneFn, arg: *mut c_void) -> isize {
    let ret: isize;
    unsafe {
        asm!(
            "svc 0",
            "ltgr %r2, %r2",
            "jnz 2f",
            "aghi %r15, -160",
            "lgr %r2, %r8",
            "basr %r14, %r7",
            "svc {exit}",
            "2:",
            exit = const __NR_exit,
            in("r1") nr, inlateout("r2") args[0] => ret, in("r3") args[1], in("r4") args[2],
            in("r5") args[3], in("r6") args[4], in("r7") f, in("r8") arg,
            options(nostack),
        );
    }
    ret
}
