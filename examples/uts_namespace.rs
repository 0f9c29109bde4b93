//! The manual page's example program: a child created with `CLONE_NEWUTS` changes the
//! hostname in its own UTS namespace; the parent's hostname stays what it was.
//!
//! Usage: `uts_namespace [hostname]` (default `freeclone-child`). It needs
//! CAP_SYS_ADMIN and a real kernel: qemu-user refuses `CLONE_NEWUTS` with EINVAL. As PID 1 (booted as `/init` by `cargo xtask demo`), it powers the machine
//! off when done.

#![no_std]
#![no_main]

use core::ffi::{CStr, c_int, c_void};
use core::ptr::null_mut;

use freeclone::flags::CLONE_NEWUTS;
use freeclone::rt::{self, Args, Runtime};
use freeclone::signal::SIGCHLD;
use freeclone::{clone, println, sys};

freeclone::entry!(main);

const STACK_SIZE: usize = 64 * 1024;

fn print_nodename(who: &str) {
    match sys::uname() {
        Ok(name) => println!("uts.nodename in {who}: {}", name.nodename().to_str().unwrap_or("?")),
        Err(errno) => println!("uname in {who}: {errno}"),
    }
}

/// The child: sets the hostname in its new UTS namespace and shows it.
extern "C" fn child(arg: *mut c_void) -> c_int {
    let hostname = unsafe { CStr::from_ptr(arg as *const core::ffi::c_char) };
    if let Err(errno) = sys::sethostname(hostname.to_bytes()) {
        println!("sethostname: {errno}");
        return 1;
    }
    print_nodename("child");
    0
}

fn run(args: &Args) -> i32 {
    let hostname = args.get(1).unwrap_or(c"freeclone-child");
    let protection = sys::PROT_READ | sys::PROT_WRITE;
    let flags = sys::MAP_PRIVATE | sys::MAP_ANONYMOUS | sys::MAP_STACK;
    let stack = match unsafe { sys::mmap(null_mut(), STACK_SIZE, protection, flags, -1, 0) } {
        Ok(stack) => stack,
        Err(errno) => {
            println!("mmap: {errno}");
            return 1;
        }
    };
    let top = stack.wrapping_add(STACK_SIZE);
    let arg = hostname.as_ptr().cast_mut().cast();
    let pid = match unsafe { clone(child, top, CLONE_NEWUTS | SIGCHLD, arg, null_mut(), null_mut(), null_mut()) } {
        Ok(pid) => pid,
        Err(errno) => {
            println!("clone: {errno} (CLONE_NEWUTS needs CAP_SYS_ADMIN and a real kernel; qemu-user refuses it)");
            return 1;
        }
    };
    println!("clone() returned {pid}");
    let status = sys::wait4(pid, 0).map(|(_, status)| sys::exit_status(status));
    // The child has finished with its namespace: the parent's name is untouched.
    print_nodename("parent");
    println!("child has terminated: {status:?}");
    if status == Ok(Some(0)) { 0 } else { 1 }
}

fn main(runtime: Runtime) -> i32 {
    let args = runtime.args();
    if rt::is_process_one() {
        // A line of its own: the firmware may leave its last console line unterminated.
        println!("\ninit: the manual's UTS namespace example as PID 1");
    }
    let status = run(&args);
    if rt::is_process_one() {
        println!("init: powering off");
        let errno = rt::power_off();
        println!("init: power off failed: {errno}");
    }
    status
}
