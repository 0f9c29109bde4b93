//! `mmap` where the system call takes the offset in bytes (`mmap`, not `mmap2`), as
//! every 64-bit architecture's but s390x's (which passes an argument block).

use linux_raw_sys::general::__NR_mmap;

use super::syscall6;

/// `mmap` takes six arguments, the offset in bytes.
#[inline(always)]
pub(crate) unsafe fn mmap(
    address: usize, length: usize, protection: usize, flags: usize, fd: usize, offset: usize,
) -> usize {
    unsafe { syscall6(__NR_mmap as usize, address, length, protection, flags, fd, offset) }
}
