//! Child processes without hand-written unsafe code: [`Builder`] runs a Rust closure in
//! a fork-like child (a copy of the caller's memory), [`spawn_exec`] and [`Exec`] start
//! a program the way `posix_spawn` does (`CLONE_VM|CLONE_VFORK` on a small stack of its
//! own, so the cost does not grow with the caller's memory), and [`Child`] waits for,
//! signals and reports on either, through a PID file descriptor when asked for one.
//!
//! ```no_run
//! use freeclone::process::{self, Action, Exec};
//! use freeclone::sys::CStrArrayBuf;
//!
//! // An init starting a service on the console, in a session of its own.
//! let argv = CStrArrayBuf::new([c"/sbin/getty", c"console"]);
//! let envp = CStrArrayBuf::new([c"TERM=linux"]);
//! let actions = [Action::Setsid, Action::Chdir(c"/")];
//! let mut service = Exec::new(c"/sbin/getty", &argv, &envp).actions(&actions).spawn()?;
//! let status = service.wait()?; // an ExitStatus, which prints as std's does
//! # let _ = status;
//!
//! // Without options:
//! let mut child = process::spawn_exec(c"/bin/true", &CStrArrayBuf::new([c"true"]), &envp)?;
//! assert!(child.wait()?.success());
//! # Ok::<(), freeclone::Errno>(())
//! ```

use core::ffi::{CStr, c_int, c_void};
use core::fmt;
use core::mem::ManuallyDrop;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU8, Ordering};

use crate::flags::{
    CloneFlags,
    CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_FILES, CLONE_FS, CLONE_INTO_CGROUP, CLONE_NEWTIME, CLONE_PARENT,
    CLONE_PARENT_SETTID, CLONE_SETTLS, CLONE_SIGHAND, CLONE_THREAD, CLONE_VFORK, CLONE_VM, CSIGNAL,
};
use crate::signal::{SIGCHLD, SIGKILL, SIGSTOP};
use crate::stack::Stack;
use crate::sys::{self, CStrArray, SignalDisposition, SignalSet};
use crate::clone_args::CloneArgs;
use crate::errno::Errno;
use crate::fd::{AsFd, BorrowedFd, OwnedFd, RawFd};
use crate::sys::close_raw;
use crate::types::pid_t;

/// How a child ended, from its raw wait status (the `status` of `wait4(2)`): an exit
/// status, or the signal that killed it.
///
/// ```
/// use freeclone::process::ExitStatus;
/// let exited = ExitStatus::from_raw(3 << 8);
/// assert_eq!((exited.code(), exited.signal(), exited.success()), (Some(3), None, false));
/// assert_eq!(exited.to_string(), "exit status: 3");
/// let killed = ExitStatus::from_raw(9);
/// assert_eq!((killed.code(), killed.signal(), killed.core_dumped()), (None, Some(9), false));
/// assert_eq!(ExitStatus::from_raw(11 | 0x80).to_string(), "signal: 11 (core dumped)");
/// assert!(ExitStatus::from_raw(0).success());
/// assert_eq!(ExitStatus::from_raw(0x137f).to_string(), "stopped (signal: 19)");
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExitStatus(c_int);

impl ExitStatus {
    /// The status from a raw wait status, as `wait4(2)` stores it.
    pub const fn from_raw(raw: c_int) -> Self {
        ExitStatus(raw)
    }

    /// The raw wait status.
    pub const fn into_raw(self) -> c_int {
        self.0
    }

    /// The exit status (`WEXITSTATUS`, 0 to 255) if the child exited, `None` if a
    /// signal ended it.
    pub const fn code(self) -> Option<c_int> {
        sys::exit_status(self.0)
    }

    /// The signal that ended the child (`WTERMSIG`), if one did.
    pub const fn signal(self) -> Option<c_int> {
        sys::termination_signal(self.0)
    }

    /// Whether a signal ended the child and it dumped core (`WCOREDUMP`).
    pub const fn core_dumped(self) -> bool {
        self.signal().is_some() && self.0 & 0x80 != 0
    }

    /// Whether the child exited with status 0.
    pub const fn success(self) -> bool {
        matches!(self.code(), Some(0))
    }
}

impl fmt::Display for ExitStatus {
    /// As std's: `exit status: 3`, `signal: 9`, `signal: 11 (core dumped)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code(), self.signal()) {
            (Some(code), _) => write!(f, "exit status: {code}"),
            (None, Some(signal)) if self.core_dumped() => write!(f, "signal: {signal} (core dumped)"),
            (None, Some(signal)) => write!(f, "signal: {signal}"),
            // What a wait with WUNTRACED or WCONTINUED can also report.
            (None, None) if self.0 == 0xffff => write!(f, "continued"),
            (None, None) if self.0 & 0xff == 0x7f => write!(f, "stopped (signal: {})", (self.0 >> 8) & 0xff),
            (None, None) => write!(f, "unrecognised wait status: {:#x}", self.0),
        }
    }
}

/// A child process started by [`Builder`] or [`Exec`].
///
/// **Drop** closes the PID file descriptor, if there is one, and does nothing else: it
/// neither waits for nor kills the child (as `std::process::Child`). A child that ends
/// after its `Child` is dropped stays a zombie until something reaps it (a
/// `wait4(-1, ...)` of the program, or the parent's own exit, after which init reaps
/// it).
#[derive(Debug)]
pub struct Child {
    pid: pid_t,
    /// The PID file descriptor, if asked for.
    pidfd: Option<OwnedFd>,
    /// Set once the child has been reaped: its PID may then belong to another process.
    status: Option<ExitStatus>,
}

impl Child {
    /// A child whose pidfd the kernel stored at `pidfd` (-1: none).
    fn new(pid: pid_t, pidfd: RawFd) -> Self {
        // SAFETY: a descriptor the kernel just opened for this caller alone.
        let pidfd = (pidfd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(pidfd) });
        Child { pid, pidfd, status: None }
    }

    /// The child's process ID (in the caller's PID namespace).
    pub fn pid(&self) -> pid_t {
        self.pid
    }

    /// The child's PID file descriptor, if it was started with
    /// [`pidfd(true)`](Builder::pidfd): borrowed, for `poll` (readable once the child
    /// has ended), `setns` or `waitid(P_PIDFD)`. The `Child` owns it and closes it on
    /// drop.
    pub fn pidfd(&self) -> Option<BorrowedFd<'_>> {
        self.pidfd.as_ref().map(AsFd::as_fd)
    }

    /// Waits for the child to end and reaps it. A second call returns the same status
    /// without a system call.
    ///
    /// # Errors
    /// `ECHILD` if the child is not the caller's to wait for: created with
    /// `CLONE_PARENT` (it is the caller's parent's child), or reaped by someone else (a
    /// `wait4(-1, ...)` elsewhere, or `SIGCHLD` set to be ignored, which reaps children
    /// automatically).
    pub fn wait(&mut self) -> Result<ExitStatus, Errno> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        loop {
            match sys::wait4(self.pid, sys::WALL) {
                Ok((_, raw)) => return Ok(*self.status.insert(ExitStatus::from_raw(raw))),
                Err(Errno::EINTR) => continue,
                Err(errno) => return Err(errno),
            }
        }
    }

    /// Reaps the child if it has ended (`Some` with its status, cached as for
    /// [`wait`](Child::wait)), or returns `None` at once if it still runs.
    ///
    /// # Errors
    /// As [`wait`](Child::wait).
    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>, Errno> {
        if let Some(status) = self.status {
            return Ok(Some(status));
        }
        match sys::wait4(self.pid, sys::WALL | sys::WNOHANG)? {
            (0, _) => Ok(None),
            (_, raw) => Ok(Some(*self.status.insert(ExitStatus::from_raw(raw)))),
        }
    }

    /// Sends `signal` to the child (0: only checks that it could be sent).
    ///
    /// With a PID file descriptor it goes through `pidfd_send_signal`, which reaches
    /// this child or nobody. Without one it is `kill(pid, signal)`, which is as safe
    /// while the child is unreaped (a zombie keeps its PID) but would reach a stranger
    /// if something else reaped the child and its PID was reused. Once this `Child` has
    /// reaped the child ([`wait`](Child::wait) or [`try_wait`](Child::try_wait)), `kill`
    /// makes no system call and returns `ESRCH`: the PID may already be another
    /// process's.
    ///
    /// # Errors
    /// `ESRCH` once the child has been reaped; `EINVAL` for an invalid signal; `EPERM`
    /// if the child changed its credentials beyond the caller's reach.
    pub fn kill(&self, signal: c_int) -> Result<(), Errno> {
        if self.status.is_some() {
            return Err(Errno::ESRCH);
        }
        match self.pidfd() {
            Some(pidfd) => sys::pidfd_send_signal(pidfd, signal),
            None => sys::kill(self.pid, signal),
        }
    }
}

/// Flags [`Builder`] refuses (`EINVAL`, before any system call), each because it would
/// make the child share what a child with its own copy of memory must not:
/// - `CLONE_VM`: the child would run on, and write into, the caller's memory while the
///   caller runs too (use threads, or [`spawn_exec`] whose child runs only
///   freeclone's code).
/// - `CLONE_FILES`: the child's copies of the caller's owned descriptors (an `OwnedFd`,
///   a `File`) would close the caller's descriptors when dropped: I/O safety.
/// - `CLONE_SIGHAND`, `CLONE_THREAD`: need `CLONE_VM`.
/// - `CLONE_SETTLS`: a thread pointer the copied code has no thread-locals behind.
/// - `CLONE_PARENT_SETTID`, `CLONE_CHILD_SETTID`, `CLONE_CHILD_CLEARTID`: the kernel
///   would write through addresses nothing here keeps valid.
/// - `CLONE_PIDFD` and `CLONE_INTO_CGROUP` given raw: they need their field; use
///   [`Builder::pidfd`] and [`Builder::cgroup`].
/// - An exit signal in the flags' low byte: use [`Builder::exit_signal`]
///   (`CLONE_NEWTIME`, in the same byte, is a namespace flag and passes).
pub const REFUSED_FLAGS: CloneFlags = CLONE_VM
    .union(CLONE_FILES)
    .union(CLONE_SIGHAND)
    .union(CLONE_THREAD)
    .union(CLONE_SETTLS)
    .union(CLONE_PARENT_SETTID)
    .union(CLONE_CHILD_SETTID)
    .union(CLONE_CHILD_CLEARTID)
    .union(crate::flags::CLONE_PID)
    .union(CloneFlags::from_bits(CSIGNAL.bits() & !CLONE_NEWTIME.bits()))
    .union(CLONE_INTO_CGROUP);

/// What [`Exec`] refuses besides [`REFUSED_FLAGS`] (it sets `CLONE_VM|CLONE_VFORK`
/// itself): `CLONE_FS`, with which the child's [`Action::Chdir`] would move the
/// caller's working directory; `CLONE_PARENT`, with which the child would not be the
/// caller's to reap, so a failed exec would leave a zombie behind.
pub const EXEC_REFUSED_FLAGS: CloneFlags = REFUSED_FLAGS.union(CLONE_FS).union(CLONE_PARENT);

/// How to create a child process: flags (namespaces and the sharing that suits a child
/// with its own copy of memory), the exit signal and whether to get a PID file
/// descriptor. `spawn` (feature `rt`) and [`spawn_unchecked`](Builder::spawn_unchecked)
/// run a closure in the child; [`Exec::process`] uses the same settings for a program.
///
/// Every flag but [`REFUSED_FLAGS`] passes to the kernel unchanged: the namespaces
/// (`CLONE_NEWNS`, `CLONE_NEWUTS`, `CLONE_NEWIPC`, `CLONE_NEWNET`, `CLONE_NEWPID`,
/// `CLONE_NEWUSER`, `CLONE_NEWCGROUP`, `CLONE_NEWTIME`), `CLONE_FS`, `CLONE_SYSVSEM`,
/// `CLONE_PARENT`, `CLONE_VFORK`, `CLONE_IO`, `CLONE_PTRACE`, `CLONE_UNTRACED`,
/// `CLONE_CLEAR_SIGHAND`. An invalid combination comes back as the kernel's `Errno`
/// (`CLONE_NEWNS` with `CLONE_FS` is `EINVAL`; a namespace without privilege `EPERM`).
///
/// The request goes through [`clone3`](crate::clone3), which falls back to `clone`
/// where the kernel has no clone3 (the PID file descriptor then comes through clone's
/// `ptid`); what `clone` cannot express is `EINVAL` there.
#[derive(Copy, Clone, Debug)]
pub struct Builder<'fd> {
    flags: CloneFlags,
    exit_signal: c_int,
    pidfd: bool,
    cgroup: Option<BorrowedFd<'fd>>,
}

impl Default for Builder<'_> {
    fn default() -> Self {
        Builder::new()
    }
}

impl<'fd> Builder<'fd> {
    /// No flags, exit signal `SIGCHLD`, no PID file descriptor.
    pub const fn new() -> Self {
        Builder { flags: CloneFlags::empty(), exit_signal: SIGCHLD, pidfd: false, cgroup: None }
    }

    /// Adds `flags`: namespaces and the sharing [`REFUSED_FLAGS`] leaves (clone3's
    /// [`CLONE_CLEAR_SIGHAND`](crate::flags::CLONE_CLEAR_SIGHAND) included).
    pub const fn flags(mut self, flags: CloneFlags) -> Self {
        self.flags = self.flags.union(flags);
        self
    }

    /// The signal the parent receives when the child ends (default `SIGCHLD`; 0: none);
    /// a number outside `0..=`[`SIGNAL_COUNT`](sys::SIGNAL_COUNT) makes the spawn fail
    /// with `EINVAL`. [`Child::wait`] waits with `__WALL`, so it finds the child whatever
    /// the signal; but the signal is delivered to the parent like any other: one whose
    /// default action ends a process (`SIGHUP`, `SIGUSR1`, a real-time signal such as
    /// 64) ends the parent unless it handles, ignores or blocks that signal.
    ///
    /// An [`Exec`] child keeps it only until its `execve` succeeds: the kernel resets a
    /// new program's exit signal to `SIGCHLD`. If the `execve` (or an action) fails, the
    /// child exits with the signal given here.
    pub const fn exit_signal(mut self, signal: c_int) -> Self {
        self.exit_signal = signal;
        self
    }

    /// Whether to create a PID file descriptor for the child (`CLONE_PIDFD`, Linux
    /// 5.2): [`Child::pidfd`], and [`Child::kill`] through it.
    pub const fn pidfd(mut self, pidfd: bool) -> Self {
        self.pidfd = pidfd;
        self
    }

    /// Creates the child in the cgroup v2 directory `cgroup_fd` refers to
    /// (`CLONE_INTO_CGROUP`, Linux 5.7; clone3 only: `EINVAL` where clone3 is missing).
    pub const fn cgroup(mut self, cgroup_fd: BorrowedFd<'fd>) -> Self {
        self.cgroup = Some(cgroup_fd);
        self
    }

    /// `EINVAL` if the flags hold any of `refused`.
    fn check(&self, refused: CloneFlags) -> Result<(), Errno> {
        if self.flags.intersects(refused) { Err(Errno::EINVAL) } else { Ok(()) }
    }

    /// The clone3 arguments, with the pidfd written to `pidfd` if asked for.
    fn clone_args<'a>(&self, pidfd: &'a mut RawFd) -> CloneArgs<'a>
    where
        'fd: 'a,
    {
        let mut args = CloneArgs::new().flags(self.flags).exit_signal(self.exit_signal);
        if self.pidfd {
            args = args.pidfd(pidfd);
        }
        if let Some(cgroup_fd) = self.cgroup {
            args = args.cgroup(cgroup_fd);
        }
        args
    }

    /// Runs `f` in a new child process, in a copy of the caller's memory (as after
    /// `fork(2)`: no stack to give, the child goes on on its copy of the caller's), and
    /// returns the [`Child`]. `f`'s return value is the child's exit status (its low
    /// byte): when `f` returns, the child ends with `exit_group`, so threads `f`
    /// started end with it. The parent drops its own copy of `f` before returning;
    /// the child's copies of everything else are never dropped (as after `fork`, an
    /// exit runs no destructors).
    ///
    /// Safe because of `rt`: the [`Runtime`](crate::rt::Runtime) proves that
    /// freeclone's `_start` runs this program, so no C library's allocator locks,
    /// stdio buffers or thread-locals exist that another thread could have left
    /// half-updated in the copy. (A lock of the program's own that another thread
    /// holds stays held in the child: that can deadlock the child, not corrupt it.)
    /// Other programs use [`spawn_unchecked`](Builder::spawn_unchecked).
    ///
    /// A panic in `f` ends the child through `entry!`'s panic handler (exit status
    /// 101).
    ///
    /// ```no_run
    /// use freeclone::flags::{CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS};
    /// use freeclone::{process::Builder, sys};
    ///
    /// fn start_container(rt: freeclone::rt::Runtime) -> i32 {
    ///     let name = *b"container";
    ///     let container = Builder::new().flags(CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWNS).pidfd(true);
    ///     let mut child = container.spawn(&rt, || {
    ///         // PID 1 of its own PID namespace, with its own hostname.
    ///         if sys::getpid() != 1 || sys::sethostname(&name).is_err() { 1 } else { 0 }
    ///     }).expect("spawn");
    ///     child.wait().expect("wait").code().unwrap_or(128)
    /// }
    /// # fn main() { let _ = start_container; }
    /// ```
    ///
    /// Without a [`Runtime`](crate::rt::Runtime) it does not compile:
    ///
    /// ```compile_fail,E0061
    /// let child = freeclone::process::Builder::new().spawn(|| 0);
    /// ```
    ///
    /// # Errors
    /// `EINVAL` for [`REFUSED_FLAGS`] before any system call; otherwise the kernel's
    /// (see [`clone3`](crate::clone3)): `EPERM` for a namespace without privilege,
    /// `EINVAL` for an invalid combination, `EAGAIN`, `ENOMEM`, `ENOSPC`, `EUSERS`.
    #[cfg(feature = "rt")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
    pub fn spawn<F: FnOnce() -> c_int>(self, rt: &crate::rt::Runtime, f: F) -> Result<Child, Errno> {
        let _ = rt;
        // SAFETY: under freeclone's runtime there is no hidden state another thread
        // could hold half-updated (see above).
        unsafe { self.spawn_unchecked(f) }
    }

    /// `spawn` (feature `rt`) for any program, a std or C-library program included.
    ///
    /// A panic in `f` cannot unwind out of the child: in a program that unwinds it
    /// aborts the child (`SIGABRT`); under `panic = "abort"` the program's abort.
    ///
    /// ```compile_fail,E0133
    /// let child = freeclone::process::Builder::new().spawn_unchecked(|| 0);
    /// ```
    ///
    /// # Errors
    /// As `spawn`: `EINVAL` for [`REFUSED_FLAGS`] before any system call; otherwise the
    /// kernel's.
    ///
    /// # Safety
    /// The child is a copy of the calling thread alone, with a copy of memory that
    /// other threads may have been changing at that instant, as after `fork(2)`. If
    /// the program may have other threads (any std or glibc program may: the C
    /// library and std create some on their own), `f` and everything it calls must be
    /// async-signal-safe: no allocation, no locks (a lock held by another thread stays
    /// held, a structure it was changing stays half-changed), no stdio or `println!`,
    /// no thread-locals (std's and the C library's refer to the parent's thread), no
    /// unwinding; only system calls (such as [`sys`]'s) and its own stack and
    /// captures. In a single-threaded program, `f` may do whatever the program may.
    pub unsafe fn spawn_unchecked<F: FnOnce() -> c_int>(self, f: F) -> Result<Child, Errno> {
        self.check(REFUSED_FLAGS)?;
        let mut f = ManuallyDrop::new(f);
        let mut pidfd: RawFd = -1;
        let args = self.clone_args(&mut pidfd);
        // SAFETY: no stack and no CLONE_VM (refused): the child runs `run_closure` on
        // its copy of this stack, where `arg` points to its copy of `f`. The caller
        // promises that `f` may run there.
        let result = unsafe { crate::clone::clone3(&args, run_closure::<F>, (&raw mut f).cast()) };
        // SAFETY: the parent's copy of `f`, never used again; the child took its own.
        unsafe { ManuallyDrop::drop(&mut f) };
        result.map(|pid| Child::new(pid, pidfd))
    }
}

/// The child's side of [`Builder::spawn_unchecked`]: takes the closure out of the
/// child's copy of the parent's frame and ends the child with its value.
extern "C" fn run_closure<F: FnOnce() -> c_int>(arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the child's copy of the parent's `ManuallyDrop<F>`, taken once:
    // the parent's own copy is a different object in different memory.
    let f = unsafe { ManuallyDrop::take(&mut *arg.cast::<ManuallyDrop<F>>()) };
    sys::exit_group(f())
}

/// One step [`Exec`] takes in the child, in order, before `execve`. The child has its
/// own descriptor table (`CLONE_FILES` is refused), so these change nothing of the
/// caller's.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Action<'a> {
    /// `dup2(from, to)`: `to` becomes a copy of `from` (without close-on-exec). With
    /// `from == to`, clears `from`'s close-on-exec flag instead, as
    /// `posix_spawn_file_actions_adddup2` does, so a descriptor opened with
    /// `O_CLOEXEC` is passed on.
    Dup2 {
        /// The caller's descriptor to copy.
        from: BorrowedFd<'a>,
        /// The number it gets in the child.
        to: RawFd,
    },
    /// `close(fd)` of the child's descriptor `fd`; one that is not open is `EBADF`.
    Close(RawFd),
    /// `chdir(path)`.
    Chdir(&'a CStr),
    /// `setsid()`: a new session and process group, no controlling terminal.
    Setsid,
    /// `setpgid(0, pgid)`: joins process group `pgid` (0: a new one led by the child).
    Setpgid(pid_t),
}

impl Action<'_> {
    /// Whether the action names descriptor `fd` (as source, target or the one closed).
    fn names(&self, fd: RawFd) -> bool {
        match *self {
            Action::Dup2 { from, to } => from.as_raw_fd() == fd || to == fd,
            Action::Close(closed) => closed == fd,
            Action::Chdir(_) | Action::Setsid | Action::Setpgid(_) => false,
        }
    }

    fn apply(&self) -> Result<(), Errno> {
        match *self {
            Action::Dup2 { from, to } if from.as_raw_fd() == to => sys::fcntl_setfd(from, 0),
            // SAFETY: in the child's own descriptor table, which nothing owns but this
            // code until execve.
            Action::Dup2 { from, to } => unsafe { sys::dup3(from, to, 0) }.map(drop),
            // SAFETY: as above.
            Action::Close(fd) => unsafe { close_raw(fd) },
            Action::Chdir(path) => sys::chdir(path),
            Action::Setsid => sys::setsid().map(drop),
            Action::Setpgid(pgid) => sys::setpgid(0, pgid),
        }
    }
}

/// A program to start as [`spawn_exec`] does, with options: [`Action`]s applied in the
/// child in order, the child's signal mask and dispositions, and a [`Builder`]'s
/// flags (namespaces), exit signal and PID file descriptor.
///
/// **How, and why it is safe.** As glibc's `posix_spawn`: the child is created with
/// `CLONE_VM|CLONE_VFORK` on a small stack of its own ([`Stack`], 64 KiB), so no page
/// tables are copied and the cost does not grow with the caller's memory; the calling
/// thread is suspended by the kernel until the child has called `execve` or exited.
/// The child shares the caller's memory meanwhile, which is sound because it runs only
/// this module's code: it reads the `Exec` (borrowed, so nothing changes it), touches
/// no thread-locals, allocates nothing, takes no lock, and writes only its own stack
/// and an atomic result slot in the caller's frame. All signals are blocked in the
/// caller around the clone, so the child starts with all blocked; before unblocking,
/// it resets every signal that has a handler to `SIG_DFL` (the child has its own copy
/// of the handler table but shares memory: a handler of the caller's must never run
/// in it), then sets its mask (the caller's, or [`signal_mask`](Exec::signal_mask)),
/// applies the actions and calls `execve`. A failed action or `execve` stores its
/// `Errno` in the slot and exits; the caller reaps that child and returns the
/// `Errno`: a failure is never a child exiting 127 and leaves no zombie.
///
/// Where `CLONE_VM|CLONE_VFORK` is run as a plain fork (qemu-user does), the child's
/// write would not reach the caller: the first spawn also passes a close-on-exec pipe
/// the child reports through, and if the child's write did not arrive, every later
/// spawn uses the pipe too. The pipe is invisible to the actions, as in musl: the child
/// closes the read end first, and moves the write end to a higher number before an
/// action that names it, so an action on its numbers behaves as if it did not exist
/// (`EBADF` for a descriptor the caller never opened) and the report still arrives.
///
/// ```no_run
/// use freeclone::flags::{CLONE_NEWNS, CLONE_NEWPID};
/// use freeclone::process::{Action, Builder, Exec};
/// use freeclone::sys::{self, CStrArrayBuf};
/// use freeclone::fd::AsFd;
///
/// let (read, write) = sys::pipe2(sys::O_CLOEXEC)?;
/// let argv = CStrArrayBuf::new([c"/bin/echo", c"hello"]);
/// let envp = CStrArrayBuf::new([c"PATH=/bin"]);
/// let actions = [Action::Dup2 { from: write.as_fd(), to: 1 }, Action::Chdir(c"/")];
/// let mut child = Exec::new(c"/bin/echo", &argv, &envp)
///     .actions(&actions)
///     .process(Builder::new().flags(CLONE_NEWPID | CLONE_NEWNS).pidfd(true))
///     .spawn()?;
/// # let _ = (read, &mut child);
/// # Ok::<(), freeclone::Errno>(())
/// ```
///
/// The strings must live until `spawn` returns, which the borrows enforce:
///
/// ```compile_fail,E0597
/// use freeclone::{process::Exec, sys::{CStrArray, CStrArrayBuf}};
/// let exec;
/// {
///     let argv = CStrArrayBuf::new([c"/bin/true"]);
///     exec = Exec::new(c"/bin/true", &argv, CStrArray::EMPTY);
/// } // `argv` ends here
/// let _ = exec.spawn();
/// ```
#[derive(Copy, Clone, Debug)]
pub struct Exec<'a> {
    path: &'a CStr,
    argv: &'a CStrArray<'a>,
    envp: &'a CStrArray<'a>,
    actions: &'a [Action<'a>],
    signal_mask: Option<SignalSet>,
    default_signals: Option<SignalSet>,
    process: Builder<'a>,
}

/// The child's stack for [`Exec`]: far more than its few frames need (its pages are
/// touched only as used).
const EXEC_STACK_SIZE: usize = 64 * 1024;

/// Whether a `CLONE_VM|CLONE_VFORK` child's writes reach the caller here: not yet
/// known, yes, or no (the clone was run as a plain fork).
static VFORK_SHARES_MEMORY: AtomicU8 = AtomicU8::new(UNKNOWN);
const UNKNOWN: u8 = 0;
const SHARED: u8 = 1;
const NOT_SHARED: u8 = 2;

/// What the child of [`Exec::spawn`] reads (all of it the caller's, shared).
struct ExecChild<'e, 'a> {
    exec: &'e Exec<'a>,
    /// The caller's signal mask before it blocked everything.
    caller_mask: SignalSet,
    /// Set by the child first thing: if the caller sees it, memory is shared.
    started: AtomicBool,
    /// The errno of the failed step, 0 if the child reached a successful execve.
    errno: AtomicI32,
    /// The failed step, as [`SpawnStep::encode`] writes it.
    step: AtomicI32,
    /// The report pipe (read end, write end), or `None` where memory is known to be
    /// shared.
    report_pipe: Option<(RawFd, RawFd)>,
}

impl<'a> Exec<'a> {
    /// The program at `path`, started with `argv` (`argv[0]` is, by convention, its
    /// name) and the environment `envp`, with no actions, the caller's signal mask
    /// and [`Builder::new`]'s settings.
    pub const fn new(path: &'a CStr, argv: &'a CStrArray<'a>, envp: &'a CStrArray<'a>) -> Self {
        Exec { path, argv, envp, actions: &[], signal_mask: None, default_signals: None, process: Builder::new() }
    }

    /// The steps the child takes, in order, before `execve`.
    pub const fn actions(mut self, actions: &'a [Action<'a>]) -> Self {
        self.actions = actions;
        self
    }

    /// The child's signal mask (`POSIX_SPAWN_SETSIGMASK`); by default the caller's.
    pub const fn signal_mask(mut self, mask: SignalSet) -> Self {
        self.signal_mask = Some(mask);
        self
    }

    /// Signals to reset to `SIG_DFL` in the child besides those with a handler, which
    /// are always reset (`POSIX_SPAWN_SETSIGDEF`): for signals the caller ignores
    /// (`SIG_IGN`, which `execve` keeps).
    pub const fn default_signals(mut self, signals: SignalSet) -> Self {
        self.default_signals = Some(signals);
        self
    }

    /// The flags (namespaces), exit signal and PID file descriptor of `builder`;
    /// `CLONE_VM|CLONE_VFORK` are added. Besides [`REFUSED_FLAGS`], `CLONE_FS` and
    /// `CLONE_PARENT` are refused ([`EXEC_REFUSED_FLAGS`]).
    pub const fn process(mut self, builder: Builder<'a>) -> Self {
        self.process = builder;
        self
    }

    /// Starts the program: returns once the child has called `execve` successfully,
    /// with the [`Child`]; see [`Exec`] for how.
    ///
    /// # Errors
    /// A [`SpawnError`] naming the step that failed and its `Errno`:
    /// - [`SpawnStep::Clone`]: `EINVAL` for [`EXEC_REFUSED_FLAGS`], before any system
    ///   call; the clone's (`EPERM` for a namespace without privilege, `EAGAIN`,
    ///   `ENOMEM`), `mmap`'s for the child's stack, `pipe2`'s.
    /// - [`SpawnStep::SignalMask`], [`SpawnStep::Action`] (the index of the first
    ///   failed action) or [`SpawnStep::Execve`] ([`sys::execve`] lists its errors:
    ///   `ENOENT` for a missing path, `EACCES`, `ENOEXEC`, ...): that child has been
    ///   reaped.
    pub fn spawn(&self) -> Result<Child, SpawnError> {
        self.spawn_child().map_err(|errno| SpawnError { step: SpawnStep::Clone, errno })?
    }

    /// [`spawn`](Exec::spawn): the outer error is the parent's own (the clone step's),
    /// the inner one the child's report.
    fn spawn_child(&self) -> Result<Result<Child, SpawnError>, Errno> {
        self.process.check(EXEC_REFUSED_FLAGS)?;
        let mut stack = Stack::new(EXEC_STACK_SIZE)?;
        let report_pipe = match VFORK_SHARES_MEMORY.load(Ordering::Relaxed) {
            SHARED => None,
            _ => Some(sys::pipe2(sys::O_CLOEXEC)?),
        };
        let caller_mask = sys::sigprocmask(sys::SIG_SETMASK, &sys::full_signal_set())?;
        let child = ExecChild {
            exec: self,
            caller_mask,
            started: AtomicBool::new(false),
            errno: AtomicI32::new(0),
            step: AtomicI32::new(0),
            report_pipe: report_pipe.as_ref().map(|(read, write)| (read.as_raw_fd(), write.as_raw_fd())),
        };
        let mut pidfd: RawFd = -1;
        let args = self
            .process
            .clone_args(&mut pidfd)
            .flags(CLONE_VM.union(CLONE_VFORK))
            .stack(stack.area());
        // SAFETY: the child runs `exec_child` on `stack`, which lives until after the
        // child has called execve or exited (the kernel suspends this thread until
        // then; where it does not, the child has its own copy of the stack). It reads
        // `child`, which outlives the call too, and shares nothing else it could break
        // (see `Exec`).
        let result = unsafe { crate::clone::clone3(&args, exec_child, (&raw const child).cast_mut().cast()) };
        let _ = sys::sigprocmask(sys::SIG_SETMASK, &caller_mask);
        let pid = result?;
        let (step, errno) = match (child.started.load(Ordering::Acquire), report_pipe) {
            (true, _) => {
                VFORK_SHARES_MEMORY.store(SHARED, Ordering::Relaxed);
                (child.step.load(Ordering::Acquire), child.errno.load(Ordering::Acquire))
            }
            // The child's writes did not reach this memory: it ran in a copy.
            (false, Some((read, write))) => {
                VFORK_SHARES_MEMORY.store(NOT_SHARED, Ordering::Relaxed);
                drop(write);
                read_report(read.as_fd())
            }
            // Memory is shared here, yet the child never started: a signal (SIGKILL)
            // ended it first, which its status shows.
            (false, None) => (0, 0),
        };
        let mut spawned = Child::new(pid, pidfd);
        if errno == 0 {
            return Ok(Ok(spawned));
        }
        // The child exited after the failure: reap it, leaving no zombie.
        let _ = spawned.wait();
        Ok(Err(SpawnError { step: SpawnStep::decode(step), errno: Errno::from_raw(errno) }))
    }
}

/// Reads the child's report from the pipe: `(0, 0)` at end of file (its execve closed
/// the write end), else the step and errno it sent.
fn read_report(read: BorrowedFd<'_>) -> (i32, i32) {
    let mut bytes = [0u8; 8];
    let mut filled = 0;
    while filled < bytes.len() {
        match sys::read(read, &mut bytes[filled..]) {
            Ok(0) => break,
            Ok(count) => filled += count,
            Err(Errno::EINTR) => continue,
            Err(_) => break,
        }
    }
    if filled < bytes.len() {
        return (0, 0);
    }
    let (step, errno) = bytes.split_at(4);
    (i32::from_ne_bytes(step.try_into().unwrap_or_default()), i32::from_ne_bytes(errno.try_into().unwrap_or_default()))
}

/// The child's side of [`Exec::spawn`], on its own stack in the caller's memory.
extern "C" fn exec_child(arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the caller's `ExecChild`, alive until this child has exec'd or
    // exited (the caller is suspended meanwhile, or this is a copy).
    let child = unsafe { &*arg.cast_const().cast::<ExecChild<'_, '_>>() };
    child.started.store(true, Ordering::Release);
    let mut report = -1;
    if let Some((read, write)) = child.report_pipe {
        // The child's own descriptor table (no CLONE_FILES): the caller keeps its end.
        // SAFETY: the pipe is this module's; nothing else in the child holds it.
        let _ = unsafe { close_raw(read) };
        report = write;
    }
    let (step, mut errno) = prepare_and_exec(child, &mut report);
    if errno.raw() == 0 {
        // execve "succeeded" without replacing the program: only a seccomp filter
        // can do that; report it as a format the kernel would not run.
        errno = Errno::ENOEXEC;
    }
    let (step, errno) = (step.encode(), errno.raw());
    child.step.store(step, Ordering::Relaxed);
    child.errno.store(errno, Ordering::Release);
    if report >= 0 {
        let mut bytes = [0u8; 8];
        bytes[..4].copy_from_slice(&step.to_ne_bytes());
        bytes[4..].copy_from_slice(&errno.to_ne_bytes());
        // SAFETY: the pipe's write end, open in this child until it exits.
        let _ = sys::write(unsafe { BorrowedFd::borrow_raw(report) }, &bytes);
    }
    sys::exit_group(127)
}

/// Moves the report pipe's write end `report` above every number `action` names, so
/// that the action sees the descriptor table as if the pipe were not there.
fn move_out_of_the_way(report: &mut RawFd, action: &Action<'_>) -> Result<(), Errno> {
    while *report >= 0 && action.names(*report) {
        // SAFETY: the pipe's write end, open in this child.
        let moved = sys::fcntl_dupfd_cloexec(unsafe { BorrowedFd::borrow_raw(*report) }, *report + 1)?;
        // SAFETY: the old number is the pipe's, which only this child holds.
        let _ = unsafe { close_raw(*report) };
        *report = moved.into_raw_fd();
    }
    Ok(())
}

/// Dispositions, mask, actions, execve: returns only on failure, with the step and
/// the reason.
fn prepare_and_exec(child: &ExecChild<'_, '_>, report: &mut RawFd) -> (SpawnStep, Errno) {
    let exec = child.exec;
    for signal in 1..=sys::SIGNAL_COUNT {
        if signal == SIGKILL || signal == SIGSTOP {
            continue;
        }
        let asked = exec.default_signals.as_ref().is_some_and(|set| sys::signal_set_contains(set, signal));
        // SAFETY: reading a disposition changes nothing.
        let handled = matches!(unsafe { sys::sigaction(signal, None) }, Ok(SignalDisposition::Handler(_)));
        if asked || handled {
            // SAFETY: the default action runs no code of the caller's. (Numbers the
            // kernel refuses, such as none here, are left as they are.)
            let _ = unsafe { sys::sigaction(signal, Some(SignalDisposition::Default)) };
        }
    }
    let mask = exec.signal_mask.as_ref().unwrap_or(&child.caller_mask);
    if let Err(errno) = sys::sigprocmask(sys::SIG_SETMASK, mask) {
        return (SpawnStep::SignalMask, errno);
    }
    for (index, action) in exec.actions.iter().enumerate() {
        if let Err(errno) = move_out_of_the_way(report, action).and_then(|()| action.apply()) {
            return (SpawnStep::Action(index), errno);
        }
    }
    (SpawnStep::Execve, sys::execve(exec.path, exec.argv, exec.envp))
}

/// The step of [`Exec::spawn`] that failed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SpawnStep {
    /// In the caller, before any child ran: the flags, the child's stack, the report
    /// pipe, the clone itself.
    Clone,
    /// In the child: setting its signal mask.
    SignalMask,
    /// In the child: the action at this index of [`Exec::actions`].
    Action(usize),
    /// In the child: `execve`.
    Execve,
}

impl SpawnStep {
    /// As the child reports it: an action's index, or a negative number.
    fn encode(self) -> i32 {
        match self {
            SpawnStep::Action(index) => i32::try_from(index).unwrap_or(i32::MAX),
            SpawnStep::Clone => -3,
            SpawnStep::SignalMask => -2,
            SpawnStep::Execve => -1,
        }
    }

    fn decode(step: i32) -> Self {
        match step {
            -3 => SpawnStep::Clone,
            -2 => SpawnStep::SignalMask,
            -1 => SpawnStep::Execve,
            index => SpawnStep::Action(usize::try_from(index).unwrap_or(usize::MAX)),
        }
    }
}

/// Why [`Exec::spawn`] or [`spawn_exec`] started no program: the step that failed and
/// its `Errno`. It converts to the `Errno` alone (`?` in a function returning
/// `Result<_, Errno>`) and prints both: `action 1: EBADF (Bad file descriptor)`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SpawnError {
    step: SpawnStep,
    errno: Errno,
}

impl SpawnError {
    /// The step that failed.
    pub const fn step(&self) -> SpawnStep {
        self.step
    }

    /// Its `Errno`.
    pub const fn errno(&self) -> Errno {
        self.errno
    }
}

impl From<SpawnError> for Errno {
    fn from(error: SpawnError) -> Errno {
        error.errno
    }
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.step {
            SpawnStep::Clone => write!(f, "clone: {}", self.errno),
            SpawnStep::SignalMask => write!(f, "signal mask: {}", self.errno),
            SpawnStep::Action(index) => write!(f, "action {index}: {}", self.errno),
            SpawnStep::Execve => write!(f, "execve: {}", self.errno),
        }
    }
}

impl core::error::Error for SpawnError {}

/// With feature `std`: the `Errno` as std reports it; the step is in the text.
#[cfg(feature = "std")]
impl From<SpawnError> for std::io::Error {
    fn from(error: SpawnError) -> Self {
        std::io::Error::new(std::io::Error::from(error.errno).kind(), error)
    }
}

/// Starts the program at `path` with `argv` and `envp`, as `posix_spawn` does, and
/// returns the [`Child`] once it runs; [`Exec`] has options and says how and why this
/// is safe. The child keeps the caller's signal mask and descriptors (but those marked
/// close-on-exec), and has signals with handlers reset to their default.
///
/// ```no_run
/// use freeclone::{process, sys::{CStrArray, CStrArrayBuf}};
/// let error = process::spawn_exec(c"/sbin/missing", &CStrArrayBuf::new([c"missing"]), CStrArray::EMPTY)
///     .unwrap_err(); // no child was left behind
/// assert_eq!((error.step(), error.errno()), (process::SpawnStep::Execve, freeclone::Errno::ENOENT));
/// ```
///
/// # Errors
/// As [`Exec::spawn`]: `execve`'s `Errno` (`ENOENT`, `EACCES`, `ENOEXEC`, ...) if the
/// program cannot be started, with no child left; the clone's.
pub fn spawn_exec(path: &CStr, argv: &CStrArray<'_>, envp: &CStrArray<'_>) -> Result<Child, SpawnError> {
    Exec::new(path, argv, envp).spawn()
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::flags::*;

    #[test]
    fn exit_status_decodes_exits_signals_and_core_dumps() {
        let exited = ExitStatus::from_raw(0x2a00);
        assert_eq!((exited.code(), exited.signal(), exited.core_dumped(), exited.success()), (Some(42), None, false, false));
        let dumped = ExitStatus::from_raw(0x8b);
        assert_eq!((dumped.code(), dumped.signal(), dumped.core_dumped()), (None, Some(11), true));
        assert_eq!(ExitStatus::from_raw(0x8b).into_raw(), 0x8b);
        // Exit status 128 sets bit 15, not the core-dump bit.
        assert!(!ExitStatus::from_raw(0x8000).core_dumped());
    }

    #[test]
    fn unsound_flags_are_refused_and_namespaces_pass() {
        for flag in [CLONE_VM, CLONE_FILES, CLONE_SIGHAND, CLONE_THREAD, CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID, CLONE_PID, CloneFlags::exit_signal(17)] {
            assert!(Builder::new().flags(flag).check(REFUSED_FLAGS).is_err(), "{flag:#x}");
        }
        assert!(Builder::new().flags(CLONE_INTO_CGROUP).check(REFUSED_FLAGS).is_err());
        let namespaces = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWUSER | CLONE_NEWCGROUP | CLONE_NEWTIME;
        let sharing = CLONE_FS | CLONE_SYSVSEM | CLONE_PARENT | CLONE_VFORK | CLONE_IO;
        assert!(Builder::new().flags(namespaces | sharing).flags(CLONE_CLEAR_SIGHAND).check(REFUSED_FLAGS).is_ok());
        assert!(Builder::new().flags(namespaces).check(EXEC_REFUSED_FLAGS).is_ok());
        assert!(Builder::new().flags(CLONE_FS).check(EXEC_REFUSED_FLAGS).is_err());
        assert!(Builder::new().flags(CLONE_PARENT).check(EXEC_REFUSED_FLAGS).is_err());
    }

    #[test]
    fn refused_flags_fail_before_any_system_call() {
        // A closure that would make the test process exit if a child ran it.
        let result = unsafe { Builder::new().flags(CLONE_VM).spawn_unchecked(|| sys::exit_group(99)) };
        assert_eq!(result.unwrap_err(), Errno::EINVAL);
        let argv = sys::CStrArrayBuf::new([c"/bin/true"]);
        let exec = Exec::new(c"/bin/true", &argv, CStrArray::EMPTY).process(Builder::new().flags(CLONE_FILES));
        assert_eq!(exec.spawn().unwrap_err(), SpawnError { step: SpawnStep::Clone, errno: Errno::EINVAL });
    }

    #[test]
    fn a_closure_runs_in_a_child_and_its_value_is_the_exit_status() {
        let captured = [40u8, 2];
        // SAFETY: the child only adds two numbers (async-signal-safe).
        let mut child = unsafe { Builder::new().spawn_unchecked(move || c_int::from(captured[0] + captured[1])) }.unwrap();
        assert_eq!(child.wait().unwrap().code(), Some(42));
        assert_eq!(child.wait().unwrap().code(), Some(42)); // cached
        assert_eq!(child.kill(SIGKILL), Err(Errno::ESRCH)); // reaped: no signal sent
    }

    #[test]
    fn spawn_exec_runs_the_program_and_wait_sees_its_exit_status() {
        let argv = sys::CStrArrayBuf::new([c"sh", c"-c", c"exit 3"]);
        let mut child = Exec::new(c"/bin/sh", &argv, CStrArray::EMPTY).process(Builder::new().pidfd(true)).spawn().unwrap();
        assert!(child.pidfd().is_some());
        assert_eq!(child.wait().unwrap().code(), Some(3));
    }

    #[test]
    fn spawn_exec_of_a_missing_path_is_enoent() {
        let argv = sys::CStrArrayBuf::new([c"missing"]);
        let result = spawn_exec(c"/freeclone-missing/program", &argv, CStrArray::EMPTY);
        assert_eq!(result.unwrap_err(), SpawnError { step: SpawnStep::Execve, errno: Errno::ENOENT });
    }

    #[test]
    fn a_failed_action_is_named_by_its_index() {
        let argv = sys::CStrArrayBuf::new([c"true"]);
        let actions = [Action::Chdir(c"/"), Action::Close(1000), Action::Chdir(c"/")];
        let error = Exec::new(c"/bin/true", &argv, CStrArray::EMPTY).actions(&actions).spawn().unwrap_err();
        assert_eq!((error.step(), error.errno()), (SpawnStep::Action(1), Errno::EBADF));
        assert_eq!(std::format!("{error}"), "action 1: EBADF (Bad file descriptor)");
    }

    #[cfg(feature = "std")]
    #[test]
    fn a_spawn_error_becomes_a_std_io_error_that_names_the_step() {
        let argv = sys::CStrArrayBuf::new([c"missing"]);
        let spawn = spawn_exec(c"/freeclone-missing/program", &argv, CStrArray::EMPTY);
        let error = std::io::Error::from(spawn.unwrap_err());
        assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
        assert_eq!(std::format!("{error}"), "execve: ENOENT (No such file or directory)");
    }
}
