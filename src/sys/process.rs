//! Processes and threads: the raw `clone` and `clone3` calls, exit, IDs, sessions and
//! process groups, credentials.

use core::ffi::{c_int, c_void};

use linux_raw_sys::general as kernel;

use super::check;
use crate::clone_args::CloneArgs;
use crate::errno::Errno;
use crate::clone_args::RawCloneArgs;
use crate::arch;
use crate::flags::CloneFlags;
use crate::types::pid_t;

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
    flags: CloneFlags,
    stack: *mut u8,
    ptid: *mut pid_t,
    tls: *mut c_void,
    ctid: *mut pid_t,
) -> Result<pid_t, Errno> {
    let flags = flags.clone_bits().ok_or(Errno::EINVAL)?;
    let ret = unsafe {
        arch::clone_syscall(
            flags as usize,
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
/// let args = CloneArgs::new().flags(CLONE_NEWPID).exit_signal(SIGCHLD);
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
    let nr = kernel::__NR_clone3 as usize;
    check(unsafe { arch::syscall2(nr, args.as_raw() as *const RawCloneArgs as usize, args.size()) }).map(|pid| pid as pid_t)
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

/// `sched_yield(2)`: lets other threads run.
pub fn sched_yield() {
    unsafe { arch::syscall0(kernel::__NR_sched_yield as usize) };
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
