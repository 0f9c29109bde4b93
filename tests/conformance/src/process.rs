//! `freeclone::process`: closures in fork-like children, `Child` and `ExitStatus`, PID
//! file descriptors, `spawn_exec`'s programs and errors, and the `sys` calls they rest
//! on (`waitid`, `pidfd_open`, `pidfd_send_signal`).
//!
//! The program `spawn_exec` starts is examples/exit_status (it prints its arguments and
//! exits with the first): `FREECLONE_EXIT_STATUS` names it on the user and native
//! tiers, the kernel tier's initramfs holds it at `/bin/exit_status`.

use core::ffi::{CStr, c_int};

use freeclone::flags::*;
use freeclone::process::{SpawnStep, Action, Builder, Exec, ExitStatus};
use freeclone::signal::{SIGKILL, SIGTERM, SIGUSR1, SIGUSR2};
use freeclone::sys::{self, CStrArray, CStrArrayBuf, WaitId};
use freeclone::{Errno, pid_t};

use crate::harness::{Failure, Pipe, Verdict, fail, skip};
use crate::harness::{close_fd, fd, raw_pipe};
use freeclone::fd::{AsFd, OwnedFd};

/// The process cases, registered by main.
pub const CASES: &[crate::harness::Case] = crate::harness::cases![
    spawn_runs_the_closure_with_its_captures_intact_in_a_copy_of_memory,
    spawn_refuses_flags_unsound_for_a_copy_of_memory_with_einval_and_no_child,
    kill_try_wait_and_exit_status_report_a_signalled_child,
    waitid_p_pid_reports_the_exit_status_in_siginfo,
    pidfd_polls_readable_when_its_child_exits_and_pidfd_send_signal_reaches_it,
    pidfd_open_refers_to_a_child_until_it_is_reaped,
    container_child_in_new_pid_uts_and_mount_namespaces_is_pid_one_with_its_own_hostname,
    spawn_exec_of_a_missing_path_is_enoent_and_leaves_no_child,
    spawn_exec_failed_action_comes_back_as_its_errno,
    spawn_error_names_the_failed_action_by_its_index_and_a_missing_program_as_execve,
    spawn_exec_refuses_files_fs_parent_and_vm_flags_with_einval,
    spawn_exec_runs_a_program_whose_output_arrives_through_an_inherited_pipe,
    spawn_exec_applies_setsid_and_gives_a_pidfd,
    spawn_exec_in_new_pid_and_uts_namespaces_runs_the_program,
    spawn_exec_gives_the_child_the_mask_asked_for_and_restores_the_callers,
    spawn_exec_report_pipe_is_invisible_to_actions_naming_its_descriptors,
    a_join_handle_moved_into_a_fork_like_child_panics_there_instead_of_waiting,
    spawn_exec_keeps_ignored_signals_ignored_and_resets_the_rest_in_the_program,
    spawn_exec_applies_actions_in_the_order_given,
    a_waited_child_closes_its_pidfd_once_on_drop,
    kill_after_wait_reaches_no_process_that_took_the_pid_over,
];

fn wait(child: &mut freeclone::process::Child) -> Result<ExitStatus, Failure> {
    child.wait().map_err(|errno| fail!("wait for child {}: {errno}", child.pid()))
}

fn exited_with(child: &mut freeclone::process::Child, expected: c_int) -> Verdict {
    match wait(child)? {
        status if status.code() == Some(expected) => Ok(()),
        status => Err(fail!("the child ended with {status}, not exit status {expected}")),
    }
}

/// An error of a clone that asked for what qemu-user's clone emulation refuses (it
/// takes only fork- and thread-shaped flags, and has no clone3): a skip there; the
/// native and kernel tiers, where a skip counts as a failure, run the case.
fn qemu_refusal(errno: Errno, what: &str) -> Failure {
    if errno == Errno::EINVAL && freeclone::clone3_is_missing() {
        skip!(
            "{what}: clone3 is missing (ENOSYS) and clone answered EINVAL: qemu-user's clone \
             emulation refuses these flags; runs on the native and kernel tiers"
        )
    } else if errno == Errno::EPERM && sys::getuid() != 0 {
        skip!("{what}: EPERM for uid {} without CAP_SYS_ADMIN; runs as root (the kernel tier)", sys::getuid())
    } else {
        fail!("{what}: {errno}")
    }
}

pub fn spawn_runs_the_closure_with_its_captures_intact_in_a_copy_of_memory() -> Verdict {
    let rt = crate::runtime()?;
    let captured: [u64; 4] = [0x0123_4567_89ab_cdef, 42, u64::MAX, 7];
    let mut in_parent = [1u8; 64];
    let borrowed = &mut in_parent;
    let mut child = Builder::new()
        .spawn(&rt, move || {
            let intact = captured == [0x0123_4567_89ab_cdef, 42, u64::MAX, 7] && borrowed.iter().all(|&byte| byte == 1);
            // Written in the child's copy: the parent's array stays as it is.
            borrowed.fill(9);
            if intact { 42 } else { 1 }
        })
        .map_err(|errno| fail!("spawn: {errno}"))?;
    exited_with(&mut child, 42)?;
    if in_parent.iter().any(|&byte| byte != 1) {
        return Err(fail!("the child's write through its captured borrow reached the parent's memory"));
    }
    Ok(())
}

pub fn spawn_refuses_flags_unsound_for_a_copy_of_memory_with_einval_and_no_child() -> Verdict {
    let rt = crate::runtime()?;
    let refused = [
        CLONE_VM, CLONE_FILES, CLONE_SIGHAND, CLONE_THREAD, CLONE_SETTLS, CLONE_PARENT_SETTID,
        CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID, CLONE_PID, CloneFlags::exit_signal(freeclone::signal::SIGCHLD),
    ];
    for flag in refused {
        // A child that ran this would end with 99, and the harness would find it.
        match Builder::new().flags(flag).spawn(&rt, || 99) {
            Err(Errno::EINVAL) => {}
            Err(errno) => return Err(fail!("flag {flag:#x} gave {errno}, not EINVAL")),
            Ok(mut child) => {
                let _ = child.wait();
                return Err(fail!("flag {flag:#x} was accepted"));
            }
        }
    }
    match Builder::new().flags(CLONE_INTO_CGROUP).spawn(&rt, || 99) {
        Err(Errno::EINVAL) => Ok(()),
        other => Err(fail!("a raw CLONE_INTO_CGROUP gave {:?}, not EINVAL", other.map(|child| child.pid()))),
    }
}

/// A child that waits until its parent closes the write end of `pipe` (or a signal).
fn blocked_child(rt: &freeclone::rt::Runtime, builder: Builder, pipe: &Pipe) -> Result<freeclone::process::Child, Errno> {
    let (read, write) = (pipe.read, pipe.write);
    builder.spawn(rt, move || {
        // SAFETY: the child's copy of the write end, which only this child uses.
        let _ = close_fd(write);
        let mut byte = [0u8; 1];
        let _ = sys::read(fd(read), &mut byte);
        0
    })
}

pub fn kill_try_wait_and_exit_status_report_a_signalled_child() -> Verdict {
    let rt = crate::runtime()?;
    let pipe = Pipe::new()?;
    let mut child = blocked_child(&rt, Builder::new(), &pipe).map_err(|errno| fail!("spawn: {errno}"))?;
    let alive = child.try_wait();
    let killed = child.kill(SIGKILL);
    let status = wait(&mut child)?;
    if alive != Ok(None) {
        return Err(fail!("try_wait on a blocked child gave {alive:?}, not Ok(None)"));
    }
    killed.map_err(|errno| fail!("kill(SIGKILL): {errno}"))?;
    if (status.code(), status.signal(), status.success()) != (None, Some(SIGKILL), false) {
        return Err(fail!("the killed child's status is {status} ({:#x})", status.into_raw()));
    }
    if child.try_wait() != Ok(Some(status)) || child.wait() != Ok(status) {
        return Err(fail!("a second wait did not return the cached status"));
    }
    // Reaped: its PID may be another process's now, so kill must not send anything.
    match child.kill(SIGKILL) {
        Err(Errno::ESRCH) => Ok(()),
        other => Err(fail!("kill after reaping gave {other:?}, not ESRCH")),
    }
}

pub fn waitid_p_pid_reports_the_exit_status_in_siginfo() -> Verdict {
    let rt = crate::runtime()?;
    let pipe = Pipe::new()?;
    let (read, write) = (pipe.read, pipe.write);
    let child = Builder::new()
        .spawn(&rt, move || {
            // SAFETY: the child's copy of the write end.
            let _ = close_fd(write);
            let _ = sys::read(fd(read), &mut [0u8; 1]);
            7
        })
        .map_err(|errno| fail!("spawn: {errno}"))?;
    let pid = child.pid();
    let before = sys::waitid(WaitId::Pid(pid), sys::WEXITED | sys::WNOHANG);
    drop(pipe); // the child reads end of file and exits
    let info = sys::waitid(WaitId::Pid(pid), sys::WEXITED);
    if before != Ok(None) {
        return Err(fail!("waitid with WNOHANG on a live child gave {before:?}, not Ok(None)"));
    }
    let info = info.map_err(|errno| fail!("waitid(P_PID): {errno}"))?.ok_or_else(|| fail!("waitid without WNOHANG gave no child"))?;
    if (info.pid, info.code, info.status, info.uid) != (pid, sys::CLD_EXITED, 7, sys::getuid()) {
        return Err(fail!("waitid reported {info:?}, not pid {pid}, CLD_EXITED, status 7"));
    }
    if info.wait_status().map(ExitStatus::from_raw).and_then(ExitStatus::code) != Some(7) {
        return Err(fail!("{info:?} as a wait status is {:?}", info.wait_status()));
    }
    Ok(())
}

pub fn pidfd_polls_readable_when_its_child_exits_and_pidfd_send_signal_reaches_it() -> Verdict {
    let rt = crate::runtime()?;
    let pipe = Pipe::new()?;
    let mut child = blocked_child(&rt, Builder::new().pidfd(true), &pipe).map_err(|errno| qemu_refusal(errno, "spawn with a pidfd"))?;
    let pidfd = child.pidfd().ok_or_else(|| fail!("no pidfd although asked for"))?.as_raw_fd();
    let mut fds = [sys::PollFd::new(fd(pidfd), sys::POLLIN)];
    let while_alive = sys::poll(&mut fds, 0);
    let sent = child.kill(SIGTERM);
    let mut fds = [sys::PollFd::new(fd(pidfd), sys::POLLIN)];
    // No time limit of its own: the child is dying, and a hang is the case's time limit's.
    let after = sys::poll(&mut fds, -1);
    let info = sys::waitid(WaitId::PidFd(fd(pidfd)), sys::WEXITED);
    let status = wait(&mut child);
    drop(pipe);
    if while_alive != Ok(0) {
        return Err(fail!("the pidfd polled {while_alive:?} while its child was alive"));
    }
    sent.map_err(|errno| fail!("pidfd_send_signal(SIGTERM): {errno}"))?;
    if after != Ok(1) || fds[0].revents() & sys::POLLIN == 0 {
        return Err(fail!("the pidfd polled {after:?} (revents {:#x}) after its child was killed", fds[0].revents()));
    }
    match info {
        Ok(Some(info)) if info.code == sys::CLD_KILLED && info.status == SIGTERM => {}
        other => return Err(fail!("waitid(P_PIDFD) gave {other:?}, not CLD_KILLED by SIGTERM")),
    }
    // waitid reaped it: wait finds nothing (the caller's own reaping is what Child caches).
    match status {
        Err(_) => Ok(()),
        Ok(status) => Err(fail!("the child was reaped twice: wait gave {status}")),
    }
}

pub fn pidfd_open_refers_to_a_child_until_it_is_reaped() -> Verdict {
    let rt = crate::runtime()?;
    let mut child = Builder::new().spawn(&rt, || 3).map_err(|errno| fail!("spawn: {errno}"))?;
    let pidfd = match sys::pidfd_open(child.pid(), 0) {
        Ok(fd) => fd,
        Err(Errno::ENOSYS) => {
            let _ = child.wait();
            return Err(skip!("pidfd_open is ENOSYS: qemu-user before 8.0 or Linux before 5.3 (the kernel tier's kernels have it)"));
        }
        Err(errno) => {
            let _ = child.wait();
            return Err(fail!("pidfd_open of a child: {errno}"));
        }
    };
    let mut fds = [sys::PollFd::new(pidfd.as_fd(), sys::POLLIN)];
    let polled = sys::poll(&mut fds, -1);
    let signal_zero = sys::pidfd_send_signal(pidfd.as_fd(), 0);
    exited_with(&mut child, 3)?;
    let after_reaping = sys::pidfd_send_signal(pidfd.as_fd(), 0);
    let reopened = sys::pidfd_open(child.pid(), 0);
    drop(pidfd);
    if polled != Ok(1) {
        return Err(fail!("the pidfd of an exited child polled {polled:?}"));
    }
    if signal_zero != Ok(()) {
        return Err(fail!("signal 0 to the zombie through its pidfd gave {signal_zero:?}"));
    }
    if after_reaping != Err(Errno::ESRCH) || reopened.is_ok() {
        return Err(fail!("after reaping: pidfd_send_signal gave {after_reaping:?}, pidfd_open {reopened:?} (both ESRCH expected)"));
    }
    Ok(())
}

/// The hostname the container child gives itself.
const CONTAINER_HOSTNAME: &[u8] = b"freeclone-container";

pub fn container_child_in_new_pid_uts_and_mount_namespaces_is_pid_one_with_its_own_hostname() -> Verdict {
    let rt = crate::runtime()?;
    let mut parent_mounts = [0u8; 64];
    let length = sys::readlinkat(freeclone::fd::CWD, c"/proc/self/ns/mnt", &mut parent_mounts)
        .map_err(|errno| fail!("readlink /proc/self/ns/mnt: {errno} (is /proc mounted?)"))?;
    let flags = CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWNS;
    let spawned = Builder::new().flags(flags).spawn(&rt, move || {
        if sys::getpid() != 1 {
            return 10;
        }
        if sys::sethostname(CONTAINER_HOSTNAME).is_err() {
            return 11;
        }
        if sys::uname().map(|name| name.nodename().to_bytes() == CONTAINER_HOSTNAME) != Ok(true) {
            return 12;
        }
        let mut own = [0u8; 64];
        match sys::readlinkat(freeclone::fd::CWD, c"/proc/self/ns/mnt", &mut own) {
            Ok(own_length) if own[..own_length] != parent_mounts[..length] => 0,
            _ => 13,
        }
    });
    let mut child = spawned.map_err(|errno| qemu_refusal(errno, "spawn in new PID, UTS and mount namespaces"))?;
    let status = wait(&mut child)?;
    let parent_name = sys::uname().map_err(|errno| fail!("uname: {errno}"))?;
    if parent_name.nodename().to_bytes() == CONTAINER_HOSTNAME {
        return Err(fail!("the child's sethostname reached the parent's UTS namespace"));
    }
    match status.code() {
        Some(0) => Ok(()),
        Some(10) => Err(fail!("the child is not PID 1 of its new PID namespace")),
        Some(11) => Err(fail!("the child could not set its hostname")),
        Some(12) => Err(fail!("uname in the child does not give the hostname it set")),
        Some(13) => Err(fail!("the child's mount namespace is the parent's")),
        _ => Err(fail!("the child ended with {status}")),
    }
}

// ---------------------------------------------------------------------------------
// spawn_exec

/// examples/exit_status's path: `FREECLONE_EXIT_STATUS`, else `/bin/exit_status` (the
/// kernel tier's initramfs).
fn exit_status_program() -> Result<&'static CStr, Failure> {
    let rt = crate::runtime()?;
    let named = rt.args().environment().find_map(|entry| entry.to_bytes().strip_prefix(b"FREECLONE_EXIT_STATUS=").map(|_| entry));
    let path = match named {
        // SAFETY: the value is the tail of a NUL-terminated 'static string.
        Some(entry) => unsafe { CStr::from_ptr(entry.as_ptr().add("FREECLONE_EXIT_STATUS=".len())) },
        None => c"/bin/exit_status",
    };
    match sys::openat(freeclone::fd::CWD, path, sys::O_RDONLY, 0) {
        Ok(_) => {
            Ok(path)
        }
        Err(errno) => Err(fail!(
            "examples/exit_status is not at {path:?} ({errno}): cargo xtask test passes it in \
             FREECLONE_EXIT_STATUS and puts it in the initramfs at /bin/exit_status"
        )),
    }
}

/// A spawn_exec error where the exec itself could not run this architecture's programs:
/// proven by execing this very program (which is running, so its format is this
/// architecture's) with the same answer, ENOEXEC. qemu-user passes execve to the host's
/// kernel, which has no binfmt_misc handler for the guest's format.
fn enoexec_proof(errno: Errno, what: &str) -> Failure {
    if errno != Errno::ENOEXEC {
        return fail!("{what}: {errno}");
    }
    let Some(program) = crate::init_calls::program() else { return fail!("{what}: ENOEXEC") };
    match freeclone::process::spawn_exec(program, &CStrArrayBuf::new([program, crate::init_calls::EXEC_PROBE]), CStrArray::EMPTY).map_err(Errno::from) {
        Err(Errno::ENOEXEC) => skip!(
            "{what}: ENOEXEC, and execve of this very (running) program is ENOEXEC too: the kernel \
             that answers cannot run this architecture's programs (qemu-user without binfmt_misc); \
             runs on the native and kernel tiers"
        ),
        Err(other) => fail!("{what}: ENOEXEC, but this program's own exec gave {other}"),
        Ok(mut child) => {
            let _ = child.wait();
            fail!("{what}: ENOEXEC, though this program's own exec works")
        }
    }
}

fn no_child_left() -> Verdict {
    match sys::wait4(-1, sys::WNOHANG | sys::WALL) {
        Err(Errno::ECHILD) => Ok(()),
        other => Err(fail!("a child was left behind (wait4(-1, WNOHANG) gave {other:?})")),
    }
}

pub fn spawn_exec_of_a_missing_path_is_enoent_and_leaves_no_child() -> Verdict {
    let path = c"/freeclone-missing/program";
    match freeclone::process::spawn_exec(path, &CStrArrayBuf::new([path]), CStrArray::EMPTY).map_err(Errno::from) {
        Err(Errno::ENOENT) => no_child_left(),
        Err(errno) => Err(fail!("spawn_exec of a missing path gave {errno}, not ENOENT")),
        Ok(mut child) => Err(fail!("spawn_exec of a missing path succeeded: the child ended with {:?}", child.wait())),
    }
}

pub fn spawn_exec_failed_action_comes_back_as_its_errno() -> Verdict {
    let program = exit_status_program()?;
    let argv = CStrArrayBuf::new([program, c"0"]);
    let cases: [(&[Action<'_>], Errno, &str); 3] = [
        (&[Action::Chdir(c"/freeclone-missing-directory")], Errno::ENOENT, "chdir to a missing directory"),
        (&[Action::Setsid, Action::Close(1000)], Errno::EBADF, "close of a descriptor that is not open"),
        (&[Action::Dup2 { from: fd(1000), to: 3 }], Errno::EBADF, "dup2 from a descriptor that is not open"),
    ];
    for (actions, expected, what) in cases {
        match Exec::new(program, &argv, CStrArray::EMPTY).actions(actions).spawn().map_err(Errno::from) {
            Err(errno) if errno == expected => no_child_left().map_err(|failure| failure.with_context("after", what))?,
            Err(errno) => return Err(fail!("{what} gave {errno}, not {expected}")),
            Ok(mut child) => return Err(fail!("{what} was not reported; the child ended with {:?}", child.wait())),
        }
    }
    Ok(())
}

/// A `SpawnError` names the step that failed: the index of the first failed action
/// (the ones before it succeeded), or `execve` for a missing program; the report
/// arrives through shared memory or, where the vfork is a plain fork (qemu-user),
/// through the report pipe.
pub fn spawn_error_names_the_failed_action_by_its_index_and_a_missing_program_as_execve() -> Verdict {
    let path = c"/freeclone-missing/program";
    let argv = CStrArrayBuf::new([path]);
    let actions = [Action::Chdir(c"/"), Action::Setsid, Action::Close(1000), Action::Chdir(c"/")];
    let cases: [(&[Action<'_>], SpawnStep, Errno); 2] =
        [(&actions, SpawnStep::Action(2), Errno::EBADF), (&actions[..2], SpawnStep::Execve, Errno::ENOENT)];
    for (actions, step, errno) in cases {
        match Exec::new(path, &argv, CStrArray::EMPTY).actions(actions).spawn() {
            Err(error) if (error.step(), error.errno()) == (step, errno) => no_child_left()?,
            Err(error) => return Err(fail!("{} actions: the error was {error}, not {step:?} with {errno}", actions.len())),
            Ok(mut child) => return Err(fail!("no error came back; the child ended with {:?}", child.wait())),
        }
    }
    Ok(())
}

pub fn spawn_exec_refuses_files_fs_parent_and_vm_flags_with_einval() -> Verdict {
    let program = exit_status_program()?;
    let argv = CStrArrayBuf::new([program]);
    for flag in [CLONE_FILES, CLONE_FS, CLONE_PARENT, CLONE_SIGHAND, CLONE_THREAD, CLONE_VM, CLONE_SETTLS] {
        match Exec::new(program, &argv, CStrArray::EMPTY).process(Builder::new().flags(flag)).spawn().map_err(Errno::from) {
            Err(Errno::EINVAL) => {}
            other => return Err(fail!("flag {flag:#x} gave {:?}, not EINVAL", other.map(|child| child.pid()))),
        }
    }
    no_child_left()
}

pub fn spawn_exec_runs_a_program_whose_output_arrives_through_an_inherited_pipe() -> Verdict {
    let program = exit_status_program()?;
    let mut pipe = Pipe::new()?;
    let argv = CStrArrayBuf::new([program, c"7", c"through the pipe"]);
    // The pipe's ends are close-on-exec: only the dup2 to 1 reaches the program.
    let actions = [Action::Dup2 { from: fd(pipe.write), to: 1 }];
    let spawned = Exec::new(program, &argv, CStrArray::EMPTY).actions(&actions).spawn().map_err(Errno::from);
    let child = spawned.map_err(|errno| enoexec_proof(errno, "spawn_exec of examples/exit_status"))?;
    exits_after_printing(child, &mut pipe, 7, b"argv[2] = \"through the pipe\"\n")
}

/// The program ends with `status` after printing `expected` into `pipe`.
fn exits_after_printing(mut child: freeclone::process::Child, pipe: &mut Pipe, status: c_int, expected: &[u8]) -> Verdict {
    let mut output = [0u8; 512];
    let output = pipe.receive(&mut output);
    exited_with(&mut child, status)?;
    if !output.windows(expected.len()).any(|window| window == expected) {
        return Err(fail!("the program's output through the pipe was {:?}", core::str::from_utf8(output)));
    }
    Ok(())
}

pub fn spawn_exec_applies_setsid_and_gives_a_pidfd() -> Verdict {
    let program = exit_status_program()?;
    let pipe = Pipe::new()?;
    // The program prints a few lines into the pipe and exits: the checks below see its
    // zombie, which keeps its session until reaped.
    let argv = CStrArrayBuf::new([program, c"5"]);
    let actions = [Action::Setsid, Action::Dup2 { from: fd(pipe.write), to: 1 }];
    let spawned = Exec::new(program, &argv, CStrArray::EMPTY).actions(&actions).process(Builder::new().pidfd(true)).spawn().map_err(Errno::from);
    let mut child = spawned.map_err(|errno| match errno {
        Errno::ENOEXEC => enoexec_proof(errno, "spawn_exec with a pidfd"),
        errno => qemu_refusal(errno, "spawn_exec with a pidfd"),
    })?;
    let pid: pid_t = child.pid();
    let pidfd = child.pidfd().ok_or_else(|| fail!("no pidfd although asked for"))?.as_raw_fd();
    let mut fds = [sys::PollFd::new(fd(pidfd), sys::POLLIN)];
    let polled = sys::poll(&mut fds, -1);
    // Until reaped, the zombie keeps its session.
    let session = sys::getsid(pid);
    drop(pipe);
    exited_with(&mut child, 5)?;
    if polled != Ok(1) {
        return Err(fail!("the pidfd polled {polled:?} when the program ended"));
    }
    match session {
        Ok(sid) if sid == pid => Ok(()),
        other => Err(fail!("the child's session is {other:?}, not its own {pid} (setsid)")),
    }
}

pub fn spawn_exec_in_new_pid_and_uts_namespaces_runs_the_program() -> Verdict {
    let program = exit_status_program()?;
    let pipe = Pipe::new()?;
    let argv = CStrArrayBuf::new([program, c"9"]);
    let actions = [Action::Dup2 { from: fd(pipe.write), to: 1 }];
    let builder = Builder::new().flags(CLONE_NEWPID | CLONE_NEWUTS);
    let spawned = Exec::new(program, &argv, CStrArray::EMPTY).actions(&actions).process(builder).spawn().map_err(Errno::from);
    drop(pipe);
    let mut child = spawned.map_err(|errno| match errno {
        Errno::ENOEXEC => enoexec_proof(errno, "spawn_exec in new namespaces"),
        errno => qemu_refusal(errno, "spawn_exec in new PID and UTS namespaces"),
    })?;
    exited_with(&mut child, 9)
}

/// The `SigBlk` mask in `/proc/<pid>/status` (a zombie keeps it until reaped).
fn blocked_mask_of(pid: pid_t) -> Result<u64, Failure> {
    let mut path = [0u8; 32];
    let mut length = 0;
    for part in [b"/proc/".as_slice(), itoa(pid, &mut [0u8; 12]), b"/status\0"] {
        path[length..length + part.len()].copy_from_slice(part);
        length += part.len();
    }
    let path = CStr::from_bytes_until_nul(&path).map_err(|_| fail!("a path"))?;
    let file = sys::openat(freeclone::fd::CWD, path, sys::O_RDONLY, 0).map(OwnedFd::into_raw_fd).map_err(|errno| fail!("open {path:?}: {errno}"))?;
    let mut text = [0u8; 4096];
    let mut filled = 0;
    while let Ok(count @ 1..) = sys::read(fd(file), &mut text[filled..]) {
        filled += count;
    }
    // SAFETY: opened above.
    let _ = close_fd(file);
    let line = text[..filled].split(|&byte| byte == b'\n').find_map(|line| line.strip_prefix(b"SigBlk:"));
    let hex = line.ok_or_else(|| fail!("no SigBlk line in {path:?}"))?;
    let hex = core::str::from_utf8(hex).map_err(|_| fail!("SigBlk is not text"))?.trim();
    // The low 64 signals are the last 16 digits (mips prints 128 bits).
    u64::from_str_radix(&hex[hex.len().saturating_sub(16)..], 16).map_err(|_| fail!("SigBlk {hex:?} is not hexadecimal"))
}

/// `number` in decimal, in `buffer`.
fn itoa(mut number: pid_t, buffer: &mut [u8; 12]) -> &[u8] {
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b'0' + (number % 10) as u8;
        number /= 10;
        if number == 0 {
            return &buffer[start..];
        }
    }
}

pub fn spawn_exec_gives_the_child_the_mask_asked_for_and_restores_the_callers() -> Verdict {
    let program = exit_status_program()?;
    let usr2 = freeclone::signal::SIGUSR2;
    let before = sys::sigprocmask(sys::SIG_BLOCK, &sys::empty_signal_set()).map_err(|errno| fail!("sigprocmask: {errno}"))?;
    let mut pipe = Pipe::new()?;
    let argv = CStrArrayBuf::new([program, c"0"]);
    let actions = [Action::Dup2 { from: fd(pipe.write), to: 1 }];
    let spawned = Exec::new(program, &argv, CStrArray::EMPTY).actions(&actions).signal_mask(sys::signal_set(usr2).map_err(|errno| fail!("signal_set: {errno}"))?).spawn().map_err(Errno::from);
    let after = sys::sigprocmask(sys::SIG_BLOCK, &sys::empty_signal_set()).map_err(|errno| fail!("sigprocmask: {errno}"))?;
    let mut child = spawned.map_err(|errno| enoexec_proof(errno, "spawn_exec with a signal mask"))?;
    let _ = pipe.receive(&mut [0u8; 512]); // until the program has exited
    let mask = blocked_mask_of(child.pid());
    exited_with(&mut child, 0)?;
    let size = core::mem::size_of::<sys::SignalSet>();
    // SAFETY: both are plain bits of the same size.
    let same = unsafe {
        core::slice::from_raw_parts((&raw const before).cast::<u8>(), size) == core::slice::from_raw_parts((&raw const after).cast::<u8>(), size)
    };
    if !same {
        return Err(fail!("the caller's signal mask changed across spawn_exec"));
    }
    match mask? {
        mask if mask == 1 << (usr2 - 1) => Ok(()),
        mask => Err(fail!("the program ran with SigBlk {mask:#x}, not only SIGUSR2 ({:#x})", 1u64 << (usr2 - 1))),
    }
}

// The report pipe of a process's first spawn_exec (made where a CLONE_VM|CLONE_VFORK
// child may not share memory; under qemu-user, where it never does, every spawn uses
// it): an action naming its descriptors behaves as if it did not exist, and the
// report still arrives.

/// The command-line flag that makes the program run one variant as its first spawn.
pub const REPORT_PIPE_VARIANT: &CStr = c"--report-pipe-variant";
const VARIANT_ARGUMENTS: [&CStr; 5] = [c"0", c"1", c"2", c"3", c"4"];

/// One variant, in a process whose next spawn_exec makes the report pipe: the pipe's
/// numbers are the two lowest free ones, which a pipe made and closed just before shows.
fn report_pipe_variant(variant: usize) -> Verdict {
    let mut victim = Pipe::new()?;
    let (read, write) = raw_pipe(sys::O_CLOEXEC).map_err(|errno| fail!("pipe2: {errno}"))?;
    // SAFETY: the pipe just made, closed so that spawn_exec's gets its numbers.
    let _ = close_fd(read);
    let _ = close_fd(write);
    let (actions, expected, what) = match variant {
        0 => ([Action::Dup2 { from: fd(victim.write), to: write }], Errno::ENOENT, "dup2 onto the write end's number"),
        1 => ([Action::Close(write)], Errno::EBADF, "close of the write end's number"),
        2 => ([Action::Dup2 { from: fd(write), to: 1 }], Errno::EBADF, "dup2 from the write end's number"),
        3 => ([Action::Dup2 { from: fd(read), to: 1 }], Errno::EBADF, "dup2 from the read end's number"),
        _ => ([Action::Close(read)], Errno::EBADF, "close of the read end's number"),
    };
    let path = c"/freeclone-missing/program";
    match Exec::new(path, &CStrArrayBuf::new([path]), CStrArray::EMPTY).actions(&actions).spawn().map_err(Errno::from) {
        Err(errno) if errno == expected => {}
        Err(errno) => return Err(fail!("{what}: {errno}, not {expected}")),
        Ok(mut child) => return Err(fail!("{what}: no error came back; the child ended with {:?}", child.wait())),
    }
    let mut overwritten = [0u8; 16];
    let overwritten = victim.receive(&mut overwritten);
    if !overwritten.is_empty() {
        return Err(fail!("{what}: the child's report went to the caller's descriptor: {overwritten:?}"));
    }
    no_child_left()
}

/// The program as a fresh process running one variant (started by the case below).
pub fn report_pipe_variant_main(args: &freeclone::rt::Args) -> Option<i32> {
    if args.get(1) != Some(REPORT_PIPE_VARIANT) {
        return None;
    }
    let variant = VARIANT_ARGUMENTS.iter().position(|argument| args.get(2) == Some(*argument))?;
    Some(report_pipe_variant_in_a_child(variant as *mut core::ffi::c_void))
}

extern "C" fn report_pipe_variant_in_a_child(arg: *mut core::ffi::c_void) -> c_int {
    let variant = arg as usize;
    match report_pipe_variant(variant) {
        Ok(()) => 0,
        Err(Failure::Fail(why) | Failure::Skip(why)) => {
            freeclone::println!("report pipe variant {variant}: {}", why.as_str());
            1
        }
    }
}

pub fn spawn_exec_report_pipe_is_invisible_to_actions_naming_its_descriptors() -> Verdict {
    let program = crate::init_calls::program().ok_or_else(|| fail!("the program has no argv[0] to exec"))?;
    for (variant, argument) in VARIANT_ARGUMENTS.iter().enumerate() {
        // In a fork-like child of this process (where spawn_exec may have learned that a
        // vfork shares memory, and makes no pipe).
        let child = crate::harness::spawn(report_pipe_variant_in_a_child, CloneFlags::exit_signal(freeclone::signal::SIGCHLD), variant as *mut _)?;
        if child.wait(0)? != 0 {
            return Err(fail!("variant {variant} failed in a child of this process (its line above)"));
        }
        // As the first spawn of a fresh process, which always makes the pipe.
        let argv = CStrArrayBuf::new([program, REPORT_PIPE_VARIANT, argument]);
        match freeclone::process::spawn_exec(program, &argv, CStrArray::EMPTY).map_err(Errno::from) {
            Ok(mut child) => exited_with(&mut child, 0).map_err(|failure| failure.with_context("variant", variant))?,
            // qemu-user: the host cannot exec this program; there every spawn makes the
            // pipe (a vfork never shares memory), so the child above was a first spawn's
            // equal.
            Err(Errno::ENOEXEC) if freeclone::clone3_is_missing() => {}
            Err(errno) => return Err(fail!("spawn_exec of this program for variant {variant}: {errno}")),
        }
    }
    Ok(())
}

pub fn a_join_handle_moved_into_a_fork_like_child_panics_there_instead_of_waiting() -> Verdict {
    let rt = crate::runtime()?;
    let handle = freeclone::thread::spawn(&rt, || {
        crate::harness::yield_many(100);
        7
    })
    .map_err(|errno| fail!("thread spawn: {errno}"))?;
    // The parent's copy of the closure (and so of the handle) is dropped by spawn, which
    // waits for the thread here; the child's copy has no thread to wait for.
    let mut child = Builder::new()
        .spawn(&rt, move || {
            let _ = handle.join();
            0
        })
        .map_err(|errno| fail!("spawn: {errno}"))?;
    // 101: rt's panic handler, reached from join's panic.
    exited_with(&mut child, 101)
}

// What the started program inherits, the order of actions, a Child after its wait.

/// The flag that makes the program report which of SIGUSR1 and SIGUSR2 it ignores.
const IGNORED_SIGNALS: &CStr = c"--report-ignored-signals";
const USR1_IGNORED: c_int = 1;
const USR2_IGNORED: c_int = 2;
const NO_STATUS_LINE: c_int = 64;

/// The program as a process started by spawn_exec: its exit status says which of
/// SIGUSR1 and SIGUSR2 its `/proc/self/status` `SigIgn` mask holds.
pub fn ignored_signals_main(args: &freeclone::rt::Args) -> Option<i32> {
    if args.get(1) != Some(IGNORED_SIGNALS) {
        return None;
    }
    let file = sys::openat(freeclone::fd::CWD, c"/proc/self/status", sys::O_RDONLY | sys::O_CLOEXEC, 0).map(OwnedFd::into_raw_fd).ok()?;
    let mut status = [0u8; 4096];
    let mut filled = 0;
    while let Ok(count @ 1..) = sys::read(fd(file), &mut status[filled..]) {
        filled += count;
    }
    // SAFETY: opened above.
    let _ = close_fd(file);
    let line = status[..filled].split(|&byte| byte == b'\n').find_map(|line| line.strip_prefix(b"SigIgn:\t"));
    let Some(mask) = line.and_then(|hex| core::str::from_utf8(hex).ok()).and_then(|hex| u64::from_str_radix(hex, 16).ok()) else {
        return Some(NO_STATUS_LINE);
    };
    let ignored = |signal: c_int| mask >> (signal - 1) & 1 == 1;
    Some(if ignored(SIGUSR1) { USR1_IGNORED } else { 0 } | if ignored(SIGUSR2) { USR2_IGNORED } else { 0 })
}

extern "C" fn on_signal(_: c_int) {}

/// The program's report of its ignored signals, spawned with `exec`'s options.
fn ignored_in_the_program(exec: impl FnOnce(Exec<'_>) -> Exec<'_>) -> Result<c_int, Failure> {
    let program = crate::init_calls::program().ok_or_else(|| fail!("the program has no argv[0] to exec"))?;
    let argv = CStrArrayBuf::new([program, IGNORED_SIGNALS]);
    let mut child = exec(Exec::new(program, &argv, CStrArray::EMPTY))
        .spawn().map_err(Errno::from)
        .map_err(|errno| enoexec_proof(errno, "spawn_exec of this program"))?;
    match wait(&mut child)?.code() {
        Some(NO_STATUS_LINE) => Err(fail!("the program found no SigIgn line in /proc/self/status")),
        Some(code) => Ok(code),
        None => Err(fail!("the program was killed")),
    }
}

/// POSIX: a signal the caller ignores stays ignored in the program (execve keeps
/// SIG_IGN) unless `default_signals` names it; one with a handler is reset (execve
/// resets it anyway, and the child resets it before its actions).
pub fn spawn_exec_keeps_ignored_signals_ignored_and_resets_the_rest_in_the_program() -> Verdict {
    use freeclone::sys::SignalDisposition;
    // SAFETY: the handler does nothing; both dispositions are restored below.
    let old_usr1 = unsafe { sys::sigaction(SIGUSR1, Some(SignalDisposition::Handler(on_signal))) }.map_err(|errno| fail!("sigaction: {errno}"))?;
    let old_usr2 = unsafe { sys::sigaction(SIGUSR2, Some(SignalDisposition::Ignore)) }.map_err(|errno| fail!("sigaction: {errno}"))?;
    let result = (|| {
        let plain = ignored_in_the_program(|exec| exec)?;
        if plain != USR2_IGNORED {
            return Err(fail!("with SIGUSR1 handled and SIGUSR2 ignored, the program ignores {plain:#b} (bit 0 USR1, bit 1 USR2), not only SIGUSR2"));
        }
        let usr2 = sys::signal_set(SIGUSR2).map_err(|errno| fail!("signal_set: {errno}"))?;
        let reset = ignored_in_the_program(|exec| exec.default_signals(usr2))?;
        if reset != 0 {
            return Err(fail!("with default_signals(SIGUSR2), the program still ignores {reset:#b}"));
        }
        Ok(())
    })();
    // SAFETY: the dispositions the case found.
    unsafe {
        let _ = sys::sigaction(SIGUSR1, Some(old_usr1));
        let _ = sys::sigaction(SIGUSR2, Some(old_usr2));
    }
    result
}

/// Actions run in the order given: a dup2 then a close of its source works (the
/// program's output arrives); the same two the other way round is EBADF.
pub fn spawn_exec_applies_actions_in_the_order_given() -> Verdict {
    let program = exit_status_program()?;
    let argv = CStrArrayBuf::new([program, c"0", c"in order"]);
    let mut pipe = Pipe::new()?;
    let reversed = [Action::Close(pipe.write), Action::Dup2 { from: fd(pipe.write), to: 1 }];
    match Exec::new(program, &argv, CStrArray::EMPTY).actions(&reversed).spawn().map_err(Errno::from) {
        Err(Errno::EBADF) => no_child_left()?,
        other => return Err(fail!("close then dup2 of the closed descriptor gave {:?}, not EBADF", other.map(|child| child.pid()))),
    }
    let in_order = [Action::Dup2 { from: fd(pipe.write), to: 1 }, Action::Close(pipe.write)];
    let spawned = Exec::new(program, &argv, CStrArray::EMPTY).actions(&in_order).spawn().map_err(Errno::from);
    let child = spawned.map_err(|errno| enoexec_proof(errno, "dup2 then close of its source"))?;
    exits_after_printing(child, &mut pipe, 0, b"argv[2] = \"in order\"\n")
}

/// After `wait`, the Child's pidfd is still its own until the drop closes it once: a
/// descriptor opened after the wait survives the drop.
pub fn a_waited_child_closes_its_pidfd_once_on_drop() -> Verdict {
    let rt = crate::runtime()?;
    let mut child = Builder::new().pidfd(true).spawn(&rt, || 0).map_err(|errno| fail!("spawn: {errno}"))?;
    exited_with(&mut child, 0)?;
    let later = Pipe::new()?;
    drop(child);
    for number in [later.read, later.write] {
        if let Err(errno) = sys::fcntl_getfd(fd(number)) {
            return Err(fail!("descriptor {number}, opened after the wait, was closed by the Child's drop: {errno}"));
        }
    }
    Ok(())
}

/// After `wait`, `kill` reaches nobody, even a process that now has the child's PID
/// (put there on purpose with clone3's set_tid).
pub fn kill_after_wait_reaches_no_process_that_took_the_pid_over() -> Verdict {
    let rt = crate::runtime()?;
    let mut child = Builder::new().spawn(&rt, || 0).map_err(|errno| fail!("spawn: {errno}"))?;
    exited_with(&mut child, 0)?;
    let set_tid = [child.pid()];
    let mut release = Pipe::new()?;
    let args = freeclone::CloneArgs::new().set_tid(&set_tid).exit_signal(freeclone::signal::SIGCHLD);
    // SAFETY: a fork-like child that leaves through exit_group.
    let newcomer = match unsafe { sys::clone3(&args) } {
        Ok(0) => {
            // Waits until the parent closes its write end.
            // SAFETY: the child's copy of the write end.
            let _ = close_fd(release.write);
            let mut byte = [0u8; 1];
            let _ = sys::read(fd(release.read), &mut byte);
            sys::exit_group(0)
        }
        Ok(pid) => pid,
        Err(Errno::ENOSYS) => return Err(skip!("clone3 answered ENOSYS (qemu-user), so no process can be given the PID; runs on the native and kernel tiers")),
        Err(errno) if errno == Errno::EPERM && sys::getuid() != 0 => return Err(skip!("set_tid needs CAP_SYS_ADMIN; runs as root on the native and kernel tiers")),
        Err(errno) => return Err(fail!("clone3 with set_tid [{}]: {errno}", child.pid())),
    };
    let kill = child.kill(SIGKILL);
    let mut nothing = [0u8; 1];
    let _ = release.receive(&mut nothing);
    let status = crate::harness::wait_exit_status(newcomer, 0);
    if kill != Err(Errno::ESRCH) {
        return Err(fail!("kill after wait gave {kill:?}, not ESRCH"));
    }
    match status {
        Ok(0) => Ok(()),
        Ok(other) => Err(fail!("the process with the reused PID exited with {other}")),
        Err(failure) => Err(failure.with_context("the process with the reused PID", newcomer)),
    }
}
