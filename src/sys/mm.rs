//! Memory mappings: `mmap`, `munmap`, `mprotect`.

use core::ffi::c_int;

use linux_raw_sys::general as kernel;

use super::check;
use crate::errno::Errno;
use crate::arch;

/// `mmap` protection: readable.
pub const PROT_READ: c_int = kernel::PROT_READ as c_int;
/// `mmap` protection: writable.
pub const PROT_WRITE: c_int = kernel::PROT_WRITE as c_int;
/// `mmap` flag: changes are private to this process.
pub const MAP_PRIVATE: c_int = kernel::MAP_PRIVATE as c_int;
/// `mmap` flag: changes are shared with every process that maps the same memory.
pub const MAP_SHARED: c_int = kernel::MAP_SHARED as c_int;
/// `mmap` flag: not backed by a file (its value differs on mips).
pub const MAP_ANONYMOUS: c_int = kernel::MAP_ANONYMOUS as c_int;
/// `mmap` flag: the mapping is a stack (a hint for the kernel).
pub const MAP_STACK: c_int = kernel::MAP_STACK as c_int;

/// `mmap`/[`mprotect`] protection: no access at all.
pub const PROT_NONE: c_int = kernel::PROT_NONE as c_int;
/// `mmap`/[`mprotect`] protection: executable.
pub const PROT_EXEC: c_int = kernel::PROT_EXEC as c_int;

/// `mmap(2)` (through `mmap2` where the architecture has it, and s390x's argument
/// block). `offset` must be a
/// multiple of the page size.
///
/// # Safety
/// With `MAP_FIXED`, or over memory in use, the mapping replaces what was there.
pub unsafe fn mmap(
    address: *mut u8,
    length: usize,
    protection: c_int,
    flags: c_int,
    fd: c_int,
    offset: usize,
) -> Result<*mut u8, Errno> {
    let ret = unsafe {
        arch::mmap(address as usize, length, protection as usize, flags as usize, fd as usize, offset)
    };
    check(ret).map(|address| address as *mut u8)
}

/// `munmap(2)`.
///
/// # Safety
/// Nothing may use `address..address + length` afterwards.
pub unsafe fn munmap(address: *mut u8, length: usize) -> Result<(), Errno> {
    let nr = kernel::__NR_munmap as usize;
    check(unsafe { arch::syscall2(nr, address as usize, length) }).map(drop)
}

/// `mprotect(2)`: sets the protection of the pages in `address..address + length`
/// ([`PROT_NONE`], or [`PROT_READ`], [`PROT_WRITE`], [`PROT_EXEC`] combined). An
/// access the new protection forbids raises `SIGSEGV`. `address` must be page-aligned;
/// `length` is rounded up to whole pages.
///
/// Revoking access to memory in use is undefined behaviour, so this is `unsafe`:
///
/// ```compile_fail,E0133
/// let page = core::ptr::null_mut();
/// let _ = freeclone::sys::mprotect(page, 4096, freeclone::sys::PROT_NONE);
/// ```
///
/// # Errors
/// `EINVAL` if `address` is not page-aligned or `protection` has an unknown bit;
/// `ENOMEM` if part of the range is not mapped (or the change would split a mapping
/// beyond the maximum count); `EACCES` if the protection is not allowed for the
/// mapping (write to a shared mapping of a file opened read-only, execute on a
/// `noexec` mount).
///
/// # Safety
/// Until the protection allows it again, nothing in the process (any thread, and
/// without `CLONE_VM` any process sharing the pages through a shared mapping) may
/// access the pages in a way the new protection forbids: no Rust reference may point
/// into them if reading is revoked (the compiler may read through a live reference at
/// any time), no `&mut` or other writable place if writing is revoked, and no code may
/// run from them if execution is revoked. This includes what lies in the same pages
/// as the range's first and last bytes (the range is widened to whole pages), the
/// stack in use, and the code being executed.
pub unsafe fn mprotect(address: *mut u8, length: usize, protection: c_int) -> Result<(), Errno> {
    let nr = kernel::__NR_mprotect as usize;
    check(unsafe { arch::syscall3(nr, address as usize, length, protection as usize) }).map(drop)
}
