//! The manual's ERRORS section, the flags that are simply accepted, and what today's
//! kernels do with the obsolete bits.

use core::ffi::{c_int, c_void};
use core::ptr::null_mut;

use freeclone::flags::*;
use freeclone::signal::SIGCHLD;
use freeclone::{Errno, pid_t, sys};

use crate::harness::{MappedStack, Pipe, Verdict, fail, must_not_run, return_arg_as_status, return_zero, skip, spawn};
use crate::harness::{close_fd, fd};

/// The exit status the accepted-flag children return.
const SEVEN: *mut c_void = 7 as *mut c_void;

/// Expects `EINVAL` for each of `combinations` (each otherwise valid).
fn expect_einval(combinations: &[(CloneFlags, &str)]) -> Verdict {
    let stack = MappedStack::new(64 * 1024)?;
    for &(flags, what) in combinations {
        let result = unsafe { freeclone::clone(must_not_run, stack.top(), flags, null_mut(), null_mut(), null_mut(), null_mut()) };
        if result != Err(Errno::EINVAL) {
            if let Ok(tid) = result {
                let _ = sys::wait4(tid, sys::WALL);
            }
            return Err(fail!("{what}: clone returned {result:?}, expected EINVAL"));
        }
    }
    Ok(())
}

const THREAD: CloneFlags = CLONE_VM.union(CLONE_SIGHAND).union(CLONE_THREAD);

pub fn sighand_without_vm_is_einval() -> Verdict {
    expect_einval(&[(CLONE_SIGHAND | SIGCHLD, "CLONE_SIGHAND without CLONE_VM")])
}

pub fn thread_without_sighand_is_einval() -> Verdict {
    expect_einval(&[(CLONE_VM | CLONE_THREAD | SIGCHLD, "CLONE_THREAD without CLONE_SIGHAND")])
}

pub fn fs_with_newns_is_einval() -> Verdict {
    expect_einval(&[(CLONE_FS | CLONE_NEWNS | SIGCHLD, "CLONE_FS|CLONE_NEWNS")])
}

pub fn newuser_with_fs_is_einval() -> Verdict {
    expect_einval(&[(CLONE_NEWUSER | CLONE_FS | SIGCHLD, "CLONE_NEWUSER|CLONE_FS")])
}

pub fn newipc_with_sysvsem_is_einval() -> Verdict {
    expect_einval(&[(CLONE_NEWIPC | CLONE_SYSVSEM | SIGCHLD, "CLONE_NEWIPC|CLONE_SYSVSEM")])
}

pub fn newpid_or_newuser_with_thread_is_einval() -> Verdict {
    expect_einval(&[
        (THREAD | CLONE_NEWPID, "CLONE_NEWPID|CLONE_THREAD"),
        (THREAD | CLONE_NEWUSER, "CLONE_NEWUSER|CLONE_THREAD"),
    ])
}

/// In a new PID namespace, where it is init: CLONE_PARENT must be EINVAL.
extern "C" fn try_parent_flag_as_init(_: *mut c_void) -> c_int {
    let Ok(stack) = MappedStack::new(64 * 1024) else { return 98 };
    let result = unsafe { freeclone::clone(return_zero, stack.top(), CLONE_PARENT | SIGCHLD, null_mut(), null_mut(), null_mut(), null_mut()) };
    match result {
        Err(Errno::EINVAL) => 0,
        Ok(_) => 1,
        Err(errno) => 100 + errno.raw().min(100),
    }
}

/// The manual's "CLONE_NEWPID or CLONE_NEWUSER with CLONE_PARENT is EINVAL" is what
/// kernels before 3.12 did. Since then copy_process() refuses CLONE_PARENT only to an
/// init (whose siblings nobody would reap) and accepts it with the namespace flags.
/// Both facts are checked; the children created are the caller's parent's to reap.
pub fn parent_flag_is_einval_from_an_init_and_accepted_with_newpid_or_newuser() -> Verdict {
    let init = spawn(try_parent_flag_as_init, CLONE_NEWPID | SIGCHLD, null_mut())?;
    match init.wait(0)? {
        0 => {}
        1 => return Err(fail!("an init (PID 1 of a new PID namespace) created a sibling with CLONE_PARENT")),
        status => return Err(fail!("CLONE_PARENT from an init: unexpected status {status}")),
    }
    for (flags, what) in [
        (CLONE_NEWPID | CLONE_PARENT | SIGCHLD, "CLONE_NEWPID|CLONE_PARENT"),
        (CLONE_NEWUSER | CLONE_PARENT | SIGCHLD, "CLONE_NEWUSER|CLONE_PARENT"),
    ] {
        let stack = MappedStack::new(64 * 1024)?;
        let result = unsafe { freeclone::clone(return_zero, stack.top(), flags, null_mut(), null_mut(), null_mut(), null_mut()) };
        if let Err(errno) = result {
            return Err(fail!("{what}: {errno}; kernels since 3.12 accept it"));
        }
    }
    Ok(())
}

/// The namespace flags that need CAP_SYS_ADMIN.
const PRIVILEGED: [(CloneFlags, &str); 6] = [
    (CLONE_NEWCGROUP, "CLONE_NEWCGROUP"),
    (CLONE_NEWIPC, "CLONE_NEWIPC"),
    (CLONE_NEWNET, "CLONE_NEWNET"),
    (CLONE_NEWNS, "CLONE_NEWNS"),
    (CLONE_NEWPID, "CLONE_NEWPID"),
    (CLONE_NEWUTS, "CLONE_NEWUTS"),
];

/// In a child: drops to an unprivileged user, then reports the errno each privileged
/// namespace flag gets (0: it succeeded).
extern "C" fn try_namespaces_unprivileged(arg: *mut c_void) -> c_int {
    let pipe = unsafe { &*(arg as *const Pipe) };
    if let Err(errno) = sys::setuid(1000) {
        return errno.raw();
    }
    let Ok(stack) = MappedStack::new(64 * 1024) else { return 98 };
    let mut answers = [0u8; PRIVILEGED.len()];
    for (answer, &(flag, _)) in answers.iter_mut().zip(&PRIVILEGED) {
        let result = unsafe { freeclone::clone(must_not_run, stack.top(), flag | SIGCHLD, null_mut(), null_mut(), null_mut(), null_mut()) };
        *answer = match result {
            Ok(tid) => {
                let _ = sys::wait4(tid, sys::WALL);
                0
            }
            Err(errno) => errno.raw() as u8,
        };
    }
    i32::from(!pipe.send(&answers))
}

pub fn namespace_flags_without_cap_sys_admin_are_eperm() -> Verdict {
    let mut pipe = Pipe::new()?;
    let child = spawn(try_namespaces_unprivileged, CloneFlags::exit_signal(SIGCHLD), (&raw mut pipe).cast())?;
    let mut answers = [0u8; PRIVILEGED.len()];
    let received = pipe.receive(&mut answers).len();
    let status = child.wait(0)?;
    if status != 0 || received != PRIVILEGED.len() {
        return Err(fail!("the unprivileged child did not report (status {status})"));
    }
    let einval = Errno::EINVAL.raw() as u8;
    if answers.iter().all(|&answer| answer == einval) {
        return Err(skip!(
            "every namespace flag answered EINVAL where a kernel checks privilege first (EPERM): \
             qemu-user's clone emulation refuses them all; runs on the native and kernel tiers"
        ));
    }
    for (&answer, &(_, name)) in answers.iter().zip(&PRIVILEGED) {
        if answer != Errno::EPERM.raw() as u8 {
            return Err(fail!("{name} without CAP_SYS_ADMIN gave errno {answer}, expected EPERM"));
        }
    }
    Ok(())
}

pub fn io_sysvsem_untraced_and_ptrace_are_accepted() -> Verdict {
    for (flag, name) in [(CLONE_IO, "CLONE_IO"), (CLONE_SYSVSEM, "CLONE_SYSVSEM"), (CLONE_UNTRACED, "CLONE_UNTRACED"), (CLONE_PTRACE, "CLONE_PTRACE")] {
        let child = spawn(return_arg_as_status, flag | SIGCHLD, SEVEN)?;
        let status = child.wait(0)?;
        if status != 7 {
            return Err(fail!("{name}: the child exited with {status}, expected 7"));
        }
    }
    Ok(())
}

pub fn detached_bit_is_ignored() -> Verdict {
    let child = spawn(return_arg_as_status, CLONE_DETACHED | SIGCHLD, SEVEN)?;
    // Ignored: the child is an ordinary SIGCHLD child, waited for without options.
    let status = child.wait(0)?;
    if status != 7 {
        return Err(fail!("the CLONE_DETACHED child exited with {status}, expected 7"));
    }
    Ok(())
}

pub fn pid_bit_is_pidfd_today() -> Verdict {
    let stack = MappedStack::new(64 * 1024)?;
    let mut pidfd: pid_t = -1;
    let result = unsafe { freeclone::clone(return_arg_as_status, stack.top(), CLONE_PID | SIGCHLD, SEVEN, &mut pidfd, null_mut(), null_mut()) };
    let tid = match result {
        Ok(tid) => tid,
        Err(Errno::EINVAL) => {
            return Err(skip!(
                "clone answered EINVAL to CLONE_PID|SIGCHLD, which Linux 5.2 and later accept as CLONE_PIDFD: \
                 qemu-user's clone emulation refuses it; runs on the native and kernel tiers"
            ));
        }
        Err(errno) => return Err(fail!("clone(CLONE_PID|SIGCHLD) failed: {errno}")),
    };
    let status = crate::harness::wait_exit_status(tid, 0)?;
    let valid = pidfd >= 0 && sys::fcntl_getfd(fd(pidfd)).is_ok();
    if pidfd >= 0 {
        // SAFETY: the kernel made this descriptor for us.
        let _ = close_fd(pidfd);
    }
    if status != 7 || !valid {
        return Err(fail!("CLONE_PID: status {status}, ptid holds {pidfd}, not an open PID file descriptor"));
    }
    expect_einval(&[(CLONE_PID | CLONE_PARENT_SETTID | SIGCHLD, "CLONE_PID|CLONE_PARENT_SETTID")])
}
