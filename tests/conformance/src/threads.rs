//! `freeclone::thread` and `freeclone::stack::Stack`: closures in threads on owned
//! stacks, joins, scopes, and what a guard region does.

use core::ffi::{c_int, c_void};
use core::ptr::null_mut;
use core::sync::atomic::{AtomicUsize, Ordering};

use freeclone::signal::{SIGCHLD, SIGSEGV};
use freeclone::stack::Stack;
use freeclone::thread::{self, Builder};
use freeclone::{Errno, clone, sys};

use crate::harness::{Verdict, fail};
use crate::runtime;
use crate::harness::{close_fd, fd};
use freeclone::fd::OwnedFd;
use freeclone::flags::CloneFlags;

pub fn join_returns_the_closures_value() -> Verdict {
    let rt = runtime()?;
    let handle = thread::spawn(&rt, || 6 * 7).map_err(|errno| fail!("spawn: {errno}"))?;
    if handle.tid() <= 0 || handle.tid() == sys::gettid() {
        return Err(fail!("the handle's TID {} is not a new thread's", handle.tid()));
    }
    match handle.join() {
        42 => Ok(()),
        value => Err(fail!("join returned {value}, the closure 42")),
    }
}

/// A capture larger than any register file, with a recognisable pattern.
const CAPTURED_WORDS: usize = 512;

fn pattern(index: usize) -> u64 {
    (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5eed
}

pub fn a_closures_captured_values_arrive_intact_in_the_thread() -> Verdict {
    let rt = runtime()?;
    let mut words = [0u64; CAPTURED_WORDS];
    for (index, word) in words.iter_mut().enumerate() {
        *word = pattern(index);
    }
    let label: &'static str = "captured";
    let handle = thread::spawn(&rt, move || {
        let intact = words.iter().enumerate().all(|(index, word)| *word == pattern(index));
        (intact, label.len(), sys::gettid())
    })
    .map_err(|errno| fail!("spawn: {errno}"))?;
    let tid = handle.tid();
    let (intact, length, its_tid) = handle.join();
    if !intact || length != label.len() {
        return Err(fail!("the thread saw other values than the closure captured"));
    }
    if its_tid != tid {
        return Err(fail!("the closure ran in thread {its_tid}, the handle names {tid}"));
    }
    Ok(())
}

pub fn threads_share_memory_and_the_process() -> Verdict {
    let rt = runtime()?;
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    COUNT.store(0, Ordering::SeqCst);
    let pid = sys::getpid();
    let mut handles = [const { None }; 8];
    for handle in handles.iter_mut() {
        let spawned = thread::spawn(&rt, move || {
            for _ in 0..1000 {
                COUNT.fetch_add(1, Ordering::Relaxed);
            }
            sys::getpid()
        });
        *handle = Some(spawned.map_err(|errno| fail!("spawn: {errno}"))?);
    }
    for handle in handles.iter_mut() {
        if let Some(handle) = handle.take() {
            if handle.join() != pid {
                return Err(fail!("a thread's getpid differs from its process's {pid}"));
            }
        }
    }
    match COUNT.load(Ordering::SeqCst) {
        8000 => Ok(()),
        count => Err(fail!("8 threads x 1000 increments gave {count}")),
    }
}

pub fn scoped_threads_finish_with_borrowed_data_before_the_scope_returns() -> Verdict {
    let rt = runtime()?;
    let mut slots = [0usize; 6];
    let base = 100;
    thread::scope(&rt, |scope| {
        for (index, slot) in slots.iter_mut().enumerate() {
            let handle = scope.spawn_with(Builder::new().stack_size(64 * 1024), move || *slot = base + index);
            // A forgotten handle: the scope itself still waits for the thread.
            if let Ok(handle) = handle {
                core::mem::forget(handle);
            }
        }
    });
    match slots {
        [100, 101, 102, 103, 104, 105] => Ok(()),
        _ => Err(fail!("after the scope, the borrowed slots hold {slots:?}")),
    }
}

/// Calls `each(start, end)` for every mapping in /proc/self/maps (only its first field,
/// `start-end` in hex, is read).
fn for_each_mapping(mut each: impl FnMut(usize, usize) -> Verdict) -> Verdict {
    let file = sys::openat(freeclone::fd::CWD, c"/proc/self/maps", sys::O_RDONLY | sys::O_CLOEXEC, 0).map(OwnedFd::into_raw_fd)
        .map_err(|errno| fail!("open /proc/self/maps: {errno}"))?;
    let mut buffer = [0u8; 1024];
    // The line's address range as read so far: (start, end, in the end field, field done).
    let (mut start, mut end, mut in_end, mut done) = (0usize, 0usize, false, false);
    let result = 'read: loop {
        let count = match sys::read(fd(file), &mut buffer) {
            Ok(0) => break Ok(()),
            Ok(count) => count,
            Err(Errno::EINTR) => continue,
            Err(errno) => break Err(fail!("read /proc/self/maps: {errno}")),
        };
        for &byte in &buffer[..count] {
            match (byte, done) {
                (b'\n', _) => {
                    if let Err(failure) = each(start, end) {
                        break 'read Err(failure);
                    }
                    (start, end, in_end, done) = (0, 0, false, false);
                }
                (_, true) => {}
                (b'-', false) => in_end = true,
                (b' ', false) => done = true,
                (digit, false) => {
                    let value = match digit {
                        b'0'..=b'9' => digit - b'0',
                        b'a'..=b'f' => digit - b'a' + 10,
                        _ => break 'read Err(fail!("/proc/self/maps: unexpected byte {digit:#x} in an address")),
                    };
                    let field = if in_end { &mut end } else { &mut start };
                    *field = (*field << 4) | usize::from(value);
                }
            }
        }
    };
    // SAFETY: opened above, used by nobody else.
    let _ = close_fd(file);
    result
}

const CYCLES: usize = 10_000;

/// What the cycles' stacks covered, as start and end: a whole mapping (guard included)
/// or a local's address.
static mut STACKS: [(usize, usize); CYCLES] = [(0, 0); CYCLES];

pub fn spawn_join_cycles_unmap_every_stack_and_leave_no_child() -> Verdict {
    let rt = runtime()?;
    // SAFETY: the only reference made to STACKS, in one case on one thread.
    let stacks = unsafe { &mut *(&raw mut STACKS) };
    let mut recorded = 0;
    for cycle in 0..CYCLES {
        let handle = thread::spawn(&rt, move || {
            let local = cycle;
            (local, core::hint::black_box(&local) as *const usize as usize)
        })
        .map_err(|errno| fail!("spawn {cycle}: {errno}"))?;
        // Half the cycles join(); the others do what join() does, join_with_stack() and
        // a drop of the stack, reading the whole stack's range in between. A join()
        // leaves only a local's address: a point of its stack.
        let ((value, local), mapping) = if cycle % 2 == 0 {
            let (value, local) = handle.join();
            ((value, local), (local, local + 1))
        } else {
            let (value, stack) = handle.join_with_stack();
            let stack = stack.into_owned().ok_or_else(|| fail!("cycle {cycle}: thread::spawn's stack is not an owned Stack"))?;
            let mapping = (stack.bottom() as usize - stack.guard_size(), stack.top() as usize);
            drop(stack);
            (value, mapping)
        };
        if value != cycle || !(mapping.0..mapping.1).contains(&local) {
            return Err(fail!("cycle {cycle}: join returned {value} and a local at {local:#x}, outside {:#x}-{:#x}", mapping.0, mapping.1));
        }
        // The kernel usually hands the same range out again: keep one of a run.
        if stacks[..recorded].last() != Some(&mapping) {
            stacks[recorded] = mapping;
            recorded += 1;
        }
        // Slow emulators (qemu-arm's arm926) take most of a minute for all of them.
        if cycle % 1000 == 999 {
            crate::harness::progress();
        }
    }
    // Mappings merge and split as the kernel or an emulator likes, so their number says
    // nothing; an address range of a stack that is still mapped does.
    for_each_mapping(|start, end| match stacks[..recorded].iter().find(|&&(low, high)| start < high && low < end) {
        Some((low, high)) => Err(fail!("after {CYCLES} spawn/join cycles {start:#x}-{end:#x} is mapped over the stack {low:#x}-{high:#x}")),
        None => Ok(()),
    })?;
    match sys::wait4(-1, sys::WNOHANG | sys::WALL) {
        Err(Errno::ECHILD) => Ok(()),
        other => Err(fail!("after the joins, wait4(-1, WNOHANG|WALL) gave {other:?}, not ECHILD")),
    }
}

pub fn a_stack_too_small_for_the_closure_is_einval() -> Verdict {
    let rt = runtime()?;
    let big = [7u8; 80 * 1024];
    match Builder::new().stack_size(64 * 1024).spawn(&rt, move || big[0]) {
        Err(Errno::EINVAL) => Ok(()),
        Ok(handle) => Err(fail!("an 80 KiB closure was accepted on a 64 KiB stack (joined: {})", handle.join())),
        Err(errno) => Err(fail!("gave {errno}, not EINVAL")),
    }
}

/// Recurses without end, each frame keeping a buffer live: the overflow is the point.
#[inline(never)]
#[allow(unconditional_recursion)]
fn recurse(depth: usize) -> usize {
    let buffer = core::hint::black_box([depth as u8; 256]);
    recurse(depth + 1) + buffer[depth % 256] as usize
}

extern "C" fn overflow(_: *mut c_void) -> c_int {
    recurse(0) as c_int
}

pub fn a_child_overflowing_its_stack_dies_of_sigsegv_on_the_guard() -> Verdict {
    let stack = Stack::new(64 * 1024).map_err(|errno| fail!("Stack::new: {errno}"))?;
    let (null, ptid) = (null_mut(), null_mut());
    let pid = unsafe { clone(overflow, stack.top(), CloneFlags::exit_signal(SIGCHLD), null, ptid, null_mut(), null_mut()) }
        .map_err(|errno| fail!("clone: {errno}"))?;
    match sys::wait4(pid, 0) {
        Ok((_, status)) if sys::termination_signal(status) == Some(SIGSEGV) => Ok(()),
        Ok((_, status)) => Err(fail!("the child ended with wait status {status:#x}, not SIGSEGV")),
        Err(errno) => Err(fail!("wait4: {errno}")),
    }
}

extern "C" fn thread_overflowing(_: *mut c_void) -> c_int {
    let Ok(rt) = runtime() else { return 2 };
    match Builder::new().stack_size(64 * 1024).spawn(&rt, || recurse(0)) {
        Ok(handle) => {
            handle.join();
            3
        }
        Err(_) => 2,
    }
}

pub fn a_thread_overflowing_its_stack_ends_its_process_with_sigsegv() -> Verdict {
    let stack = Stack::new(64 * 1024).map_err(|errno| fail!("Stack::new: {errno}"))?;
    let (null, ptid) = (null_mut(), null_mut());
    let pid = unsafe { clone(thread_overflowing, stack.top(), CloneFlags::exit_signal(SIGCHLD), null, ptid, null_mut(), null_mut()) }
        .map_err(|errno| fail!("clone: {errno}"))?;
    match sys::wait4(pid, 0) {
        Ok((_, status)) if sys::termination_signal(status) == Some(SIGSEGV) => Ok(()),
        Ok((_, status)) => match sys::exit_status(status) {
            Some(2) => Err(fail!("the thread could not be spawned")),
            Some(3) => Err(fail!("the overflowing thread was joined: it did not fault")),
            _ => Err(fail!("the process ended with wait status {status:#x}, not SIGSEGV")),
        },
        Err(errno) => Err(fail!("wait4: {errno}")),
    }
}

pub fn dropping_a_join_handle_waits_for_the_thread() -> Verdict {
    let rt = runtime()?;
    static DONE: AtomicUsize = AtomicUsize::new(0);
    DONE.store(0, Ordering::SeqCst);
    let handle = thread::spawn(&rt, || {
        crate::harness::yield_many(200);
        DONE.store(1, Ordering::SeqCst);
    })
    .map_err(|errno| fail!("spawn: {errno}"))?;
    drop(handle);
    match DONE.load(Ordering::SeqCst) {
        1 => Ok(()),
        _ => Err(fail!("the drop returned before the thread finished")),
    }
}

/// An area for threads, borrowed for the rest of the program.
static mut STATIC_STACK: [core::mem::MaybeUninit<u8>; 32 * 1024] = [core::mem::MaybeUninit::uninit(); 32 * 1024];

pub fn threads_run_one_after_another_on_a_static_stack_given_back_by_join() -> Verdict {
    let rt = runtime()?;
    // SAFETY: the only reference ever made to STATIC_STACK.
    let area: &'static mut [core::mem::MaybeUninit<u8>] = unsafe { &mut *(&raw mut STATIC_STACK) };
    let (low, high) = (area.as_ptr() as usize, area.as_ptr() as usize + area.len());
    // SAFETY: the closures below use a few hundred bytes of the 32 KiB.
    let mut stack = unsafe { thread::ThreadStack::from_static(area) };
    for round in 0..3usize {
        let handle = Builder::new()
            .spawn_on(&rt, stack, move || {
                let local = 0u8;
                (round, core::hint::black_box(&local) as *const u8 as usize)
            })
            .map_err(|errno| fail!("spawn_on, round {round}: {errno}"))?;
        let ((value, address), back) = handle.join_with_stack();
        if value != round || !(low..high).contains(&address) {
            return Err(fail!("round {round}: the thread returned {value} with a local at {address:#x}, outside {low:#x}..{high:#x}"));
        }
        stack = back;
    }
    Ok(())
}
