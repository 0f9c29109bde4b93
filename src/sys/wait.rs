//! Waiting for children: `wait4`, `waitid` and the wait status.

use core::ffi::c_int;

use linux_raw_sys::general as kernel;

use super::check;
use crate::errno::Errno;
use crate::arch;
use crate::fd::BorrowedFd;
use crate::types::pid_t;

/// `wait4` option: return at once if no child has changed state.
pub const WNOHANG: c_int = kernel::WNOHANG as c_int;
/// `wait4` option `__WALL`: wait for every child, whatever its termination signal.
pub const WALL: c_int = kernel::__WALL as c_int;
/// `wait4` option `__WCLONE`: wait only for children whose termination signal is not
/// `SIGCHLD` (or that have none).
pub const WCLONE: c_int = kernel::__WCLONE as c_int;

/// `wait4(2)` without resource usage: waits for a child as `pid` selects (-1: any)
/// and returns its ID and wait status (0 as ID with [`WNOHANG`] when none changed).
pub fn wait4(pid: pid_t, options: c_int) -> Result<(pid_t, c_int), Errno> {
    let mut status: c_int = 0;
    let nr = kernel::__NR_wait4 as usize;
    let status_pointer = &raw mut status as usize;
    let ret = unsafe { arch::syscall4(nr, pid as usize, status_pointer, options as usize, 0) };
    check(ret).map(|pid| (pid as pid_t, status))
}

/// The exit status in a wait status (`WEXITSTATUS`), if the child exited normally.
pub const fn exit_status(wait_status: c_int) -> Option<c_int> {
    if wait_status & 0x7f == 0 { Some((wait_status >> 8) & 0xff) } else { None }
}

/// The signal that killed the child (`WTERMSIG`), if a signal did.
pub const fn termination_signal(wait_status: c_int) -> Option<c_int> {
    let signal = wait_status & 0x7f;
    if signal != 0 && signal != 0x7f { Some(signal) } else { None }
}

/// Whom [`waitid`] waits for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WaitId<'fd> {
    /// `P_ALL`: any child.
    All,
    /// `P_PID`: the child with this process ID.
    Pid(pid_t),
    /// `P_PGID`: any child in this process group (0: the caller's).
    ProcessGroup(pid_t),
    /// `P_PIDFD` (Linux 5.4): the child this PID file descriptor refers to.
    PidFd(BorrowedFd<'fd>),
}

/// [`waitid`] option: wait for children that have ended.
pub const WEXITED: c_int = kernel::WEXITED as c_int;
/// [`waitid`] option: wait for children stopped by a signal.
pub const WSTOPPED: c_int = kernel::WSTOPPED as c_int;
/// [`waitid`] option: wait for stopped children continued by `SIGCONT`.
pub const WCONTINUED: c_int = kernel::WCONTINUED as c_int;
/// [`waitid`] option: leave the child waitable (report it without reaping it).
pub const WNOWAIT: c_int = kernel::WNOWAIT as c_int;

/// [`WaitInfo::code`]: the child called `_exit` (or returned); `status` is its exit status.
pub const CLD_EXITED: c_int = kernel::CLD_EXITED as c_int;
/// [`WaitInfo::code`]: a signal killed the child; `status` is the signal.
pub const CLD_KILLED: c_int = kernel::CLD_KILLED as c_int;
/// [`WaitInfo::code`]: a signal killed the child and it dumped core; `status` is the signal.
pub const CLD_DUMPED: c_int = kernel::CLD_DUMPED as c_int;
/// [`WaitInfo::code`]: a traced child has trapped.
pub const CLD_TRAPPED: c_int = kernel::CLD_TRAPPED as c_int;
/// [`WaitInfo::code`]: a signal stopped the child; `status` is the signal.
pub const CLD_STOPPED: c_int = kernel::CLD_STOPPED as c_int;
/// [`WaitInfo::code`]: `SIGCONT` continued the stopped child.
pub const CLD_CONTINUED: c_int = kernel::CLD_CONTINUED as c_int;

/// What [`waitid`] reports about a child: the `SIGCHLD` fields of its `siginfo_t`,
/// read by name (mips orders `si_code` and `si_errno` its own way).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct WaitInfo {
    /// The child's process ID.
    pub pid: pid_t,
    /// The child's real user ID.
    pub uid: u32,
    /// What happened: [`CLD_EXITED`], [`CLD_KILLED`], [`CLD_DUMPED`], [`CLD_STOPPED`],
    /// [`CLD_TRAPPED`] or [`CLD_CONTINUED`].
    pub code: c_int,
    /// The exit status for [`CLD_EXITED`], else the signal.
    pub status: c_int,
}

impl WaitInfo {
    /// The same event as a `wait4` status word (what [`exit_status`] and
    /// [`termination_signal`] decode), for children that ended; `None` for the others.
    pub const fn wait_status(&self) -> Option<c_int> {
        match self.code {
            CLD_EXITED => Some((self.status & 0xff) << 8),
            CLD_KILLED => Some(self.status & 0x7f),
            CLD_DUMPED => Some((self.status & 0x7f) | 0x80),
            _ => None,
        }
    }
}

/// `waitid(2)`: waits for a child that `id` selects to change state as `options` asks
/// ([`WEXITED`], [`WSTOPPED`], [`WCONTINUED`], with [`WNOHANG`] and [`WNOWAIT`], and
/// [`WALL`]/[`WCLONE`] for children with another termination signal). Returns
/// `None` with [`WNOHANG`] when no selected child has changed state yet.
///
/// ```no_run
/// use freeclone::sys::{self, WaitId};
/// # let pidfd = freeclone::fd::STDIN;
/// let info = sys::waitid(WaitId::PidFd(pidfd), sys::WEXITED)?.expect("no WNOHANG");
/// println!("child {} ended with status {:?}", info.pid, info.wait_status());
/// # Ok::<(), freeclone::Errno>(())
/// ```
///
/// # Errors
/// `ECHILD` if no child is selected (or it was reaped already, or `SIGCHLD` is
/// ignored); `EINVAL` for an invalid `options`; `EBADF` for a [`WaitId::PidFd`] that is
/// not a PID file descriptor; `EAGAIN` for a non-blocking pidfd ([`PIDFD_NONBLOCK`](super::PIDFD_NONBLOCK))
/// whose child has not changed state; `EINTR`.
pub fn waitid(id: WaitId<'_>, options: c_int) -> Result<Option<WaitInfo>, Errno> {
    let (idtype, value) = match id {
        WaitId::All => (kernel::P_ALL, 0),
        WaitId::Pid(pid) => (kernel::P_PID, pid),
        WaitId::ProcessGroup(pgid) => (kernel::P_PGID, pgid),
        WaitId::PidFd(fd) => (kernel::P_PIDFD, fd.as_raw_fd()),
    };
    let mut info: kernel::siginfo = unsafe { core::mem::zeroed() };
    let nr = kernel::__NR_waitid as usize;
    // SAFETY: the kernel writes one siginfo_t; no resource usage is asked for.
    let ret = unsafe { arch::syscall5(nr, idtype as usize, value as usize, &raw mut info as usize, options as usize, 0) };
    check(ret)?;
    // SAFETY: a siginfo_t the kernel filled (or left zeroed): plain integers.
    let fields = unsafe { info.__bindgen_anon_1.__bindgen_anon_1 };
    // SAFETY: waitid fills the SIGCHLD member of the union.
    let sigchld = unsafe { fields._sifields._sigchld };
    // With WNOHANG and no change, the kernel leaves si_pid zero.
    Ok((sigchld._pid != 0).then_some(WaitInfo { pid: sigchld._pid, uid: sigchld._uid, code: fields.si_code, status: sigchld._status }))
}
