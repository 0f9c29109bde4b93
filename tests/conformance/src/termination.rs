//! The termination signal in the low byte of flags, and the manual's BUGS paragraph
//! (a signal delivered right after clone sees the child's own PID).

use core::ffi::{c_int, c_void};
use core::sync::atomic::{AtomicI32, Ordering};

use freeclone::signal::{SIGCHLD, SIGUSR1};
use freeclone::sys::{self, SignalDisposition};
use freeclone::{Errno, pid_t};

use crate::harness::{Failure, Pipe, Verdict, fail, return_zero, spawn};
use crate::harness::{fd};
use freeclone::flags::CloneFlags;

/// Runs `work` with `signal` blocked, then takes it if it is pending (so that it is
/// neither lost for the next case nor delivered with its default action).
fn with_blocked<T>(signal: c_int, work: impl FnOnce() -> Result<T, Failure>) -> Result<(T, bool), Failure> {
    let set = sys::signal_set(signal).map_err(|errno| fail!("signal_set({signal}): {errno}"))?;
    sys::sigprocmask(sys::SIG_BLOCK, &set).map_err(|errno| fail!("sigprocmask: {errno}"))?;
    let result = work();
    let pending = sys::sigpending().map(|pending| sys::signal_set_contains(&pending, signal));
    if pending == Ok(true) {
        let _ = sys::sigwait(&set);
    }
    let _ = sys::sigprocmask(sys::SIG_UNBLOCK, &set);
    Ok((result?, pending.map_err(|errno| fail!("sigpending: {errno}"))?))
}

pub fn sigchld_child_signals_the_parent_and_is_waitable_plainly() -> Verdict {
    let ((), signalled) = with_blocked(SIGCHLD, || {
        let child = spawn(return_zero, CloneFlags::exit_signal(SIGCHLD), core::ptr::null_mut())?;
        child.wait(0).map(drop)
    })?;
    if !signalled {
        return Err(fail!("the child's exit did not send SIGCHLD"));
    }
    Ok(())
}

pub fn other_termination_signal_is_sent_and_needs_wclone_or_wall() -> Verdict {
    let (plain_wait, signalled) = with_blocked(SIGUSR1, || {
        let child = spawn(return_zero, CloneFlags::exit_signal(SIGUSR1), core::ptr::null_mut())?;
        // Without __WALL or __WCLONE, a child with another termination signal is not
        // waited for at all.
        let plain_wait = sys::wait4(child.tid, 0);
        child.wait(sys::WCLONE)?;
        Ok(plain_wait)
    })?;
    if plain_wait != Err(Errno::ECHILD) {
        return Err(fail!("wait4 without __WCLONE gave {plain_wait:?}, expected ECHILD"));
    }
    if !signalled {
        return Err(fail!("the child's exit did not send its termination signal SIGUSR1"));
    }
    Ok(())
}

pub fn no_termination_signal_sends_nothing() -> Verdict {
    let ((), signalled) = with_blocked(SIGCHLD, || {
        let child = spawn(return_zero, CloneFlags::empty(), core::ptr::null_mut())?;
        child.wait(sys::WALL).map(drop)
    })?;
    if signalled {
        return Err(fail!("a child with termination signal 0 sent SIGCHLD"));
    }
    Ok(())
}

/// Where the SIGUSR1 handler of the BUGS case reports: the write end of its pipe.
static REPORT_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn report_pid_and_exit(_: c_int) {
    let _ = sys::write(fd(REPORT_FD.load(Ordering::SeqCst)), &sys::getpid().to_ne_bytes());
    // SAFETY: this child thread shares nothing that expects it to go on.
    unsafe { sys::exit(0) };
}

extern "C" fn wait_for_signal(_: *mut c_void) -> c_int {
    loop {
        sys::sched_yield();
    }
}

pub fn signal_right_after_clone_sees_the_child_pid() -> Verdict {
    let mut pipe = Pipe::new()?;
    REPORT_FD.store(pipe.write, Ordering::SeqCst);
    let action = SignalDisposition::Handler(report_pid_and_exit);
    unsafe { sys::sigaction(SIGUSR1, Some(action)) }.map_err(|errno| fail!("sigaction: {errno}"))?;
    let result = (|| {
        let child = spawn(wait_for_signal, CloneFlags::exit_signal(SIGCHLD), core::ptr::null_mut())?;
        // At once: the child may not even have reached `fn` yet.
        sys::kill(child.tid, SIGUSR1).map_err(|errno| fail!("kill: {errno}"))?;
        let mut bytes = [0u8; 4];
        let received = pipe.receive(&mut bytes).len();
        child.wait(0)?;
        let seen = pid_t::from_ne_bytes(bytes);
        if received != 4 || seen != child.tid {
            return Err(fail!("the handler in the child saw getpid {seen}, the child is {}", child.tid));
        }
        Ok(())
    })();
    let _ = unsafe { sys::sigaction(SIGUSR1, Some(SignalDisposition::Default)) };
    result
}

/// How many times `count_signal` ran.
static HANDLED: AtomicI32 = AtomicI32::new(0);

extern "C" fn count_signal(_: c_int) {
    HANDLED.fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C" fn raise_sigusr1(result: *mut c_void) {
    let result = unsafe { &mut *(result as *mut Result<(), Errno>) };
    *result = sys::tgkill(sys::getpid(), sys::gettid(), SIGUSR1);
}

/// In a process of its own, so that a broken signal return (a crash) fails this case
/// by name: installs the handler, raises SIGUSR1 with every callee-saved register
/// holding a known value, and reports what it saw as its exit status.
extern "C" fn handle_one_signal(_: *mut c_void) -> c_int {
    // SAFETY: the handler only touches an atomic.
    if unsafe { sys::sigaction(SIGUSR1, Some(SignalDisposition::Handler(count_signal))) }.is_err() {
        return 10;
    }
    let mut raised: Result<(), Errno> = Err(Errno::from_raw(0));
    // SAFETY: raise_sigusr1 takes the Result it is given.
    let changed = unsafe { freeclone::probes::callee_saved_changed(raise_sigusr1, (&raw mut raised).cast()) };
    match (raised, HANDLED.load(Ordering::SeqCst), changed) {
        (Err(_), _, _) => 11,
        (Ok(()), 1, 0) => 0,
        (Ok(()), 1, _) => 12,
        (Ok(()), _, _) => 13,
    }
}

/// A handler that returns resumes the interrupted code with its registers intact:
/// the architecture's signal-return path (x86's `SA_RESTORER` trampoline, the vDSO's
/// elsewhere) works.
pub fn signal_handler_returns_to_the_interrupted_code() -> Verdict {
    HANDLED.store(0, Ordering::SeqCst);
    let child = spawn(handle_one_signal, CloneFlags::exit_signal(SIGCHLD), core::ptr::null_mut())?;
    match child.wait(0)? {
        0 => Ok(()),
        10 => Err(fail!("sigaction failed")),
        11 => Err(fail!("tgkill(self, SIGUSR1) failed")),
        12 => Err(fail!("callee-saved registers changed across the handler's return")),
        13 => Err(fail!("the handler did not run exactly once")),
        status => Err(fail!("the child exited with {status}")),
    }
}
