//! System calls by number, for what no wrapper covers.



use crate::arch;

/// Issues system call `nr` with no arguments and returns the raw result: a value, or
/// -errno in `-4095..=-1` on every architecture (see [`Errno::from_syscall_return`](crate::errno::Errno::from_syscall_return)).
///
/// # Safety
/// The system call must be safe to make: anything the kernel may do with it (ending
/// the process, remapping memory, writing through pointers) must be sound here.
#[inline(always)]
pub unsafe fn syscall0(nr: usize) -> usize {
    unsafe { arch::syscall0(nr) }
}

/// [`syscall0`] with one argument.
///
/// # Safety
/// As [`syscall0`]; pointer arguments must be valid for what the kernel does with them.
#[inline(always)]
pub unsafe fn syscall1(nr: usize, a0: usize) -> usize {
    unsafe { arch::syscall1(nr, a0) }
}

/// [`syscall0`] with two arguments.
///
/// # Safety
/// As [`syscall1`].
#[inline(always)]
pub unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    unsafe { arch::syscall2(nr, a0, a1) }
}

/// [`syscall0`] with three arguments.
///
/// # Safety
/// As [`syscall1`].
#[inline(always)]
pub unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    unsafe { arch::syscall3(nr, a0, a1, a2) }
}

/// [`syscall0`] with four arguments.
///
/// # Safety
/// As [`syscall1`].
#[inline(always)]
pub unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    unsafe { arch::syscall4(nr, a0, a1, a2, a3) }
}

/// [`syscall0`] with five arguments.
///
/// # Safety
/// As [`syscall1`].
#[inline(always)]
pub unsafe fn syscall5(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    unsafe { arch::syscall5(nr, a0, a1, a2, a3, a4) }
}

/// [`syscall0`] with six arguments.
///
/// # Safety
/// As [`syscall1`].
#[inline(always)]
pub unsafe fn syscall6(
    nr: usize,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
) -> usize {
    unsafe { arch::syscall6(nr, a0, a1, a2, a3, a4, a5) }
}
