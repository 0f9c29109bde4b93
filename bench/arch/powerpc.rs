//! powerpc (32-bit): `sc` with the number in r0 and the arguments in r3..r7; clone's
//! kernel order is flags, stack, ptid, tls, ctid, and clone3's args, size. The kernel
//! sets CR0.SO on error (r3 the positive errno) and may clobber r0, r4..r12, ctr, xer
//! and cr0; the child gets the non-volatile registers back, so `f` and `arg` wait in
//! r14 and r15.

use core::arch::asm;
use core::ffi::{c_int, c_void};

use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, clone_args};

use super::CloneFn;

/// SysV powerpc: a caller provides an 8-byte frame header below its sp (back chain and
/// the callee's LR save word), kept 16-aligned; the return address stays in lr.
pub const ABI_FRAME_AT_FN_ENTRY: usize = 16;

pub unsafe fn spawn(flags: usize, stack: *mut u8, ctid: *mut c_int, f: CloneFn, arg: *mut c_void) -> isize {
    unsafe { trap_and_run(__NR_clone as usize, [flags, stack as usize, 0, 0, ctid as usize], f, arg) }
}

pub unsafe fn spawn3(args: *const clone_args, size: usize, f: CloneFn, arg: *mut c_void) -> isize {
    unsafe { trap_and_run(__NR_clone3 as usize, [args as usize, size, 0, 0, 0], f, arg) }
}

/// The system call `nr` with `args`; in the child (0), `f(arg)` below the frame it owes
/// `f`, and SYS_exit.
#[inline(never)]
unsafe fn trap_and_run(nr: usize, args: [usize; 5], f: CloneFn, arg: *mut c_void) -> isize {
    let ret: isize;
    unsafe {
        asm!(
            "sc",
            "bns+ 1f",
            "neg %r3, %r3",
            "1:",
            "cmpwi %r3, 0",
            "bne 2f",
            "addi %r1, %r1, -{frame}",
            "mr %r3, %r15",
            "mtctr %r14",
            "bctrl",
            "li %r0, {exit}",
            "sc",
            "2:",
            frame = const ABI_FRAME_AT_FN_ENTRY,
            exit = const __NR_exit,
            inlateout("r0") nr => _, inlateout("r3") args[0] => ret, inlateout("r4") args[1] => _,
            inlateout("r5") args[2] => _, inlateout("r6") args[3] => _, inlateout("r7") args[4] => _,
            in("r14") f, in("r15") arg,
            lateout("r8") _, lateout("r9") _, lateout("r10") _, lateout("r11") _, lateout("r12") _,
            lateout("ctr") _, lateout("xer") _, lateout("cr0") _, lateout("lr") _,
            options(nostack),
        );
    }
    ret
}
