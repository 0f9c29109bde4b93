//! freeclone's per-architecture benchmark program, freestanding and static like the
//! conformance program: `bench-freestanding THREAD_ROUNDS PROCESS_ROUNDS`. It runs
//! under qemu-user (where only ratios mean anything) and natively, and prints:
//!
//! - `stack ...`: the child stack the wrapper uses before `fn` runs: the stack pointer
//!   at `fn`'s entry (freeclone's entry probe) and the bytes written below the aligned
//!   top (the stack filled with a pattern, a trivial `fn`), next to what the ABI itself
//!   demands there (bench/arch); and the smallest stack, above an inaccessible guard,
//!   on which a trivial `fn` completes.
//! - `time`/`ratio`/`join`/`faults` lines (see `common/measure.rs`) for thread spawn+join
//!   and process spawn+wait, freeclone against the floor. The thread rounds come first:
//!   under qemu-user they also translate the code that the process rounds' children
//!   run, for both variants alike.
//! - The same for thread spawn+join through clone3 (group `clone3`): `freeclone::clone3`
//!   against the raw clone3 floor and against freeclone's `clone`; or, where the kernel
//!   (qemu-user's emulation) answers clone3 with ENOSYS, a `refused` line saying so.
//!
//! It also keeps out-of-line copies of the raw system call primitives, whose sizes the
//! xtask reads from the symbol table.

#![no_std]
#![no_main]
#![cfg_attr(any(target_arch = "mips", target_arch = "mips64"), feature(asm_experimental_arch))]

#[path = "../../arch/mod.rs"]
mod arch;
#[path = "../../common/measure.rs"]
mod measure;

use core::ffi::{c_int, c_void};
use core::fmt::Write;
use core::ptr::null_mut;
use core::sync::atomic::{AtomicI32, Ordering};

use freeclone::probes::{EntryRecord, entry_probe};
use freeclone::rt::Runtime;
use freeclone::flags::CloneFlags;
use freeclone::signal::SIGCHLD;
use freeclone::{CloneArgs, clone, pid_t, println, stack, sys};
use linux_raw_sys::general as kernel;

use measure::{CTID_PRESET, JoinCount, STACK_SIZE, THREAD_FLAGS, join};

freeclone::entry!(main);

/// Larger than any page size: the guard below the smallest-stack probe.
const GUARD_SIZE: usize = 64 * 1024;
const PATTERN: u8 = 0xa5;
const MAX_ROUNDS: usize = 20_000;
const TRIVIAL_STATUS: c_int = 42;

static mut SAMPLES: [[f64; MAX_ROUNDS]; 3] = [[0.0; MAX_ROUNDS]; 3];
static mut SCRATCH: [f64; MAX_ROUNDS] = [0.0; MAX_ROUNDS];

extern "C" fn trivial(_: *mut c_void) -> c_int {
    TRIVIAL_STATUS
}

/// `fmt::Write` onto stdout.
struct Out;

impl Write for Out {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        freeclone::rt::write_to(freeclone::fd::STDOUT, format_args!("{text}"));
        Ok(())
    }
}

fn parse(text: Option<&core::ffi::CStr>) -> Option<usize> {
    let mut value = 0usize;
    let bytes = text?.to_bytes();
    if bytes.is_empty() {
        return None;
    }
    for &byte in bytes {
        value = value.checked_mul(10)?.checked_add(usize::from(byte.checked_sub(b'0').filter(|digit| *digit < 10)?))?;
    }
    Some(value)
}

fn main(rt: Runtime) -> i32 {
    let args = rt.args();
    let (Some(thread_rounds), Some(process_rounds)) = (parse(args.get(1)), parse(args.get(2))) else {
        println!("usage: bench-freestanding THREAD_ROUNDS PROCESS_ROUNDS");
        return 2;
    };
    let (thread_rounds, process_rounds) = (thread_rounds.min(MAX_ROUNDS), process_rounds.min(MAX_ROUNDS));
    keep_primitives();
    // The smallest-stack probe crashes children on purpose: no core files.
    let no_core = [0u64; 2];
    unsafe {
        sys::syscall4(kernel::__NR_prlimit64 as usize, 0, kernel::RLIMIT_CORE as usize, no_core.as_ptr() as usize, 0);
    }
    let stack = map(STACK_SIZE);
    let top = stack.wrapping_add(STACK_SIZE);
    let ctid = AtomicI32::new(0);
    stack_figures(stack, top, &ctid);
    threads(thread_rounds, top, &ctid);
    clone3_threads(thread_rounds, stack, &ctid);
    processes(process_rounds, top);
    0
}

fn map(size: usize) -> *mut u8 {
    let protection = sys::PROT_READ | sys::PROT_WRITE;
    let flags = sys::MAP_PRIVATE | sys::MAP_ANONYMOUS | sys::MAP_STACK;
    match unsafe { sys::mmap(null_mut(), size, protection, flags, -1, 0) } {
        Ok(address) => address,
        Err(errno) => fail("mmap", errno),
    }
}

fn fail(what: &str, errno: freeclone::Errno) -> ! {
    println!("error: {what}: {errno}");
    sys::exit_group(1)
}

fn spawn_thread(f: freeclone::CloneFn, top: *mut u8, arg: *mut c_void, ctid: &AtomicI32, count: &mut JoinCount) {
    ctid.store(CTID_PRESET, Ordering::Relaxed);
    if let Err(errno) = unsafe { clone(f, top, THREAD_FLAGS, arg, null_mut(), null_mut(), ctid.as_ptr()) } {
        fail("clone", errno);
    }
    join(ctid, count);
}

fn wait_exit(pid: pid_t) -> Option<c_int> {
    match sys::wait4(pid, 0) {
        Ok((_, status)) => sys::exit_status(status),
        Err(errno) => fail("wait4", errno),
    }
}

fn stack_figures(stack: *mut u8, top: *mut u8, ctid: &AtomicI32) {
    // First, while this process has never had a second thread: under qemu-user, a fork
    // soon after threads have exited can hang (seen once in a fork of a fork).
    let (smallest, hangs) = smallest_stack();
    let mut count = JoinCount::default();
    // Bytes written below the top before (and while) a trivial fn runs: a thread on a
    // stack filled with a pattern, looked at once it has exited.
    unsafe { core::ptr::write_bytes(stack, PATTERN, STACK_SIZE) };
    spawn_thread(trivial, top, null_mut(), ctid, &mut count);
    let untouched = (0..STACK_SIZE).find(|&offset| unsafe { *stack.add(offset) } != PATTERN).unwrap_or(STACK_SIZE);
    let written = STACK_SIZE - untouched;
    // The stack pointer at fn's first instruction, from the entry probe.
    let mut record = EntryRecord::new(trivial, null_mut());
    spawn_thread(entry_probe(), top, (&raw mut record).cast(), ctid, &mut count);
    let sp_offset = (top as usize).wrapping_sub(record.stack_pointer);
    let _ = writeln!(
        Out,
        "stack abi={} sp_offset={} written={} smallest={} alignment={} frame_constant={} hangs={}",
        arch::ABI_FRAME_AT_FN_ENTRY,
        sp_offset,
        written,
        smallest.map_or(-1, |size| size as isize),
        stack::ALIGNMENT,
        stack::CHILD_FRAME_SIZE,
        hangs,
    );
}

/// The smallest stack on which a trivial fn completes: its top `size` bytes above an
/// inaccessible guard, in steps of the alignment. Returns it (None if 1024 bytes do
/// not do) and how many tries hung and were killed.
fn smallest_stack() -> (Option<usize>, usize) {
    let region = match unsafe { sys::mmap(null_mut(), 2 * GUARD_SIZE, 0, sys::MAP_PRIVATE | sys::MAP_ANONYMOUS, -1, 0) } {
        Ok(address) => address,
        Err(errno) => fail("mmap", errno),
    };
    let floor_of_stack = region.wrapping_add(GUARD_SIZE);
    let flags = sys::MAP_PRIVATE | sys::MAP_ANONYMOUS | kernel::MAP_FIXED as c_int;
    if let Err(errno) = unsafe { sys::mmap(floor_of_stack, GUARD_SIZE, sys::PROT_READ | sys::PROT_WRITE, flags, -1, 0) } {
        fail("mmap", errno);
    }
    let mut hangs = 0;
    let mut size = 0;
    while size <= 1024 {
        let top = floor_of_stack.wrapping_add(size);
        let completed = loop {
            match try_stack(top) {
                Some(completed) => break completed,
                None if hangs < 5 => hangs += 1,
                None => {
                    println!("error: the smallest-stack tries keep hanging");
                    sys::exit_group(1);
                }
            }
        };
        if completed {
            return (Some(size), hangs);
        }
        size += stack::ALIGNMENT;
    }
    (None, hangs)
}

/// One try in a forked process of its own group, which clones a fork-like child on the
/// stack whose top is `top` and exits with its status: a fault kills only the try,
/// whether the child or the wrapper's parent side (x86_64's writes `arg` there before
/// the system call) touched the guard. Some(whether fn completed), or None if the try
/// hung for 10 s and was killed with its child.
fn try_stack(top: *mut u8) -> Option<bool> {
    let null = null_mut();
    let attempt = match unsafe { sys::clone(CloneFlags::exit_signal(SIGCHLD), null_mut(), null, null_mut(), null) } {
        Ok(0) => {
            unsafe { sys::syscall2(kernel::__NR_setpgid as usize, 0, 0) };
            let pid = match unsafe { clone(trivial, top, CloneFlags::exit_signal(SIGCHLD), null_mut(), null_mut(), null_mut(), null_mut()) } {
                Ok(pid) => pid,
                Err(errno) => fail("clone", errno),
            };
            sys::exit_group(wait_exit(pid).unwrap_or(-1));
        }
        Ok(pid) => pid,
        Err(errno) => fail("fork-like clone", errno),
    };
    unsafe { sys::syscall2(kernel::__NR_setpgid as usize, attempt as usize, attempt as usize) };
    let deadline = now_ns() + 10_000_000_000;
    loop {
        match sys::wait4(attempt, sys::WNOHANG) {
            Ok((0, _)) if now_ns() > deadline => {
                let _ = sys::kill(-attempt, freeclone::signal::SIGKILL);
                let _ = sys::wait4(attempt, 0);
                return None;
            }
            Ok((0, _)) | Err(freeclone::Errno::EINTR) => {
                let millisecond = [0isize, 1_000_000];
                unsafe { sys::syscall2(kernel::__NR_nanosleep as usize, millisecond.as_ptr() as usize, 0) };
            }
            Ok((_, status)) => return Some(sys::exit_status(status) == Some(TRIVIAL_STATUS)),
            Err(errno) => fail("wait4", errno),
        }
    }
}

fn now_ns() -> u64 {
    // clock_gettime's `struct timespec` of the plain call: two longs on every ABI.
    let mut time = [0isize; 2];
    let nr = kernel::__NR_clock_gettime as usize;
    unsafe { sys::syscall2(nr, kernel::CLOCK_MONOTONIC as usize, time.as_mut_ptr() as usize) };
    time[0] as u64 * 1_000_000_000 + time[1] as u64
}

/// Interleaved rounds of `ops` (see `measure::interleave`) into SAMPLES; returns each
/// variant's minor faults.
fn interleave(rounds: usize, ops: &mut [&mut dyn FnMut()]) -> [u64; 3] {
    let samples = unsafe { &mut *(&raw mut SAMPLES) };
    let [a, b, c] = samples;
    let mut views: [&mut [f64]; 3] = [&mut a[..rounds], &mut b[..rounds], &mut c[..rounds]];
    let mut faults = [0; 3];
    measure::interleave(ops, &now_ns, &mut views[..ops.len()], &mut faults[..ops.len()]);
    faults
}

fn print(group: &str, names: &[&str], rounds: usize, faults: &[u64]) {
    let samples = unsafe { &mut *(&raw mut SAMPLES) };
    let scratch = unsafe { &mut *(&raw mut SCRATCH) };
    let [a, b, c] = samples;
    let mut views: [&mut [f64]; 3] = [&mut a[..rounds], &mut b[..rounds], &mut c[..rounds]];
    let _ = measure::print_group(&mut Out, group, names, &mut views[..names.len()], scratch);
    let _ = measure::print_faults(&mut Out, group, names, &faults[..names.len()], rounds);
}

fn threads(rounds: usize, top: *mut u8, ctid: &AtomicI32) {
    let mut counts: [JoinCount; 2] = Default::default();
    let [count_freeclone, count_floor] = &mut counts;
    let mut freeclone_op = || spawn_thread(trivial, top, null_mut(), ctid, count_freeclone);
    let mut floor_op = || {
        ctid.store(CTID_PRESET, Ordering::Relaxed);
        let tid = unsafe { arch::spawn(THREAD_FLAGS.bits() as usize, top, ctid.as_ptr(), trivial, null_mut()) };
        if tid <= 0 {
            fail("the floor's clone", freeclone::Errno::from_raw(-tid as i32));
        }
        join(ctid, count_floor);
    };
    let faults = interleave(rounds, &mut [&mut freeclone_op, &mut floor_op]);
    let names = ["freeclone", "floor"];
    print("thread", &names, rounds, &faults);
    for (name, count) in names.iter().zip(&counts) {
        let _ = measure::print_join(&mut Out, "thread", name, count);
    }
}

/// Thread spawn+join through clone3 on the same stack: `freeclone::clone3` (its
/// `CloneArgs` built each round, as a caller does), the raw clone3 floor, and
/// freeclone's `clone` for comparison.
fn clone3_threads(rounds: usize, stack: *mut u8, ctid: &AtomicI32) {
    // A null `args` is EFAULT where clone3 exists, ENOSYS where it does not.
    let nr = kernel::__NR_clone3 as usize;
    if unsafe { sys::syscall2(nr, 0, freeclone::CLONE_ARGS_SIZE_VER0) } == (-(freeclone::Errno::ENOSYS.raw() as isize)) as usize {
        println!("refused clone3 freeclone clone3 answers ENOSYS here");
        return;
    }
    let top = stack.wrapping_add(STACK_SIZE);
    let mut counts: [JoinCount; 3] = Default::default();
    let [count_clone3, count_floor, count_clone] = &mut counts;
    let mut clone3_op = || {
        ctid.store(CTID_PRESET, Ordering::Relaxed);
        let area = unsafe { core::slice::from_raw_parts_mut(stack.cast(), STACK_SIZE) };
        let args = CloneArgs::new().flags(THREAD_FLAGS).child_tid(unsafe { &mut *ctid.as_ptr() }).stack(area);
        if let Err(errno) = unsafe { freeclone::clone3(&args, trivial, null_mut()) } {
            fail("clone3", errno);
        }
        join(ctid, count_clone3);
    };
    let mut floor_op = || {
        ctid.store(CTID_PRESET, Ordering::Relaxed);
        let args = kernel::clone_args {
            flags: THREAD_FLAGS.bits(),
            pidfd: 0,
            child_tid: ctid.as_ptr() as usize as u64,
            parent_tid: 0,
            exit_signal: 0,
            stack: stack as usize as u64,
            stack_size: STACK_SIZE as u64,
            tls: 0,
            set_tid: 0,
            set_tid_size: 0,
            cgroup: 0,
        };
        let size = core::mem::size_of_val(&args);
        let tid = unsafe { arch::spawn3(&args, size, trivial, null_mut()) };
        if tid <= 0 {
            fail("the floor's clone3", freeclone::Errno::from_raw(-tid as i32));
        }
        join(ctid, count_floor);
    };
    let mut clone_op = || spawn_thread(trivial, top, null_mut(), ctid, count_clone);
    let faults = interleave(rounds, &mut [&mut clone3_op, &mut floor_op, &mut clone_op]);
    let names = ["freeclone", "floor", "clone"];
    print("clone3", &names, rounds, &faults);
    for (name, count) in names.iter().zip(&counts) {
        let _ = measure::print_join(&mut Out, "clone3", name, count);
    }
}

fn processes(rounds: usize, top: *mut u8) {
    let expect_trivial = |pid: pid_t| {
        if wait_exit(pid) != Some(TRIVIAL_STATUS) {
            println!("error: a child did not exit with {TRIVIAL_STATUS}");
            sys::exit_group(1);
        }
    };
    let mut freeclone_op = || {
        match unsafe { clone(trivial, top, CloneFlags::exit_signal(SIGCHLD), null_mut(), null_mut(), null_mut(), null_mut()) } {
            Ok(pid) => expect_trivial(pid),
            Err(errno) => fail("clone", errno),
        }
    };
    let mut floor_op = || {
        let pid = unsafe { arch::spawn(SIGCHLD as usize, top, null_mut(), trivial, null_mut()) };
        if pid <= 0 {
            fail("the floor's clone", freeclone::Errno::from_raw(-pid as i32));
        }
        expect_trivial(pid as pid_t);
    };
    let faults = interleave(rounds, &mut [&mut freeclone_op, &mut floor_op]);
    print("process", &["freeclone", "floor"], rounds, &faults);
}

// ---- Out-of-line copies of the primitives, for their sizes in the symbol table ----

#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn freeclone_bench_syscall0(nr: usize) -> usize {
    unsafe { sys::syscall0(nr) }
}

#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn freeclone_bench_syscall1(nr: usize, a0: usize) -> usize {
    unsafe { sys::syscall1(nr, a0) }
}

#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn freeclone_bench_syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    unsafe { sys::syscall2(nr, a0, a1) }
}

#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn freeclone_bench_syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    unsafe { sys::syscall3(nr, a0, a1, a2) }
}

#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn freeclone_bench_syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    unsafe { sys::syscall4(nr, a0, a1, a2, a3) }
}

#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn freeclone_bench_syscall5(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    unsafe { sys::syscall5(nr, a0, a1, a2, a3, a4) }
}

#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn freeclone_bench_syscall6(
    nr: usize,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
) -> usize {
    unsafe { sys::syscall6(nr, a0, a1, a2, a3, a4, a5) }
}

/// The portable `clone` (null check, alignment, -errno to `Result`) out of line, calling
/// the architecture's entry.
#[unsafe(no_mangle)]
#[inline(never)]
pub unsafe extern "C" fn freeclone_bench_clone(
    f: freeclone::CloneFn,
    stack: *mut u8,
    flags: c_int,
    arg: *mut c_void,
    ptid: *mut pid_t,
    tls: *mut c_void,
    ctid: *mut pid_t,
) -> c_int {
    match unsafe { clone(f, stack, CloneFlags::from_bits(u64::from(flags as u32)), arg, ptid, tls, ctid) } {
        Ok(tid) => tid,
        Err(errno) => -errno.raw(),
    }
}

fn keep_primitives() {
    let addresses = [
        freeclone_bench_syscall0 as *const () as usize,
        freeclone_bench_syscall1 as *const () as usize,
        freeclone_bench_syscall2 as *const () as usize,
        freeclone_bench_syscall3 as *const () as usize,
        freeclone_bench_syscall4 as *const () as usize,
        freeclone_bench_syscall5 as *const () as usize,
        freeclone_bench_syscall6 as *const () as usize,
        freeclone_bench_clone as *const () as usize,
    ];
    core::hint::black_box(addresses);
}
