//! `clone3()` through the raw, fork-like `sys::clone3` (the child returns from the
//! call with `Ok(0)` on a copy of the caller's stack), modelled on the manual page and
//! the kernel's selftests (tools/testing/selftests/clone3/). qemu-user answers
//! `ENOSYS` to clone3 (measured with qemu 10.0.2: x86_64, i386, aarch64, s390x, mipsel), which these
//! cases report as a skip with that proof; the native and kernel tiers run them all.
//! The cases of `freeclone::clone3` (a `fn(arg)` entry) run on every tier: under
//! qemu-user through its fallback to clone.

use core::ffi::{CStr, c_int, c_void};
use core::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

use freeclone::flags::*;
use freeclone::signal::{SIGCHLD, SIGUSR1, SIGUSR2};
use freeclone::sys::{self, SignalDisposition};
use freeclone::{CLONE_ARGS_SIZE_VER0, CloneArgs, Errno, Fallback, RawCloneArgs, pid_t};

use freeclone::probes;
use freeclone::tls::{TlsArgument, thread_pointer};

use crate::harness::{Failure, MappedStack, Pipe, Text, Verdict, fail, must_not_run, return_arg_as_status, skip, wait_exit_status};
use crate::harness::{close_fd, fd};
use freeclone::fd::OwnedFd;

/// The skip every case gives where clone3 is missing: a kernel since 5.3 has it, so
/// on the native and kernel tiers (where the runner counts a skip as a failure) this
/// never applies.
fn enosys() -> Failure {
    skip!("clone3 answered ENOSYS: qemu-user does not implement clone3; runs on the native and kernel tiers")
}

/// What the parent of a fork-like clone3 learns.
enum Outcome {
    /// The child ran `child` and exited with this status.
    Exited { pid: pid_t, status: c_int },
    /// clone3 failed.
    Refused(Errno),
}

/// Issues the clone3 system call with `args` and `size` (any size, unlike
/// `sys::clone3`); the child runs `child`
/// and exits with its value. A child is waited for with `__WALL`, whatever its exit
/// signal. ENOSYS is the qemu-user skip.
fn call(args: *const RawCloneArgs, size: usize, child: impl FnOnce() -> c_int) -> Result<Outcome, Failure> {
    // SAFETY: no case passes CLONE_VM without a fresh stack that the child never
    // reaches (see clear_sighand_with_sighand_is_einval); the child leaves through
    // exit_group without returning.
    match unsafe { clone3_syscall(args, size) } {
        Ok(0) => sys::exit_group(child()),
        Ok(pid) => Ok(Outcome::Exited { pid, status: wait_exit_status(pid, sys::WALL)? }),
        Err(Errno::ENOSYS) => Err(enosys()),
        Err(errno) => Ok(Outcome::Refused(errno)),
    }
}

/// The clone3 system call with any `size`: what `sys::clone3` does with a
/// `CloneArgs`' own size, for the cases on the kernel's size rules.
///
/// # Safety
/// As `sys::clone3`, and `args` must point to `size` readable bytes.
unsafe fn clone3_syscall(args: *const RawCloneArgs, size: usize) -> Result<pid_t, Errno> {
    let nr = linux_raw_sys::general::__NR_clone3 as usize;
    // SAFETY: forwarded from the caller.
    Errno::from_syscall_return(unsafe { sys::syscall2(nr, args as usize, size) }).map(|pid| pid as pid_t)
}

/// `call` with a `CloneArgs` and its own size.
fn call_args(args: &CloneArgs<'_>, child: impl FnOnce() -> c_int) -> Result<Outcome, Failure> {
    call(args.as_raw(), args.size(), child)
}

/// The child exited with 0, or the failure says what went wrong.
fn exited_zero(outcome: Outcome, what: &str) -> Result<pid_t, Failure> {
    match outcome {
        Outcome::Exited { pid, status: 0 } => Ok(pid),
        Outcome::Exited { status, .. } => Err(fail!("{what}: the child exited with {status}")),
        Outcome::Refused(errno) => Err(fail!("{what}: clone3 failed: {errno}")),
    }
}

/// clone3 refused with `expected`.
fn refused_with(outcome: Outcome, expected: Errno, what: &str) -> Verdict {
    match outcome {
        Outcome::Refused(errno) if errno == expected => Ok(()),
        Outcome::Refused(errno) => Err(fail!("{what}: clone3 gave {errno}, expected {expected}")),
        Outcome::Exited { status, .. } => Err(fail!("{what}: clone3 created a child (exit status {status}), expected {expected}")),
    }
}

/// The smallest published structure (64 bytes) is accepted, and the child returns
/// from the call with 0.
pub fn clone3_size_ver0_is_accepted_and_the_child_gets_zero() -> Verdict {
    let args = CloneArgs::new().exit_signal(SIGCHLD);
    if args.size() != CLONE_ARGS_SIZE_VER0 {
        return Err(fail!("CloneArgs with no field of a later version has size {}", args.size()));
    }
    // The child reaches the closure only through `Ok(0)`.
    exited_zero(call_args(&args, || 0)?, "size 64").map(drop)
}

/// A buffer of `clone_args` followed by `tail` bytes of the caller's choice.
#[repr(C)]
struct Extended {
    args: RawCloneArgs,
    tail: [u64; 4],
}

fn extended(tail: [u64; 4]) -> Extended {
    Extended { args: *CloneArgs::new().exit_signal(SIGCHLD).as_raw(), tail }
}

/// "usize < CLONE_ARGS_SIZE_VER0": EINVAL (8 bytes less than the first version).
pub fn clone3_size_below_ver0_is_einval() -> Verdict {
    let buffer = extended([0; 4]);
    refused_with(call(&buffer.args, CLONE_ARGS_SIZE_VER0 - 8, || 0)?, Errno::EINVAL, "size 56")
}

/// A structure larger than the kernel's whose extra bytes are zero is accepted.
pub fn clone3_larger_size_with_a_zero_tail_is_accepted() -> Verdict {
    let buffer = extended([0; 4]);
    let size = core::mem::size_of::<Extended>();
    exited_zero(call(&buffer.args, size, || 0)?, "size 120, zero tail").map(drop)
}

/// A structure larger than the kernel's with a non-zero byte it does not know: E2BIG.
pub fn clone3_nonzero_tail_is_e2big() -> Verdict {
    let buffer = extended([0, 0, 1, 0]);
    let size = core::mem::size_of::<Extended>();
    refused_with(call(&buffer.args, size, || 0)?, Errno::E2BIG, "size 120, non-zero tail")
}

/// A size above a page is E2BIG: 64 KiB + 8, above the largest page size of any
/// architecture, with the whole buffer readable and zero but the structure.
pub fn clone3_size_above_a_page_is_e2big() -> Verdict {
    const SIZE: usize = 64 * 1024 + 8;
    let buffer = MappedStack::new(128 * 1024)?;
    let args = buffer.base().cast::<RawCloneArgs>();
    // SAFETY: a fresh, zeroed, writable mapping of 128 KiB, page aligned.
    unsafe { args.write(*CloneArgs::new().exit_signal(SIGCHLD).as_raw()) };
    refused_with(call(args, SIZE, || 0)?, Errno::E2BIG, "size 64 KiB + 8")
}

/// "exit_signal & ~CSIGNAL" is EINVAL: a bit above the low byte, or above 32 bits.
pub fn clone3_exit_signal_with_bits_outside_csignal_is_einval() -> Verdict {
    for (exit_signal, what) in [(0x100 | SIGCHLD as u64, "0x100 | SIGCHLD"), ((1 << 32) | SIGCHLD as u64, "1 << 32 | SIGCHLD")] {
        let mut args = *CloneArgs::new().as_raw();
        args.exit_signal = exit_signal;
        refused_with(call(&args, CLONE_ARGS_SIZE_VER0, || 0)?, Errno::EINVAL, what)?;
    }
    Ok(())
}

// What the child found wrong, one bit each, as its exit status.
const CHILD_TID_NOT_STORED: c_int = 1;

/// CLONE_PARENT_SETTID and CLONE_CHILD_SETTID through `parent_tid` and `child_tid`:
/// the TID lands at `parent_tid` in the parent's memory before clone3 returns, and at
/// `child_tid` in the child's before it runs; the child gets 0.
pub fn clone3_stores_the_tid_at_parent_tid_and_child_tid() -> Verdict {
    let (mut parent_tid, mut child_tid): (pid_t, pid_t) = (0, 0);
    let args = CloneArgs::new()
        .flags(CLONE_CHILD_SETTID)
        .parent_tid(&mut parent_tid)
        .child_tid(&mut child_tid)
        .exit_signal(SIGCHLD);
    let outcome = call_args(&args, || {
        let raw = args.as_raw();
        let child_tid_at = raw.child_tid as usize as *const pid_t;
        // SAFETY: the child's copy of `child_tid`. (Its copy of `parent_tid` may
        // hold anything: the kernel stores into the parent's after copying.)
        if unsafe { child_tid_at.read_volatile() } != sys::gettid() { CHILD_TID_NOT_STORED } else { 0 }
    })?;
    drop(args);
    let (pid, status) = match outcome {
        Outcome::Exited { pid, status } => (pid, status),
        Outcome::Refused(errno) => return Err(fail!("clone3 failed: {errno}")),
    };
    if parent_tid != pid {
        return Err(fail!("parent_tid holds {parent_tid}, clone3 returned {pid}"));
    }
    if child_tid != 0 {
        return Err(fail!("child_tid changed in the parent's memory to {child_tid}"));
    }
    if status & CHILD_TID_NOT_STORED != 0 {
        return Err(fail!("child_tid in the child's memory does not hold its TID"));
    }
    if status != 0 {
        return Err(fail!("the child exited with {status}"));
    }
    Ok(())
}

/// CLONE_PIDFD: clone3 stores a PID file descriptor at `pidfd`, close-on-exec, that
/// polls readable once the child has terminated (and not before).
pub fn clone3_pidfd_polls_readable_when_the_child_exits() -> Verdict {
    let mut pidfd: c_int = -1;
    let pipe = Pipe::new()?;
    let args = CloneArgs::new().pidfd(&mut pidfd).exit_signal(SIGCHLD);
    // SAFETY: fork-like; the child leaves through exit_group in its branch.
    let pid = match unsafe { sys::clone3(&args) } {
        Ok(0) => {
            // Wait until the parent closes its write end: the child's copy first.
            let _ = close_fd(pipe.write);
            let mut byte = [0u8; 1];
            let _ = sys::read(fd(pipe.read), &mut byte);
            sys::exit_group(0)
        }
        Ok(pid) => pid,
        Err(Errno::ENOSYS) => return Err(enosys()),
        Err(errno) => return Err(fail!("clone3 with CLONE_PIDFD failed: {errno}")),
    };
    drop(args);
    let verdict = check_pidfd(pidfd, pipe, pid);
    if pidfd >= 0 {
        // SAFETY: the kernel gave this descriptor to this case.
        let _ = close_fd(pidfd);
    }
    verdict
}

fn check_pidfd(pidfd: c_int, pipe: Pipe, pid: pid_t) -> Verdict {
    let alive = (|| {
        if pidfd < 0 {
            return Err(fail!("pidfd still holds {pidfd}"));
        }
        match sys::fcntl_getfd(fd(pidfd)) {
            Ok(flags) if flags & 1 != 0 => {} // FD_CLOEXEC
            other => return Err(fail!("the pidfd is not close-on-exec: F_GETFD gave {other:?}")),
        }
        let mut fds = [sys::PollFd::new(fd(pidfd), sys::POLLIN)];
        match sys::poll(&mut fds, 0) {
            Ok(0) => Ok(()),
            other => Err(fail!("the pidfd polled {other:?} (revents {:#x}) while the child lives", fds[0].revents())),
        }
    })();
    drop(pipe); // the child exits
    let mut fds = [sys::PollFd::new(fd(pidfd), sys::POLLIN)];
    let polled = if pidfd >= 0 { sys::poll(&mut fds, -1) } else { Ok(0) };
    let status = wait_exit_status(pid, 0)?;
    alive?;
    if polled != Ok(1) || fds[0].revents() & sys::POLLIN == 0 {
        return Err(fail!("after the child exited the pidfd polled {polled:?}, revents {:#x}", fds[0].revents()));
    }
    if status != 0 {
        return Err(fail!("the child exited with {status}"));
    }
    Ok(())
}

extern "C" fn ignore_signal(_: c_int) {}

const HANDLED_NOT_DEFAULT: c_int = 1;
const IGNORED_NOT_IGNORED: c_int = 2;
const QUERY_FAILED: c_int = 4;

/// CLONE_CLEAR_SIGHAND: "all signals that are handled in the parent are reset to
/// their default dispositions (SIG_DFL) in the child"; ignored ones stay ignored.
pub fn clone3_clear_sighand_resets_handled_signals_to_default() -> Verdict {
    // SAFETY: the handler does nothing; both dispositions are restored below.
    let set = unsafe {
        sys::sigaction(SIGUSR1, Some(SignalDisposition::Handler(ignore_signal)))
            .and_then(|_| sys::sigaction(SIGUSR2, Some(SignalDisposition::Ignore)))
    };
    let outcome = set.map_err(|errno| fail!("sigaction: {errno}")).and_then(|_| {
        let args = CloneArgs::new().flags(CLONE_CLEAR_SIGHAND).exit_signal(SIGCHLD);
        call_args(&args, || {
            let mut status = 0;
            // SAFETY: only reads the dispositions.
            match unsafe { (sys::sigaction(SIGUSR1, None), sys::sigaction(SIGUSR2, None)) } {
                (Ok(handled), Ok(ignored)) => {
                    if !matches!(handled, SignalDisposition::Default) {
                        status |= HANDLED_NOT_DEFAULT;
                    }
                    if !matches!(ignored, SignalDisposition::Ignore) {
                        status |= IGNORED_NOT_IGNORED;
                    }
                }
                _ => status |= QUERY_FAILED,
            }
            status
        })
    });
    // SAFETY: back to the default.
    let _ = unsafe { (sys::sigaction(SIGUSR1, Some(SignalDisposition::Default)), sys::sigaction(SIGUSR2, Some(SignalDisposition::Default))) };
    match outcome? {
        Outcome::Exited { status: 0, .. } => Ok(()),
        Outcome::Exited { status, .. } if status & HANDLED_NOT_DEFAULT != 0 => {
            Err(fail!("SIGUSR1's handler is still installed in the child (status {status})"))
        }
        Outcome::Exited { status, .. } => Err(fail!("the child exited with {status} (2: SIG_IGN lost, 4: sigaction failed)")),
        Outcome::Refused(errno) => Err(fail!("clone3 with CLONE_CLEAR_SIGHAND failed: {errno}")),
    }
}

/// "Specifying this flag together with CLONE_SIGHAND is nonsensical and disallowed":
/// EINVAL. CLONE_SIGHAND needs CLONE_VM, which the call gets too, with a stack of its
/// own and CLONE_PIDFD pointing at an unmapped page: a kernel that let the combination
/// through would fail storing the pidfd (EFAULT) before any child ran.
pub fn clone3_clear_sighand_with_sighand_is_einval() -> Verdict {
    let stack = MappedStack::new(64 * 1024)?;
    let hole = MappedStack::new(4096)?;
    let unmapped = hole.base();
    drop(hole);
    let mut args = *CloneArgs::new().as_raw();
    args.flags = (CLONE_VM | CLONE_SIGHAND | CLONE_CLEAR_SIGHAND | CLONE_PID).bits();
    args.pidfd = unmapped as usize as u64;
    args.stack = stack.base() as usize as u64;
    args.stack_size = 64 * 1024;
    // SAFETY: the child, if the kernel made one, would run on `stack` (see above).
    match unsafe { clone3_syscall(&args, CLONE_ARGS_SIZE_VER0) } {
        Err(Errno::EINVAL) => Ok(()),
        Err(Errno::ENOSYS) => Err(enosys()),
        Err(Errno::EFAULT) => Err(fail!("CLONE_SIGHAND | CLONE_CLEAR_SIGHAND got as far as storing the pidfd (EFAULT)")),
        other => Err(fail!("clone3 gave {other:?}, expected EINVAL")),
    }
}

/// Reads `path` into `buffer`, returning the bytes read.
fn read_file<'b>(path: &CStr, buffer: &'b mut [u8]) -> Result<&'b [u8], Errno> {
    let file = sys::openat(freeclone::fd::CWD, path, sys::O_RDONLY | sys::O_CLOEXEC, 0).map(OwnedFd::into_raw_fd)?;
    let mut filled = 0;
    let result = loop {
        match sys::read(fd(file), &mut buffer[filled..]) {
            Ok(0) => break Ok(()),
            Ok(count) => {
                filled += count;
                if filled == buffer.len() {
                    break Ok(());
                }
            }
            Err(Errno::EINTR) => {}
            Err(errno) => break Err(errno),
        }
    };
    // SAFETY: opened here.
    let _ = close_fd(file);
    result.map(|()| &buffer[..filled])
}

/// A NUL-terminated path built from parts.
struct Path {
    bytes: [u8; 128],
    len: usize,
}

impl Path {
    fn new(parts: &[&[u8]]) -> Path {
        let mut path = Path { bytes: [0; 128], len: 0 };
        for part in parts {
            let take = part.len().min(127 - path.len);
            path.bytes[path.len..path.len + take].copy_from_slice(&part[..take]);
            path.len += take;
        }
        path
    }

    fn as_c_str(&self) -> &CStr {
        CStr::from_bytes_until_nul(&self.bytes).unwrap_or(c"")
    }
}

fn decimal(mut value: u32, buffer: &mut [u8; 10]) -> &[u8] {
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            return &buffer[start..];
        }
    }
}

/// A PID no process has now in the caller's namespace (no /proc/<pid>), from a range
/// above what a test machine's processes use and below the smallest default pid_max.
fn unused_pid(after: pid_t) -> Option<pid_t> {
    let start = 20_000 + sys::getpid() % 5_000;
    (start.max(after + 1)..30_000).find(|&pid| {
        let mut digits = [0u8; 10];
        let path = Path::new(&[b"/proc/", decimal(pid as u32, &mut digits)]);
        sys::openat(freeclone::fd::CWD, path.as_c_str(), sys::O_RDONLY | sys::O_DIRECTORY | sys::O_CLOEXEC, 0).err() == Some(Errno::ENOENT)
    })
}

/// set_tid with CLONE_NEWPID: "the first entry defines the PID in the most deeply
/// nested PID namespace and each of the following entries contains the PID in the
/// corresponding ancestor": [1, P] makes the child 1 in its new namespace and P in
/// the caller's (an unused P; one taken since is EEXIST, and the next is tried: how
/// often another process wins that race is the machine's doing, so no count of tries).
pub fn clone3_set_tid_in_a_new_pid_namespace_gives_the_chosen_pids() -> Verdict {
    let mut chosen = 0;
    loop {
        chosen = unused_pid(chosen).ok_or_else(|| fail!("no unused PID below 30000"))?;
        let set_tid = [1, chosen];
        let args = CloneArgs::new().flags(CLONE_NEWPID).set_tid(&set_tid).exit_signal(SIGCHLD);
        match call_args(&args, || if sys::getpid() == 1 { 0 } else { sys::getpid() })? {
            Outcome::Refused(Errno::EEXIST) => continue,
            Outcome::Refused(errno) => return Err(fail!("clone3 with set_tid [1, {chosen}] failed: {errno}")),
            Outcome::Exited { pid, status } => {
                if pid != chosen {
                    return Err(fail!("clone3 returned PID {pid}, set_tid asked for {chosen}"));
                }
                if status != 0 {
                    return Err(fail!("the child's PID in its namespace is {status}, not 1"));
                }
                return Ok(());
            }
        }
    }
}

/// The child's /proc/self/ns/time, sent through the pipe.
fn send_time_namespace(pipe: &Pipe) -> c_int {
    let mut link = [0u8; 64];
    match sys::readlinkat(freeclone::fd::CWD, c"/proc/self/ns/time", &mut link) {
        Ok(length) => c_int::from(!pipe.send(&link[..length])),
        Err(errno) => errno.raw(),
    }
}

/// CLONE_NEWTIME (the bit clone() cannot pass: it lies in the exit-signal byte) puts
/// the child in a new time namespace: its /proc/self/ns/time differs from the caller's.
/// A kernel built without time namespaces (no /proc/self/ns/time while /proc is
/// mounted: mips, whose vDSO lacks them) refuses the flag with EINVAL, as it does for
/// every namespace it was built without.
pub fn clone3_newtime_gives_the_child_its_own_time_namespace_or_einval_where_the_kernel_has_none() -> Verdict {
    let mut own = [0u8; 64];
    let own_length = match sys::readlinkat(freeclone::fd::CWD, c"/proc/self/ns/time", &mut own) {
        Ok(length) => length,
        Err(Errno::ENOENT) if sys::readlinkat(freeclone::fd::CWD, c"/proc/self/ns/pid", &mut own).is_ok() => {
            let args = CloneArgs::new().flags(CLONE_NEWTIME).exit_signal(SIGCHLD);
            return refused_with(call_args(&args, || 0)?, Errno::EINVAL, "CLONE_NEWTIME without /proc/self/ns/time");
        }
        Err(errno) => return Err(fail!("readlink /proc/self/ns/time: {errno} (is /proc mounted?)")),
    };
    let mut pipe = Pipe::new()?;
    let args = CloneArgs::new().flags(CLONE_NEWTIME).exit_signal(SIGCHLD);
    let outcome = call_args(&args, || send_time_namespace(&pipe))?;
    let mut bytes = [0u8; 64];
    let received = pipe.receive(&mut bytes);
    exited_zero(outcome, "CLONE_NEWTIME")?;
    let own = &own[..own_length];
    let show = |bytes| core::str::from_utf8(bytes).unwrap_or("?");
    if received.is_empty() || received == own {
        return Err(fail!("the child's time namespace is {:?}, the caller's {:?}", show(received), show(own)));
    }
    Ok(())
}

/// Where cgroup2 is mounted: /sys/fs/cgroup (the kernel tier's init mounts it there;
/// most hosts too), or /sys/fs/cgroup/unified on a host with the hybrid v1 layout.
fn cgroup2_root() -> Option<&'static [u8]> {
    [&b"/sys/fs/cgroup"[..], b"/sys/fs/cgroup/unified"].into_iter().find(|root| {
        let path = Path::new(&[root, b"/cgroup.controllers"]);
        sys::openat(freeclone::fd::CWD, path.as_c_str(), sys::O_RDONLY | sys::O_CLOEXEC, 0).is_ok()
    })
}

/// CLONE_INTO_CGROUP with a cgroup directory's descriptor creates the child in that
/// version 2 cgroup: a new, empty cgroup's cgroup.procs lists the child, while it runs.
pub fn clone3_into_cgroup_places_the_child_in_the_cgroup() -> Verdict {
    let root = cgroup2_root().ok_or_else(|| fail!("no cgroup2 at /sys/fs/cgroup or /sys/fs/cgroup/unified"))?;
    let mut digits = [0u8; 10];
    let pid = decimal(sys::getpid() as u32, &mut digits);
    let directory = Path::new(&[root, b"/freeclone-clone3-", pid]);
    match sys::mkdirat(freeclone::fd::CWD, directory.as_c_str(), 0o755) {
        Ok(()) | Err(Errno::EEXIST) => {}
        Err(errno) => return Err(fail!("mkdir {:?}: {errno}", directory.as_c_str())),
    }
    let verdict = into_cgroup(&directory);
    // The child has been reaped, but the cgroup counts it until the kernel has finished
    // its exit (EBUSY until then): no count of tries, which a loaded machine could use
    // up; a cgroup that never empties is caught by the case's time limit.
    let mut removed = sys::unlinkat(freeclone::fd::CWD, directory.as_c_str(), sys::AT_REMOVEDIR);
    while removed == Err(Errno::EBUSY) {
        sys::sched_yield();
        removed = sys::unlinkat(freeclone::fd::CWD, directory.as_c_str(), sys::AT_REMOVEDIR);
    }
    verdict?;
    removed.map_err(|errno| fail!("rmdir {:?}: {errno}", directory.as_c_str()))
}

fn into_cgroup(directory: &Path) -> Verdict {
    let file = sys::openat(freeclone::fd::CWD, directory.as_c_str(), sys::O_RDONLY | sys::O_DIRECTORY | sys::O_CLOEXEC, 0).map(OwnedFd::into_raw_fd)
        .map_err(|errno| fail!("open {:?}: {errno}", directory.as_c_str()))?;
    let pipe = Pipe::new()?;
    let args = CloneArgs::new().cgroup(fd(file)).exit_signal(SIGCHLD);
    // SAFETY: fork-like; the child leaves through exit_group in its branch.
    let result = unsafe { sys::clone3(&args) };
    let pid = match result {
        Ok(0) => {
            // Stay in the cgroup until the parent has looked: until it closes the pipe.
            let _ = close_fd(pipe.write);
            let mut byte = [0u8; 1];
            let _ = sys::read(fd(pipe.read), &mut byte);
            sys::exit_group(0)
        }
        Ok(pid) => Some(pid),
        Err(errno) => {
            // SAFETY: opened here.
            let _ = close_fd(file);
            return Err(if errno == Errno::ENOSYS { enosys() } else { fail!("clone3 with CLONE_INTO_CGROUP failed: {errno}") });
        }
    };
    let pid = pid.unwrap_or(0);
    let procs_path = Path::new(&[&directory.bytes[..directory.len], b"/cgroup.procs"]);
    let mut procs = [0u8; 256];
    let listed = read_file(procs_path.as_c_str(), &mut procs).map(|bytes| {
        let mut digits = [0u8; 10];
        let wanted = decimal(pid as u32, &mut digits);
        let mut text = Text::new();
        text.push(core::str::from_utf8(bytes).unwrap_or("?"));
        (bytes.split(|&byte| byte == b'\n').any(|line| line == wanted), text)
    });
    drop(pipe);
    // SAFETY: opened here.
    let _ = close_fd(file);
    let status = wait_exit_status(pid, 0)?;
    match listed {
        Ok((true, _)) if status == 0 => Ok(()),
        Ok((true, _)) => Err(fail!("the child exited with {status}")),
        Ok((false, text)) => Err(fail!("cgroup.procs of the new cgroup does not list child {pid}: {:?}", text.as_str())),
        Err(errno) => Err(fail!("reading {:?}: {errno}", procs_path.as_c_str())),
    }
}

// ---- clone3 with a `fn(arg)` entry: `freeclone::clone3`, and its fallback to clone ----

/// An area of `MappedStack` as the slice `CloneArgs::stack` takes.
fn stack_slice(base: *mut u8, size: usize) -> &'static mut [core::mem::MaybeUninit<u8>] {
    // SAFETY: the callers keep the mapping alive for as long as the slice is used.
    unsafe { core::slice::from_raw_parts_mut(base.cast(), size) }
}

/// The entry a child of `freeclone::clone3` returns into: clone3's, or clone's once
/// the fallback has fired. A first call settles which.
fn settled_entry_address() -> Result<usize, Failure> {
    let stack = MappedStack::new(crate::STACK_SIZE)?;
    let args = CloneArgs::new().exit_signal(SIGCHLD).stack(stack_slice(stack.base(), crate::STACK_SIZE));
    let pid = unsafe { freeclone::clone3(&args, return_arg_as_status, core::ptr::null_mut()) }
        .map_err(|errno| fail!("clone3 failed: {errno}"))?;
    wait_exit_status(pid, 0)?;
    Ok(if freeclone::clone3_is_missing() { probes::clone_entry_address() } else { probes::clone3_entry_address() })
}

struct ProbedClone3<'a> {
    args: &'a CloneArgs<'a>,
    arg: *mut core::ffi::c_void,
    result: Result<freeclone::pid_t, Errno>,
}

unsafe extern "C" fn call_clone3_probed(call: *mut core::ffi::c_void) {
    let call = unsafe { &mut *(call as *mut ProbedClone3<'_>) };
    call.result = unsafe { freeclone::clone3(call.args, probes::entry_probe(), call.arg) };
}

/// The kernel's answers pass through unchanged, and only ENOSYS makes the fallback:
/// `set_tid` asking for PID 1, which exists, is EEXIST from clone3 (the fallback
/// would refuse set_tid with EINVAL instead), and clone3 is not taken for missing.
/// Where clone3 itself answers ENOSYS (qemu-user), the fallback's EINVAL is the answer.
pub fn clone3_passes_kernel_errors_through_and_falls_back_only_on_enosys() -> Verdict {
    let raw_answer = {
        let args = CloneArgs::new().exit_signal(SIGCHLD);
        // A size below VER0: any kernel with clone3 answers EINVAL without a child.
        unsafe { clone3_syscall(args.as_raw(), 8) }
    };
    let stack = MappedStack::new(crate::STACK_SIZE)?;
    let taken = [1];
    let args = CloneArgs::new().exit_signal(SIGCHLD).set_tid(&taken).stack(stack_slice(stack.base(), crate::STACK_SIZE));
    let result = unsafe { freeclone::clone3(&args, return_arg_as_status, core::ptr::null_mut()) };
    match (raw_answer, result) {
        (Err(Errno::ENOSYS), Err(Errno::EINVAL)) => Ok(()),
        (Err(Errno::ENOSYS), other) => Err(fail!("without clone3, set_tid gave {other:?}: the fallback must refuse it with EINVAL")),
        (_, Err(Errno::EEXIST)) if !freeclone::clone3_is_missing() => Ok(()),
        (_, Err(Errno::EEXIST)) => Err(fail!("EEXIST passed through, but clone3 is now taken for missing")),
        (_, Ok(pid)) => {
            let _ = wait_exit_status(pid, 0);
            Err(fail!("set_tid [1] created a child ({pid}), expected EEXIST"))
        }
        (_, Err(errno)) => Err(fail!("set_tid [1] gave {errno}, expected the kernel's EEXIST")),
    }
}

/// The stack facts at `fn`'s entry, as for clone: `fn(arg)` runs with sp at the
/// aligned `stack + stack_size` minus `stack::CHILD_FRAME_SIZE`, aligned, inside the
/// area, with the frame pointer zero, and returns into the entry. The area's top is
/// misaligned on purpose: the kernel hands it over as it is.
pub fn clone3_fn_runs_with_arg_on_the_aligned_stack_top_with_the_frame_chain_ended() -> Verdict {
    let entry_address = settled_entry_address()?;
    let stack = MappedStack::new(crate::STACK_SIZE)?;
    let base = stack.base().wrapping_add(3);
    let size = crate::STACK_SIZE - 64 - 3 - 5;
    let mut expected = crate::Expectation::new(base.wrapping_add(size), base);
    expected.entry_address = entry_address;
    let arg = expected.arg();
    // A dirty stack and a non-zero frame pointer at the call, so that nothing is zero
    // by luck (see child_frame_chain_ends_even_when_the_caller_frame_pointer_is_not_zero).
    // SAFETY: the mapping is ours and unused.
    unsafe { core::ptr::write_bytes(stack.base(), 0xa5, crate::STACK_SIZE) };
    let args = CloneArgs::new().exit_signal(SIGCHLD).stack(stack_slice(base, size));
    let mut call = ProbedClone3 { args: &args, arg, result: Err(Errno::from_raw(0)) };
    // SAFETY: call_clone3_probed takes the ProbedClone3 it is given.
    let changed = unsafe { probes::callee_saved_changed(call_clone3_probed, (&raw mut call).cast()) };
    let pid = call.result.map_err(|errno| fail!("clone3 failed: {errno}"))?;
    let status = wait_exit_status(pid, 0)?;
    if changed != 0 {
        return Err(fail!("callee-saved registers changed around clone3: mask {changed:#x}"));
    }
    crate::describe_entry_failures(status, 0x3f)?;
    if status != 0 {
        return Err(fail!("child exited with unexpected status {status}"));
    }
    Ok(())
}

/// `fn`'s return value is the child's exit status.
pub fn clone3_fn_return_value_is_the_child_exit_status() -> Verdict {
    let stack = MappedStack::new(crate::STACK_SIZE)?;
    for value in [0, 1, 42, 255] {
        let args = CloneArgs::new().exit_signal(SIGCHLD).stack(stack_slice(stack.base(), crate::STACK_SIZE));
        let pid = unsafe { freeclone::clone3(&args, return_arg_as_status, value as usize as *mut c_void) }
            .map_err(|errno| fail!("clone3 failed: {errno}"))?;
        let status = wait_exit_status(pid, 0)?;
        if status != value {
            return Err(fail!("fn returned {value}, child exit status is {status}"));
        }
    }
    Ok(())
}

#[repr(C)]
struct Shared {
    tls_block: [usize; 4],
    written: AtomicI32,
    thread_pointer_seen: AtomicUsize,
    gettid_seen: AtomicI32,
    child_tid: AtomicI32,
}

extern "C" fn thread_writes(arg: *mut c_void) -> c_int {
    let shared = unsafe { &*(arg as *const Shared) };
    shared.thread_pointer_seen.store(unsafe { thread_pointer() } as usize, Ordering::SeqCst);
    shared.gettid_seen.store(sys::gettid(), Ordering::SeqCst);
    shared.written.store(1, Ordering::SeqCst);
    1 // a thread returning nonzero ends only itself
}

/// A CLONE_VM thread (the thread flags, CLONE_SETTLS, CLONE_CHILD_CLEARTID): its write
/// is visible to the caller, its thread pointer is `tls`, and `child_tid` is cleared
/// (and the futex woken) when it exits, which is how the caller joins it.
pub fn clone3_thread_shares_memory_sets_tls_and_clears_child_tid() -> Verdict {
    run_clone3_thread()
}

/// In a process of its own: three clone3 threads whose `fn` returns 1, then exit 0. If
/// the clone3 entry ended threads with exit_group, the first thread would end that
/// process with 1, and only this case would fail, by name.
extern "C" fn run_clone3_threads_that_return_one(_: *mut c_void) -> c_int {
    for _ in 0..3 {
        if run_clone3_thread().is_err() {
            return 2;
        }
    }
    match sys::wait4(-1, sys::WNOHANG | sys::WALL) {
        Err(Errno::ECHILD) => 0,
        _ => 4,
    }
}

/// A clone3 thread whose `fn` returns ends itself only (SYS_exit, never exit_group).
pub fn clone3_thread_returning_does_not_end_the_process() -> Verdict {
    let child = crate::harness::spawn(run_clone3_threads_that_return_one, CloneFlags::exit_signal(SIGCHLD), core::ptr::null_mut())?;
    match child.wait(0)? {
        0 => Ok(()),
        1 => Err(fail!("a clone3 thread returning 1 ended its whole process with status 1: the child exits with exit_group")),
        2 => Err(fail!("a clone3 thread could not be started, joined or checked")),
        4 => Err(fail!("a clone3 thread left a waitable child")),
        status => Err(fail!("the process running the threads exited with {status}")),
    }
}

fn run_clone3_thread() -> Verdict {
    let stack = MappedStack::new(crate::STACK_SIZE)?;
    let mut shared = Shared {
        tls_block: [0; 4],
        written: AtomicI32::new(0),
        thread_pointer_seen: AtomicUsize::new(0),
        gettid_seen: AtomicI32::new(0),
        child_tid: AtomicI32::new(0),
    };
    let tls_address = shared.tls_block.as_ptr() as usize;
    shared.tls_block[0] = tls_address;
    let mut tls = TlsArgument::new(shared.tls_block.as_mut_ptr().cast());
    let mut parent_tid: pid_t = 0;
    // SAFETY: the kernel writes the word through the pointer; the atomic reads it.
    let child_tid = unsafe { &mut *shared.child_tid.as_ptr() };
    let flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_CHILD_CLEARTID;
    let shared_arg = (&raw const shared) as *mut c_void;
    let args = CloneArgs::new()
        .flags(flags)
        .child_tid(child_tid)
        .parent_tid(&mut parent_tid)
        .tls(&mut tls)
        .stack(stack_slice(stack.base(), crate::STACK_SIZE));
    let tid = unsafe { freeclone::clone3(&args, thread_writes, shared_arg) }.map_err(|errno| fail!("clone3 failed: {errno}"))?;
    drop(args);
    crate::harness::join_thread(&shared.child_tid, tid)?;
    if shared.written.load(Ordering::SeqCst) != 1 {
        return Err(fail!("the thread's write is not visible to the caller"));
    }
    let seen = shared.thread_pointer_seen.load(Ordering::SeqCst);
    if seen != tls_address {
        return Err(fail!("thread pointer in the thread is {seen:#x}, tls gave {tls_address:#x}"));
    }
    let gettid_seen = shared.gettid_seen.load(Ordering::SeqCst);
    if gettid_seen != tid || parent_tid != tid {
        return Err(fail!("clone3 returned {tid}, the thread's gettid is {gettid_seen}, parent_tid holds {parent_tid}"));
    }
    Ok(())
}

struct Call {
    base: *mut u8,
    size: usize,
    flags: CloneFlags,
    result: Result<pid_t, Errno>,
}

unsafe extern "C" fn call_clone3(arg: *mut c_void) {
    let call = unsafe { &mut *(arg as *mut Call) };
    let args = CloneArgs::new().flags(call.flags).exit_signal(SIGCHLD).stack(stack_slice(call.base, call.size));
    call.result = unsafe { freeclone::clone3(&args, return_arg_as_status, core::ptr::null_mut()) };
}

/// Every callee-saved register holds its value in the parent after a successful
/// clone3, after the kernel's EINVAL (through the entry) and after the wrapper's own.
pub fn clone3_callee_saved_registers_survive_in_the_parent_on_success_and_error() -> Verdict {
    let stack = MappedStack::new(crate::STACK_SIZE)?;
    for (size, flags, what) in [
        (crate::STACK_SIZE, CloneFlags::empty(), "success"),
        (crate::STACK_SIZE, CLONE_SIGHAND, "kernel EINVAL"),
        (freeclone::stack::MIN_SIZE - 1, CloneFlags::empty(), "too small a stack"),
    ] {
        let mut call = Call { base: stack.base(), size, flags, result: Err(Errno::from_raw(0)) };
        let changed = unsafe { probes::callee_saved_changed(call_clone3, (&raw mut call).cast()) };
        match (what, call.result) {
            ("success", Ok(pid)) => {
                wait_exit_status(pid, 0)?;
            }
            ("success", Err(errno)) => return Err(fail!("clone3 failed: {errno}")),
            (_, Err(Errno::EINVAL)) => {}
            (_, result) => return Err(fail!("{what}: clone3 returned {result:?}, expected EINVAL")),
        }
        if changed != 0 {
            return Err(fail!("{what}: callee-saved registers changed: mask {changed:#x}"));
        }
    }
    Ok(())
}

extern "C" fn report_stack_distance(arg: *mut c_void) -> c_int {
    let local = 0u8;
    let here = core::hint::black_box(&raw const local) as usize;
    // Below the caller's local (stacks grow down) and near it: the child's copy of
    // the caller's stack. 1 MiB is far more than the frames in between.
    let distance = (arg as usize).wrapping_sub(here);
    if distance < 1024 * 1024 { 0 } else { 1 }
}

/// Without a stack, "the child uses the same stack area as the parent (in the
/// child's own virtual address space)": `fn` runs just below the caller's frame.
pub fn clone3_without_a_stack_runs_fn_on_the_copy_of_the_callers_stack() -> Verdict {
    let local = 0u8;
    let here = core::hint::black_box(&raw const local) as *mut c_void;
    let args = CloneArgs::new().exit_signal(SIGCHLD);
    let pid = unsafe { freeclone::clone3(&args, report_stack_distance, here) }.map_err(|errno| fail!("clone3 failed: {errno}"))?;
    match wait_exit_status(pid, 0)? {
        0 => Ok(()),
        status => Err(fail!("fn did not run just below the caller's frame (status {status})")),
    }
}

/// A stack whose aligned top leaves less than `stack::MIN_SIZE` is EINVAL, before any
/// system call (a size of 0 too).
pub fn clone3_stack_too_small_is_einval_and_creates_no_child() -> Verdict {
    let stack = MappedStack::new(crate::STACK_SIZE)?;
    for (base, size) in [(stack.base(), 0), (stack.base(), freeclone::stack::MIN_SIZE - 1), (stack.base().wrapping_add(1), freeclone::stack::MIN_SIZE)] {
        let args = CloneArgs::new().exit_signal(SIGCHLD).stack(stack_slice(base, size));
        match unsafe { freeclone::clone3(&args, must_not_run, core::ptr::null_mut()) } {
            Err(Errno::EINVAL) => {}
            other => return Err(fail!("size {size}: clone3 returned {other:?}, expected EINVAL")),
        }
    }
    Ok(())
}

// What the fallback child found wrong, as its exit status.
const FILTER_NOT_INSTALLED: c_int = 2;
const RAW_CLONE3_NOT_ENOSYS: c_int = 3;
const FALLBACK_FAILED: c_int = 4;
const FALLBACK_CHILD_STATUS_WRONG: c_int = 5;
const NOT_MARKED_MISSING: c_int = 6;
const SECOND_CALL_WRONG: c_int = 7;
const INEXPRESSIBLE_NOT_EINVAL: c_int = 8;
const FALLBACK_PIDFD_WRONG: c_int = 9;

/// Runs in a child of its own: makes clone3 answer ENOSYS (already so under
/// qemu-user; elsewhere with a seccomp filter: load the number, compare with
/// clone3's, return ERRNO(ENOSYS), else allow), then checks the fallback.
extern "C" fn fallback_in_a_filtered_process(_: *mut c_void) -> c_int {
    if !matches!(unsafe { clone3_syscall(CloneArgs::new().exit_signal(SIGCHLD).as_raw(), CLONE_ARGS_SIZE_VER0) }, Err(Errno::ENOSYS)) {
        // A kernel with clone3: hide it. (The probe child above, if any, exited at once.)
        let program = [
            sys::SockFilter { code: sys::BPF_LD_W_ABS, jt: 0, jf: 0, k: 0 },
            sys::SockFilter { code: sys::BPF_JEQ_K, jt: 0, jf: 1, k: linux_raw_sys::general::__NR_clone3 },
            sys::SockFilter { code: sys::BPF_RET_K, jt: 0, jf: 0, k: sys::SECCOMP_RET_ERRNO | Errno::ENOSYS.raw() as u32 },
            sys::SockFilter { code: sys::BPF_RET_K, jt: 0, jf: 0, k: sys::SECCOMP_RET_ALLOW },
        ];
        // SAFETY: this child only makes clone3 fail with ENOSYS, which freeclone handles.
        if sys::set_no_new_privs().is_err() || unsafe { sys::seccomp_set_mode_filter(&program) }.is_err() {
            return FILTER_NOT_INSTALLED;
        }
        if !matches!(unsafe { clone3_syscall(CloneArgs::new().exit_signal(SIGCHLD).as_raw(), CLONE_ARGS_SIZE_VER0) }, Err(Errno::ENOSYS)) {
            return RAW_CLONE3_NOT_ENOSYS;
        }
    }
    let Ok(stack) = MappedStack::new(crate::STACK_SIZE) else { return FALLBACK_FAILED };
    for (value, failed) in [(42, FALLBACK_CHILD_STATUS_WRONG), (43, SECOND_CALL_WRONG)] {
        let args = CloneArgs::new().exit_signal(SIGCHLD).stack(stack_slice(stack.base(), crate::STACK_SIZE));
        let Ok(pid) = (unsafe { freeclone::clone3(&args, return_arg_as_status, value as usize as *mut c_void) }) else {
            return FALLBACK_FAILED;
        };
        if !matches!(wait_exit_status(pid, 0), Ok(status) if status == value) {
            return failed;
        }
        if !freeclone::clone3_is_missing() {
            return NOT_MARKED_MISSING;
        }
    }
    // CLONE_PIDFD alone: clone expresses it (the pidfd comes back where parent_tid
    // would), and the pidfd refers to the child.
    let mut pidfd: c_int = -1;
    let args = CloneArgs::new().exit_signal(SIGCHLD).stack(stack_slice(stack.base(), crate::STACK_SIZE)).pidfd(&mut pidfd);
    let Ok(pid) = (unsafe { freeclone::clone3(&args, return_arg_as_status, 44 as *mut c_void) }) else {
        return FALLBACK_PIDFD_WRONG;
    };
    let info = sys::waitid(sys::WaitId::PidFd(fd(pidfd)), sys::WEXITED);
    // SAFETY: the pidfd the call just made.
    let _ = close_fd(pidfd);
    if !matches!(info, Ok(Some(info)) if info.pid == pid && info.status == 44) {
        return FALLBACK_PIDFD_WRONG;
    }
    // What clone cannot express: EINVAL, and no child.
    let set_tid = [1];
    let (mut pidfd, mut parent_tid) = (-1, 0);
    let base = || CloneArgs::new().exit_signal(SIGCHLD).stack(stack_slice(stack.base(), crate::STACK_SIZE));
    let inexpressible = [
        base().set_tid(&set_tid),
        base().cgroup(fd(0)),
        base().flags(CLONE_CLEAR_SIGHAND),
        base().flags(CLONE_NEWTIME),
        base().flags(CloneFlags::from_bits(1 << 40)),
        base().pidfd(&mut pidfd).parent_tid(&mut parent_tid),
        base().exit_signal(0x100 | SIGCHLD),
    ];
    for args in inexpressible {
        if !matches!(unsafe { freeclone::clone3(&args, must_not_run, core::ptr::null_mut()) }, Err(Errno::EINVAL)) {
            return INEXPRESSIBLE_NOT_EINVAL;
        }
    }
    0
}

/// Where clone3 answers ENOSYS (qemu-user; elsewhere a seccomp filter in a child
/// process makes it so), `freeclone::clone3` still creates the child through clone,
/// `clone3_is_missing()` says so, a second call goes the same way, and what clone
/// cannot express (set_tid, cgroup, CLONE_CLEAR_SIGHAND, CLONE_NEWTIME, flags above
/// bit 31, CLONE_PIDFD with parent_tid, an exit signal above 0xff) is EINVAL; what it
/// can (CLONE_PIDFD alone) gives a pidfd that reaps the child.
pub fn clone3_enosys_falls_back_to_clone_and_refuses_what_clone_cannot_express() -> Verdict {
    let child = crate::harness::spawn(fallback_in_a_filtered_process, CloneFlags::exit_signal(SIGCHLD), core::ptr::null_mut())?;
    match child.wait(0)? {
        0 => Ok(()),
        FILTER_NOT_INSTALLED => Err(fail!("the seccomp filter could not be installed")),
        RAW_CLONE3_NOT_ENOSYS => Err(fail!("the filter did not make clone3 answer ENOSYS")),
        FALLBACK_FAILED => Err(fail!("clone3 failed where it should have fallen back to clone")),
        FALLBACK_CHILD_STATUS_WRONG => Err(fail!("the fallback's child did not exit with fn's value")),
        NOT_MARKED_MISSING => Err(fail!("clone3_is_missing() is false after the fallback")),
        SECOND_CALL_WRONG => Err(fail!("the second call after the fallback did not run fn")),
        INEXPRESSIBLE_NOT_EINVAL => Err(fail!("a request clone cannot express was not EINVAL")),
        FALLBACK_PIDFD_WRONG => Err(fail!("the fallback with CLONE_PIDFD alone gave no pidfd that waitid(P_PIDFD) reaps the child through")),
        status => Err(fail!("the filtered process exited with {status}")),
    }
}

/// `clone3_raw` with `Fallback::Clone` (the C ABI's `clone3`) falls back to clone only
/// on ENOSYS:
/// clone3 refuses `CLONE_DETACHED` with EINVAL while clone ignores it, so a fallback on
/// any error would turn this refusal into a child.
pub fn clone3_raw_falling_back_passes_einval_through_and_creates_no_child() -> Verdict {
    // Where clone3 itself is missing the fallback is the right answer: skip there.
    if let Err(Errno::ENOSYS) = unsafe { clone3_syscall(core::ptr::null(), 0) } {
        return Err(enosys());
    }
    let stack = MappedStack::new(crate::STACK_SIZE)?;
    let args = CloneArgs::new().flags(CLONE_DETACHED).exit_signal(SIGCHLD).stack(stack_slice(stack.base(), crate::STACK_SIZE));
    // SAFETY: the child, if a wrong fallback made one, runs on `stack` in a copy of memory.
    match unsafe { freeclone::clone3_raw(args.as_raw(), args.size(), return_arg_as_status, 9 as *mut c_void, Fallback::Clone) } {
        Err(Errno::EINVAL) => match sys::wait4(-1, sys::WNOHANG | sys::WALL) {
            Err(Errno::ECHILD) => Ok(()),
            other => Err(fail!("EINVAL came back, but a child exists: wait4 gave {other:?}")),
        },
        Ok(pid) => {
            let status = wait_exit_status(pid, sys::WALL)?;
            Err(fail!("clone3 with CLONE_DETACHED made child {pid} (exit status {status}): the refusal fell back to clone"))
        }
        Err(errno) => Err(fail!("clone3 with CLONE_DETACHED gave {errno}, not EINVAL")),
    }
}
