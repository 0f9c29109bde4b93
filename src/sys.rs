//! The raw layer: system calls by number, the raw `clone` and `clone3` system calls,
//! and the few thin wrappers that programs built on this crate (and its tests) need.
//!
//! Every wrapper is one system call with the kernel's semantics; errors come back as
//! [`Errno`]. Numbers and constants come from `linux-raw-sys` for the architecture
//! being built.

use core::ffi::{CStr, c_char, c_int, c_short, c_void};
use core::marker::PhantomData;
use core::sync::atomic::AtomicI32;

use linux_raw_sys::general as kernel;

use crate::{CloneArgs, Errno, RawCloneArgs, arch, pid_t};

/// `wait4` option: return at once if no child has changed state.
pub const WNOHANG: c_int = kernel::WNOHANG as c_int;
/// `wait4` option `__WALL`: wait for every child, whatever its termination signal.
pub const WALL: c_int = kernel::__WALL as c_int;
/// `wait4` option `__WCLONE`: wait only for children whose termination signal is not
/// `SIGCHLD` (or that have none).
pub const WCLONE: c_int = kernel::__WCLONE as c_int;
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
/// `rt_sigprocmask` how: add to the blocked set.
pub const SIG_BLOCK: c_int = kernel::SIG_BLOCK as c_int;
/// `rt_sigprocmask` how: remove from the blocked set.
pub const SIG_UNBLOCK: c_int = kernel::SIG_UNBLOCK as c_int;
/// `rt_sigprocmask` how: replace the blocked set.
pub const SIG_SETMASK: c_int = kernel::SIG_SETMASK as c_int;
/// `mmap`/[`mprotect`] protection: no access at all.
pub const PROT_NONE: c_int = kernel::PROT_NONE as c_int;
/// `mmap`/[`mprotect`] protection: executable.
pub const PROT_EXEC: c_int = kernel::PROT_EXEC as c_int;

/// [`mount`] flag: mount read-only.
pub const MS_RDONLY: usize = kernel::MS_RDONLY as usize;
/// [`mount`] flag: ignore set-user-ID and set-group-ID bits (and file capabilities).
pub const MS_NOSUID: usize = kernel::MS_NOSUID as usize;
/// [`mount`] flag: no access to device files.
pub const MS_NODEV: usize = kernel::MS_NODEV as usize;
/// [`mount`] flag: no program may be executed from this mount.
pub const MS_NOEXEC: usize = kernel::MS_NOEXEC as usize;
/// [`mount`] flag: writes are synchronous.
pub const MS_SYNCHRONOUS: usize = kernel::MS_SYNCHRONOUS as usize;
/// [`mount`] flag: change the flags (and `data`) of the existing mount at `target`.
pub const MS_REMOUNT: usize = kernel::MS_REMOUNT as usize;
/// [`mount`] flag: directory changes are synchronous.
pub const MS_DIRSYNC: usize = kernel::MS_DIRSYNC as usize;
/// [`mount`] flag: do not update access times.
pub const MS_NOATIME: usize = kernel::MS_NOATIME as usize;
/// [`mount`] flag: do not update access times of directories.
pub const MS_NODIRATIME: usize = kernel::MS_NODIRATIME as usize;
/// [`mount`] flag: make `source` (a file or directory) visible at `target` too; `fstype`
/// and `data` are ignored.
pub const MS_BIND: usize = kernel::MS_BIND as usize;
/// [`mount`] flag: move the mount at `source` to `target`, atomically.
pub const MS_MOVE: usize = kernel::MS_MOVE as usize;
/// `mount` flag: apply to the whole subtree.
pub const MS_REC: usize = kernel::MS_REC as usize;
/// [`mount`] flag: do not log some kernel messages about the mount.
pub const MS_SILENT: usize = kernel::MS_SILENT as usize;
/// [`mount`] propagation flag: the mount can be neither bind-mounted nor propagated.
pub const MS_UNBINDABLE: usize = kernel::MS_UNBINDABLE as usize;
/// `mount` flag: make the mount private (no propagation).
pub const MS_PRIVATE: usize = kernel::MS_PRIVATE as usize;
/// [`mount`] propagation flag: receive mount events from the peer group, send none.
pub const MS_SLAVE: usize = kernel::MS_SLAVE as usize;
/// [`mount`] propagation flag: share mount events with a peer group.
pub const MS_SHARED: usize = kernel::MS_SHARED as usize;
/// [`mount`] flag: update access times only relative to modification times (the
/// kernel's default).
pub const MS_RELATIME: usize = kernel::MS_RELATIME as usize;
/// [`mount`] flag: always update access times.
pub const MS_STRICTATIME: usize = kernel::MS_STRICTATIME as usize;
/// [`mount`] flag: keep time updates in memory only, writing them out lazily.
pub const MS_LAZYTIME: usize = kernel::MS_LAZYTIME as usize;

/// [`umount2`] flag: unmount even if busy (only some filesystems, such as NFS, support it).
pub const MNT_FORCE: c_int = kernel::MNT_FORCE as c_int;
/// [`umount2`] flag: detach the mount from the tree at once ("lazy unmount"); it stays
/// usable through open descriptors and working directories until the last is gone.
pub const MNT_DETACH: c_int = kernel::MNT_DETACH as c_int;
/// [`umount2`] flag: mark an unused mount as expired (`EAGAIN`); a second call unmounts
/// it if it is still unused.
pub const MNT_EXPIRE: c_int = kernel::MNT_EXPIRE as c_int;
/// [`umount2`] flag: do not follow `target` if it is a symbolic link.
pub const UMOUNT_NOFOLLOW: c_int = kernel::UMOUNT_NOFOLLOW as c_int;

/// Issues system call `nr` with no arguments and returns the raw result: a value, or
/// -errno in `-4095..=-1` on every architecture (see [`Errno::from_syscall_return`]).
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

fn check(ret: usize) -> Result<usize, Errno> {
    Errno::from_syscall_return(ret)
}

/// The raw `clone` system call, in the manual's portable argument order; the
/// architecture's own kernel order (x86_64 and s390x differ) is handled inside.
///
/// Like `fork(2)`, the child returns from this call too: `Ok(0)` in the child, the
/// child's TID in the parent. There is no `fn` and no stack setup.
///
/// # Safety
/// - With a null `stack`, the child continues on a copy of the caller's stack, so
///   `flags` must not contain `CLONE_VM` (the two would share one stack).
/// - With a non-null `stack`, the child returns from this function on that stack,
///   where the caller's frames are not: it cannot return from here. Use
///   [`clone`](crate::clone) instead.
/// - `ptid`, `tls` and `ctid` as in [`clone`](crate::clone).
pub unsafe fn clone(
    flags: c_int,
    stack: *mut u8,
    ptid: *mut pid_t,
    tls: *mut c_void,
    ctid: *mut pid_t,
) -> Result<pid_t, Errno> {
    let ret = unsafe {
        arch::clone_syscall(
            flags as u32 as usize,
            stack as usize,
            ptid as usize,
            tls as usize,
            ctid as usize,
        )
    };
    check(ret).map(|tid| tid as pid_t)
}

/// The raw `clone3()` system call (since Linux 5.3) with the arguments `args` packs:
/// "as with fork(2), clone3() returns in both the parent and the child. It returns 0
/// in the child process and returns the PID of the child in the parent." The size
/// passed is [`CloneArgs::size`], the smallest version that carries the fields in use.
///
/// ```no_run
/// use freeclone::{CloneArgs, flags::CLONE_NEWPID, signal::SIGCHLD, sys};
/// let args = CloneArgs::new().clone_flags(CLONE_NEWPID).exit_signal(SIGCHLD);
/// // SAFETY: no CLONE_VM: the child continues on a copy of this stack.
/// match unsafe { sys::clone3(&args) }? {
///     0 => sys::exit_group(if sys::getpid() == 1 { 0 } else { 1 }), // the child
///     pid => assert_eq!(sys::exit_status(sys::wait4(pid, 0)?.1), Some(0)),
/// }
/// # Ok::<(), freeclone::Errno>(())
/// ```
///
/// # Errors
/// The kernel's, unchanged: `ENOSYS` from a kernel before 5.3 (and from qemu-user,
/// which does not implement it); `EINVAL` for an invalid combination of flags, an
/// exit signal outside `CSIGNAL`, a stack with a zero size or a size without a stack,
/// `CLONE_SIGHAND` with `CLONE_CLEAR_SIGHAND`; `EPERM`, `EEXIST`, `EBUSY`, `EACCES`,
/// `EOPNOTSUPP` as the manual lists them; `EAGAIN`, `ENOMEM`.
///
/// # Safety
/// As [`clone`] (the raw call), with `args`' fields for its arguments:
/// - Without a stack in `args`, the child continues on a copy of the caller's stack,
///   so the flags must not contain `CLONE_VM` (the two would share one stack).
/// - With a stack, the child returns from this function on that stack, where the
///   caller's frames are not: it cannot return from here, nor run any code that reads
///   the caller's stack. [`crate::clone3`] runs `fn(arg)` there instead.
/// - With `CLONE_VM`, `CLONE_FILES`, `CLONE_SIGHAND` or `CLONE_THREAD`, the child
///   shares that state with the caller without any synchronization this crate
///   provides; with `CLONE_VM` its stack must stay mapped until it has exited.
/// - `CLONE_SETTLS`' thread pointer must be one the child's code can live with.
///   (Every pointer in `args` is valid: [`CloneArgs`] borrows what it points to.)
pub unsafe fn clone3(args: &CloneArgs<'_>) -> Result<pid_t, Errno> {
    unsafe { clone3_raw(args.as_raw(), args.size()) }
}

/// The `clone3()` system call with any `size`, for what [`CloneArgs`] does not build:
/// a size other than a published version's, or values a typed field cannot hold. The
/// kernel accepts sizes from [`CLONE_ARGS_SIZE_VER0`](crate::CLONE_ARGS_SIZE_VER0) up to
/// a page, reads what it knows and requires the rest to be zero; less is `EINVAL`,
/// more than a page or a non-zero byte it does not know `E2BIG`.
///
/// # Safety
/// As [`clone3`]; in addition `args` must point to `size` readable bytes, and every
/// pointer in them must be valid for what the flags make the kernel do with it.
pub unsafe fn clone3_raw(args: *const RawCloneArgs, size: usize) -> Result<pid_t, Errno> {
    let nr = kernel::__NR_clone3 as usize;
    check(unsafe { arch::syscall2(nr, args as usize, size) }).map(|pid| pid as pid_t)
}

/// `prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)`: from now on `execve` grants no privileges
/// (set-user-ID bits, file capabilities) to this thread and its descendants. An
/// unprivileged thread needs it before [`seccomp_set_mode_filter`].
pub fn set_no_new_privs() -> Result<(), Errno> {
    const PR_SET_NO_NEW_PRIVS: usize = 38;
    check(unsafe { arch::syscall5(kernel::__NR_prctl as usize, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) }).map(drop)
}

/// One classic BPF instruction, the kernel's `struct sock_filter`.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SockFilter {
    /// The operation (`BPF_LD | BPF_W | BPF_ABS`, ...).
    pub code: u16,
    /// Jump offset if true.
    pub jt: u8,
    /// Jump offset if false.
    pub jf: u8,
    /// The operand.
    pub k: u32,
}

/// `BPF_LD | BPF_W | BPF_ABS`: load the 32-bit word at offset `k` of `struct
/// seccomp_data` (offset 0: the system call number).
pub const BPF_LD_W_ABS: u16 = 0x20;
/// `BPF_JMP | BPF_JEQ | BPF_K`: skip `jt` instructions if the accumulator equals `k`,
/// else `jf`.
pub const BPF_JEQ_K: u16 = 0x15;
/// `BPF_RET | BPF_K`: return `k` as the filter's verdict.
pub const BPF_RET_K: u16 = 0x06;
/// Verdict: let the system call run.
pub const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
/// Verdict: fail the system call with the errno in the low 16 bits, unrun.
pub const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;

/// `seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog)`: adds `program` (classic BPF over
/// `struct seccomp_data`) to the calling thread's filters, for good: filters are
/// inherited by children and can never be removed. Needs [`set_no_new_privs`] or
/// `CAP_SYS_ADMIN` (`EACCES`); a malformed program is `EINVAL`.
///
/// # Safety
/// A filter decides what system calls return: `SECCOMP_RET_ERRNO` with errno 0 makes an
/// unrun call report success (an `mmap` that "returns" address 0, a `munmap` that
/// freed nothing). The caller must make sure that every code in this thread and its
/// future children (a C library, std, allocators) copes with every verdict the program
/// can give: in practice, only real errors for calls whose failure that code handles.
///
/// ```compile_fail,E0133
/// let _ = freeclone::sys::seccomp_set_mode_filter(&[]); // can fake any call's result
/// ```
pub unsafe fn seccomp_set_mode_filter(program: &[SockFilter]) -> Result<(), Errno> {
    /// The kernel's `struct sock_fprog`.
    #[repr(C)]
    struct SockFprog {
        len: u16,
        filter: *const SockFilter,
    }
    const SECCOMP_SET_MODE_FILTER: usize = 1;
    let len = u16::try_from(program.len()).map_err(|_| Errno::EINVAL)?;
    let fprog = SockFprog { len, filter: program.as_ptr() };
    let nr = kernel::__NR_seccomp as usize;
    check(unsafe { arch::syscall3(nr, SECCOMP_SET_MODE_FILTER, 0, (&raw const fprog) as usize) }).map(drop)
}

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

/// `exit(2)`: ends the calling thread with `status`, without unwinding and without
/// telling any threads library.
///
/// # Safety
/// Nothing may rely on the calling thread going on: no other thread may borrow from
/// its stack (a `std::thread::scope` it runs would never be waited for, and its stack
/// would be reused while scoped threads still read it), and no runtime may own the
/// thread (a C library's or std's thread: their bookkeeping, thread-locals and stack
/// are left behind as if it still ran). A child made by [`clone`](crate::clone) that
/// shares nothing with such a thread, or the only thread of a freestanding program,
/// may call it.
///
/// ```compile_fail,E0133
/// freeclone::sys::exit(0); // ends a thread without unwinding: unsafe
/// ```
pub unsafe fn exit(status: c_int) -> ! {
    unsafe { arch::syscall1_noreturn(kernel::__NR_exit as usize, status as usize) }
}

/// `exit_group(2)`: ends every thread of the calling process with `status`. Like
/// `std::process::exit`, nothing runs afterwards, so nothing can observe a broken
/// promise; unlike it, no C library's `atexit` handlers or buffers are run or flushed.
pub fn exit_group(status: c_int) -> ! {
    unsafe { arch::syscall1_noreturn(kernel::__NR_exit_group as usize, status as usize) }
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

/// `getpid(2)`: the caller's process (thread group) ID, asked of the kernel each time.
pub fn getpid() -> pid_t {
    unsafe { arch::syscall0(kernel::__NR_getpid as usize) as pid_t }
}

/// `gettid(2)`: the caller's thread ID.
pub fn gettid() -> pid_t {
    unsafe { arch::syscall0(kernel::__NR_gettid as usize) as pid_t }
}

/// `getppid(2)`: the parent's process ID.
pub fn getppid() -> pid_t {
    unsafe { arch::syscall0(kernel::__NR_getppid as usize) as pid_t }
}

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

/// `futex(FUTEX_WAIT)`: sleeps while `word` holds `expected`, until a wake on it
/// (shared futex: the kind `CLONE_CHILD_CLEARTID` wakes). Returns `EAGAIN` at once if
/// `word` no longer holds `expected`; a wake may be spurious, so callers loop.
pub fn futex_wait(word: &AtomicI32, expected: i32) -> Result<(), Errno> {
    let nr = kernel::__NR_futex as usize;
    let op = kernel::FUTEX_WAIT as usize;
    let ret = unsafe { arch::syscall4(nr, word.as_ptr() as usize, op, expected as usize, 0) };
    check(ret).map(drop)
}

/// `futex(FUTEX_WAKE)`: wakes up to `count` waiters on `word`; returns how many woke.
pub fn futex_wake(word: &AtomicI32, count: i32) -> Result<usize, Errno> {
    let nr = kernel::__NR_futex as usize;
    let op = kernel::FUTEX_WAKE as usize;
    check(unsafe { arch::syscall3(nr, word.as_ptr() as usize, op, count as usize) })
}

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

/// `sched_yield(2)`: lets other threads run.
pub fn sched_yield() {
    unsafe { arch::syscall0(kernel::__NR_sched_yield as usize) };
}

/// `kill(2)`: sends `signal` to process `pid`.
pub fn kill(pid: pid_t, signal: c_int) -> Result<(), Errno> {
    check(unsafe { arch::syscall2(kernel::__NR_kill as usize, pid as usize, signal as usize) })
        .map(drop)
}

/// `tgkill(2)`: sends `signal` to thread `tid` of thread group `tgid`.
pub fn tgkill(tgid: pid_t, tid: pid_t, signal: c_int) -> Result<(), Errno> {
    let nr = kernel::__NR_tgkill as usize;
    check(unsafe { arch::syscall3(nr, tgid as usize, tid as usize, signal as usize) }).map(drop)
}

/// `setsid(2)`: makes the caller the leader of a new session and of a new process
/// group in it, with no controlling terminal; returns the new session's ID (the
/// caller's PID).
///
/// # Errors
/// `EPERM` if the caller already leads a process group (a fresh child never does).
pub fn setsid() -> Result<pid_t, Errno> {
    check(unsafe { arch::syscall0(kernel::__NR_setsid as usize) }).map(|sid| sid as pid_t)
}

/// `setpgid(2)`: moves process `pid` (0: the caller) into process group `pgid` (0: the
/// group whose ID is `pid`'s, a new one if needed).
///
/// # Errors
/// `EPERM` for a group in another session or a session leader; `ESRCH` if `pid` is
/// neither the caller nor one of its children (or a child that has run `execve`:
/// `EACCES`); `EINVAL` for a negative `pgid`.
pub fn setpgid(pid: pid_t, pgid: pid_t) -> Result<(), Errno> {
    check(unsafe { arch::syscall2(kernel::__NR_setpgid as usize, pid as usize, pgid as usize) }).map(drop)
}

/// `getpgid(2)`: the process group of process `pid` (0: the caller).
pub fn getpgid(pid: pid_t) -> Result<pid_t, Errno> {
    check(unsafe { arch::syscall1(kernel::__NR_getpgid as usize, pid as usize) }).map(|pgid| pgid as pid_t)
}

/// `getsid(2)`: the session of process `pid` (0: the caller).
pub fn getsid(pid: pid_t) -> Result<pid_t, Errno> {
    check(unsafe { arch::syscall1(kernel::__NR_getsid as usize, pid as usize) }).map(|sid| sid as pid_t)
}

/// [`pidfd_open`] flag: the descriptor is non-blocking ([`waitid`] on a live process
/// answers `EAGAIN` instead of waiting).
pub const PIDFD_NONBLOCK: c_int = kernel::O_NONBLOCK as c_int;

/// `pidfd_open(2)` (Linux 5.3): a PID file descriptor for process `pid`, close-on-exec.
/// It refers to that process for as long as it is open, even after the process has
/// ended and its PID was reused: signals sent through it ([`pidfd_send_signal`]) never
/// reach another process. The caller owns it (close it with [`close`]).
///
/// # Errors
/// `ESRCH` if no such process exists (or it has been reaped); `EINVAL` for an unknown
/// flag, a `pid` of 0 or below, or a thread that does not lead its thread group;
/// `ENOSYS` before Linux 5.3 (and under qemu-user before 8.0); `EMFILE`, `ENFILE`,
/// `ENOMEM`.
pub fn pidfd_open(pid: pid_t, flags: c_int) -> Result<c_int, Errno> {
    let nr = kernel::__NR_pidfd_open as usize;
    check(unsafe { arch::syscall2(nr, pid as usize, flags as usize) }).map(|fd| fd as c_int)
}

/// `pidfd_send_signal(2)` (Linux 5.1) with no `siginfo` and no flags: sends `signal` to
/// the process `pidfd` refers to, as `kill(2)` does, but with no PID-reuse race. A
/// `signal` of 0 only checks that the process can be signalled.
///
/// # Errors
/// `ESRCH` if the process has ended and been reaped (a zombie still accepts signals,
/// with no effect); `EBADF` if `pidfd` is not a PID file descriptor; `EINVAL` for an
/// invalid signal; `EPERM` without permission to signal it; `ENOSYS` before Linux 5.1.
pub fn pidfd_send_signal(pidfd: c_int, signal: c_int) -> Result<(), Errno> {
    let nr = kernel::__NR_pidfd_send_signal as usize;
    check(unsafe { arch::syscall4(nr, pidfd as usize, signal as usize, 0, 0) }).map(drop)
}

/// Whom [`waitid`] waits for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WaitId {
    /// `P_ALL`: any child.
    All,
    /// `P_PID`: the child with this process ID.
    Pid(pid_t),
    /// `P_PGID`: any child in this process group (0: the caller's).
    ProcessGroup(pid_t),
    /// `P_PIDFD` (Linux 5.4): the child this PID file descriptor refers to.
    PidFd(c_int),
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
/// # let pidfd = 3;
/// let info = sys::waitid(WaitId::PidFd(pidfd), sys::WEXITED)?.expect("no WNOHANG");
/// println!("child {} ended with status {:?}", info.pid, info.wait_status());
/// # Ok::<(), freeclone::Errno>(())
/// ```
///
/// # Errors
/// `ECHILD` if no child is selected (or it was reaped already, or `SIGCHLD` is
/// ignored); `EINVAL` for an invalid `options`; `EBADF` for a [`WaitId::PidFd`] that is
/// not a PID file descriptor; `EAGAIN` for a non-blocking pidfd ([`PIDFD_NONBLOCK`])
/// whose child has not changed state; `EINTR`.
pub fn waitid(id: WaitId, options: c_int) -> Result<Option<WaitInfo>, Errno> {
    let (idtype, value) = match id {
        WaitId::All => (kernel::P_ALL, 0),
        WaitId::Pid(pid) => (kernel::P_PID, pid),
        WaitId::ProcessGroup(pgid) => (kernel::P_PGID, pgid),
        WaitId::PidFd(fd) => (kernel::P_PIDFD, fd),
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

/// A path as the kernel wants it: bytes ending in NUL.
fn c_path(path: &core::ffi::CStr) -> usize {
    path.as_ptr() as usize
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

/// What `uname(2)` tells: the kernel's `struct new_utsname`, six NUL-terminated fields
/// of at most 64 bytes, each read as a [`CStr`].
#[derive(Clone, Copy)]
pub struct Utsname(linux_raw_sys::system::new_utsname);

impl Utsname {
    fn field(field: &[core::ffi::c_char; 65]) -> &CStr {
        // SAFETY: c_char and u8 have one layout.
        let bytes = unsafe { &*(field as *const [core::ffi::c_char; 65]).cast::<[u8; 65]>() };
        // The kernel terminates every field; a missing NUL would give the empty string.
        CStr::from_bytes_until_nul(bytes).unwrap_or(c"")
    }

    /// The operating system's name (`Linux`).
    pub fn sysname(&self) -> &CStr {
        Utsname::field(&self.0.sysname)
    }

    /// The host name in the caller's UTS namespace (what `sethostname` sets).
    pub fn nodename(&self) -> &CStr {
        Utsname::field(&self.0.nodename)
    }

    /// The kernel's release (`6.12.0-...`).
    pub fn release(&self) -> &CStr {
        Utsname::field(&self.0.release)
    }

    /// The kernel's version (build number and date).
    pub fn version(&self) -> &CStr {
        Utsname::field(&self.0.version)
    }

    /// The machine (`x86_64`, `aarch64`, ...), as the kernel names it for the caller's
    /// personality.
    pub fn machine(&self) -> &CStr {
        Utsname::field(&self.0.machine)
    }

    /// The NIS domain name in the caller's UTS namespace (what `setdomainname` sets).
    pub fn domainname(&self) -> &CStr {
        Utsname::field(&self.0.domainname)
    }

    /// The kernel's structure itself.
    pub fn as_raw(&self) -> &linux_raw_sys::system::new_utsname {
        &self.0
    }
}

impl core::fmt::Debug for Utsname {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Utsname")
            .field("sysname", &self.sysname())
            .field("nodename", &self.nodename())
            .field("release", &self.release())
            .field("version", &self.version())
            .field("machine", &self.machine())
            .field("domainname", &self.domainname())
            .finish()
    }
}

/// `uname(2)`.
pub fn uname() -> Result<Utsname, Errno> {
    // SAFETY: all-zero bytes are a valid (empty) structure.
    let mut name: linux_raw_sys::system::new_utsname = unsafe { core::mem::zeroed() };
    let nr = kernel::__NR_uname as usize;
    check(unsafe { arch::syscall1(nr, &raw mut name as usize) })?;
    Ok(Utsname(name))
}

/// `sethostname(2)`.
pub fn sethostname(name: &[u8]) -> Result<(), Errno> {
    let nr = kernel::__NR_sethostname as usize;
    check(unsafe { arch::syscall2(nr, name.as_ptr() as usize, name.len()) }).map(drop)
}

/// `mount(2)`: attaches the filesystem `source` of type `fstype` at `target`, or with
/// [`MS_BIND`], [`MS_MOVE`], [`MS_REMOUNT`] or a propagation flag ([`MS_PRIVATE`],
/// [`MS_SHARED`], [`MS_SLAVE`], [`MS_UNBINDABLE`]) changes existing mounts; `data` is
/// the filesystem's options (`mode=755,size=1m` for tmpfs). `None` passes a null
/// pointer, for the arguments a given operation ignores.
///
/// This is safe: the kernel only reads the strings, and changes nothing but the mount
/// tree, which no Rust guarantee rests on. (The kernel copies up to one page from
/// `data`, stopping at unmapped memory: filesystems that take binary option structures
/// instead of a string cannot be given one through this function.)
///
/// ```no_run
/// use freeclone::sys;
/// // What an init does first: /proc, and a tmpfs on /tmp.
/// let _ = sys::mkdirat(sys::AT_FDCWD, c"/proc", 0o555);
/// let quiet = sys::MS_NOSUID | sys::MS_NODEV | sys::MS_NOEXEC;
/// sys::mount(Some(c"proc"), c"/proc", Some(c"proc"), quiet, None)?;
/// sys::mount(Some(c"tmpfs"), c"/tmp", Some(c"tmpfs"), sys::MS_NOSUID | sys::MS_NODEV, Some(c"mode=1777,size=16m"))?;
/// // Keep later mounts of this mount namespace from propagating anywhere else.
/// sys::mount(None, c"/", None, sys::MS_REC | sys::MS_PRIVATE, None)?;
/// # Ok::<(), freeclone::Errno>(())
/// ```
///
/// # Errors
/// `EPERM` without `CAP_SYS_ADMIN` in the mount namespace's user namespace; `ENOENT` or
/// `ENOTDIR` if `target` (or a path `source`) does not resolve; `ENODEV` for an
/// unknown `fstype`; `EBUSY` if `source` is already mounted, or read-only remounting
/// finds files open for writing; `EINVAL` for a combination the kernel refuses (for
/// example moving a mount whose parent is shared, or `MS_REMOUNT` on a non-mount);
/// `ENOTBLK` if `source` must be a block device and is not; `EACCES`, `ELOOP`,
/// `ENAMETOOLONG`, `ENOMEM`, `EFAULT`.
pub fn mount(
    source: Option<&CStr>,
    target: &CStr,
    fstype: Option<&CStr>,
    flags: usize,
    data: Option<&CStr>,
) -> Result<(), Errno> {
    let nr = kernel::__NR_mount as usize;
    let ret = unsafe {
        arch::syscall5(nr, c_path_or_null(source), c_path(target), c_path_or_null(fstype), flags, c_path_or_null(data))
    };
    check(ret).map(drop)
}

/// A string argument that may be absent: null when `None`.
fn c_path_or_null(string: Option<&CStr>) -> usize {
    string.map_or(0, c_path)
}

/// `umount2(2)`: detaches the mount at `target` (the mount point, not the device).
/// `flags`: 0, or [`MNT_FORCE`], [`MNT_DETACH`], [`MNT_EXPIRE`], [`UMOUNT_NOFOLLOW`].
/// Every architecture has this call; the legacy flagless `umount` exists only on some.
///
/// # Errors
/// `EBUSY` if the mount is in use (an open file, a working directory, a mount below
/// it) and [`MNT_DETACH`] is not given; `EINVAL` if `target` is not a mount point, or
/// for [`MNT_EXPIRE`] with [`MNT_FORCE`] or [`MNT_DETACH`]; `EAGAIN` when
/// [`MNT_EXPIRE`] marked the mount expired; `EPERM` without `CAP_SYS_ADMIN`;
/// `ENOENT`, `ENAMETOOLONG`, `EFAULT`, `ENOMEM`.
pub fn umount2(target: &CStr, flags: c_int) -> Result<(), Errno> {
    let nr = kernel::__NR_umount2 as usize;
    check(unsafe { arch::syscall2(nr, c_path(target), flags as usize) }).map(drop)
}

/// `chroot(2)`: makes `path` the calling process's root directory: what `/` and `..`
/// at the root resolve to from then on. The working directory does not change (it may
/// stay outside the new root; `chdir(c"/")` after this is the usual step). Shared with
/// the processes that share the caller's filesystem information (`CLONE_FS`).
///
/// # Errors
/// `EPERM` without `CAP_SYS_CHROOT`; `ENOENT`, `ENOTDIR`, `EACCES`, `ELOOP`,
/// `ENAMETOOLONG`, `EIO`, `ENOMEM`, `EFAULT`.
pub fn chroot(path: &CStr) -> Result<(), Errno> {
    check(unsafe { arch::syscall1(kernel::__NR_chroot as usize, c_path(path)) }).map(drop)
}

/// `pivot_root(2)`: in the caller's mount namespace, makes the mount at `new_root` the
/// root mount and moves the old root mount to `put_old`, which must be at or under
/// `new_root`. Every process of the namespace whose root or working directory was the
/// old root moves to `new_root`. `pivot_root(".", ".")` stacks the old root on top of
/// the new one, to be unmounted with [`umount2`].
///
/// # Errors
/// `EINVAL` if `new_root` is not a mount point, `put_old` is not under it, the current
/// root is not a mount point or has no parent mount (the initramfs `rootfs`: make a
/// tmpfs the root first, with [`MS_MOVE`] onto `/` and [`chroot`], as `switch_root`
/// does), or a parent mount is shared; `EBUSY` if `new_root` or `put_old` is the
/// current root; `EPERM` without `CAP_SYS_ADMIN`; `ENOTDIR`, `ENOENT`, `EACCES`,
/// `ELOOP`, `ENAMETOOLONG`, `ENOMEM`, `EFAULT`.
pub fn pivot_root(new_root: &CStr, put_old: &CStr) -> Result<(), Errno> {
    let nr = kernel::__NR_pivot_root as usize;
    check(unsafe { arch::syscall2(nr, c_path(new_root), c_path(put_old)) }).map(drop)
}

/// `unshare(2)`: moves the calling thread out of what it shares: into new namespaces
/// for the `CLONE_NEW*` flags of [`flags`](crate::flags) (the child's side of `clone`'s
/// flags, applied to the caller), or into private copies of its descriptor table
/// (`CLONE_FILES`), filesystem information (`CLONE_FS`) or System V semaphore
/// adjustments (`CLONE_SYSVSEM`). `CLONE_NEWPID` applies to the caller's next
/// children, not to the caller. `CLONE_NEWNS` implies `CLONE_FS`; `CLONE_NEWUSER`
/// implies `CLONE_FS` and `CLONE_THREAD`. `CLONE_VM`, `CLONE_SIGHAND` and
/// `CLONE_THREAD` succeed only where nothing is shared, so they never unshare anything.
///
/// # Errors
/// `EINVAL` for an unknown flag, or for `CLONE_THREAD`, `CLONE_SIGHAND`, `CLONE_VM`
/// or `CLONE_NEWUSER` in a process with other threads; `EPERM` without
/// `CAP_SYS_ADMIN` for a namespace (other than a user namespace); `EUSERS` or
/// `ENOSPC` past the nesting or count limits of namespaces; `ENOMEM`.
///
/// # Safety
/// With `CLONE_FILES`, when the descriptor table is shared (with threads, or with
/// processes created with `CLONE_FILES`): from then on the caller has a copy, with
/// the same numbers, that the others no longer see. A descriptor number must not cross
/// between the copies afterwards (opened by another thread, it names a different file
/// or none in the caller's table; closed by the caller, it stays open in theirs), so
/// nothing that owns a descriptor in one table may be used from the other. Without
/// `CLONE_FILES`, or when nothing shares the table, this call cannot cause undefined
/// behaviour.
pub unsafe fn unshare(flags: c_int) -> Result<(), Errno> {
    check(unsafe { arch::syscall1(kernel::__NR_unshare as usize, flags as u32 as usize) }).map(drop)
}

/// `setns(2)`: moves the calling thread into the namespace that `fd` refers to: an
/// open `/proc/<pid>/ns/<name>` file, or (Linux 5.8 and later) a PID file descriptor,
/// whose namespaces named in `nstype` are all joined. `nstype` is 0 (any type) or the
/// `CLONE_NEW*` flag the namespace must have, as a check. Joining a PID namespace
/// applies to the caller's next children; a user namespace needs a single-threaded
/// caller, a mount namespace a caller that does not share its filesystem
/// information (`CLONE_FS`).
///
/// # Errors
/// `EBADF` if `fd` is not open; `EINVAL` if `fd` is not a namespace (or PID) file,
/// `nstype` does not match it, or the caller cannot join it (threads, shared
/// filesystem information, a PID namespace that is not a descendant); `EPERM` without
/// `CAP_SYS_ADMIN` over the namespace; `ESRCH` if the pidfd's process is gone;
/// `ENOMEM`.
pub fn setns(fd: c_int, nstype: c_int) -> Result<(), Errno> {
    let nr = kernel::__NR_setns as usize;
    check(unsafe { arch::syscall2(nr, fd as usize, nstype as u32 as usize) }).map(drop)
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

/// One entry of an [`execve`] argument or environment array: a thin pointer to a C
/// string that lives at least `'a`, or the null terminator [`CStrPtr::NULL`]. It has
/// the layout of `const char *` (`&CStr` does not: it is a wide pointer), and safe code
/// can only make one from a `&CStr` or as `NULL`, so it never dangles: the borrow
/// checker refuses an array that outlives its strings.
///
/// ```compile_fail,E0597
/// use freeclone::sys::{self, CStrArray, CStrArrayBuf};
/// let argv;
/// {
///     let bytes = *b"short-lived\0";
///     let name = core::ffi::CStr::from_bytes_with_nul(&bytes).unwrap();
///     argv = CStrArrayBuf::new([name]);
/// } // `bytes` ends here, while `argv` still points to it
/// sys::execve(c"/bin/true", &argv, CStrArray::EMPTY);
/// ```
#[repr(transparent)]
#[derive(Copy, Clone)]
pub struct CStrPtr<'a> {
    pointer: *const c_char,
    string: PhantomData<&'a CStr>,
}

// SAFETY: a `CStrPtr` is a `&CStr` in another layout, and `&CStr` is `Send` and `Sync`.
unsafe impl Send for CStrPtr<'_> {}
// SAFETY: as for `Send`.
unsafe impl Sync for CStrPtr<'_> {}

impl<'a> CStrPtr<'a> {
    /// The null pointer that ends an array.
    pub const NULL: CStrPtr<'static> = CStrPtr { pointer: core::ptr::null(), string: PhantomData };

    /// A pointer to `string`, valid for as long as the borrow.
    pub const fn new(string: &'a CStr) -> Self {
        CStrPtr { pointer: string.as_ptr(), string: PhantomData }
    }

    /// Whether this is [`CStrPtr::NULL`].
    pub const fn is_null(self) -> bool {
        self.pointer.is_null()
    }

    /// The string, or `None` for [`CStrPtr::NULL`].
    pub fn get(self) -> Option<&'a CStr> {
        // SAFETY: a non-null pointer came from a `&'a CStr` (`new` is the only way).
        (!self.is_null()).then(|| unsafe { CStr::from_ptr(self.pointer) })
    }

    /// The pointer the kernel receives.
    pub const fn as_ptr(self) -> *const c_char {
        self.pointer
    }
}

impl<'a> From<&'a CStr> for CStrPtr<'a> {
    fn from(string: &'a CStr) -> Self {
        CStrPtr::new(string)
    }
}

impl core::fmt::Debug for CStrPtr<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.get() {
            Some(string) => core::fmt::Debug::fmt(string, f),
            None => f.write_str("NULL"),
        }
    }
}

/// A null-terminated array of C strings, as [`execve`]'s `argv` and `envp`: a slice of
/// [`CStrPtr`] whose last entry is [`CStrPtr::NULL`]. It is borrowed like `CStr`; get
/// one from a slice with [`CStrArray::new`] (which checks the terminator), from a
/// fixed list of strings with [`CStrArrayBuf`] (which adds it), or use
/// [`CStrArray::EMPTY`].
///
/// ```
/// use freeclone::sys::{CStrArray, CStrPtr};
/// let entries = [CStrPtr::new(c"/sbin/init"), CStrPtr::new(c"single"), CStrPtr::NULL];
/// let argv = CStrArray::new(&entries).expect("ends in NULL");
/// assert_eq!(argv.len(), 2);
/// assert!(CStrArray::new(&entries[..2]).is_none()); // no terminator: refused
/// ```
#[repr(transparent)]
pub struct CStrArray<'a>([CStrPtr<'a>]);

impl<'a> CStrArray<'a> {
    /// The array with no strings: only the terminator (`envp` of an empty environment).
    pub const EMPTY: &'static CStrArray<'static> = match CStrArray::new(&[CStrPtr::NULL]) {
        Some(array) => array,
        None => unreachable!(),
    };

    /// `entries` as an array, if its last entry is [`CStrPtr::NULL`]; `None` otherwise
    /// (an empty slice included). An earlier null ends the array there for the kernel.
    pub const fn new<'s>(entries: &'s [CStrPtr<'a>]) -> Option<&'s CStrArray<'a>> {
        match entries.last() {
            Some(last) if last.is_null() => {
                // SAFETY: `CStrArray` is a `repr(transparent)` wrapper of the slice.
                Some(unsafe { &*(entries as *const [CStrPtr<'a>] as *const CStrArray<'a>) })
            }
            _ => None,
        }
    }

    /// The entries, the terminator included.
    pub const fn entries(&self) -> &[CStrPtr<'a>] {
        &self.0
    }

    /// How many strings come before the first null entry (what the kernel counts).
    pub fn len(&self) -> usize {
        self.0.iter().take_while(|entry| !entry.is_null()).count()
    }

    /// Whether the first entry is null (no strings).
    pub fn is_empty(&self) -> bool {
        self.0[0].is_null()
    }

    /// The strings before the first null entry.
    pub fn iter(&self) -> impl Iterator<Item = &'a CStr> + '_ {
        self.0.iter().map_while(|entry| entry.get())
    }

    /// The pointer the kernel receives: `const char *const[]`, null-terminated.
    pub const fn as_ptr(&self) -> *const *const c_char {
        self.0.as_ptr().cast()
    }
}

impl core::fmt::Debug for CStrArray<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// `N` strings and the null terminator in one value, on the stack: a [`CStrArray`]
/// that cannot lack its terminator, for argument lists known when writing the code.
/// It dereferences to [`CStrArray`], so `&buffer` is an `execve` argument.
///
/// ```
/// use freeclone::sys::CStrArrayBuf;
/// let argv = CStrArrayBuf::new([c"/bin/sh", c"-c", c"echo hello"]);
/// assert_eq!(argv.len(), 3);
/// assert!(argv.entries()[3].is_null());
/// ```
#[repr(C)]
pub struct CStrArrayBuf<'a, const N: usize> {
    // `repr(C)`: the terminator directly follows the N entries, with no padding (same
    // type), so the whole value is an array of N + 1 entries.
    strings: [CStrPtr<'a>; N],
    terminator: CStrPtr<'a>,
}

impl<'a, const N: usize> CStrArrayBuf<'a, N> {
    /// The array of `strings`, null-terminated.
    pub const fn new(strings: [&'a CStr; N]) -> Self {
        let mut entries = [CStrPtr::NULL; N];
        let mut index = 0;
        while index < N {
            entries[index] = CStrPtr::new(strings[index]);
            index += 1;
        }
        CStrArrayBuf { strings: entries, terminator: CStrPtr::NULL }
    }

    /// The borrowed array.
    pub const fn as_array(&self) -> &CStrArray<'a> {
        let entries = core::ptr::slice_from_raw_parts((self as *const Self).cast::<CStrPtr<'a>>(), N + 1);
        // SAFETY: `repr(C)` lays out the N entries and then the terminator contiguously
        // (same size and alignment, so no padding): N + 1 initialized entries, the last
        // null, borrowed for as long as `self`. `CStrArray` is a transparent slice.
        unsafe { &*(entries as *const CStrArray<'a>) }
    }
}

impl<'a, const N: usize> core::ops::Deref for CStrArrayBuf<'a, N> {
    type Target = CStrArray<'a>;

    fn deref(&self) -> &CStrArray<'a> {
        self.as_array()
    }
}

impl<const N: usize> core::fmt::Debug for CStrArrayBuf<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self.as_array(), f)
    }
}

/// `execve(2)`: replaces the calling process's program with the program at `path`,
/// started with the arguments `argv` (`argv[0]` is, by convention, its name) and the
/// environment `envp` (`NAME=value` strings). On success it does not return: every
/// other thread of the process is ended, the memory is replaced, descriptors marked
/// close-on-exec are closed, and caught signals revert to their default action; the
/// process ID stays, so the parent waits for the new program as for the old one.
///
/// The types make the kernel's requirements hold: both arrays end in a null pointer,
/// and each string outlives the call.
///
/// ```no_run
/// use core::convert::Infallible;
/// use freeclone::{Errno, sys::{self, CStrArray, CStrArrayBuf}};
///
/// fn run_shell_command() -> Result<Infallible, Errno> {
///     let argv = CStrArrayBuf::new([c"/bin/sh", c"-c", c"echo hello from $0"]);
///     let envp = CStrArrayBuf::new([c"PATH=/usr/bin:/bin"]);
///     Err(sys::execve(c"/bin/sh", &argv, &envp)) // returns only on failure
/// }
///
/// // An init handing over to the next one, with an empty environment, falling back
/// // to a second path if the first is missing:
/// for init in [c"/sbin/init", c"/bin/init"] {
///     match sys::execve(init, &CStrArrayBuf::new([init]), CStrArray::EMPTY) {
///         Errno::ENOENT => continue,
///         errno => return Err(errno),
///     }
/// }
/// # let _ = run_shell_command;
/// # Ok::<(), Errno>(())
/// ```
///
/// Returns only on failure, with the reason. (If the kernel answered "success" without
/// replacing the program, which only a seccomp filter returning errno 0 can make it
/// do, the value is `Errno::from_raw(0)`.)
///
/// # Errors
/// `ENOENT` if `path` or its interpreter does not exist; `EACCES` if it is not a
/// regular file, lacks execute permission, or lies on a `noexec` mount; `ENOEXEC` if
/// its format is not one this kernel runs (a binary for another architecture without a
/// `binfmt_misc` handler); `E2BIG` if the strings are too long together; `ETXTBSY` if
/// it is open for writing; `ENOTDIR`, `ELOOP`, `ENAMETOOLONG`, `EISDIR`, `EPERM`
/// (set-user-ID under tracing or `no_new_privs` restrictions), `EAGAIN` (process
/// limit after a UID change), `ENOMEM`, `EIO`, `EMFILE`/`ENFILE`, `EFAULT`.
pub fn execve(path: &CStr, argv: &CStrArray<'_>, envp: &CStrArray<'_>) -> Errno {
    let nr = kernel::__NR_execve as usize;
    // SAFETY: `path` is NUL-terminated; both arrays end in a null entry and point only
    // to NUL-terminated strings that live at least as long as this call. The kernel
    // reads them before replacing the program (or returns an error).
    let ret = unsafe { arch::syscall3(nr, c_path(path), argv.as_ptr() as usize, envp.as_ptr() as usize) };
    match check(ret) {
        Err(errno) => errno,
        Ok(_) => Errno::from_raw(0),
    }
}

/// `getuid(2)`: the real user ID (through the 32-bit call where the plain one is the
/// 16-bit legacy call, on i386 and arm).
pub fn getuid() -> u32 {
    unsafe { arch::syscall0(arch::NR_GETUID as usize) as u32 }
}

/// `setuid(2)` with a 32-bit `uid` on every architecture (i386 and arm: `setuid32`, so
/// an ID above 65535 is never cut to its low 16 bits). Changing from root to another
/// user drops every capability. `EINVAL` for `u32::MAX` (-1, "no ID").
///
/// The system call changes the calling thread's credentials only (POSIX's `setuid`, as
/// glibc implements it, signals every thread to change theirs): in a program with other
/// threads, drop privileges in each of them, or through the C library.
pub fn setuid(uid: u32) -> Result<(), Errno> {
    check(unsafe { arch::syscall1(arch::NR_SETUID as usize, uid as usize) }).map(drop)
}

/// `getgid(2)`: the real group ID (the 32-bit call on every architecture, as
/// [`getuid`]).
pub fn getgid() -> u32 {
    unsafe { arch::syscall0(arch::NR_GETGID as usize) as u32 }
}

/// `setgid(2)` with a 32-bit `gid` on every architecture, as [`setuid`]. A process
/// dropping root sets its group first: after `setuid` it may no longer. `EINVAL` for
/// `u32::MAX`. Like [`setuid`], it changes the calling thread only.
pub fn setgid(gid: u32) -> Result<(), Errno> {
    check(unsafe { arch::syscall1(arch::NR_SETGID as usize, gid as usize) }).map(drop)
}

/// The kernel's signal set for the `rt_sig*` calls (64 signals; 128 on mips).
pub type SignalSet = kernel::kernel_sigset_t;

/// A signal set holding only `signal`; `EINVAL` for a number outside
/// `1..=`[`SIGNAL_COUNT`], as the kernel's `sigaddset` would answer.
pub fn signal_set(signal: c_int) -> Result<SignalSet, Errno> {
    let (word, bit) = signal_bit(signal).ok_or(Errno::EINVAL)?;
    let mut set = empty_signal_set();
    set.sig[word] = 1 << bit;
    Ok(set)
}

/// Where `signal` lives in a set (word, bit), or `None` outside `1..=SIGNAL_COUNT`.
fn signal_bit(signal: c_int) -> Option<(usize, u32)> {
    if !(1..=SIGNAL_COUNT).contains(&signal) {
        return None;
    }
    let index = (signal - 1) as usize;
    let bits = core::ffi::c_ulong::BITS as usize;
    Some((index / bits, (index % bits) as u32))
}

/// The number of signals a [`SignalSet`] holds (64; 128 on mips): signals are numbered
/// from 1 to this.
pub const SIGNAL_COUNT: c_int = (core::mem::size_of::<SignalSet>() * 8) as c_int;

/// The signal set holding no signal.
pub fn empty_signal_set() -> SignalSet {
    // SAFETY: a signal set is plain bits; all zero is the empty set.
    unsafe { core::mem::zeroed() }
}

/// The signal set holding every signal (blocking it blocks all but `SIGKILL` and
/// `SIGSTOP`, which the kernel never blocks).
pub fn full_signal_set() -> SignalSet {
    let mut set = empty_signal_set();
    // SAFETY: a signal set is plain bits; all one is every signal.
    unsafe { core::ptr::write_bytes(&raw mut set, 0xff, 1) };
    set
}

/// Whether `set` holds `signal` (`false` for a number outside `1..=`[`SIGNAL_COUNT`]).
pub fn signal_set_contains(set: &SignalSet, signal: c_int) -> bool {
    signal_bit(signal).is_some_and(|(word, bit)| set.sig[word] & (1 << bit) != 0)
}

/// `rt_sigprocmask(2)`: changes the blocked set as `how` says, returns the old one.
pub fn sigprocmask(how: c_int, set: &SignalSet) -> Result<SignalSet, Errno> {
    let mut old: SignalSet = unsafe { core::mem::zeroed() };
    let nr = kernel::__NR_rt_sigprocmask as usize;
    let size = core::mem::size_of::<SignalSet>();
    let ret = unsafe { arch::syscall4(nr, how as usize, set as *const _ as usize, &raw mut old as usize, size) };
    check(ret).map(|_| old)
}

/// `rt_sigpending(2)`: the signals pending for the caller.
pub fn sigpending() -> Result<SignalSet, Errno> {
    let mut set: SignalSet = unsafe { core::mem::zeroed() };
    let nr = kernel::__NR_rt_sigpending as usize;
    let size = core::mem::size_of::<SignalSet>();
    check(unsafe { arch::syscall2(nr, &raw mut set as usize, size) }).map(|_| set)
}

/// What to do on a signal, for [`sigaction`].
#[derive(Copy, Clone, Debug)]
pub enum SignalDisposition {
    /// The default action (`SIG_DFL`).
    Default,
    /// Ignore the signal (`SIG_IGN`).
    Ignore,
    /// Run this handler. It runs on the interrupted thread's stack with the signal
    /// blocked; the architecture's signal-return path is set up where the kernel needs
    /// one from user space (x86_64).
    Handler(extern "C" fn(c_int)),
}

/// `rt_sigaction(2)`: sets the disposition of `signal` (or only reads it, with `None`)
/// and returns the previous one.
///
/// # Safety
/// A handler runs asynchronously, interrupting any code of the process: it must only
/// do what is safe there (system calls, atomics).
pub unsafe fn sigaction(
    signal: c_int,
    disposition: Option<SignalDisposition>,
) -> Result<SignalDisposition, Errno> {
    let new = disposition.map(|disposition| {
        let handler = match disposition {
            SignalDisposition::Default => 0, // SIG_DFL
            SignalDisposition::Ignore => 1, // SIG_IGN
            SignalDisposition::Handler(handler) => handler as usize,
        };
        arch::signal_action(handler)
    });
    let mut old: arch::SignalAction = unsafe { core::mem::zeroed() };
    let new_pointer = new.as_ref().map_or(0, |new| new as *const _ as usize);
    let nr = kernel::__NR_rt_sigaction as usize;
    let size = core::mem::size_of::<SignalSet>();
    check(unsafe { arch::syscall4(nr, signal as usize, new_pointer, &raw mut old as usize, size) })?;
    Ok(match arch::signal_action_handler(&old) {
        0 => SignalDisposition::Default,
        1 => SignalDisposition::Ignore,
        handler => SignalDisposition::Handler(unsafe { core::mem::transmute::<usize, extern "C" fn(c_int)>(handler) }),
    })
}

/// `rt_sigtimedwait(2)` without a timeout: takes one signal of `set` that is pending
/// (waiting for one if none is) and returns its number. The signals must be blocked.
pub fn sigwait(set: &SignalSet) -> Result<c_int, Errno> {
    let nr = kernel::__NR_rt_sigtimedwait as usize;
    let size = core::mem::size_of::<SignalSet>();
    check(unsafe { arch::syscall4(nr, set as *const _ as usize, 0, 0, size) }).map(|signal| signal as c_int)
}

/// `sync(2)`: flushes file system buffers.
pub fn sync() {
    unsafe { arch::syscall0(kernel::__NR_sync as usize) };
}

/// `reboot(2)` with `LINUX_REBOOT_CMD_POWER_OFF`. Only for a PID 1 that means it: use
/// `rt::power_off` (feature `rt`), which checks that; as root anywhere else this powers
/// the machine off.
///
/// # Safety
/// Powers the machine off (or, in a PID namespace, ends its init).
pub unsafe fn reboot_power_off() -> Result<(), Errno> {
    let nr = kernel::__NR_reboot as usize;
    let ret = unsafe {
        arch::syscall4(
            nr,
            kernel::LINUX_REBOOT_MAGIC1 as usize,
            kernel::LINUX_REBOOT_MAGIC2 as usize,
            kernel::LINUX_REBOOT_CMD_POWER_OFF as usize,
            0,
        )
    };
    check(ret).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_str_array_accepts_only_slices_ending_in_null() {
        let entries = [CStrPtr::new(c"a"), CStrPtr::NULL, CStrPtr::new(c"after"), CStrPtr::NULL];
        let array = CStrArray::new(&entries).unwrap();
        // The kernel stops at the first null entry, and so do len and iter.
        assert_eq!(array.len(), 1);
        assert!(array.iter().eq([c"a"]));
        assert!(CStrArray::new(&entries[..3]).is_none());
        assert!(CStrArray::new(&[]).is_none());
        assert!(CStrArray::EMPTY.is_empty() && CStrArray::EMPTY.entries().len() == 1);
    }

    #[test]
    fn c_str_array_buf_is_its_strings_then_null_as_one_c_array() {
        let buffer = CStrArrayBuf::new([c"/bin/sh", c"-c", c"true"]);
        assert_eq!(core::mem::size_of_val(&buffer), 4 * core::mem::size_of::<*const c_char>());
        let pointers = unsafe { core::slice::from_raw_parts(buffer.as_ptr(), 4) };
        assert_eq!(pointers[0], c"/bin/sh".as_ptr());
        assert_eq!(pointers[2], c"true".as_ptr());
        assert!(pointers[3].is_null());
        assert_eq!(buffer.len(), 3);
        let empty = CStrArrayBuf::new([]);
        assert!(empty.is_empty() && empty.entries()[0].is_null());
    }

    #[test]
    fn wait_statuses_decode_as_wexitstatus_and_wtermsig() {
        // Exited with 255, with 42: the code is the second byte, all of it.
        assert_eq!((exit_status(0xff00), termination_signal(0xff00)), (Some(255), None));
        assert_eq!((exit_status(0x2a00), termination_signal(0x2a00)), (Some(42), None));
        assert_eq!((exit_status(0), termination_signal(0)), (Some(0), None));
        // Killed by SIGSEGV (11), with and without the core-dump bit 0x80.
        assert_eq!((exit_status(11), termination_signal(11)), (None, Some(11)));
        assert_eq!((exit_status(0x8b), termination_signal(0x8b)), (None, Some(11)));
        // Stopped by SIGSTOP (19): low byte 0x7f, neither exited nor killed.
        assert_eq!((exit_status(0x137f), termination_signal(0x137f)), (None, None));
    }

    #[test]
    fn mount_and_umount_flags_are_the_kernel_values() {
        assert_eq!((MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC), (1, 2, 4, 8));
        assert_eq!((MS_BIND, MS_MOVE, MS_REC), (4096, 8192, 16384));
        assert_eq!((MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_UNBINDABLE), (1 << 18, 1 << 19, 1 << 20, 1 << 17));
        assert_eq!((MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW), (1, 2, 4, 8));
        assert_eq!((PROT_NONE, PROT_EXEC), (0, 4));
    }
}
