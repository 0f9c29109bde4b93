//! The conformance program's harness: case runner, failure messages without
//! allocation, child stacks and waiting.

use core::ffi::c_int;
use core::fmt::{self, Write};

use freeclone::{Errno, pid_t, println, sys};

/// A case's outcome: `Ok` passed; `Err` failed or was skipped, with a reason.
pub type Verdict = Result<(), Failure>;

/// Why a case did not pass.
pub enum Failure {
    /// The statement does not hold.
    Fail(Text),
    /// The statement cannot be checked here; the text names the proof.
    Skip(Text),
}

impl Failure {
    /// The same failure with `name = value` appended.
    pub fn with_context(self, name: &str, value: impl fmt::Display) -> Failure {
        match self {
            Failure::Fail(mut text) => {
                let _ = write!(text, " ({name} = {value})");
                Failure::Fail(text)
            }
            skip => skip,
        }
    }
}

/// A fixed-capacity message; text past the capacity is cut.
pub struct Text {
    bytes: [u8; 240],
    len: usize,
}

impl Text {
    pub fn new() -> Self {
        Text { bytes: [0; 240], len: 0 }
    }

    pub fn push(&mut self, text: &str) {
        let _ = self.write_str(text);
    }

    fn as_str(&self) -> &str {
        // Cuts happen on a char boundary (see write_str), so this cannot fail.
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("<message not UTF-8>")
    }
}

impl Write for Text {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let room = self.bytes.len() - self.len;
        let mut take = text.len().min(room);
        while !text.is_char_boundary(take) {
            take -= 1;
        }
        self.bytes[self.len..self.len + take].copy_from_slice(&text.as_bytes()[..take]);
        self.len += take;
        Ok(())
    }
}

/// `fail!("format", args)`: a failed verdict's reason.
macro_rules! fail {
    ($($arg:tt)*) => {{
        let mut text = $crate::harness::Text::new();
        let _ = core::fmt::Write::write_fmt(&mut text, format_args!($($arg)*));
        $crate::harness::Failure::Fail(text)
    }};
}
pub(crate) use fail;

/// `skip!("format", args)`: a skipped verdict's reason, which must name the proof.
macro_rules! skip {
    ($($arg:tt)*) => {{
        let mut text = $crate::harness::Text::new();
        let _ = core::fmt::Write::write_fmt(&mut text, format_args!($($arg)*));
        $crate::harness::Failure::Skip(text)
    }};
}
pub(crate) use skip;

/// Runs every case in order (only those whose names contain one of `filters`, if any
/// are given), prints one line each and the closing count, and returns the exit
/// status: 1 if any case failed.
pub fn run(args: &freeclone::rt::Args, cases: &[(&str, fn() -> Verdict)]) -> i32 {
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    let selected = |name: &str| {
        args.len() < 2 || args.iter().skip(1).any(|filter| filter.to_str().is_ok_and(|filter| name.contains(filter)))
    };
    for &(name, case) in cases.iter().filter(|(name, _)| selected(name)) {
        let verdict = case().and_then(|()| no_child_left_behind());
        match verdict {
            Ok(()) => {
                passed += 1;
                println!("ok {name}");
            }
            Err(Failure::Fail(why)) => {
                failed += 1;
                println!("FAIL {name}: {}", why.as_str());
            }
            Err(Failure::Skip(why)) => {
                skipped += 1;
                println!("skip {name}: {}", why.as_str());
            }
        }
        reap_children();
    }
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    if failed == 0 { 0 } else { 1 }
}

/// A case must wait for every child it creates.
fn no_child_left_behind() -> Verdict {
    match sys::wait4(-1, sys::WNOHANG | sys::WALL) {
        Err(Errno::ECHILD) => Ok(()),
        other => Err(fail!("the case left a child behind (wait4: {other:?})")),
    }
}

/// Kills and reaps whatever a failed case left, so the next case starts clean.
fn reap_children() {
    while let Ok((pid, _)) = sys::wait4(-1, sys::WNOHANG | sys::WALL) {
        if pid == 0 {
            // Alive: a case that failed mid-way. Reap it for good.
            let _ = sys::wait4(-1, sys::WALL);
        }
    }
}

/// Waits for child `tid` (with `options` such as `WALL`) and returns its exit status;
/// a child killed by a signal is a failure.
pub fn wait_exit_status(tid: pid_t, options: c_int) -> Result<c_int, Failure> {
    loop {
        match sys::wait4(tid, options) {
            Ok((pid, status)) if pid == tid => {
                return match (sys::exit_status(status), sys::termination_signal(status)) {
                    (Some(code), _) => Ok(code),
                    (None, Some(signal)) => Err(fail!("child {tid} was killed by signal {signal}")),
                    (None, None) => Err(fail!("child {tid}: unexpected wait status {status:#x}")),
                };
            }
            Err(Errno::EINTR) => continue,
            other => return Err(fail!("wait4({tid}) gave {other:?}")),
        }
    }
}

/// An anonymous private mapping used as a child stack, unmapped on drop.
pub struct MappedStack {
    base: *mut u8,
    size: usize,
}

impl MappedStack {
    pub fn new(size: usize) -> Result<Self, Failure> {
        let protection = sys::PROT_READ | sys::PROT_WRITE;
        let flags = sys::MAP_PRIVATE | sys::MAP_ANONYMOUS | sys::MAP_STACK;
        let base = unsafe { sys::mmap(core::ptr::null_mut(), size, protection, flags, -1, 0) }
            .map_err(|errno| fail!("mmap of a {size}-byte stack: {errno}"))?;
        Ok(MappedStack { base, size })
    }

    /// The lowest address.
    pub fn base(&self) -> *mut u8 {
        self.base
    }

    /// One past the highest address: the stack top.
    pub fn top(&self) -> *mut u8 {
        self.base.wrapping_add(self.size)
    }
}

impl Drop for MappedStack {
    fn drop(&mut self) {
        let _ = unsafe { sys::munmap(self.base, self.size) };
    }
}

/// Joins thread `tid` as a threads library would: sleeps on the futex at `ctid` until
/// `CLONE_CHILD_CLEARTID` has cleared it, then waits until the thread is gone.
pub fn join_thread(ctid: &core::sync::atomic::AtomicI32, tid: pid_t) -> Verdict {
    loop {
        let current = ctid.load(core::sync::atomic::Ordering::SeqCst);
        if current == 0 {
            break;
        }
        match sys::futex_wait(ctid, current) {
            Ok(()) | Err(Errno::EAGAIN) | Err(Errno::EINTR) => {}
            Err(errno) => return Err(fail!("futex wait on ctid: {errno}")),
        }
    }
    wait_until_thread_gone(tid)
}

/// After `CLONE_CHILD_CLEARTID` has cleared the TID word, waits until thread `tid` is
/// gone altogether (`tgkill(pid, tid, 0)` gives `ESRCH`). The kernel may still be
/// tearing the thread down after the wake; qemu-user certainly is, and a fork in that
/// window deadlocked qemu 10.0 in this harness's runs.
pub fn wait_until_thread_gone(tid: pid_t) -> Verdict {
    for _ in 0..100_000 {
        match sys::tgkill(sys::getpid(), tid, 0) {
            Err(Errno::ESRCH) => return Ok(()),
            Ok(()) => sys::sched_yield(),
            Err(errno) => return Err(fail!("tgkill({tid}, 0): {errno}")),
        }
    }
    Err(fail!("thread {tid} still exists long after clearing its TID word"))
}
