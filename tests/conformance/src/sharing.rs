//! What the child shares with the caller, flag by flag: the manual's CLONE_VM,
//! CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_VFORK, CLONE_PARENT and CLONE_THREAD
//! paragraphs, each with and without the flag.

use core::ffi::{c_int, c_void};
use core::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

use freeclone::flags::*;
use freeclone::signal::{SIGCHLD, SIGUSR2};
use freeclone::sys::{self, SignalDisposition};
use freeclone::{Errno, pid_t};

use crate::harness::{Pipe, Verdict, fail, skip, spawn, yield_many};
use crate::harness::{close_fd, fd};
use freeclone::fd::OwnedFd;

extern "C" fn store_one(arg: *mut c_void) -> c_int {
    unsafe { &*(arg as *const AtomicI32) }.store(1, Ordering::SeqCst);
    0
}

fn child_write_seen_by_parent(flags: CloneFlags) -> Result<bool, crate::harness::Failure> {
    let value = AtomicI32::new(0);
    let child = spawn(store_one, flags, (&raw const value).cast_mut().cast())?;
    child.wait(0)?;
    Ok(value.load(Ordering::SeqCst) == 1)
}

pub fn vm_shares_memory_with_the_caller() -> Verdict {
    if !child_write_seen_by_parent(CLONE_VM | SIGCHLD)? {
        return Err(fail!("with CLONE_VM the child's write is not visible to the parent"));
    }
    Ok(())
}

pub fn without_vm_the_child_writes_its_own_copy() -> Verdict {
    if child_write_seen_by_parent(CloneFlags::exit_signal(SIGCHLD))? {
        return Err(fail!("without CLONE_VM the child's write reached the parent's memory"));
    }
    Ok(())
}

/// The child of the CLONE_FS cases: moves to /dev and sets umask 077.
extern "C" fn change_directory_and_umask(_: *mut c_void) -> c_int {
    sys::umask(0o077);
    match sys::chdir(c"/dev") {
        Ok(()) => 0,
        Err(errno) => errno.raw(),
    }
}

/// Runs the CLONE_FS child from "/" with umask 022; returns the parent's working
/// directory and umask afterwards, and restores both.
fn filesystem_after_child(flags: CloneFlags) -> Result<([u8; 64], usize, u32), crate::harness::Failure> {
    let mut saved = [0u8; 256];
    let saved_length = sys::getcwd(&mut saved).map_err(|errno| fail!("getcwd: {errno}"))?;
    let restore = |umask| {
        let mut path = [0u8; 257];
        path[..saved_length].copy_from_slice(&saved[..saved_length]);
        if let Ok(path) = core::ffi::CStr::from_bytes_until_nul(&path) {
            let _ = sys::chdir(path);
        }
        sys::umask(umask);
    };
    sys::chdir(c"/").map_err(|errno| fail!("chdir /: {errno}"))?;
    let saved_umask = sys::umask(0o022);
    let result = (|| {
        let child = spawn(change_directory_and_umask, flags, core::ptr::null_mut())?;
        let status = child.wait(0)?;
        if status != 0 {
            return Err(fail!("the child could not chdir to /dev: errno {status}"));
        }
        let mut cwd = [0u8; 64];
        let length = sys::getcwd(&mut cwd).map_err(|errno| fail!("getcwd: {errno}"))?;
        Ok((cwd, length, sys::umask(0o022)))
    })();
    restore(saved_umask);
    result
}

pub fn fs_shares_working_directory_and_umask() -> Verdict {
    let (cwd, length, umask) = filesystem_after_child(CLONE_FS | SIGCHLD)?;
    if &cwd[..length] != b"/dev" || umask != 0o077 {
        return Err(fail!(
            "with CLONE_FS the parent's cwd is {:?} and umask {umask:o} after the child's chdir(/dev), umask(077)",
            core::str::from_utf8(&cwd[..length])
        ));
    }
    Ok(())
}

pub fn without_fs_working_directory_and_umask_are_copies() -> Verdict {
    let (cwd, length, umask) = filesystem_after_child(CloneFlags::exit_signal(SIGCHLD))?;
    if &cwd[..length] != b"/" || umask != 0o022 {
        return Err(fail!(
            "without CLONE_FS the parent's cwd became {:?} and umask {umask:o}",
            core::str::from_utf8(&cwd[..length])
        ));
    }
    Ok(())
}

/// The child of the CLONE_FILES cases: closes the descriptor it is given and opens
/// a new one, whose number is its exit status.
extern "C" fn close_one_open_one(arg: *mut c_void) -> c_int {
    // Open first, so that the new descriptor cannot reuse the closed one's number.
    let opened = sys::openat(freeclone::fd::CWD, c"/", sys::O_RDONLY | sys::O_DIRECTORY, 0).map_or(255, OwnedFd::into_raw_fd);
    // SAFETY: the parent handed this descriptor over to be closed.
    let _ = close_fd(arg as usize as c_int);
    opened
}

/// Returns whether the parent still has the descriptor the child closed, and whether
/// it has the one the child opened.
fn descriptors_after_child(flags: CloneFlags) -> Result<(bool, bool), crate::harness::Failure> {
    let pipe = Pipe::new()?;
    let child = spawn(close_one_open_one, flags, pipe.write as usize as *mut c_void)?;
    let opened = child.wait(0)?;
    if opened == 255 {
        return Err(fail!("the child could not open /"));
    }
    let closed_still_open = sys::fcntl_getfd(fd(pipe.write)).is_ok();
    let opened_visible = sys::fcntl_getfd(fd(opened)).is_ok();
    if opened_visible {
        // SAFETY: the child opened it for this check.
        let _ = close_fd(opened);
    }
    Ok((closed_still_open, opened_visible))
}

pub fn files_shares_the_descriptor_table() -> Verdict {
    match descriptors_after_child(CLONE_FILES | SIGCHLD)? {
        (false, true) => Ok(()),
        (closed, opened) => Err(fail!(
            "with CLONE_FILES: the descriptor the child closed is {} and the one it opened is {} in the parent",
            if closed { "still open" } else { "closed" },
            if opened { "open" } else { "missing" }
        )),
    }
}

pub fn without_files_descriptor_changes_stay_in_the_child() -> Verdict {
    match descriptors_after_child(CloneFlags::exit_signal(SIGCHLD))? {
        (true, false) => Ok(()),
        (closed, opened) => Err(fail!(
            "without CLONE_FILES: the descriptor the child closed is {} and the one it opened is {} in the parent",
            if closed { "still open" } else { "closed" },
            if opened { "open" } else { "missing" }
        )),
    }
}

extern "C" fn ignore_signal(_: c_int) {}

extern "C" fn install_handler(_: *mut c_void) -> c_int {
    let action = SignalDisposition::Handler(ignore_signal);
    match unsafe { sys::sigaction(SIGUSR2, Some(action)) } {
        Ok(_) => 0,
        Err(errno) => errno.raw(),
    }
}

/// Returns the parent's SIGUSR2 handler address (0: default) after a child installed
/// `ignore_signal`, and restores the default.
fn handler_after_child(flags: CloneFlags) -> Result<usize, crate::harness::Failure> {
    unsafe { sys::sigaction(SIGUSR2, Some(SignalDisposition::Default)) }.map_err(|errno| fail!("sigaction: {errno}"))?;
    let child = spawn(install_handler, flags, core::ptr::null_mut())?;
    let status = child.wait(0)?;
    let seen = unsafe { sys::sigaction(SIGUSR2, Some(SignalDisposition::Default)) }
        .map_err(|errno| fail!("sigaction: {errno}"))?;
    if status != 0 {
        return Err(fail!("the child's sigaction failed: errno {status}"));
    }
    Ok(match seen {
        SignalDisposition::Handler(handler) => handler as usize,
        _ => 0,
    })
}

pub fn sighand_shares_signal_handlers() -> Verdict {
    let seen = handler_after_child(CLONE_VM | CLONE_SIGHAND | SIGCHLD)?;
    if seen != ignore_signal as extern "C" fn(c_int) as usize {
        return Err(fail!("with CLONE_SIGHAND the handler the child installed is not the parent's ({seen:#x})"));
    }
    Ok(())
}

pub fn without_sighand_handlers_are_copies() -> Verdict {
    let seen = handler_after_child(CLONE_VM | SIGCHLD)?;
    if seen != 0 {
        return Err(fail!("without CLONE_SIGHAND the child's handler reached the parent ({seen:#x})"));
    }
    Ok(())
}

extern "C" fn dawdle_then_store_one(arg: *mut c_void) -> c_int {
    yield_many(2000);
    store_one(arg)
}

pub fn vfork_suspends_the_parent_until_the_child_exits() -> Verdict {
    let value = AtomicI32::new(0);
    let flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
    let child = spawn(dawdle_then_store_one, flags, (&raw const value).cast_mut().cast())?;
    // The child dawdles before writing: a parent that was not suspended reads 0 here.
    let at_return = value.load(Ordering::SeqCst);
    child.wait(0)?;
    let after_wait = value.load(Ordering::SeqCst);
    match (at_return, after_wait) {
        (1, _) => Ok(()),
        (0, 0) => Err(skip!(
            "with CLONE_VM|CLONE_VFORK the child's write never reached the parent: qemu-user runs \
             this combination as a plain fork; runs on the native and kernel tiers"
        )),
        _ => Err(fail!("clone returned before the CLONE_VFORK child exited (the value was {at_return} at return)")),
    }
}

extern "C" fn report_parent(arg: *mut c_void) -> c_int {
    let pipe = unsafe { &*(arg as *const Pipe) };
    if pipe.send(&sys::getppid().to_ne_bytes()) { 0 } else { 1 }
}

pub fn parent_flag_gives_the_child_the_caller_parent() -> Verdict {
    let mut pipe = Pipe::new()?;
    let child = spawn(report_parent, CLONE_PARENT | SIGCHLD, (&raw const pipe).cast_mut().cast())?;
    let mut bytes = [0u8; 4];
    let received = pipe.receive(&mut bytes);
    if received.len() != 4 {
        return Err(fail!("the CLONE_PARENT child did not report its parent"));
    }
    let child_parent = pid_t::from_ne_bytes(bytes);
    if child_parent != sys::getppid() {
        return Err(fail!("the CLONE_PARENT child's parent is {child_parent}, the caller's parent is {}", sys::getppid()));
    }
    // It is our parent's child, not ours.
    match sys::wait4(child.tid, sys::WALL | sys::WNOHANG) {
        Err(Errno::ECHILD) => Ok(()),
        other => Err(fail!("the caller can wait for its CLONE_PARENT child: wait4 gave {other:?}")),
    }
}

/// What a CLONE_THREAD child saw.
struct ThreadReport {
    getpid: AtomicI32,
    done: AtomicUsize,
}

extern "C" fn report_thread_group(arg: *mut c_void) -> c_int {
    let report = unsafe { &*(arg as *const ThreadReport) };
    report.getpid.store(sys::getpid(), Ordering::SeqCst);
    report.done.store(1, Ordering::SeqCst);
    0
}

pub fn thread_shares_getpid_is_not_waitable_and_sends_no_signal() -> Verdict {
    let sigchld = sys::signal_set(SIGCHLD).map_err(|errno| fail!("signal_set: {errno}"))?;
    sys::sigprocmask(sys::SIG_BLOCK, &sigchld).map_err(|errno| fail!("sigprocmask: {errno}"))?;
    let result = (|| {
        let report = ThreadReport { getpid: AtomicI32::new(0), done: AtomicUsize::new(0) };
        let tid_word = AtomicI32::new(-1);
        let flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM
            | CLONE_CHILD_CLEARTID | CLONE_PARENT_SETTID | SIGCHLD;
        let stack = crate::harness::MappedStack::new(64 * 1024)?;
        let tid = unsafe {
            freeclone::clone(report_thread_group, stack.top(), flags, (&raw const report).cast_mut().cast(),
                tid_word.as_ptr(), core::ptr::null_mut(), tid_word.as_ptr())
        }
        .map_err(|errno| fail!("clone failed: {errno}"))?;
        let waitable = sys::wait4(tid, sys::WALL | sys::WNOHANG);
        crate::harness::join_thread(&tid_word, tid)?;
        if report.getpid.load(Ordering::SeqCst) != sys::getpid() {
            return Err(fail!("the thread's getpid {} differs from the caller's {}", report.getpid.load(Ordering::SeqCst), sys::getpid()));
        }
        if waitable != Err(Errno::ECHILD) {
            return Err(fail!("the thread is waitable: wait4 gave {waitable:?}"));
        }
        let pending = sys::sigpending().map_err(|errno| fail!("sigpending: {errno}"))?;
        if sys::signal_set_contains(&pending, SIGCHLD) {
            return Err(fail!("the thread's exit sent SIGCHLD"));
        }
        Ok(())
    })();
    let _ = sys::sigprocmask(sys::SIG_UNBLOCK, &sigchld);
    result
}
