//! Files and descriptors: open, read, write, pipes, `fcntl`, `dup3`, `poll`, the
//! working directory.

use core::ffi::{c_int, c_short};

use linux_raw_sys::general as kernel;

use super::{c_path, check};
use super::signal::SignalSet;
use crate::errno::Errno;
use crate::arch;
use crate::fd::{BorrowedFd, OwnedFd, RawFd};

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
/// `unlinkat` flag: remove a directory.
pub const AT_REMOVEDIR: c_int = kernel::AT_REMOVEDIR as c_int;

/// `poll`'s `struct pollfd`: a descriptor borrowed for `'fd`, the events asked for and
/// those that happened.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct PollFd<'fd> {
    fd: BorrowedFd<'fd>,
    events: c_short,
    revents: c_short,
}

const _: () = assert!(core::mem::size_of::<PollFd<'_>>() == core::mem::size_of::<kernel::pollfd>());

impl<'fd> PollFd<'fd> {
    /// Asks for `events` ([`POLLIN`], ...) on `fd`.
    pub const fn new(fd: BorrowedFd<'fd>, events: c_short) -> Self {
        PollFd { fd, events, revents: 0 }
    }

    /// The events that happened, filled in by [`poll`]: [`POLLHUP`] and [`POLLERR`]
    /// included even if not asked for.
    pub const fn revents(&self) -> c_short {
        self.revents
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
pub fn poll(fds: &mut [PollFd<'_>], timeout_ms: c_int) -> Result<usize, Errno> {
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
pub fn write(fd: BorrowedFd<'_>, bytes: &[u8]) -> Result<usize, Errno> {
    let nr = kernel::__NR_write as usize;
    check(unsafe { arch::syscall3(nr, fd.as_raw_fd() as usize, bytes.as_ptr() as usize, bytes.len()) })
}

/// `read(2)`: reads into `buffer` from `fd`, returning how many bytes were read.
pub fn read(fd: BorrowedFd<'_>, buffer: &mut [u8]) -> Result<usize, Errno> {
    let nr = kernel::__NR_read as usize;
    check(unsafe { arch::syscall3(nr, fd.as_raw_fd() as usize, buffer.as_mut_ptr() as usize, buffer.len()) })
}

/// `close(2)` of a descriptor this program owns, reporting the error that dropping an
/// [`OwnedFd`] ignores (`EIO` from some file systems, `EINTR`). The descriptor is
/// closed whatever the answer (Linux never leaves it open).
pub fn close(fd: OwnedFd) -> Result<(), Errno> {
    let raw = fd.into_raw_fd();
    // SAFETY: `fd` owned `raw`, whose ownership ends here.
    check(unsafe { arch::syscall1(kernel::__NR_close as usize, raw as usize) }).map(drop)
}

/// `close(2)` of a bare number, for the code that runs in a child between clone and
/// `execve`, whose descriptor table no `OwnedFd` describes.
///
/// # Safety
/// Nothing may use `fd` afterwards.
pub(crate) unsafe fn close_raw(fd: RawFd) -> Result<(), Errno> {
    check(unsafe { arch::syscall1(kernel::__NR_close as usize, fd as usize) }).map(drop)
}

/// `pipe2(2)`: returns the read end and the write end.
pub fn pipe2(flags: c_int) -> Result<(OwnedFd, OwnedFd), Errno> {
    let mut fds = [-1 as c_int; 2];
    let nr = kernel::__NR_pipe2 as usize;
    check(unsafe { arch::syscall2(nr, fds.as_mut_ptr() as usize, flags as usize) })?;
    // SAFETY: the kernel opened both for the caller alone.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
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
pub fn openat(dirfd: BorrowedFd<'_>, path: &core::ffi::CStr, flags: c_int, mode: u32) -> Result<OwnedFd, Errno> {
    let nr = kernel::__NR_openat as usize;
    let dirfd = dirfd.as_raw_fd() as usize;
    let ret = unsafe { arch::syscall4(nr, dirfd, c_path(path), flags as usize, mode as usize) };
    // SAFETY: a descriptor the kernel just opened for the caller.
    check(ret).map(|fd| unsafe { OwnedFd::from_raw_fd(fd as c_int) })
}

/// `mkdirat(2)`.
pub fn mkdirat(dirfd: BorrowedFd<'_>, path: &core::ffi::CStr, mode: u32) -> Result<(), Errno> {
    let nr = kernel::__NR_mkdirat as usize;
    check(unsafe { arch::syscall3(nr, dirfd.as_raw_fd() as usize, c_path(path), mode as usize) }).map(drop)
}

/// `unlinkat(2)` (with [`AT_REMOVEDIR`], `rmdir`).
pub fn unlinkat(dirfd: BorrowedFd<'_>, path: &core::ffi::CStr, flags: c_int) -> Result<(), Errno> {
    let nr = kernel::__NR_unlinkat as usize;
    check(unsafe { arch::syscall3(nr, dirfd.as_raw_fd() as usize, c_path(path), flags as usize) }).map(drop)
}

/// `readlinkat(2)`: the link's target into `buffer`, returning its length.
pub fn readlinkat(dirfd: BorrowedFd<'_>, path: &core::ffi::CStr, buffer: &mut [u8]) -> Result<usize, Errno> {
    let nr = kernel::__NR_readlinkat as usize;
    let buffer_pointer = buffer.as_mut_ptr() as usize;
    check(unsafe { arch::syscall4(nr, dirfd.as_raw_fd() as usize, c_path(path), buffer_pointer, buffer.len()) })
}

/// `fcntl(fd, F_GETFD)`: the descriptor flags, or `EBADF` for a closed descriptor.
pub fn fcntl_getfd(fd: BorrowedFd<'_>) -> Result<c_int, Errno> {
    let nr = kernel::__NR_fcntl as usize;
    check(unsafe { arch::syscall2(nr, fd.as_raw_fd() as usize, kernel::F_GETFD as usize) }).map(|flags| flags as c_int)
}

/// `fcntl(fd, F_SETFD, flags)`: sets the descriptor flags (`FD_CLOEXEC`, 1, is the only
/// one), for example 0 to keep `fd` open across `execve`.
pub fn fcntl_setfd(fd: BorrowedFd<'_>, flags: c_int) -> Result<(), Errno> {
    let nr = kernel::__NR_fcntl as usize;
    check(unsafe { arch::syscall3(nr, fd.as_raw_fd() as usize, kernel::F_SETFD as usize, flags as usize) }).map(drop)
}

/// `fcntl(fd, F_DUPFD_CLOEXEC, lowest)`: a close-on-exec copy of `fd` at the lowest
/// free number from `lowest` up.
pub fn fcntl_dupfd_cloexec(fd: BorrowedFd<'_>, lowest: RawFd) -> Result<OwnedFd, Errno> {
    let nr = kernel::__NR_fcntl as usize;
    let command = kernel::F_DUPFD_CLOEXEC as usize;
    let ret = unsafe { arch::syscall3(nr, fd.as_raw_fd() as usize, command, lowest as usize) };
    // SAFETY: a descriptor the kernel just made for the caller.
    check(ret).map(|new| unsafe { OwnedFd::from_raw_fd(new as c_int) })
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
pub unsafe fn dup3(old: BorrowedFd<'_>, new: RawFd, flags: c_int) -> Result<RawFd, Errno> {
    let nr = kernel::__NR_dup3 as usize;
    check(unsafe { arch::syscall3(nr, old.as_raw_fd() as usize, new as usize, flags as usize) }).map(|fd| fd as c_int)
}
