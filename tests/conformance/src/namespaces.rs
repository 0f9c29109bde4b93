//! The CLONE_NEW* flags: each namespace shows its isolation in one observable fact.
//! Every namespace has its own `/proc/self/ns/<name>` link, so a child in a new one
//! reads a link different from its parent's; UTS, PID, mount and user namespaces are
//! also checked by what they change (hostname, PID 1, a mount, the user ID).

use core::ffi::{CStr, c_int, c_void};

use freeclone::flags::*;
use freeclone::signal::SIGCHLD;
use freeclone::sys;

use crate::harness::{Pipe, Verdict, fail, spawn};

/// A child's report: up to 128 bytes.
struct Report {
    pipe: Pipe,
    /// For the namespace-link child: the link to read.
    path: &'static CStr,
}

extern "C" fn report_namespace_link(arg: *mut c_void) -> c_int {
    let report = unsafe { &*(arg as *const Report) };
    let mut link = [0u8; 128];
    match sys::readlinkat(freeclone::fd::CWD, report.path, &mut link) {
        Ok(length) => i32::from(!report.pipe.send(&link[..length])),
        Err(errno) => errno.raw(),
    }
}

/// Runs a child with `flags` that reports `/proc/self/ns/<name>`, and compares it with
/// the caller's.
fn namespace_link_differs(flags: CloneFlags, path: &'static CStr) -> Verdict {
    let mut own = [0u8; 128];
    let own_length = sys::readlinkat(freeclone::fd::CWD, path, &mut own)
        .map_err(|errno| fail!("readlink {path:?}: {errno} (is /proc mounted?)"))?;
    let mut report = Report { pipe: Pipe::new()?, path };
    let child = spawn(report_namespace_link, flags | SIGCHLD, (&raw mut report).cast())?;
    let mut bytes = [0u8; 128];
    let received = report.pipe.receive(&mut bytes).len();
    let status = child.wait(0)?;
    if status != 0 || received == 0 {
        return Err(fail!("the child could not read {path:?}: status {status}"));
    }
    if bytes[..received] == own[..own_length] {
        return Err(fail!(
            "the child's {path:?} is the caller's: {:?}",
            core::str::from_utf8(&own[..own_length])
        ));
    }
    Ok(())
}

const CHILD_HOSTNAME: &[u8] = b"freeclone-child";

extern "C" fn set_and_report_hostname(arg: *mut c_void) -> c_int {
    let pipe = unsafe { &*(arg as *const Pipe) };
    if let Err(errno) = sys::sethostname(CHILD_HOSTNAME) {
        return errno.raw();
    }
    match sys::uname() {
        Ok(name) => i32::from(!pipe.send(name.nodename().to_bytes_with_nul())),
        Err(errno) => errno.raw(),
    }
}

fn nodename_of(bytes: &[u8]) -> &[u8] {
    bytes.split(|&byte| byte == 0).next().unwrap_or_default()
}

/// The manual's example program: a child in a new UTS namespace sets its hostname;
/// uname differs between child and parent.
pub fn newuts_child_hostname_is_its_own() -> Verdict {
    let mut pipe = Pipe::new()?;
    let child = spawn(set_and_report_hostname, CLONE_NEWUTS | SIGCHLD, (&raw mut pipe).cast())?;
    let mut bytes = [0u8; 65];
    let received = pipe.receive(&mut bytes).len();
    let status = child.wait(0)?;
    if status != 0 || received == 0 {
        return Err(fail!("the child could not set and read its hostname: status {status}"));
    }
    let parent = sys::uname().map_err(|errno| fail!("uname: {errno}"))?;
    let parent_nodename = parent.nodename().to_bytes_with_nul();
    if nodename_of(&bytes) != CHILD_HOSTNAME {
        return Err(fail!("uname in the child gives {:?}", core::str::from_utf8(nodename_of(&bytes))));
    }
    if nodename_of(parent_nodename) == CHILD_HOSTNAME {
        return Err(fail!("the child's sethostname changed the parent's hostname"));
    }
    Ok(())
}

extern "C" fn check_pid_one(_: *mut c_void) -> c_int {
    match (sys::getpid(), sys::getppid()) {
        (1, 0) => 0,
        (1, _) => 2,
        _ => 1,
    }
}

pub fn newpid_child_is_pid_one_of_its_namespace() -> Verdict {
    let child = spawn(check_pid_one, CLONE_NEWPID | SIGCHLD, core::ptr::null_mut())?;
    match child.wait(0)? {
        0 => Ok(()),
        2 => Err(fail!("the child is PID 1 but its parent is visible in its namespace")),
        _ => Err(fail!("the child's getpid is not 1 in its new PID namespace")),
    }
}

/// A directory for the mount-namespace case: under /tmp where it exists (natively),
/// at the root otherwise (an initramfs).
fn scratch_directory() -> &'static CStr {
    match sys::openat(freeclone::fd::CWD, c"/tmp", sys::O_RDONLY | sys::O_DIRECTORY, 0) {
        Ok(_) => {
            c"/tmp/freeclone-newns"
        }
        Err(_) => c"/freeclone-newns",
    }
}

fn file_inside(directory: &CStr) -> ([u8; 64], usize) {
    let mut path = [0u8; 64];
    let base = directory.to_bytes();
    path[..base.len()].copy_from_slice(base);
    path[base.len()..base.len() + 7].copy_from_slice(b"/inside");
    (path, base.len() + 7)
}

extern "C" fn mount_and_create(arg: *mut c_void) -> c_int {
    let directory = unsafe { CStr::from_ptr(arg as *const core::ffi::c_char) };
    // Copied mounts stay in their peer groups: make ours private first, or the tmpfs
    // would propagate back to the parent's namespace.
    if let Err(errno) = sys::mount(None, c"/", None, sys::MS_REC | sys::MS_PRIVATE, None) {
        return 100 + errno.raw();
    }
    if let Err(errno) = sys::mount(Some(c"tmpfs"), directory, Some(c"tmpfs"), 0, None) {
        return 150 + errno.raw().min(50);
    }
    let (path, length) = file_inside(directory);
    let Ok(path) = CStr::from_bytes_until_nul(&path[..=length]) else { return 99 };
    match sys::openat(freeclone::fd::CWD, path, sys::O_CREAT | sys::O_WRONLY | sys::O_CLOEXEC, 0o600) {
        Ok(_) => 0,
        Err(errno) => errno.raw(),
    }
}

pub fn newns_mounts_stay_in_the_child() -> Verdict {
    let directory = scratch_directory();
    match sys::mkdirat(freeclone::fd::CWD, directory, 0o700) {
        Ok(()) | Err(freeclone::Errno::EEXIST) => {}
        Err(errno) => return Err(fail!("mkdir {directory:?}: {errno}")),
    }
    let result = (|| {
        let child = spawn(mount_and_create, CLONE_NEWNS | SIGCHLD, directory.as_ptr().cast_mut().cast())?;
        let status = child.wait(0)?;
        if status != 0 {
            return Err(fail!("the child could not mount a tmpfs and create a file in it: status {status}"));
        }
        let (path, length) = file_inside(directory);
        let path = CStr::from_bytes_until_nul(&path[..=length]).map_err(|_| fail!("path"))?;
        match sys::openat(freeclone::fd::CWD, path, sys::O_RDONLY | sys::O_CLOEXEC, 0) {
            Err(freeclone::Errno::ENOENT) => Ok(()),
            Ok(_) => {
                let _ = sys::unlinkat(freeclone::fd::CWD, path, 0);
                Err(fail!("the file the child created on its private mount is visible to the parent"))
            }
            Err(errno) => Err(fail!("open {path:?}: {errno}")),
        }
    })();
    let _ = sys::unlinkat(freeclone::fd::CWD, directory, sys::AT_REMOVEDIR);
    result.and_then(|()| namespace_link_differs(CLONE_NEWNS, c"/proc/self/ns/mnt"))
}

pub fn newipc_child_has_its_own_ipc_namespace() -> Verdict {
    namespace_link_differs(CLONE_NEWIPC, c"/proc/self/ns/ipc")
}

pub fn newnet_child_has_its_own_network_namespace() -> Verdict {
    namespace_link_differs(CLONE_NEWNET, c"/proc/self/ns/net")
}

pub fn newcgroup_child_has_its_own_cgroup_namespace() -> Verdict {
    namespace_link_differs(CLONE_NEWCGROUP, c"/proc/self/ns/cgroup")
}

/// CLONE_STOPPED's bit is CLONE_NEWCGROUP since Linux 4.6: the child is not stopped,
/// it gets a new cgroup namespace.
pub fn stopped_bit_creates_a_cgroup_namespace_today() -> Verdict {
    namespace_link_differs(CLONE_STOPPED, c"/proc/self/ns/cgroup")
}

extern "C" fn report_uid(_: *mut c_void) -> c_int {
    // An unmapped user reads as the overflow ID, 65534.
    if sys::getuid() == 65534 { 0 } else { 1 }
}

pub fn newuser_child_is_an_unmapped_user_in_its_own_namespace() -> Verdict {
    let child = spawn(report_uid, CLONE_NEWUSER | SIGCHLD, core::ptr::null_mut())?;
    if child.wait(0)? != 0 {
        return Err(fail!("the child's getuid in a new user namespace is not the overflow ID 65534"));
    }
    namespace_link_differs(CLONE_NEWUSER, c"/proc/self/ns/user")
}
