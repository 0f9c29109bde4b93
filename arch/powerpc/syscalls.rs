//! powerpc's raw system calls, the same for 32 and 64 bits: `sc` with the number in r0
//! and the arguments in r3..r8. Included by `powerpc/mod.rs` and `powerpc64/mod.rs`.

use core::arch::asm;

/// `sc`, with the kernel's error convention (CR0.SO set, positive errno in r3) turned
/// into -errno, and the registers it may clobber besides r0 and r3..r8.
macro_rules! sc_asm {
    ($($operands:tt)*) => {
        asm!(
            "sc",
            "bns+ 1f",
            "neg %r3, %r3",
            "1:",
            $($operands)*
            lateout("r9") _, lateout("r10") _, lateout("r11") _, lateout("r12") _,
            lateout("ctr") _, lateout("xer") _, lateout("cr0") _, options(nostack),
        )
    };
}

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> usize {
    let ret;
    unsafe {
        sc_asm!(inlateout("r0") nr => _, lateout("r3") ret, lateout("r4") _, lateout("r5") _,
            lateout("r6") _, lateout("r7") _, lateout("r8") _,);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> usize {
    let ret;
    unsafe {
        sc_asm!(inlateout("r0") nr => _, inlateout("r3") a0 => ret, lateout("r4") _,
            lateout("r5") _, lateout("r6") _, lateout("r7") _, lateout("r8") _,);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    unsafe { asm!("sc", in("r0") nr, in("r3") a0, options(nostack, noreturn)) }
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    let ret;
    unsafe {
        sc_asm!(inlateout("r0") nr => _, inlateout("r3") a0 => ret, inlateout("r4") a1 => _,
            lateout("r5") _, lateout("r6") _, lateout("r7") _, lateout("r8") _,);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    unsafe {
        sc_asm!(inlateout("r0") nr => _, inlateout("r3") a0 => ret, inlateout("r4") a1 => _,
            inlateout("r5") a2 => _, lateout("r6") _, lateout("r7") _, lateout("r8") _,);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    unsafe {
        sc_asm!(inlateout("r0") nr => _, inlateout("r3") a0 => ret, inlateout("r4") a1 => _,
            inlateout("r5") a2 => _, inlateout("r6") a3 => _, lateout("r7") _, lateout("r8") _,);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall5(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize,
) -> usize {
    let ret;
    unsafe {
        sc_asm!(inlateout("r0") nr => _, inlateout("r3") a0 => ret, inlateout("r4") a1 => _,
            inlateout("r5") a2 => _, inlateout("r6") a3 => _, inlateout("r7") a4 => _,
            lateout("r8") _,);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall6(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    let ret;
    unsafe {
        sc_asm!(inlateout("r0") nr => _, inlateout("r3") a0 => ret, inlateout("r4") a1 => _,
            inlateout("r5") a2 => _, inlateout("r6") a3 => _, inlateout("r7") a4 => _,
            inlateout("r8") a5 => _,);
    }
    ret
}
