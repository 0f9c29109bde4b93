//! Files and descriptors: open, read, write, pipes, `fcntl`, `dup3`, `poll`, the
//! working directory.

use core::ffi::{c_int, c_short};

use linux_raw_sys::general as kernel;

use super::{c_path, check};
use super::signal::SignalSet;
use crate::errno::Errno;
use crate::arch;

/// `pipe2`/`open` flag: close the descriptor on `execve`.
pub const O_CLOEXEC: c_int = kernel::O_CLOEXEC as c_int;
/// `openat` flag: read only.
pub const O_RDONLY: c_int = kernel::O_RDONLY as c_int;
/// `openat` flag: the path must be a directory.
pub const O_DIRECTORY: c_int = kernel::O_DIRECTORY as c_int;
/// `openat` flag: create the file if it does not exist.
pub const O_CREAT: c_int = kernel::O_CREAT as c_int;
/// `openat` flag: write only.
pub const O_WRONLY: c_int = kernel::O_WRONLY as c_int;
/// `openat` flag: read and write.
pub const O_RDWR: c_int = kernel::O_RDWR as c_int;
/// `openat` flag: cut a regular file to length 0.
pub const O_TRUNC: c_int = kernel::O_TRUNC as c_int;
/// `openat` flag: every write goes to the end of the file.
pub const O_APPEND: c_int = kernel::O_APPEND as c_int;
/// The `dirfd` that makes `*at` calls resolve relative paths from the working directory.
pub const AT_FDCWD: c_int = kernel::AT_FDCWD;
/// `unlinkat` flag: remove a directory.
pub const AT_REMOVEDIR: c_int = kernel::AT_REMOVEDIR as c_int;

/// `poll`'s `struct pollfd`: a descriptor, the events asked for and those that
/// happened.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct PollFd {
    /// The descriptor (a negative one is ignored and its `revents` set to 0).
    pub fd: c_int,
    /// The events asked for: [`POLLIN`], ...
    pub events: c_short,
    /// Filled in by the kernel: the events that happened, [`POLLHUP`] and [`POLLERR`]
    /// included even if not asked for.
    pub revents: c_short,
}

const _: () = assert!(core::mem::size_of::<PollFd>() == core::mem::size_of::<kernel::pollfd>());

impl PollFd {
    /// Asks for `events` on `fd`.
    pub const fn new(fd: c_int, events: c_short) -> Self {
        PollFd { fd, events, revents: 0 }
    }
}

/// [`poll`] event: there is data to read (for a PID file descriptor: the process has
/// terminated).
pub const POLLIN: c_short = kernel::POLLIN as c_short;
/// [`poll`] event: writing will not block.
pub const POLLOUT: c_short = kernel::POLLOUT as c_short;
/// [`poll`] event (always reported): an error condition.
pub const POLLERR: c_short = kernel::POLLERR as c_short;
/// [`poll`] event (always reported): hang up (the other end of a pipe closed).
pub const POLLHUP: c_short = kernel::POLLHUP as c_short;

/// `poll(2)` (through `ppoll`, which every architecture has): waits until one of
/// `fds` has an event it asks for, at most `timeout_ms` milliseconds (0: return at
/// once; negative: no limit). Returns how many entries have a non-zero `revents`
/// (0: the time ran out).
pub fn poll(fds: &mut [PollFd], timeout_ms: c_int) -> Result<usize, Errno> {
    // ppoll's timespec is two longs on every architecture (the 32-bit ones take the
    // old 32-bit timespec through this number).
    let timeout = [
        core::ffi::c_long::from(timeout_ms / 1000),
        core::ffi::c_long::from(timeout_ms % 1000) * 1_000_000,
    ];
    let timeout_pointer = if timeout_ms < 0 { 0 } else { timeout.as_ptr() as usize };
    let nr = kernel::__NR_ppoll as usize;
    let size = core::mem::size_of::<SignalSet>();
    // SAFETY: the kernel writes only `revents` of the `fds.len()` entries.
    check(unsafe { arch::syscall5(nr, fds.as_mut_ptr() as usize, fds.len(), timeout_pointer, 0, size) })
}

/// `write(2)`: writes `bytes` to `fd`, returning how many were written.
pub fn write(fd: c_int, bytes: &[u8]) -> Result<usize, Errno> {
    let nr = kernel::__NR_write as usize;
    check(unsafe { arch::syscall3(nr, fd as usize, bytes.as_ptr() as usize, bytes.len()) })
}

/// `read(2)`: reads into `buffer` from `fd`, returning how many bytes were read.
pub fn read(fd: c_int, buffer: &mut [u8]) -> Result<usize, Errno> {
    let nr = kernel::__NR_read as usize;
    check(unsafe { arch::syscall3(nr, fd as usize, buffer.as_mut_ptr() as usize, buffer.len()) })
}

/// `close(2)`.
///
/// # Safety
/// The caller must own `fd` and nothing may use it afterwards: closing a descriptor
/// that something else owns (a `std::fs::File`, say) makes that owner's later use or
/// close reach whatever file next gets the same number.
///
/// ```compile_fail,E0133
/// let _ = freeclone::sys::close(3); // may close a descriptor another owner holds
/// ```
pub unsafe fn close(fd: c_int) -> Result<(), Errno> {
    check(unsafe { arch::syscall1(kernel::__NR_close as usize, fd as usize) }).map(drop)
}

/// `pipe2(2)`: returns the read end and the write end.
pub fn pipe2(flags: c_int) -> Result<[c_int; 2], Errno> {
    let mut fds = [-1 as c_int; 2];
    let nr = kernel::__NR_pipe2 as usize;
    check(unsafe { arch::syscall2(nr, fds.as_mut_ptr() as usize, flags as usize) })?;
    Ok(fds)
}

/// `chdir(2)`.
pub fn chdir(path: &core::ffi::CStr) -> Result<(), Errno> {
    check(unsafe { arch::syscall1(kernel::__NR_chdir as usize, c_path(path)) }).map(drop)
}

/// `getcwd(2)`: the working directory into `buffer`, returning its length without the NUL.
pub fn getcwd(buffer: &mut [u8]) -> Result<usize, Errno> {
    let nr = kernel::__NR_getcwd as usize;
    let length = check(unsafe { arch::syscall2(nr, buffer.as_mut_ptr() as usize, buffer.len()) })?;
    Ok(length.saturating_sub(1))
}

/// `umask(2)`: sets the file mode creation mask and returns the previous one.
pub fn umask(mask: u32) -> u32 {
    unsafe { arch::syscall1(kernel::__NR_umask as usize, mask as usize) as u32 }
}

/// `openat(2)`.
pub fn openat(dirfd: c_int, path: &core::ffi::CStr, flags: c_int, mode: u32) -> Result<c_int, Errno> {
    let nr = kernel::__NR_openat as usize;
    let ret = unsafe { arch::syscall4(nr, dirfd as usize, c_path(path), flags as usize, mode as usize) };
    check(ret).map(|fd| fd as c_int)
}

/// `mkdirat(2)`.
pub fn mkdirat(dirfd: c_int, path: &core::ffi::CStr, mode: u32) -> Result<(), Errno> {
    let nr = kernel::__NR_mkdirat as usize;
    check(unsafe { arch::syscall3(nr, dirfd as usize, c_path(path), mode as usize) }).map(drop)
}

/// `unlinkat(2)` (with [`AT_REMOVEDIR`], `rmdir`).
pub fn unlinkat(dirfd: c_int, path: &core::ffi::CStr, flags: c_int) -> Result<(), Errno> {
    let nr = kernel::__NR_unlinkat as usize;
    check(unsafe { arch::syscall3(nr, dirfd as usize, c_path(path), flags as usize) }).map(drop)
}

/// `readlinkat(2)`: the link's target into `buffer`, returning its length.
pub fn readlinkat(dirfd: c_int, path: &core::ffi::CStr, buffer: &mut [u8]) -> Result<usize, Errno> {
    let nr = kernel::__NR_readlinkat as usize;
    let buffer_pointer = buffer.as_mut_ptr() as usize;
    check(unsafe { arch::syscall4(nr, dirfd as usize, c_path(path), buffer_pointer, buffer.len()) })
}

/// `fcntl(fd, F_GETFD)`: the descriptor flags, or `EBADF` for a closed descriptor.
pub fn fcntl_getfd(fd: c_int) -> Result<c_int, Errno> {
    let nr = kernel::__NR_fcntl as usize;
    check(unsafe { arch::syscall2(nr, fd as usize, kernel::F_GETFD as usize) }).map(|flags| flags as c_int)
}

/// `fcntl(fd, F_SETFD, flags)`: sets the descriptor flags (`FD_CLOEXEC`, 1, is the only
/// one), for example 0 to keep `fd` open across `execve`.
pub fn fcntl_setfd(fd: c_int, flags: c_int) -> Result<(), Errno> {
    let nr = kernel::__NR_fcntl as usize;
    check(unsafe { arch::syscall3(nr, fd as usize, kernel::F_SETFD as usize, flags as usize) }).map(drop)
}

/// `fcntl(fd, F_DUPFD_CLOEXEC, lowest)`: a close-on-exec copy of `fd` at the lowest
/// free number from `lowest` up.
pub fn fcntl_dupfd_cloexec(fd: c_int, lowest: c_int) -> Result<c_int, Errno> {
    let nr = kernel::__NR_fcntl as usize;
    let command = kernel::F_DUPFD_CLOEXEC as usize;
    check(unsafe { arch::syscall3(nr, fd as usize, command, lowest as usize) }).map(|fd| fd as c_int)
}

/// `dup3(2)`: makes `new` a copy of `old`, closing what `new` was first.
///
/// # Safety
/// As [`close`] for `new`: the caller must own `new` (or it must be unused), since
/// whatever it referred to is closed.
///
/// ```compile_fail,E0133
/// let _ = freeclone::sys::dup3(0, 3, 0); // silently closes descriptor 3
/// ```
pub unsafe fn dup3(old: c_int, new: c_int, flags: c_int) -> Result<c_int, Errno> {
    let nr = kernel::__NR_dup3 as usize;
    check(unsafe { arch::syscall3(nr, old as usize, new as usize, flags as usize) }).map(|fd| fd as c_int)
}
