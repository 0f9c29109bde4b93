//! powerpc and powerpc64: `sc` with the number in r0 and the arguments in r3..r7;
//! clone's kernel order is flags, stack, ptid, tls, ctid, and clone3's args, size. The
//! kernel sets CR0.SO on error (r3 the positive errno) and may clobber r0, r4..r12, ctr,
//! xer and cr0; the child gets the non-volatile registers back, so `f` and `arg` wait in
//! r14 and r15. The child tests the whole of r3 (a word on powerpc, a doubleword on
//! powerpc64) and calls `f` through ctr: with its address on powerpc and on ELFv2
//! (powerpc64le, which wants it in r12 too), through its descriptor on ELFv1
//! (big-endian powerpc64), which gives the entry address and r2.

use core::arch::asm;
use core::ffi::c_void;

use freeclone::CloneFn;
use linux_raw_sys::general::__NR_exit;

use super::ABI_FRAME_AT_FN_ENTRY;

/// The system call `nr` with `args`; in the child (0), `f(arg)` below the frame it owes
/// `f`, and SYS_exit.
#[inline(never)]
pub(super) unsafe fn trap_and_run(nr: usize, args: [usize; 5], f: CloneFn, arg: *mut c_void) -> isize {
    let ret: isize;
    unsafe {
        asm!(
            "sc",
            "bns+ 1f",
            "neg %r3, %r3",
            "1:",
            #[cfg(target_arch = "powerpc")]
            "cmpwi %r3, 0",
            #[cfg(target_arch = "powerpc64")]
            "cmpdi %r3, 0",
            "bne 2f",
            "addi %r1, %r1, -{frame}",
            "mr %r3, %r15",
            #[cfg(target_arch = "powerpc")]
            "mtctr %r14",
            #[cfg(all(target_arch = "powerpc64", target_abi = "elfv2"))]
            "mr %r12, %r14\nmtctr %r12",
            #[cfg(all(target_arch = "powerpc64", not(target_abi = "elfv2")))]
            "ld %r0, 0(%r14)\nld %r2, 8(%r14)\nmtctr %r0",
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
