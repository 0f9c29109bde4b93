//! Shared by the benchmark programs (std and freestanding): the thread flags and the
//! stack every clone-based variant uses, the one join they use, and the lines the xtask
//! reads (median and spread of interleaved samples, ratios taken pair by pair).

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicI32, Ordering};

use freeclone::flags::*;
use freeclone::{Errno, sys};

/// The thread spawns' flags: a thread sharing everything, whose exit clears `ctid`.
pub const THREAD_FLAGS: CloneFlags = CLONE_VM
    .union(CLONE_FS)
    .union(CLONE_FILES)
    .union(CLONE_SIGHAND)
    .union(CLONE_THREAD)
    .union(CLONE_SYSVSEM)
    .union(CLONE_CHILD_CLEARTID);

/// The one preallocated stack of the clone-based variants (its top 16-aligned).
pub const STACK_SIZE: usize = 64 * 1024;

/// What `ctid` holds before each thread spawn: any value but 0, since the parent sleeps
/// while `ctid` still holds it, until `CLONE_CHILD_CLEARTID` zeroes it and wakes the
/// futex at the child's exit. No CLONE_PARENT_SETTID is needed, and the wait never
/// spins on EAGAIN for a TID not written yet (bench-notes: a 2x difference).
pub const CTID_PRESET: i32 = -1;

/// How the joins went, to show that they slept.
#[derive(Default)]
pub struct JoinCount {
    /// Joins that found `ctid` already cleared and made no futex call.
    pub already_clear: u64,
    /// FUTEX_WAIT calls that slept and were woken.
    pub slept: u64,
    /// FUTEX_WAIT calls that returned EAGAIN (ctid had changed meanwhile).
    pub eagain: u64,
    /// FUTEX_WAIT calls that returned another error (EINTR).
    pub other: u64,
}

/// Waits until the kernel has cleared `ctid` (the child has exited), sleeping in
/// FUTEX_WAIT (shared futex: the kind CLONE_CHILD_CLEARTID wakes).
pub fn join(ctid: &AtomicI32, count: &mut JoinCount) {
    let mut first = true;
    loop {
        let value = ctid.load(Ordering::Acquire);
        if value == 0 {
            if first {
                count.already_clear += 1;
            }
            return;
        }
        first = false;
        match sys::futex_wait(ctid, value) {
            Ok(()) => count.slept += 1,
            Err(Errno::EAGAIN) => count.eagain += 1,
            Err(_) => count.other += 1,
        }
    }
}

pub fn print_join(out: &mut dyn Write, group: &str, name: &str, count: &JoinCount) -> fmt::Result {
    writeln!(
        out,
        "join {group} {name} already_clear={} slept={} eagain={} other={}",
        count.already_clear, count.slept, count.eagain, count.other
    )
}

/// Rounds run before the measured ones, for every variant: caches, page tables and the
/// C library's stack cache warm up.
pub const WARM_UP_ROUNDS: usize = 20;

/// Runs `samples[0].len()` rounds of every variant in `ops` and stores each spawn+join's
/// time in ns (`now` reads a monotonic clock in ns): sample `i` of every variant comes
/// from round `i`. Each round runs the variants in a fresh pseudo-random order, so that
/// no variant always follows the same one (a spawn leaves work behind for the next: a
/// fixed or merely rotated order biased the ratios by several percent).
/// Counts, per variant, the minor page faults the parent took around its spawns
/// (`faults[i]`, summed over the rounds), read outside the timed window.
#[allow(clippy::needless_range_loop)] // `round` indexes every variant's samples
pub fn interleave(ops: &mut [&mut dyn FnMut()], now: &dyn Fn() -> u64, samples: &mut [&mut [f64]], faults: &mut [u64]) {
    for _ in 0..WARM_UP_ROUNDS {
        for op in ops.iter_mut() {
            op();
        }
    }
    let n = ops.len();
    let rounds = samples.iter().map(|values| values.len()).min().unwrap_or(0);
    let mut order = [0usize; 8];
    let order = &mut order[..n];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..rounds {
        // Fisher-Yates with xorshift64.
        for (index, slot) in order.iter_mut().enumerate() {
            *slot = index;
        }
        for index in (1..n).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            order.swap(index, (state % (index as u64 + 1)) as usize);
        }
        for &which in order.iter() {
            let faults_before = minor_faults();
            let start = now();
            ops[which]();
            samples[which][round] = now().wrapping_sub(start) as f64;
            faults[which] += minor_faults().wrapping_sub(faults_before);
        }
    }
}

/// The calling process's minor page faults so far: getrusage(RUSAGE_SELF)'s ru_minflt,
/// the 9th long of `struct rusage` (after two timevals and four longs) on every ABI.
pub fn minor_faults() -> u64 {
    let mut usage = [0isize; 18];
    let nr = linux_raw_sys::general::__NR_getrusage as usize;
    unsafe { sys::syscall2(nr, 0, usage.as_mut_ptr() as usize) };
    usage[8] as u64
}

pub fn print_faults(out: &mut dyn Write, group: &str, names: &[&str], faults: &[u64], rounds: usize) -> fmt::Result {
    for (name, count) in names.iter().zip(faults) {
        writeln!(out, "faults {group} {name} per_spawn={:.2}", *count as f64 / rounds.max(1) as f64)?;
    }
    Ok(())
}

/// Median and spread (10th and 90th percentiles, nearest rank) of `values`, which it
/// sorts, and a 95% confidence interval of the median (distribution-free: the order
/// statistics n/2 -+ 0.98 sqrt(n)).
pub struct Spread {
    pub n: usize,
    pub median: f64,
    pub p10: f64,
    pub p90: f64,
    pub lo95: f64,
    pub hi95: f64,
}

pub fn spread(values: &mut [f64]) -> Spread {
    values.sort_unstable_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n == 0 {
        return Spread { n, median: 0.0, p10: 0.0, p90: 0.0, lo95: 0.0, hi95: 0.0 };
    }
    let rank = |q: f64| values[((n - 1) as f64 * q + 0.5) as usize];
    let median = if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 };
    let half_width = (0.98 * square_root(n as f64)) as usize + 1;
    let lo95 = values[(n / 2).saturating_sub(half_width)];
    let hi95 = values[(n / 2 + half_width).min(n - 1)];
    Spread { n, median, p10: rank(0.1), p90: rank(0.9), lo95, hi95 }
}

/// sqrt without std (Newton's method; enough for sample counts).
fn square_root(x: f64) -> f64 {
    let mut root = if x > 1.0 { x / 2.0 } else { 1.0 };
    for _ in 0..64 {
        root = (root + x / root) / 2.0;
    }
    root
}

/// Prints one group: per variant its time per spawn+join (ns), then per other variant
/// the ratio of variant 0 to it, sample by sample (sample `i` of every variant was
/// taken in the same round, one right after the other), before any sorting.
/// `scratch` must hold at least as many values as a variant has samples.
pub fn print_group(
    out: &mut dyn Write,
    group: &str,
    names: &[&str],
    samples: &mut [&mut [f64]],
    scratch: &mut [f64],
) -> fmt::Result {
    for other in 1..samples.len() {
        let n = samples[0].len().min(samples[other].len());
        for i in 0..n {
            scratch[i] = samples[0][i] / samples[other][i];
        }
        let s = spread(&mut scratch[..n]);
        writeln!(
            out,
            "ratio {group} {}/{} n={} median={:.4} p10={:.4} p90={:.4} lo95={:.4} hi95={:.4}",
            names[0], names[other], s.n, s.median, s.p10, s.p90, s.lo95, s.hi95
        )?;
    }
    for (name, values) in names.iter().zip(samples.iter_mut()) {
        let s = spread(values);
        writeln!(out, "time {group} {name} n={} median={:.1} p10={:.1} p90={:.1}", s.n, s.median, s.p10, s.p90)?;
    }
    Ok(())
}
