//! The raw system calls that mips' o32 (`mips/`) and n64 (`mips64/`) write alike: the
//! a3 error convention, and the calls whose arguments all travel in a0..a3 under both
//! ABIs. `syscall5` and `syscall6` stay in each folder: o32 passes their 5th and 6th
//! arguments on the stack. Each folder's `syscall_asm!` is its frame around `syscall`.

use core::arch::asm;

/// The kernel's error convention (a3 != 0, positive errno in v0) as -errno.
#[inline(always)]
pub(super) fn result(value: usize, error: usize) -> usize {
    if error != 0 { value.wrapping_neg() } else { value }
}

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> usize {
    let (value, error): (usize, usize);
    unsafe {
        syscall_asm!(inlateout("$2") nr => value, lateout("$7") error,
            lateout("$8") _, lateout("$9") _,);
    }
    result(value, error)
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> usize {
    let (value, error): (usize, usize);
    unsafe {
        syscall_asm!(inlateout("$2") nr => value, in("$4") a0, lateout("$7") error,
            lateout("$8") _, lateout("$9") _,);
    }
    result(value, error)
}

#[inline(always)]
pub(crate) unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    unsafe { asm!("syscall", in("$2") nr, in("$4") a0, options(nostack, noreturn)) }
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    let (value, error): (usize, usize);
    unsafe {
        syscall_asm!(inlateout("$2") nr => value, in("$4") a0, in("$5") a1,
            lateout("$7") error, lateout("$8") _, lateout("$9") _,);
    }
    result(value, error)
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let (value, error): (usize, usize);
    unsafe {
        syscall_asm!(inlateout("$2") nr => value, in("$4") a0, in("$5") a1, in("$6") a2,
            lateout("$7") error, lateout("$8") _, lateout("$9") _,);
    }
    result(value, error)
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let (value, error): (usize, usize);
    unsafe {
        syscall_asm!(inlateout("$2") nr => value, in("$4") a0, in("$5") a1, in("$6") a2,
            inlateout("$7") a3 => error, lateout("$8") _, lateout("$9") _,);
    }
    result(value, error)
}
