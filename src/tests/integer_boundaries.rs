//! Every safe function that takes an integer, called with the boundaries of its type
//! (MIN, -1, 0, 1, the largest valid value, one above it, MAX): bad input is an `Err`
//! (or `false`, `None`), never a panic (these tests run with overflow checks on) and
//! never a wrong answer. Calls that would act on the test process (`setuid`, `setgid`,
//! `exit_group`) are checked by the conformance program in a child instead; `wait4`'s
//! and `kill`'s -1 and 0 (any child, the process group) are valid requests, not swept.

extern crate std;

use std::format;
use std::string::ToString;

use core::ffi::c_int;
use core::sync::atomic::AtomicI32;

use crate::process::{Action, Builder, Exec, ExitStatus};
use crate::stack::{GUARD_GRANULE, Stack};
use crate::sys::{self, CStrArray, CStrArrayBuf, PollFd, SIGNAL_COUNT};
use crate::flags::CloneFlags;
use crate::errno::Errno;
use crate::fd::{self, AsFd, BorrowedFd};

/// The boundaries of `c_int` around a valid range ending at `largest`.
fn ints(largest: c_int) -> [c_int; 7] {
    [c_int::MIN, -1, 0, 1, largest, largest.saturating_add(1), c_int::MAX]
}

fn sizes(largest: usize) -> [usize; 5] {
    [0, 1, largest, largest.saturating_add(1), usize::MAX]
}

#[test]
fn signal_sets_take_1_to_signal_count_and_refuse_the_rest() {
    let full = sys::full_signal_set();
    for signal in ints(SIGNAL_COUNT) {
        let valid = (1..=SIGNAL_COUNT).contains(&signal);
        match sys::signal_set(signal) {
            Ok(set) => {
                assert!(valid, "signal_set({signal}) accepted");
                for other in 1..=SIGNAL_COUNT {
                    assert_eq!(sys::signal_set_contains(&set, other), other == signal, "set of {signal}, {other}");
                }
            }
            Err(errno) => assert!(!valid && errno == Errno::EINVAL, "signal_set({signal}): {errno}"),
        }
        assert_eq!(sys::signal_set_contains(&full, signal), valid, "full set contains {signal}");
        assert!(!sys::signal_set_contains(&sys::empty_signal_set(), signal));
    }
}

#[test]
fn wait_statuses_decode_any_integer_without_panicking() {
    for raw in ints(0xffff).into_iter().chain([0x137f, 0xffff, 0x8b, 0x2a00]) {
        let status = ExitStatus::from_raw(raw);
        let text = status.to_string();
        assert!(!text.is_empty());
        assert_eq!(status.code(), sys::exit_status(raw));
        assert_eq!(status.signal(), sys::termination_signal(raw));
        if let Some(code) = status.code() {
            assert!((0..=255).contains(&code), "{raw:#x}: {code}");
        }
    }
    assert_eq!(ExitStatus::from_raw(0x137f).to_string(), "stopped (signal: 19)");
    assert_eq!(ExitStatus::from_raw(0xffff).to_string(), "continued");
}

#[test]
fn errno_values_and_syscall_returns_of_any_integer_format_and_decode() {
    for raw in ints(4095) {
        let errno = Errno::from_raw(raw);
        assert_eq!(errno.raw(), raw);
        assert!(!format!("{errno} {errno:?}").is_empty());
    }
    for ret in sizes(usize::MAX - 4095) {
        match Errno::from_syscall_return(ret) {
            Ok(value) => assert_eq!(value, ret),
            Err(errno) => assert_eq!(errno.raw() as usize, ret.wrapping_neg()),
        }
    }
}

#[test]
fn clone_flags_keep_the_exit_signal_in_the_low_byte() {
    for signal in ints(255) {
        assert_eq!(CloneFlags::exit_signal(signal).termination_signal(), signal & 0xff);
    }
}

#[test]
fn stacks_of_any_size_are_made_or_refused_with_an_errno() {
    for size in sizes(1 << 20) {
        for guard in sizes(GUARD_GRANULE) {
            match Stack::with_guard(size, guard) {
                Ok(stack) => {
                    assert!(size != 0 && stack.size() >= size && stack.guard_size() >= guard.max(1));
                }
                Err(errno) => assert!(
                    size == 0 && errno == Errno::EINVAL || size > 1 << 20 || guard > GUARD_GRANULE,
                    "with_guard({size}, {guard}): {errno}"
                ),
            }
        }
    }
}

/// A descriptor number the sweep passes as it is: the calls below only answer for it
/// (with a write of nothing, a read into nothing, or a query), whatever it is.
fn number(fd: c_int) -> BorrowedFd<'static> {
    // SAFETY: no call made with it here closes, replaces or consumes anything.
    unsafe { BorrowedFd::borrow_raw(fd) }
}

#[test]
fn descriptor_calls_answer_bad_numbers_with_an_errno() {
    let (read, write) = sys::pipe2(sys::O_CLOEXEC).unwrap();
    for fd in ints(2) {
        let _ = sys::write(number(fd), &[]);
        let _ = sys::read(number(fd), &mut []);
        let _ = sys::fcntl_getfd(number(fd));
        // Negative or beyond any limit: never open (3 may be the test runner's own).
        if fd < 0 || fd == c_int::MAX {
            assert_eq!(sys::fcntl_setfd(number(fd), 1), Err(Errno::EBADF), "fcntl_setfd({fd})");
            assert_eq!(sys::fcntl_dupfd_cloexec(number(fd), 0).unwrap_err(), Errno::EBADF, "dupfd({fd})");
            assert_eq!(sys::pidfd_send_signal(number(fd), 0).unwrap_err(), Errno::EBADF);
            assert!(sys::setns(number(fd), CloneFlags::empty()).is_err());
        }
        for flags in ints(1) {
            let _ = sys::fcntl_setfd(write.as_fd(), flags & 1);
        }
        match sys::fcntl_dupfd_cloexec(read.as_fd(), fd) {
            Ok(copy) => sys::close(copy).unwrap(),
            Err(errno) => assert!(fd < 0 || fd == c_int::MAX, "dupfd_cloexec(read, {fd}): {errno}"),
        }
        match sys::pipe2(fd) {
            Ok((read_end, write_end)) => {
                sys::close(read_end).unwrap();
                sys::close(write_end).unwrap();
            }
            Err(errno) => assert_eq!(errno, Errno::EINVAL, "pipe2({fd:#x})"),
        }
        let missing = c"freeclone-missing-directory/file";
        assert!(sys::openat(number(fd), missing, sys::O_RDONLY, 0).is_err());
        assert!(sys::openat(fd::CWD, c"/freeclone-missing-directory/file", fd, fd as u32).is_err());
        assert!(sys::mkdirat(number(fd), missing, fd as u32).is_err());
        assert!(sys::unlinkat(number(fd), missing, fd).is_err());
        assert!(sys::readlinkat(number(fd), missing, &mut [0; 8]).is_err());
        assert!(sys::umount2(c"/freeclone-missing-directory", fd).is_err());
        assert!(sys::setns(number(-1), CloneFlags::from_bits(fd as u32 as u64)).is_err());
    }
    sys::close(read).unwrap();
    sys::close(write).unwrap();
}

#[test]
fn process_calls_answer_bad_numbers_with_an_errno() {
    let own = sys::getpid();
    for value in ints(c_int::MAX - 1) {
        // A PID nothing has: no process is reached.
        assert!(sys::kill(c_int::MAX, value).is_err());
        assert!(sys::tgkill(c_int::MAX, c_int::MAX, value).is_err());
        if value != -1 && value != 0 {
            let _ = sys::kill(value, 0);
            let _ = sys::wait4(value, sys::WNOHANG);
            let _ = sys::getpgid(value);
            let _ = sys::getsid(value);
        }
        assert!(sys::setpgid(c_int::MAX, value).is_err());
        assert!(sys::wait4(c_int::MAX, value).is_err());
        assert!(sys::waitid(sys::WaitId::Pid(c_int::MAX), value).is_err());
        match sys::pidfd_open(own, value) {
            Ok(pidfd) => sys::close(pidfd).unwrap(),
            Err(errno) => assert_eq!(errno, Errno::EINVAL),
        }
        match sys::pidfd_open(value, 0) {
            Ok(pidfd) => sys::close(pidfd).unwrap(),
            Err(errno) => assert!(value != own && value != 1, "pidfd_open({value}): {errno}"),
        }
        let word = AtomicI32::new(7);
        assert_eq!(sys::futex_wait(&word, value), Err(Errno::EAGAIN));
        assert_eq!(sys::futex_wake(&word, value).unwrap_or(0), 0);
        let _ = sys::sigprocmask(value, &sys::empty_signal_set());
        let _ = PollFd::new(number(value), value as i16);
    }
    let old = sys::umask(0o022);
    for mask in [0, 1, 0o777, 0o1000, u32::MAX] {
        sys::umask(mask);
    }
    sys::umask(old);
}

#[test]
fn poll_takes_any_timeout_when_an_event_is_ready() {
    let (read, write) = sys::pipe2(sys::O_CLOEXEC).unwrap();
    sys::write(write.as_fd(), b"x").unwrap();
    for timeout in ints(0) {
        let mut fds = [PollFd::new(read.as_fd(), sys::POLLIN)];
        assert_eq!(sys::poll(&mut fds, timeout), Ok(1), "timeout {timeout}");
    }
}

#[test]
fn a_child_is_signalled_with_any_number_or_refused() {
    let argv = CStrArrayBuf::new([c"/bin/sleep", c"60"]);
    let mut child = Exec::new(c"/bin/sleep", &argv, CStrArray::EMPTY).process(Builder::new().pidfd(true)).spawn().unwrap();
    // Every boundary but the two valid ones that end it (1 and SIGNAL_COUNT): refused or
    // harmless (0 checks only that the child exists).
    for signal in ints(SIGNAL_COUNT).into_iter().filter(|&signal| signal != 1 && signal != SIGNAL_COUNT) {
        let expected = if signal == 0 { Ok(()) } else { Err(Errno::EINVAL) };
        assert_eq!(child.kill(signal), expected, "kill({signal})");
    }
    child.kill(SIGNAL_COUNT).unwrap();
    assert_eq!(child.wait().unwrap().signal(), Some(SIGNAL_COUNT));
}

#[test]
fn exec_actions_and_exit_signals_with_bad_numbers_come_back_as_errnos() {
    let path = c"/freeclone-missing/program";
    let argv = CStrArrayBuf::new([path]);
    for value in ints(2) {
        let actions = [
            [Action::Dup2 { from: number(value), to: 1000 }],
            [Action::Dup2 { from: fd::STDIN, to: value }],
            [Action::Close(if value >= 0 && value <= 2 { 1000 } else { value })],
            [Action::Setpgid(value)],
        ];
        for action in &actions {
            let result = Exec::new(path, &argv, CStrArray::EMPTY).actions(action).spawn();
            assert!(result.is_err(), "{action:?}");
        }
    }
    // An exit signal outside 0..=SIGNAL_COUNT is refused; a valid one is delivered to
    // this process when the failed child exits, so only harmless ones are tried.
    for signal in [c_int::MIN, -1, 0, crate::signal::SIGCHLD, SIGNAL_COUNT + 1, 0x100, c_int::MAX] {
        let builder = Builder::new().exit_signal(signal);
        let result = Exec::new(path, &argv, CStrArray::EMPTY).process(builder).spawn();
        let expected = if (0..=SIGNAL_COUNT).contains(&signal) { Errno::ENOENT } else { Errno::EINVAL };
        assert_eq!(result.unwrap_err().errno(), expected, "exit signal {signal}");
    }
}

#[test]
fn clone_args_and_uname_debug_print_their_contents() {
    let text = format!("{:?}", crate::CloneArgs::new().exit_signal(17));
    assert!(text.contains("exit_signal: 17") && text.contains("size: 64") && !text.contains("PhantomData"), "{text}");
    let name = sys::uname().unwrap();
    assert_eq!(name.sysname(), c"Linux");
    assert!(format!("{name:?}").contains("nodename"));
}
