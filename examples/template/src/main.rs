//! A freestanding program built from its own crate, as the README's recipe says:
//! `template [STATUS]` starts a child on a stack of its own, which exits with STATUS
//! (0 if none is given); the program exits with the status it saw.

#![no_std]
#![no_main]

use core::ffi::{c_int, c_void};
use core::ptr::null_mut;

use freeclone::rt::Runtime;
use freeclone::signal::SIGCHLD;
use freeclone::{clone, flags::CloneFlags, println, sys};

freeclone::entry!(main);

const STACK_SIZE: usize = 64 * 1024;

extern "C" fn child(status: *mut c_void) -> c_int {
    println!("child: pid {}, exiting with {}", sys::getpid(), status as usize);
    status as usize as c_int
}

fn main(rt: Runtime) -> i32 {
    let args = rt.args();
    let status = args.get(1).and_then(|arg| arg.to_str().ok()?.parse::<u8>().ok()).unwrap_or(0);
    println!("template: pid {}, {} argument(s)", sys::getpid(), args.len());
    let protection = sys::PROT_READ | sys::PROT_WRITE;
    let flags = sys::MAP_PRIVATE | sys::MAP_ANONYMOUS | sys::MAP_STACK;
    let stack = match unsafe { sys::mmap(null_mut(), STACK_SIZE, protection, flags, -1, 0) } {
        Ok(stack) => stack,
        Err(errno) => panic!("mmap: {errno}"),
    };
    let arg = usize::from(status) as *mut c_void;
    // SAFETY: `stack` is ours and unused; without CLONE_VM the child runs in a copy.
    let pid = unsafe { clone(child, stack.wrapping_add(STACK_SIZE), CloneFlags::exit_signal(SIGCHLD), arg, null_mut(), null_mut(), null_mut()) };
    let pid = pid.unwrap_or_else(|errno| panic!("clone: {errno}"));
    let (_, wait_status) = sys::wait4(pid, 0).unwrap_or_else(|errno| panic!("wait4: {errno}"));
    let code = sys::exit_status(wait_status).unwrap_or(255);
    println!("template: the child exited with {code}");
    code
}
