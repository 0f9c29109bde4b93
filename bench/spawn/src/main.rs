//! Native spawn benchmarks in one process: `bench-spawn THREAD_ROUNDS PROCESS_ROUNDS`.
//!
//! Each round runs every variant once, one right after the other, in an order that
//! rotates from round to round, and times each spawn+join alone; the lines printed
//! (see `common/measure.rs`) give each variant's median and spread and freeclone's
//! ratio to every other variant, round by round. The C library is whichever this
//! binary is linked with: glibc (`*-linux-gnu`) or musl (`*-linux-musl`).
//!
//! - `thread`: CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|CHILD_CLEARTID on one
//!   preallocated stack, `fn` returning at once, the parent sleeping in FUTEX_WAIT on
//!   ctid: freeclone's `clone`, the C library's `clone()`, the floor (bench/arch), and
//!   `std::thread::spawn` + `join` (its own stack and join: pthread's).
//! - `process`: a fork-like clone(SIGCHLD) on the same stack + waitpid, against the C
//!   library's `fork()` + waitpid, its `clone()`, and the floor.
//! - `owned`: `freeclone::thread` with a stack of its own, mapped (with its guard),
//!   spawned, joined and unmapped every round, against `std::thread::spawn` + `join`;
//!   and such a stack mapped, touched and unmapped alone, with no thread.
//! - `reused`: `freeclone::thread` on one owned stack that each join gives back for the
//!   next spawn, against the floor on a stack of the same kind.
//!
//! `bench-spawn exec ROUNDS PROGRAM`: starting the static `PROGRAM` and waiting for it,
//! with the parent holding 16 MiB, 256 MiB and 1 GiB of touched memory (groups
//! `exec-16MiB`, ...): `freeclone::process::spawn_exec` + `Child::wait`, against
//! `std::process::Command::status` (glibc's `posix_spawn`, `CLONE_VM|CLONE_VFORK`) and
//! `fork()` + `execve` + `waitpid` (which copies the parent's page tables).

use std::ffi::{c_int, c_void};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Instant;

// The ABI constants there serve the freestanding program only.
#[allow(unused)]
#[path = "../../arch/mod.rs"]
mod arch;
#[path = "../../common/measure.rs"]
mod measure;

use freeclone::flags::CloneFlags;
use measure::{CTID_PRESET, JoinCount, STACK_SIZE, THREAD_FLAGS, join};

extern "C" fn trivial(_: *mut c_void) -> c_int {
    0
}

/// `fmt::Write` onto stdout.
struct Out(String);

impl std::fmt::Write for Out {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0.push_str(text);
        Ok(())
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("exec") {
        return exec_benchmark(&args);
    }
    let count = |index: usize| -> usize {
        args.get(index).and_then(|text| text.parse().ok()).unwrap_or_else(|| {
            eprintln!("usage: bench-spawn THREAD_ROUNDS PROCESS_ROUNDS");
            std::process::exit(2)
        })
    };
    let (thread_rounds, process_rounds) = (count(1), count(2));
    let libc_name = if cfg!(target_env = "musl") { "musl" } else { "glibc" };
    println!("meta arch={} libc={libc_name}", std::env::consts::ARCH);

    // One preallocated stack for every clone-based variant, its top 16-aligned.
    let stack = unsafe {
        libc::mmap(
            null_mut(),
            STACK_SIZE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
            -1,
            0,
        )
    };
    assert_ne!(stack, libc::MAP_FAILED, "mmap");
    let top = stack.cast::<u8>().wrapping_add(STACK_SIZE);
    let ctid = Box::new(AtomicI32::new(0));

    let mut out = Out(String::new());
    threads(thread_rounds, top, &ctid, libc_name, &mut out);
    thread_api(thread_rounds, &mut out);
    processes(process_rounds, top, libc_name, &mut out);
    print!("{}", out.0);
}

fn check(tid: c_int, what: &str) {
    if tid <= 0 {
        eprintln!("{what} failed: {}", std::io::Error::last_os_error());
        std::process::exit(1);
    }
}

/// One group of interleaved rounds of `ops` (see `measure::interleave`), named `names`,
/// printed: each variant's times, ratios and minor faults.
fn print_rounds(out: &mut Out, group: &str, names: &[&str], rounds: usize, ops: &mut [&mut dyn FnMut()]) {
    let mut samples = vec![vec![0.0; rounds]; ops.len()];
    let mut faults = vec![0; ops.len()];
    let epoch = Instant::now();
    let now = || epoch.elapsed().as_nanos() as u64;
    let mut views: Vec<&mut [f64]> = samples.iter_mut().map(|values| values.as_mut_slice()).collect();
    measure::interleave(ops, &now, &mut views, &mut faults);
    let mut scratch = vec![0.0; rounds];
    measure::print_group(out, group, names, &mut views, &mut scratch).unwrap();
    measure::print_faults(out, group, names, &faults, rounds).unwrap();
}

fn threads(rounds: usize, top: *mut u8, ctid: &AtomicI32, libc_name: &str, out: &mut Out) {
    let mut counts: [JoinCount; 3] = Default::default();
    let [count_freeclone, count_libc, count_floor] = &mut counts;
    let mut freeclone_op = || {
        ctid.store(CTID_PRESET, Ordering::Relaxed);
        let tid = unsafe {
            freeclone::clone(trivial, top, THREAD_FLAGS, null_mut(), null_mut(), null_mut(), ctid.as_ptr())
        };
        check(tid.unwrap_or(-1), "freeclone::clone");
        join(ctid, count_freeclone);
    };
    let mut libc_op = || {
        ctid.store(CTID_PRESET, Ordering::Relaxed);
        let tid = unsafe {
            libc::clone(
                trivial,
                top.cast(),
                THREAD_FLAGS.bits() as c_int,
                null_mut(),
                null_mut::<libc::pid_t>(),
                null_mut::<c_void>(),
                ctid.as_ptr(),
            )
        };
        check(tid, "clone()");
        join(ctid, count_libc);
    };
    let mut floor_op = || {
        ctid.store(CTID_PRESET, Ordering::Relaxed);
        let tid = unsafe { arch::spawn(THREAD_FLAGS.bits() as usize, top, ctid.as_ptr(), trivial, null_mut()) };
        check(tid as c_int, "the floor's clone");
        join(ctid, count_floor);
    };
    let mut std_op = || std::thread::spawn(|| {}).join().expect("std::thread");
    // musl 1.2.4 and later refuse CLONE_THREAD and CLONE_CHILD_CLEARTID in clone() by
    // design (EINVAL): such a C library's row is reported as refused, not timed.
    let libc_accepts = {
        ctid.store(CTID_PRESET, Ordering::Relaxed);
        let flags = THREAD_FLAGS.bits() as c_int;
        let tid = unsafe { libc::clone(trivial, top.cast(), flags, null_mut(), null_mut::<libc::pid_t>(), null_mut::<c_void>(), ctid.as_ptr()) };
        if tid > 0 {
            join(ctid, &mut JoinCount::default());
        } else {
            println!("refused thread {libc_name} {}", std::io::Error::last_os_error());
        }
        tid > 0
    };
    if libc_accepts {
        let names = ["freeclone", libc_name, "floor", "std::thread"];
        print_rounds(out, "thread", &names, rounds, &mut [&mut freeclone_op, &mut libc_op, &mut floor_op, &mut std_op]);
    } else {
        let names = ["freeclone", "floor", "std::thread"];
        print_rounds(out, "thread", &names, rounds, &mut [&mut freeclone_op, &mut floor_op, &mut std_op]);
    }
    for (name, count) in [("freeclone", &counts[0]), (libc_name, &counts[1]), ("floor", &counts[2])] {
        if libc_accepts || name != libc_name {
            measure::print_join(out, "thread", name, count).unwrap();
        }
    }
}

fn wait_for(pid: c_int) {
    let mut status = 0;
    let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
    if waited != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        eprintln!("waitpid({pid}) returned {waited}, status {status:#x}");
        std::process::exit(1);
    }
}

fn processes(rounds: usize, top: *mut u8, libc_name: &str, out: &mut Out) {
    let sigchld = libc::SIGCHLD;
    let mut freeclone_op = || {
        let pid = unsafe { freeclone::clone(trivial, top, CloneFlags::exit_signal(sigchld), null_mut(), null_mut(), null_mut(), null_mut()) };
        let pid = pid.unwrap_or(-1);
        check(pid, "freeclone::clone");
        wait_for(pid);
    };
    let mut libc_clone_op = || {
        let pid = unsafe { libc::clone(trivial, top.cast(), sigchld, null_mut()) };
        check(pid, "clone()");
        wait_for(pid);
    };
    let mut fork_op = || {
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            unsafe { libc::_exit(0) };
        }
        check(pid, "fork()");
        wait_for(pid);
    };
    let mut floor_op = || {
        let pid = unsafe { arch::spawn(sigchld as usize, top, null_mut(), trivial, null_mut()) } as c_int;
        check(pid, "the floor's clone");
        wait_for(pid);
    };
    let fork_name = format!("{libc_name}-fork");
    let clone_name = format!("{libc_name}-clone");
    let names = ["freeclone", fork_name.as_str(), clone_name.as_str(), "floor"];
    print_rounds(out, "process", &names, rounds, &mut [&mut freeclone_op, &mut fork_op, &mut libc_clone_op, &mut floor_op]);
}

/// `freeclone::thread`'s spawn+join, with an owned stack mapped every round and with
/// one reused. The closures touch no thread-locals: in this std program that is what
/// `spawn_unchecked` asks of them.
fn thread_api(rounds: usize, out: &mut Out) {
    use freeclone::thread::{Builder, ThreadStack};
    let mut owned_op = || {
        let handle = unsafe { Builder::new().spawn_unchecked(|| ()) }.expect("freeclone::thread");
        handle.join();
    };
    let mut std_op = || std::thread::spawn(|| {}).join().expect("std::thread");
    // What the owned stack alone costs: map it with its guard, touch its top page as
    // the packet does, unmap it; no thread.
    let mut stack_alone_op = || {
        let mut stack = freeclone::stack::Stack::new(freeclone::stack::Stack::DEFAULT_SIZE).expect("Stack::new");
        let area = stack.area();
        let last = area.len() - 1;
        area[last] = std::mem::MaybeUninit::new(1);
    };
    let names = ["freeclone", "std::thread", "stack-alone"];
    print_rounds(out, "owned", &names, rounds, &mut [&mut owned_op, &mut std_op, &mut stack_alone_op]);

    let new_stack = || freeclone::stack::Stack::new(freeclone::stack::Stack::DEFAULT_SIZE).expect("Stack::new");
    let mut kept = Some(ThreadStack::from(new_stack()));
    let mut reused_op = || {
        let stack = kept.take().expect("the stack comes back with every join");
        let handle = unsafe { Builder::new().spawn_on_unchecked(stack, || ()) }.expect("freeclone::thread");
        kept = Some(handle.join_with_stack().1);
    };
    let floor_stack = new_stack();
    let ctid = AtomicI32::new(0);
    let mut count = JoinCount::default();
    let mut floor_op = || {
        ctid.store(CTID_PRESET, Ordering::Relaxed);
        let tid = unsafe { arch::spawn(THREAD_FLAGS.bits() as usize, floor_stack.top(), ctid.as_ptr(), trivial, null_mut()) };
        check(tid as c_int, "the floor's clone");
        join(&ctid, &mut count);
    };
    print_rounds(out, "reused", &["freeclone", "floor"], rounds, &mut [&mut reused_op, &mut floor_op]);
}

/// The parent sizes of the exec benchmark: (group suffix, MiB).
const PARENT_SIZES: [(&str, usize); 3] = [("16MiB", 16), ("256MiB", 256), ("1GiB", 1024)];

fn exec_benchmark(args: &[String]) {
    let (Some(rounds), Some(program)) = (args.get(2).and_then(|text| text.parse::<usize>().ok()), args.get(3)) else {
        eprintln!("usage: bench-spawn exec ROUNDS PROGRAM");
        std::process::exit(2)
    };
    let libc_name = if cfg!(target_env = "musl") { "musl" } else { "glibc" };
    println!("meta arch={} libc={libc_name}", std::env::consts::ARCH);
    let path = std::ffi::CString::new(program.as_str()).expect("a path without NUL");
    let argv = freeclone::sys::CStrArrayBuf::new([path.as_c_str()]);
    let envp = freeclone::sys::CStrArray::EMPTY;
    // fork()'s child may not allocate (other threads' locks): its argv is made here.
    let raw_argv = [path.as_ptr(), std::ptr::null()];
    let raw_envp = [std::ptr::null::<libc::c_char>()];
    let mut out = Out(String::new());
    for (label, mebibytes) in PARENT_SIZES {
        // Touched page by page, so that the parent really maps all of it.
        let mut memory = vec![0u8; mebibytes << 20];
        for page in memory.chunks_mut(4096) {
            page[0] = 1;
        }
        std::hint::black_box(&mut memory);
        let mut freeclone_op = || {
            let mut child = freeclone::process::spawn_exec(&path, &argv, envp).unwrap_or_else(|errno| {
                eprintln!("spawn_exec {program}: {errno}");
                std::process::exit(1)
            });
            let status = child.wait().expect("wait");
            assert!(status.success(), "{program} ended with {status}");
        };
        let mut command_op = || {
            let status = std::process::Command::new(program).env_clear().status().expect("std::process::Command");
            assert!(status.success(), "{program} ended with {status}");
        };
        let mut fork_op = || {
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                unsafe {
                    libc::execve(path.as_ptr(), raw_argv.as_ptr(), raw_envp.as_ptr());
                    libc::_exit(127);
                }
            }
            check(pid, "fork()");
            wait_for(pid);
        };
        let group = format!("exec-{label}");
        let names = ["freeclone", "std-command", "fork-exec"];
        print_rounds(&mut out, &group, &names, rounds, &mut [&mut freeclone_op, &mut command_op, &mut fork_op]);
        drop(memory);
    }
    print!("{}", out.0);
}
