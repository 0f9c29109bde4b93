//! The calls an init program makes besides clone: `unshare`, `setns`, `chroot`,
//! `pivot_root`, `mount`/`umount2`, `mprotect` and `execve`, each shown by one fact it
//! changes.
//!
//! Every case that changes a namespace, the root or the mount tree does it in a child
//! (a plain fork, which qemu-user runs too), so the runner's process keeps its own. A
//! child that has unshared a namespace proves that it left the caller's (its
//! `/proc/self/ns` link differs) before it changes anything there: natively these
//! cases run on the host, as root.

use core::ffi::{CStr, c_char, c_int, c_void};
use core::fmt;
use core::sync::atomic::{AtomicPtr, Ordering};

use freeclone::flags::{CLONE_NEWNS, CLONE_NEWUTS, CloneFlags};
use freeclone::signal::{SIGCHLD, SIGSEGV};
use freeclone::sys::{self, CStrArray, CStrArrayBuf};
use freeclone::{Errno, sys::Utsname};

use crate::harness::{Failure, Pipe, Text, Verdict, fail, skip, spawn};
use crate::harness::{close_fd, fd};
use freeclone::fd::{BorrowedFd, OwnedFd};

// ---------------------------------------------------------------------------------
// Helpers

/// Closes a descriptor this file opened and nothing else uses.
fn close(fd: c_int) {
    let _ = close_fd(fd);
}

/// A short byte string built at run time (a path, a namespace link, a host name),
/// always followed by a NUL, in a fixed buffer.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Bytes {
    bytes: [u8; 128],
    len: usize,
}

impl Bytes {
    fn new() -> Self {
        Bytes { bytes: [0; 128], len: 0 }
    }

    fn of(parts: &[&[u8]]) -> Self {
        let mut bytes = Bytes::new();
        for part in parts {
            bytes.push(part);
        }
        bytes
    }

    /// Appends `part`, cut to the capacity (one byte stays for the NUL).
    fn push(&mut self, part: &[u8]) -> &mut Self {
        let take = part.len().min(self.bytes.len() - 1 - self.len);
        self.bytes[self.len..self.len + take].copy_from_slice(&part[..take]);
        self.len += take;
        self
    }

    fn push_number(&mut self, mut number: u32) -> &mut Self {
        let mut digits = [0u8; 10];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (number % 10) as u8;
            number /= 10;
            if number == 0 {
                break;
            }
        }
        self.push(&digits[start..])
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn as_c_str(&self) -> &CStr {
        // The byte after the last is always NUL; interior NULs cut the string short.
        CStr::from_bytes_until_nul(&self.bytes[..=self.len]).unwrap_or(c"")
    }

    /// The target of the symbolic link at `path`.
    fn read_link(path: &CStr) -> Result<Bytes, Failure> {
        let mut link = Bytes::new();
        let length = sys::readlinkat(freeclone::fd::CWD, path, &mut link.bytes[..127])
            .map_err(|errno| fail!("readlink {path:?}: {errno} (is /proc mounted?)"))?;
        link.len = length;
        Ok(link)
    }
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(core::str::from_utf8(self.as_bytes()).unwrap_or("<not UTF-8>"))
    }
}

/// The caller's host name (`uname`'s nodename).
fn hostname() -> Result<Bytes, Failure> {
    let name: Utsname = sys::uname().map_err(|errno| fail!("uname: {errno}"))?;
    Ok(Bytes::of(&[name.nodename().to_bytes()]))
}

/// Whether `path` (relative to `dirfd`) can be opened: `Ok(false)` for `ENOENT`.
fn exists_at(dirfd: BorrowedFd<'_>, path: &CStr) -> Result<bool, Failure> {
    match sys::openat(dirfd, path, sys::O_RDONLY | sys::O_CLOEXEC, 0) {
        Ok(_) => Ok(true),
        Err(Errno::ENOENT) => Ok(false),
        Err(errno) => Err(fail!("open {path:?}: {errno}")),
    }
}

fn exists(path: &CStr) -> Result<bool, Failure> {
    exists_at(freeclone::fd::CWD, path)
}

/// Creates the empty file `path`.
fn create(path: &CStr) -> Verdict {
    let flags = sys::O_CREAT | sys::O_WRONLY | sys::O_CLOEXEC;
    sys::openat(freeclone::fd::CWD, path, flags, 0o600).map_err(|errno| fail!("create {path:?}: {errno}"))?;
    Ok(())
}

fn make_directory(path: &CStr) -> Verdict {
    match sys::mkdirat(freeclone::fd::CWD, path, 0o700) {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(errno) => Err(fail!("mkdir {path:?}: {errno}")),
    }
}

/// A scratch directory's path: under /tmp where it exists (natively), at the root
/// otherwise (an initramfs).
fn scratch(name: &[u8]) -> Bytes {
    let under_tmp = match sys::openat(freeclone::fd::CWD, c"/tmp", sys::O_RDONLY | sys::O_DIRECTORY | sys::O_CLOEXEC, 0) {
        Ok(_) => true,
        Err(_) => false,
    };
    Bytes::of(&[if under_tmp { b"/tmp/" } else { b"/" }, name])
}

/// A failed privileged call: a proven skip if the program lacks the privilege (it does
/// not run as root), a failure otherwise.
fn refused(errno: Errno, what: &str) -> Failure {
    let uid = sys::getuid();
    if errno == Errno::EPERM && uid != 0 {
        skip!("{what}: EPERM, and the program runs as uid {uid}, not root; runs as root on the native and kernel tiers")
    } else {
        fail!("{what}: {errno}")
    }
}

struct InChild<F> {
    report: Pipe,
    body: F,
}

extern "C" fn run_body<F: FnMut() -> Verdict>(arg: *mut c_void) -> c_int {
    let child = unsafe { &mut *(arg as *mut InChild<F>) };
    let (status, text) = match (child.body)() {
        Ok(()) => return 0,
        Err(Failure::Fail(text)) => (1, text),
        Err(Failure::Skip(text)) => (2, text),
    };
    let _ = child.report.send(text.as_str().as_bytes());
    status
}

fn text_of(message: &[u8]) -> Text {
    let mut text = Text::new();
    text.push(core::str::from_utf8(message).unwrap_or("<message not UTF-8>"));
    text
}

/// Runs `body` in a fork-like child (its own copy of memory, descriptors, root and
/// namespaces) and returns its verdict, which comes back through a pipe.
fn in_child<F: FnMut() -> Verdict>(body: F) -> Verdict {
    let mut child = InChild { report: Pipe::new()?, body };
    let process = spawn(run_body::<F>, CloneFlags::exit_signal(SIGCHLD), (&raw mut child).cast())?;
    let mut bytes = [0u8; 240];
    let text = text_of(child.report.receive(&mut bytes));
    match process.wait(0)? {
        0 => Ok(()),
        1 => Err(Failure::Fail(text)),
        2 => Err(Failure::Skip(text)),
        status => Err(fail!("the child exited with {status}")),
    }
}

const UTS_LINK: &CStr = c"/proc/self/ns/uts";
const MNT_LINK: &CStr = c"/proc/self/ns/mnt";

/// In a child: `unshare(flag)`, then the proof that the child left the caller's
/// namespace (`link` no longer reads `callers`), before the child changes anything
/// that would be the caller's had it not.
fn unshare_and_prove(flag: CloneFlags, link: &CStr, callers: &Bytes) -> Verdict {
    // SAFETY: no CLONE_FILES; a single-threaded child.
    unsafe { sys::unshare(flag) }.map_err(|errno| refused(errno, "unshare"))?;
    let own = Bytes::read_link(link)?;
    if own == *callers {
        return Err(fail!("unshare({flag:#x}) returned Ok, but {link:?} still reads the caller's {callers}; stopped there"));
    }
    Ok(())
}

/// In a child: a mount namespace of its own (proven) whose mounts propagate nowhere.
fn private_mount_namespace(callers: &Bytes) -> Verdict {
    unshare_and_prove(CLONE_NEWNS, MNT_LINK, callers)?;
    sys::mount(None, c"/", None, sys::MS_REC | sys::MS_PRIVATE, None)
        .map_err(|errno| fail!("making / private in the new mount namespace: {errno}"))
}

fn mount_tmpfs(target: &CStr) -> Verdict {
    sys::mount(Some(c"tmpfs"), target, Some(c"tmpfs"), 0, None).map_err(|errno| fail!("mount tmpfs on {target:?}: {errno}"))
}

// ---------------------------------------------------------------------------------
// unshare, setns

const UNSHARED_HOSTNAME: &[u8] = b"freeclone-unshared";

pub fn unshare_newuts_gives_the_caller_its_own_hostname() -> Verdict {
    let callers = Bytes::read_link(UTS_LINK)?;
    let before = hostname()?;
    in_child(|| {
        unshare_and_prove(CLONE_NEWUTS, UTS_LINK, &callers)?;
        sys::sethostname(UNSHARED_HOSTNAME).map_err(|errno| fail!("sethostname after unshare: {errno}"))?;
        let own = hostname()?;
        if own.as_bytes() != UNSHARED_HOSTNAME {
            return Err(fail!("after sethostname the child's hostname is {own}"));
        }
        Ok(())
    })?;
    let after = hostname()?;
    if after != before {
        return Err(fail!("the caller's hostname changed from {before} to {after}"));
    }
    Ok(())
}

const HOLDER_HOSTNAME: &[u8] = b"freeclone-setns";

/// The holder of a new UTS namespace: `report` gets `R` once its hostname is set
/// (`F` or `S` and a message if that failed); it stays alive until `release` closes.
struct Holder {
    report: Pipe,
    release: Pipe,
    callers: Bytes,
}

extern "C" fn hold_a_new_uts_namespace(arg: *mut c_void) -> c_int {
    let holder = unsafe { &*(arg as *const Holder) };
    // Only the parent's copy of the write end may keep `release` open.
    close(holder.release.write);
    let verdict = unshare_and_prove(CLONE_NEWUTS, UTS_LINK, &holder.callers)
        .and_then(|()| sys::sethostname(HOLDER_HOSTNAME).map_err(|errno| fail!("sethostname in the holder: {errno}")));
    let (tag, text): (&[u8], Text) = match verdict {
        Ok(()) => (b"R", Text::new()),
        Err(Failure::Fail(text)) => (b"F", text),
        Err(Failure::Skip(text)) => (b"S", text),
    };
    let mut message = [0u8; 241];
    message[0] = tag[0];
    let length = text.as_str().len();
    message[1..=length].copy_from_slice(text.as_str().as_bytes());
    if !holder.report.send(&message[..=length]) || tag != b"R" {
        return 1;
    }
    let mut byte = [0u8; 1];
    let _ = sys::read(fd(holder.release.read), &mut byte); // EOF when the parent closes
    0
}

pub fn setns_joins_the_namespace_of_an_fd() -> Verdict {
    let callers = Bytes::read_link(UTS_LINK)?;
    let before = hostname()?;
    let mut holder = Holder { report: Pipe::new()?, release: Pipe::new()?, callers };
    let child = spawn(hold_a_new_uts_namespace, CloneFlags::exit_signal(SIGCHLD), (&raw mut holder).cast())?;
    let result = (|| {
        close(holder.report.write);
        holder.report.write = -1;
        let mut message = [0u8; 241];
        let length = sys::read(fd(holder.report.read), &mut message).map_err(|errno| fail!("reading the holder's report: {errno}"))?;
        match message[..length] {
            [b'R'] => {}
            [b'S', ref text @ ..] => return Err(Failure::Skip(text_of(text))),
            [b'F', ref text @ ..] => return Err(Failure::Fail(text_of(text))),
            _ => return Err(fail!("the holder of the new UTS namespace ended without a report")),
        }
        let path = *Bytes::of(&[b"/proc/"]).push_number(child.tid as u32).push(b"/ns/uts");
        in_child(|| {
            let file = sys::openat(freeclone::fd::CWD, path.as_c_str(), sys::O_RDONLY | sys::O_CLOEXEC, 0).map(OwnedFd::into_raw_fd)
                .map_err(|errno| fail!("open {path}: {errno}"))?;
            sys::setns(fd(file), CLONE_NEWUTS).map_err(|errno| refused(errno, "setns(the holder's uts file, CLONE_NEWUTS)"))?;
            let name = hostname()?;
            if name.as_bytes() != HOLDER_HOSTNAME {
                return Err(fail!("after setns the hostname is {name}, the holder's is freeclone-setns"));
            }
            Ok(())
        })
    })();
    close(holder.release.write);
    holder.release.write = -1;
    let status = child.wait(0);
    result?;
    if status? != 0 {
        return Err(fail!("the holder did not end cleanly"));
    }
    let after = hostname()?;
    if after != before {
        return Err(fail!("the caller's hostname changed from {before} to {after}"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// chroot, pivot_root, umount2

pub fn chroot_changes_what_slash_resolves_to() -> Verdict {
    let directory = scratch(b"freeclone-chroot");
    let marker = Bytes::of(&[directory.as_bytes(), b"/freeclone-chroot-marker"]);
    make_directory(directory.as_c_str())?;
    let result = create(marker.as_c_str()).and_then(|()| {
        in_child(|| {
            sys::chroot(directory.as_c_str()).map_err(|errno| refused(errno, "chroot"))?;
            if !exists(c"/freeclone-chroot-marker")? {
                return Err(fail!("after chroot({directory}) /freeclone-chroot-marker does not resolve"));
            }
            if exists(directory.as_c_str())? {
                return Err(fail!("after chroot({directory}) that path still resolves"));
            }
            Ok(())
        })
    });
    let _ = sys::unlinkat(freeclone::fd::CWD, marker.as_c_str(), 0);
    let _ = sys::unlinkat(freeclone::fd::CWD, directory.as_c_str(), sys::AT_REMOVEDIR);
    result?;
    if exists(c"/freeclone-chroot-marker")? {
        return Err(fail!("the caller's / holds the marker: the child's chroot changed the caller's root"));
    }
    Ok(())
}

/// The pivot itself, in a child in its own mount namespace.
fn pivot_into_a_new_root(directory: &Bytes) -> Verdict {
    // pivot_root refuses a root mount without a parent: the initramfs's rootfs. Make a
    // tmpfs the root of this namespace first, as switch_root does (mount it, move it
    // onto /, chroot into it); the pivot then swaps that tmpfs for a second one.
    mount_tmpfs(directory.as_c_str())?;
    sys::chdir(directory.as_c_str()).map_err(|errno| fail!("chdir {directory}: {errno}"))?;
    sys::mount(Some(directory.as_c_str()), c"/", None, sys::MS_MOVE, None)
        .map_err(|errno| fail!("moving the tmpfs onto /: {errno}"))?;
    sys::chroot(c".").map_err(|errno| fail!("chroot into the tmpfs: {errno}"))?;
    sys::chdir(c"/").map_err(|errno| fail!("chdir /: {errno}"))?;
    create(c"/freeclone-old-root-marker")?;
    make_directory(c"/new")?;
    mount_tmpfs(c"/new")?;
    make_directory(c"/new/put-old")?;
    create(c"/new/freeclone-new-root-marker")?;

    sys::pivot_root(c"/new", c"/new/put-old").map_err(|errno| fail!("pivot_root(/new, /new/put-old): {errno}"))?;
    sys::chdir(c"/").map_err(|errno| fail!("chdir / after pivot_root: {errno}"))?;
    if !exists(c"/freeclone-new-root-marker")? {
        return Err(fail!("after pivot_root / is not the new root: its marker is missing"));
    }
    if exists(c"/freeclone-old-root-marker")? {
        return Err(fail!("after pivot_root / still holds the old root's marker"));
    }
    if !exists(c"/put-old/freeclone-old-root-marker")? {
        return Err(fail!("after pivot_root the old root is not under /put-old: its marker is missing there"));
    }
    Ok(())
}

pub fn pivot_root_moves_the_old_root_under_put_old() -> Verdict {
    let callers = Bytes::read_link(MNT_LINK)?;
    let directory = scratch(b"freeclone-pivot");
    make_directory(directory.as_c_str())?;
    let result = in_child(|| {
        private_mount_namespace(&callers)?;
        pivot_into_a_new_root(&directory)
    });
    let _ = sys::unlinkat(freeclone::fd::CWD, directory.as_c_str(), sys::AT_REMOVEDIR);
    result
}

pub fn umount2_detaches_a_mount() -> Verdict {
    let callers = Bytes::read_link(MNT_LINK)?;
    let directory = scratch(b"freeclone-umount");
    make_directory(directory.as_c_str())?;
    let result = in_child(|| {
        private_mount_namespace(&callers)?;
        mount_tmpfs(directory.as_c_str())?;
        let marker = Bytes::of(&[directory.as_bytes(), b"/marker"]);
        create(marker.as_c_str())?;
        let flags = sys::O_RDONLY | sys::O_DIRECTORY | sys::O_CLOEXEC;
        let file = sys::openat(freeclone::fd::CWD, directory.as_c_str(), flags, 0).map(OwnedFd::into_raw_fd)
            .map_err(|errno| fail!("open {directory}: {errno}"))?;
        // The open directory keeps the mount busy: a plain unmount is refused, a lazy
        // one detaches it at once.
        match sys::umount2(directory.as_c_str(), 0) {
            Err(Errno::EBUSY) => {}
            other => return Err(fail!("umount2 of a mount with an open directory gave {other:?}, expected EBUSY")),
        }
        sys::umount2(directory.as_c_str(), sys::MNT_DETACH).map_err(|errno| fail!("umount2(MNT_DETACH): {errno}"))?;
        if exists(marker.as_c_str())? {
            return Err(fail!("after umount2 {marker} still resolves: the tmpfs is still attached"));
        }
        if !exists_at(fd(file), c"marker")? {
            return Err(fail!("the detached tmpfs lost its file: MNT_DETACH must keep it usable through open descriptors"));
        }
        close(file);
        Ok(())
    });
    let _ = sys::unlinkat(freeclone::fd::CWD, directory.as_c_str(), sys::AT_REMOVEDIR);
    result
}

// ---------------------------------------------------------------------------------
// mprotect

const PAGE_BYTES: usize = 4096;
const PAGE_VALUE: u8 = 0x5a;

/// A child that reads the byte at `arg` and exits with it (or dies trying).
extern "C" fn read_the_byte(arg: *mut c_void) -> c_int {
    // This child may be made to crash: no core file for it.
    let no_core = [0u64; 2];
    let nr = linux_raw_sys::general::__NR_prlimit64 as usize;
    let core = linux_raw_sys::general::RLIMIT_CORE as usize;
    unsafe { sys::syscall4(nr, 0, core, no_core.as_ptr() as usize, 0) };
    c_int::from(unsafe { core::ptr::read_volatile(arg as *const u8) })
}

/// Spawns `read_the_byte` on `page` and returns its wait status.
fn child_reads(page: *mut u8) -> Result<c_int, Failure> {
    let child = spawn(read_the_byte, CloneFlags::exit_signal(SIGCHLD), page.cast())?;
    loop {
        match sys::wait4(child.tid, 0) {
            Ok((_, status)) => return Ok(status),
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err(fail!("wait4: {errno}")),
        }
    }
}

fn touch_protected_page(page: *mut u8) -> Verdict {
    unsafe { page.write_volatile(PAGE_VALUE) };
    let status = child_reads(page)?;
    if sys::exit_status(status) != Some(c_int::from(PAGE_VALUE)) {
        return Err(fail!("before mprotect a child reading the page ended with wait status {status:#x}"));
    }
    // SAFETY: no reference points into the page; nothing reads it until PROT_READ is
    // back, except the child, which is meant to die of it.
    unsafe { sys::mprotect(page, PAGE_BYTES, sys::PROT_NONE) }.map_err(|errno| fail!("mprotect(PROT_NONE): {errno}"))?;
    let status = child_reads(page)?;
    if sys::termination_signal(status) != Some(SIGSEGV) {
        return Err(match sys::exit_status(status) {
            Some(code) => fail!("after mprotect(PROT_NONE) a child read the page and exited with {code}"),
            None => fail!("after mprotect(PROT_NONE) the child ended with wait status {status:#x}, not SIGSEGV"),
        });
    }
    // SAFETY: adds access back.
    unsafe { sys::mprotect(page, PAGE_BYTES, sys::PROT_READ) }.map_err(|errno| fail!("mprotect(PROT_READ): {errno}"))?;
    let value = unsafe { page.read_volatile() };
    if value != PAGE_VALUE {
        return Err(fail!("the page reads {value:#x} after PROT_READ came back, {PAGE_VALUE:#x} was written"));
    }
    Ok(())
}

pub fn mprotect_none_makes_a_child_touching_the_page_die_of_sigsegv() -> Verdict {
    let protection = sys::PROT_READ | sys::PROT_WRITE;
    let flags = sys::MAP_PRIVATE | sys::MAP_ANONYMOUS;
    let page = unsafe { sys::mmap(core::ptr::null_mut(), PAGE_BYTES, protection, flags, -1, 0) }
        .map_err(|errno| fail!("mmap: {errno}"))?;
    let result = touch_protected_page(page);
    let _ = unsafe { sys::munmap(page, PAGE_BYTES) };
    result
}

// ---------------------------------------------------------------------------------
// execve

/// `argv[1]` that makes the program the exec probe instead of the conformance runner.
pub const EXEC_PROBE: &CStr = c"--exec-probe";
const EXEC_PROBE_ARGUMENT: &CStr = c"second argument";
const EXEC_PROBE_ENVIRONMENT: &CStr = c"FREECLONE_EXEC_PROBE=1";
/// The probe's exit status when it got exactly the argument list and environment the
/// case passed.
const EXEC_PROBE_STATUS: c_int = 73;
const EXEC_PROBE_WRONG_ARGUMENTS: c_int = 74;
const EXEC_PROBE_WRONG_ENVIRONMENT: c_int = 75;
/// A child's exit status for a failed execve: this plus the errno.
const EXEC_FAILED: c_int = 100;

/// Whether the program was started by `execve_replaces_the_program_image`: either
/// marker in the arguments or the environment (a broken execve may pass the wrong
/// array as either; the program must then report it, not run the cases again).
pub fn is_exec_probe(args: &freeclone::rt::Args) -> bool {
    args.iter().chain(args.environment()).any(|string| string == EXEC_PROBE || string == EXEC_PROBE_ENVIRONMENT)
}

/// The program as the exec probe: checks what execve gave it and exits at once.
pub fn exec_probe(args: &freeclone::rt::Args) -> i32 {
    if args.len() != 3 || args.get(2) != Some(EXEC_PROBE_ARGUMENT) {
        return EXEC_PROBE_WRONG_ARGUMENTS;
    }
    let mut environment = args.environment();
    if environment.next() != Some(EXEC_PROBE_ENVIRONMENT) || environment.next().is_some() {
        return EXEC_PROBE_WRONG_ENVIRONMENT;
    }
    EXEC_PROBE_STATUS
}

/// The program's own path (`argv[0]`: an absolute path on the user and native tiers,
/// `/init` on the kernel tier), for execve.
static PROGRAM: AtomicPtr<c_char> = AtomicPtr::new(core::ptr::null_mut());

pub fn remember_program(args: &freeclone::rt::Args) {
    if let Some(program) = args.get(0) {
        PROGRAM.store(program.as_ptr().cast_mut(), Ordering::Relaxed);
    }
}

pub fn program() -> Option<&'static CStr> {
    let program = PROGRAM.load(Ordering::Relaxed);
    // SAFETY: stored from a 'static `CStr` of the kernel's argv.
    (!program.is_null()).then(|| unsafe { CStr::from_ptr(program) })
}

extern "C" fn exec_the_program_itself(arg: *mut c_void) -> c_int {
    let program = unsafe { *(arg as *const &'static CStr) };
    let argv = CStrArrayBuf::new([program, EXEC_PROBE, EXEC_PROBE_ARGUMENT]);
    let envp = CStrArrayBuf::new([EXEC_PROBE_ENVIRONMENT]);
    let errno = sys::execve(program, &argv, &envp);
    EXEC_FAILED + errno.raw().clamp(0, 155)
}

pub fn execve_replaces_the_program_image() -> Verdict {
    let mut program = program().ok_or_else(|| fail!("the program has no argv[0] to exec"))?;
    let child = spawn(exec_the_program_itself, CloneFlags::exit_signal(SIGCHLD), (&raw mut program).cast())?;
    match child.wait(0)? {
        EXEC_PROBE_STATUS => Ok(()),
        EXEC_PROBE_WRONG_ARGUMENTS => Err(fail!("the new program did not get the argument list execve passed")),
        EXEC_PROBE_WRONG_ENVIRONMENT => Err(fail!("the new program did not get the environment execve passed")),
        status if status >= EXEC_FAILED && Errno::from_raw(status - EXEC_FAILED) == Errno::ENOEXEC => Err(skip!(
            "execve of this very program gave ENOEXEC, so the kernel that answered cannot run the \
             program's format: qemu-user passes execve to the host's kernel, with no binfmt_misc \
             handler for it; runs on the kernel tier"
        )),
        status if status >= EXEC_FAILED => {
            Err(fail!("execve {program:?}: {}", Errno::from_raw(status - EXEC_FAILED)))
        }
        status => Err(fail!("the child exited with {status}; the program it execs exits with {EXEC_PROBE_STATUS}")),
    }
}

pub fn execve_of_a_missing_path_is_enoent() -> Verdict {
    in_child(|| {
        let path = c"/freeclone-missing/program";
        let errno = sys::execve(path, &CStrArrayBuf::new([path]), CStrArray::EMPTY);
        if errno != Errno::ENOENT {
            return Err(fail!("execve of the missing {path:?} gave {errno}, expected ENOENT"));
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------
// Calls whose legacy forms are narrower on some architectures: 16-bit IDs (i386's and
// arm's setuid), mmap2's offset in 4096-byte units (i386, arm, mips, powerpc)

/// An ID that 16 bits cannot hold.
const HIGH_ID: u32 = 100_000;

/// Whether `/proc/self/status` has the line `line`.
fn status_has(line: &[u8]) -> Result<bool, Failure> {
    let file = sys::openat(freeclone::fd::CWD, c"/proc/self/status", sys::O_RDONLY | sys::O_CLOEXEC, 0).map(OwnedFd::into_raw_fd)
        .map_err(|errno| fail!("open /proc/self/status: {errno} (is /proc mounted?)"))?;
    let mut status = [0u8; 4096];
    let mut filled = 0;
    while filled < status.len() {
        match sys::read(fd(file), &mut status[filled..]) {
            Ok(0) | Err(_) => break,
            Ok(count) => filled += count,
        }
    }
    close(file);
    Ok(status[..filled].split(|&byte| byte == b'\n').any(|candidate| candidate == line))
}

pub fn setgid_and_setuid_keep_ids_above_65535_whole() -> Verdict {
    in_child(|| {
        for (what, result) in [("setgid(u32::MAX)", sys::setgid(u32::MAX)), ("setuid(u32::MAX)", sys::setuid(u32::MAX))] {
            if result != Err(Errno::EINVAL) {
                return Err(fail!("{what} gave {result:?}, not EINVAL (-1 is no ID)"));
            }
        }
        sys::setgid(HIGH_ID).map_err(|errno| refused(errno, "setgid(100000)"))?;
        sys::setuid(HIGH_ID).map_err(|errno| refused(errno, "setuid(100000)"))?;
        let (uid, gid) = (sys::getuid(), sys::getgid());
        if (uid, gid) != (HIGH_ID, HIGH_ID) {
            return Err(fail!("after setgid and setuid(100000), getuid() = {uid}, getgid() = {gid}"));
        }
        if !status_has(b"Uid:\t100000\t100000\t100000\t100000")? || !status_has(b"Gid:\t100000\t100000\t100000\t100000")? {
            return Err(fail!("/proc/self/status does not show uid and gid 100000 in all four places"));
        }
        Ok(())
    })
}

pub fn mmap_of_a_file_at_a_nonzero_offset_maps_the_bytes_at_that_offset() -> Verdict {
    const AT_PAGESZ: usize = 6;
    let page = crate::runtime()?.auxiliary_value(AT_PAGESZ).ok_or_else(|| fail!("no AT_PAGESZ"))?;
    in_child(|| {
        let path = scratch(b"freeclone-mmap-offset");
        let flags = sys::O_CREAT | sys::O_RDWR | sys::O_TRUNC | sys::O_CLOEXEC;
        let file = sys::openat(freeclone::fd::CWD, path.as_c_str(), flags, 0o600).map(OwnedFd::into_raw_fd).map_err(|errno| fail!("create {path}: {errno}"))?;
        let _ = sys::unlinkat(freeclone::fd::CWD, path.as_c_str(), 0);
        // Three pages, page k filled with the byte k + 1.
        for k in 0..3u8 {
            let chunk = [k + 1; 4096];
            for _ in 0..page / chunk.len() {
                if sys::write(fd(file), &chunk) != Ok(chunk.len()) {
                    return Err(fail!("writing {path}"));
                }
            }
        }
        for k in 1..3u8 {
            let offset = usize::from(k) * page;
            // SAFETY: a new mapping where the kernel chooses.
            let mapped = unsafe { sys::mmap(core::ptr::null_mut(), page, sys::PROT_READ, sys::MAP_PRIVATE, file, offset) }
                .map_err(|errno| fail!("mmap at offset {offset}: {errno}"))?;
            // SAFETY: the page just mapped, inside the file (a wrong offset past its end
            // faults with SIGBUS, which the wait reports).
            let (first, last) = unsafe { (mapped.read_volatile(), mapped.add(page - 1).read_volatile()) };
            // SAFETY: unmaps only what was mapped above.
            let _ = unsafe { sys::munmap(mapped, page) };
            if (first, last) != (k + 1, k + 1) {
                return Err(fail!("the page mapped at offset {offset} holds {first} .. {last}, not the file's {}", k + 1));
            }
        }
        close(file);
        Ok(())
    })
}
