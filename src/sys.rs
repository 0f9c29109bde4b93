//! The raw layer: system calls by number, the raw `clone` system call, and the few
//! thin wrappers that programs built on this crate (and its tests) need.
//!
//! Every wrapper is one system call with the kernel's semantics; errors come back as
//! [`Errno`]. Numbers and constants come from `linux-raw-sys` for the architecture
//! being built.

use core::ffi::{c_int, c_void};
use core::sync::atomic::AtomicI32;

use linux_raw_sys::general as kernel;

use crate::{Errno, arch, pid_t};

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

/// `exit(2)`: ends the calling thread with `status`.
pub fn exit(status: c_int) -> ! {
    unsafe { arch::syscall1_noreturn(kernel::__NR_exit as usize, status as usize) }
}

/// `exit_group(2)`: ends every thread of the calling process with `status`.
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
pub fn close(fd: c_int) -> Result<(), Errno> {
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
