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
/// `openat` flag: read only.
pub const O_RDONLY: c_int = kernel::O_RDONLY as c_int;
/// `openat` flag: the path must be a directory.
pub const O_DIRECTORY: c_int = kernel::O_DIRECTORY as c_int;
/// `openat` flag: create the file if it does not exist.
pub const O_CREAT: c_int = kernel::O_CREAT as c_int;
/// `openat` flag: write only.
pub const O_WRONLY: c_int = kernel::O_WRONLY as c_int;
/// The `dirfd` that makes `*at` calls resolve relative paths from the working directory.
pub const AT_FDCWD: c_int = kernel::AT_FDCWD;
/// `unlinkat` flag: remove a directory.
pub const AT_REMOVEDIR: c_int = kernel::AT_REMOVEDIR as c_int;
/// `rt_sigprocmask` how: add to the blocked set.
pub const SIG_BLOCK: c_int = kernel::SIG_BLOCK as c_int;
/// `rt_sigprocmask` how: remove from the blocked set.
pub const SIG_UNBLOCK: c_int = kernel::SIG_UNBLOCK as c_int;
/// `mount` flag: apply to the whole subtree.
pub const MS_REC: usize = kernel::MS_REC as usize;
/// `mount` flag: make the mount private (no propagation).
pub const MS_PRIVATE: usize = kernel::MS_PRIVATE as usize;

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

/// The kernel's `struct new_utsname`: six NUL-padded 65-byte fields.
pub type Utsname = linux_raw_sys::system::new_utsname;

/// `uname(2)`.
pub fn uname() -> Result<Utsname, Errno> {
    let mut name: Utsname = unsafe { core::mem::zeroed() };
    let nr = kernel::__NR_uname as usize;
    check(unsafe { arch::syscall1(nr, &raw mut name as usize) })?;
    Ok(name)
}

/// `sethostname(2)`.
pub fn sethostname(name: &[u8]) -> Result<(), Errno> {
    let nr = kernel::__NR_sethostname as usize;
    check(unsafe { arch::syscall2(nr, name.as_ptr() as usize, name.len()) }).map(drop)
}

/// `mount(2)`; `source`, `fstype` and `data` may be null.
///
/// # Safety
/// Non-null pointers must point to NUL-terminated strings (`data`: what the filesystem
/// expects).
pub unsafe fn mount(
    source: *const u8,
    target: &core::ffi::CStr,
    fstype: *const u8,
    flags: usize,
    data: *const u8,
) -> Result<(), Errno> {
    let nr = kernel::__NR_mount as usize;
    let ret = unsafe {
        arch::syscall5(nr, source as usize, c_path(target), fstype as usize, flags, data as usize)
    };
    check(ret).map(drop)
}

/// `getuid(2)` (the 16-bit call on i386 and arm, which is enough for the IDs under
/// 65535 that tests use).
pub fn getuid() -> u32 {
    unsafe { arch::syscall0(kernel::__NR_getuid as usize) as u32 }
}

/// `setuid(2)` (the 16-bit call on i386 and arm: `uid` must be below 65535). Changing
/// from root to another user drops every capability.
pub fn setuid(uid: u32) -> Result<(), Errno> {
    check(unsafe { arch::syscall1(kernel::__NR_setuid as usize, uid as usize) }).map(drop)
}

/// The kernel's signal set for the `rt_sig*` calls (64 signals; 128 on mips).
pub type SignalSet = kernel::kernel_sigset_t;

/// A signal set holding only `signal`.
pub fn signal_set(signal: c_int) -> SignalSet {
    let mut set: SignalSet = unsafe { core::mem::zeroed() };
    let bit = (signal - 1) as usize;
    let words = unsafe {
        core::slice::from_raw_parts_mut(
            (&raw mut set).cast::<core::ffi::c_ulong>(),
            core::mem::size_of::<SignalSet>() / core::mem::size_of::<core::ffi::c_ulong>(),
        )
    };
    let bits = core::ffi::c_ulong::BITS as usize;
    words[bit / bits] |= 1 << (bit % bits);
    set
}

/// Whether `set` holds `signal`.
pub fn signal_set_contains(set: &SignalSet, signal: c_int) -> bool {
    let wanted = signal_set(signal);
    let size = core::mem::size_of::<SignalSet>();
    let (set, wanted) = unsafe {
        (
            core::slice::from_raw_parts((set as *const SignalSet).cast::<u8>(), size),
            core::slice::from_raw_parts((&raw const wanted).cast::<u8>(), size),
        )
    };
    set.iter().zip(wanted).any(|(have, want)| have & want != 0)
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
