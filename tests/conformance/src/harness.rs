//! The conformance program's harness: case runner, failure messages without
//! allocation, child stacks and waiting.

use core::ffi::c_int;
use core::fmt::{self, Write};

use freeclone::fd::{BorrowedFd, OwnedFd};
use freeclone::{Errno, pid_t, println, sys};
use freeclone::flags::CloneFlags;

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

    pub fn as_str(&self) -> &str {
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

/// A case: the statement it checks, as its name, and the check.
pub type Case = (&'static str, fn() -> Verdict);

/// The cases whose check functions the paths name, each named after its function (the
/// path's last segment): `cases![child_runs_fn, clone3::clone3_size_below_ver0_is_einval]`.
/// A `&'static [Case]`, in a const context or not.
macro_rules! cases {
    ($($case:path),* $(,)?) => {{
        const CASES: &[$crate::harness::Case] = &[$(($crate::harness::case_name(stringify!($case)), $case)),*];
        CASES
    }};
}
pub(crate) use cases;

/// A case's name: the last segment of its function's path, as `stringify!` spells it.
pub const fn case_name(path: &'static str) -> &'static str {
    let bytes = path.as_bytes();
    let mut start = bytes.len();
    while start > 0 && bytes[start - 1] != b':' && bytes[start - 1] != b' ' {
        start -= 1;
    }
    match core::str::from_utf8(bytes.split_at(start).1) {
        Ok(name) => name,
        Err(_) => panic!("a path is UTF-8 at its segments' bounds"),
    }
}

/// Runs every case in order (only those whose names contain one of the arguments from
/// `first_filter` on, if there are any), prints one line each and the closing count,
/// and returns the exit status: 1 if any case failed.
pub fn run<'a>(args: &freeclone::rt::Args, first_filter: usize, cases: impl Iterator<Item = &'a Case>) -> i32 {
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    let mut baseline = Tasks::EMPTY;
    let have_tasks = baseline.read();
    let selected = |name: &str| {
        args.len() <= first_filter
            || args.iter().skip(first_filter).any(|filter| filter.to_str().is_ok_and(|filter| name.contains(filter)))
    };
    for &(name, case) in cases.filter(|(name, _)| selected(name)) {
        time_limit::start(name);
        let verdict = case().and_then(|()| no_child_left_behind());
        if have_tasks {
            // Inside the time limit: a thread of the case's that never ends is its hang.
            every_thread_of_the_case_has_ended(&baseline);
        }
        time_limit::stop();
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

/// The threads (tasks) of this process, as /proc/self/task lists them: the program's
/// own, and under qemu-user the emulator's threads too.
struct Tasks {
    tids: [pid_t; 64],
    count: usize,
}

impl Tasks {
    const EMPTY: Tasks = Tasks { tids: [0; 64], count: 0 };

    /// Reads the list; false if /proc is not there (or lists more than 64 tasks).
    fn read(&mut self) -> bool {
        self.count = 0;
        let flags = sys::O_RDONLY | sys::O_DIRECTORY | sys::O_CLOEXEC;
        let Ok(directory) = sys::openat(freeclone::fd::CWD, c"/proc/self/task", flags, 0) else { return false };
        let mut buffer = [0u64; 512];
        loop {
            let nr = linux_raw_sys::general::__NR_getdents64 as usize;
            let raw = freeclone::fd::AsFd::as_fd(&directory).as_raw_fd() as usize;
            // SAFETY: the kernel writes at most the buffer's size of linux_dirent64 records.
            let ret = unsafe { sys::syscall3(nr, raw, buffer.as_mut_ptr() as usize, core::mem::size_of_val(&buffer)) };
            let Ok(length) = Errno::from_syscall_return(ret) else { return false };
            if length == 0 {
                return true;
            }
            // SAFETY: `length` bytes of records the kernel just wrote.
            let bytes = unsafe { core::slice::from_raw_parts(buffer.as_ptr().cast::<u8>(), length) };
            let mut at = 0;
            while at + 19 < length {
                // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
                let record_length = usize::from(u16::from_ne_bytes([bytes[at + 16], bytes[at + 17]]));
                let name = &bytes[at + 19..at + record_length];
                let name = &name[..name.iter().position(|&byte| byte == 0).unwrap_or(name.len())];
                if let Some(tid) = core::str::from_utf8(name).ok().and_then(|text| text.parse::<pid_t>().ok()) {
                    if self.count == self.tids.len() {
                        return false;
                    }
                    self.tids[self.count] = tid;
                    self.count += 1;
                }
                at += record_length.max(1);
            }
        }
    }

    fn contains(&self, tid: pid_t) -> bool {
        self.tids[..self.count].contains(&tid)
    }
}

/// Waits until this process has no thread beyond `baseline` (those of the program's
/// start): every thread a case made has ended, not only cleared its ctid. Under
/// qemu-user the emulator still tears a thread down after clearing its ctid, holding a
/// lock of its own (`clone_lock`), and a fork-like clone in that window leaves the
/// child's copy of the lock held, so the child hangs when it makes a thread (measured:
/// 5 hangs in 40 runs of the thread cases with two CPU hogs). The wait is unbounded:
/// a thread that never ends is caught by the case's time limit.
fn every_thread_of_the_case_has_ended(baseline: &Tasks) {
    let mut now = Tasks::EMPTY;
    while now.read() && now.tids[..now.count].iter().any(|&tid| !baseline.contains(tid)) {
        sys::sched_yield();
    }
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
/// window deadlocked qemu 10.0 in this harness's runs. No count of tries: how many a
/// loaded machine needs is not the library's doing; a thread that never goes is
/// caught by the case's time limit.
pub fn wait_until_thread_gone(tid: pid_t) -> Verdict {
    loop {
        match sys::tgkill(sys::getpid(), tid, 0) {
            Err(Errno::ESRCH) => return Ok(()),
            Ok(()) => sys::sched_yield(),
            Err(errno) => return Err(fail!("tgkill({tid}, 0): {errno}")),
        }
    }
}

/// A child created by [`spawn`]; its stack lives as long as this value.
pub struct Child {
    pub tid: pid_t,
    _stack: MappedStack,
}

impl Child {
    /// Waits for the child (with `options`, e.g. [`sys::WALL`]) and returns its exit status.
    pub fn wait(&self, options: c_int) -> Result<c_int, Failure> {
        wait_exit_status(self.tid, options)
    }
}

/// Stack size for children of [`spawn`].
const CHILD_STACK_SIZE: usize = 64 * 1024;

/// `clone(f, new stack, flags, arg)` for a combination of flags the manual allows.
///
/// If the answer is `EINVAL`, this is a proven qemu-user limitation, returned as a
/// skip: a kernel accepts the combination (the case passes on the native and kernel
/// tiers, where the runner counts any skip as a failure), while qemu-user's clone
/// emulation accepts only fork-shaped and thread-shaped flags.
pub fn spawn(f: freeclone::CloneFn, flags: CloneFlags, arg: *mut core::ffi::c_void) -> Result<Child, Failure> {
    let stack = MappedStack::new(CHILD_STACK_SIZE)?;
    let (ptid, tls, ctid) = (core::ptr::null_mut(), core::ptr::null_mut(), core::ptr::null_mut());
    match unsafe { freeclone::clone(f, stack.top(), flags, arg, ptid, tls, ctid) } {
        Ok(tid) => Ok(Child { tid, _stack: stack }),
        Err(Errno::EINVAL) => Err(skip!(
            "clone answered EINVAL to flags {flags:#x}, which the manual allows: qemu-user's clone \
             emulation accepts only fork- and thread-shaped flags; runs on the native and kernel tiers"
        )),
        Err(errno) => Err(fail!("clone(flags {flags:#x}) failed: {errno}")),
    }
}

/// Descriptor `number`, which this program manages by hand: pipe ends that fork-like
/// children close in their own copies of the table, numbers the cases pass between
/// processes. Borrowing it is what each call below needs.
pub fn fd(number: c_int) -> BorrowedFd<'static> {
    // SAFETY: the cases use a number only while it is open in the process using it, or
    // to see the kernel refuse it (EBADF); nothing here closes through a borrow.
    unsafe { BorrowedFd::borrow_raw(number) }
}

/// Closes descriptor `number`, which the calling process owns and does not use again.
pub fn close_fd(number: c_int) -> Result<(), Errno> {
    // SAFETY: as the caller promises.
    sys::close(unsafe { OwnedFd::from_raw_fd(number) })
}

/// `pipe2` with the ends as bare numbers, which the cases pass to children.
pub fn raw_pipe(flags: c_int) -> Result<(c_int, c_int), Errno> {
    sys::pipe2(flags).map(|(read, write)| (read.into_raw_fd(), write.into_raw_fd()))
}

/// A pipe a child reports through; both ends close on drop.
pub struct Pipe {
    pub read: c_int,
    pub write: c_int,
}

impl Pipe {
    pub fn new() -> Result<Pipe, Failure> {
        let (read, write) = raw_pipe(sys::O_CLOEXEC).map_err(|errno| fail!("pipe2: {errno}"))?;
        Ok(Pipe { read, write })
    }

    /// In the child: writes `bytes` whole (a pipe write of up to 4 KiB is atomic).
    pub fn send(&self, bytes: &[u8]) -> bool {
        sys::write(fd(self.write), bytes) == Ok(bytes.len())
    }

    /// In the parent: closes its write end, then reads until every writer has closed
    /// (the child's exit closes its copy) or `buffer` is full; returns the bytes read.
    pub fn receive<'a>(&mut self, buffer: &'a mut [u8]) -> &'a [u8] {
        // SAFETY: the pipe owns its descriptors.
        let _ = close_fd(self.write);
        self.write = -1;
        let mut filled = 0;
        while filled < buffer.len() {
            match sys::read(fd(self.read), &mut buffer[filled..]) {
                Ok(0) => break,
                Ok(count) => filled += count,
                Err(Errno::EINTR) => continue,
                Err(_) => break,
            }
        }
        &buffer[..filled]
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        let _ = close_fd(self.read);
        if self.write >= 0 {
            let _ = close_fd(self.write);
        }
    }
}

/// The running case made progress: its time limit (meant to catch a hang) starts again.
pub fn progress() {
    time_limit::progress();
}

/// Lets other threads run `count` times: a delay that needs no clock.
pub fn yield_many(count: usize) {
    for _ in 0..count {
        sys::sched_yield();
    }
}

/// A child that must never run: it would end its whole process with 99.
pub extern "C" fn must_not_run(_: *mut core::ffi::c_void) -> c_int {
    sys::exit_group(99)
}

/// A child whose exit status is its argument (as a small integer).
pub extern "C" fn return_arg_as_status(arg: *mut core::ffi::c_void) -> c_int {
    arg as usize as c_int
}

/// A child that exits with 0 at once.
pub extern "C" fn return_zero(_: *mut core::ffi::c_void) -> c_int {
    0
}

/// Each case runs under a time limit, so that a hang names its case within seconds
/// instead of using up the runner's timeout: SIGALRM's handler prints the FAIL line
/// and ends the program (the runner then sees an incomplete run).
mod time_limit {
    use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

    use freeclone::sys::{self, SignalDisposition};
    use linux_raw_sys::general as kernel;

    /// Far above any case's time, even under qemu-system on 2 cores.
    const SECONDS: usize = 60;

    static NAME: AtomicPtr<u8> = AtomicPtr::new(core::ptr::null_mut());
    static NAME_LENGTH: AtomicUsize = AtomicUsize::new(0);

    extern "C" fn timed_out(_: core::ffi::c_int) {
        let name = NAME.load(Ordering::SeqCst);
        let length = NAME_LENGTH.load(Ordering::SeqCst);
        // SAFETY: `start` stored a &'static str's pointer and length.
        let name = unsafe { core::str::from_utf8_unchecked(core::slice::from_raw_parts(name, length)) };
        freeclone::println!("FAIL {name}: no verdict within {SECONDS} s (the case hangs)");
        sys::exit_group(1);
    }

    fn set_timer(seconds: usize) {
        // struct itimerval { it_interval, it_value }, each { tv_sec, tv_usec } as longs.
        let value = [0usize, 0, seconds, 0];
        let nr = kernel::__NR_setitimer as usize;
        // SAFETY: the kernel reads the itimerval; the old value is not asked for.
        let _ = unsafe { sys::syscall3(nr, kernel::ITIMER_REAL as usize, value.as_ptr() as usize, 0) };
    }

    pub fn start(name: &'static str) {
        NAME.store(name.as_ptr().cast_mut(), Ordering::SeqCst);
        NAME_LENGTH.store(name.len(), Ordering::SeqCst);
        // SAFETY: the handler only reads atomics, writes and exits.
        let _ = unsafe { sys::sigaction(kernel::SIGALRM as core::ffi::c_int, Some(SignalDisposition::Handler(timed_out))) };
        set_timer(SECONDS);
    }

    pub fn stop() {
        set_timer(0);
    }

    /// The running case made progress: its limit starts again. For cases whose length
    /// is in their statement (many rounds of something), under an emulator that may
    /// take longer in all than the limit while no round hangs.
    pub fn progress() {
        set_timer(SECONDS);
    }
}
