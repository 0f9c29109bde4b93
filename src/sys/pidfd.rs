//! PID file descriptors (Linux 5.3): a process named by a descriptor, with no PID reuse race.

use core::ffi::c_int;

use linux_raw_sys::general as kernel;

use super::check;
use crate::errno::Errno;
use crate::arch;
use crate::fd::{BorrowedFd, OwnedFd};
use crate::types::pid_t;

/// [`pidfd_open`] flag: the descriptor is non-blocking ([`waitid`](super::waitid) on a live process
/// answers `EAGAIN` instead of waiting).
pub const PIDFD_NONBLOCK: c_int = kernel::O_NONBLOCK as c_int;

/// `pidfd_open(2)` (Linux 5.3): a PID file descriptor for process `pid`, close-on-exec.
/// It refers to that process for as long as it is open, even after the process has
/// ended and its PID was reused: signals sent through it ([`pidfd_send_signal`]) never
/// reach another process. The caller owns it: dropping it closes it.
///
/// # Errors
/// `ESRCH` if no such process exists (or it has been reaped); `EINVAL` for an unknown
/// flag, a `pid` of 0 or below, or a thread that does not lead its thread group;
/// `ENOSYS` before Linux 5.3 (and under qemu-user before 8.0); `EMFILE`, `ENFILE`,
/// `ENOMEM`.
pub fn pidfd_open(pid: pid_t, flags: c_int) -> Result<OwnedFd, Errno> {
    let nr = kernel::__NR_pidfd_open as usize;
    // SAFETY: a descriptor the kernel just opened for the caller.
    check(unsafe { arch::syscall2(nr, pid as usize, flags as usize) }).map(|fd| unsafe { OwnedFd::from_raw_fd(fd as c_int) })
}

/// `pidfd_send_signal(2)` (Linux 5.1) with no `siginfo` and no flags: sends `signal` to
/// the process `pidfd` refers to, as `kill(2)` does, but with no PID-reuse race. A
/// `signal` of 0 only checks that the process can be signalled.
///
/// # Errors
/// `ESRCH` if the process has ended and been reaped (a zombie still accepts signals,
/// with no effect); `EBADF` if `pidfd` is not a PID file descriptor; `EINVAL` for an
/// invalid signal; `EPERM` without permission to signal it; `ENOSYS` before Linux 5.1.
pub fn pidfd_send_signal(pidfd: BorrowedFd<'_>, signal: c_int) -> Result<(), Errno> {
    let nr = kernel::__NR_pidfd_send_signal as usize;
    check(unsafe { arch::syscall4(nr, pidfd.as_raw_fd() as usize, signal as usize, 0, 0) }).map(drop)
}
