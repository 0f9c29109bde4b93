//! The manual page's pattern on any architecture and any tier: a child on its own
//! stack changes its copy of a variable and exits with a status; the parent waits and
//! reports what it saw.
//!
//! Build and run it with `cargo xtask demo`.

#![no_std]
#![no_main]

use core::ffi::{c_int, c_void};
use core::ptr::null_mut;

use freeclone::rt::Runtime;
use freeclone::signal::SIGCHLD;
use freeclone::{clone, flags::CloneFlags, println, sys};

freeclone::entry!(main);

const STACK_SIZE: usize = 64 * 1024;

extern "C" fn child(arg: *mut c_void) -> c_int {
    let counter = unsafe { &mut *(arg as *mut c_int) };
    *counter += 1;
    println!("child:  pid {} (parent {}), counter is now {} in my copy", sys::getpid(), sys::getppid(), counter);
    *counter
}

fn main(_: Runtime) -> i32 {
    let protection = sys::PROT_READ | sys::PROT_WRITE;
    let flags = sys::MAP_PRIVATE | sys::MAP_ANONYMOUS | sys::MAP_STACK;
    let stack = match unsafe { sys::mmap(null_mut(), STACK_SIZE, protection, flags, -1, 0) } {
        Ok(stack) => stack,
        Err(errno) => {
            println!("mmap: {errno}");
            return 1;
        }
    };
    let mut counter: c_int = 41;
    let top = stack.wrapping_add(STACK_SIZE);
    // No CLONE_VM: the child works on a copy of our memory, like fork(2), but starts
    // in `child` on its own stack. SIGCHLD tells us when it ends.
    let arg = (&raw mut counter).cast();
    let tid = match unsafe { clone(child, top, CloneFlags::exit_signal(SIGCHLD), arg, null_mut(), null_mut(), null_mut()) } {
        Ok(tid) => tid,
        Err(errno) => {
            println!("clone: {errno}");
            return 1;
        }
    };
    println!("parent: pid {}, clone() returned {tid}", sys::getpid());
    match sys::wait4(tid, 0) {
        Ok((_, status)) => {
            println!("parent: child exited with status {:?}; my counter is still {counter}", sys::exit_status(status));
            if sys::exit_status(status) == Some(42) && counter == 41 { 0 } else { 1 }
        }
        Err(errno) => {
            println!("wait4: {errno}");
            1
        }
    }
}
