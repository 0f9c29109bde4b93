//! The raw clone system call in the kernel's default argument order: flags, stack,
//! ptid, ctid, tls (no CONFIG_CLONE_BACKWARDS*).

use linux_raw_sys::general::__NR_clone;

use super::syscall5;

/// The raw clone system call in the kernel's argument order for this architecture.
#[inline(always)]
pub(crate) unsafe fn clone_syscall(
    flags: usize, stack: usize, ptid: usize, tls: usize, ctid: usize,
) -> usize {
    unsafe { syscall5(__NR_clone as usize, flags, stack, ptid, ctid, tls) }
}
