//! The smallest useful freeclone program, for the binary-size figure of `cargo xtask
//! bench`: clone one child on a static stack, wait for it, exit with its status (0).
//! `minimal.c` is the same program in C, linked statically with glibc and with musl.

#![no_std]
#![no_main]

use core::ffi::{c_int, c_void};
use core::ptr::null_mut;

use freeclone::flags::CloneFlags;
use freeclone::signal::SIGCHLD;
use freeclone::{clone, sys};

freeclone::entry!(main);

const STACK_SIZE: usize = 4096;
static mut STACK: [u8; STACK_SIZE] = [0; STACK_SIZE];

extern "C" fn child(_: *mut c_void) -> c_int {
    0
}

fn main(_: freeclone::rt::Runtime) -> i32 {
    let top = unsafe { (&raw mut STACK).cast::<u8>().add(STACK_SIZE) };
    match unsafe { clone(child, top, CloneFlags::exit_signal(SIGCHLD), null_mut(), null_mut(), null_mut(), null_mut()) } {
        Ok(pid) => match sys::wait4(pid, 0) {
            Ok((_, status)) => sys::exit_status(status).unwrap_or(1),
            Err(_) => 2,
        },
        Err(_) => 3,
    }
}
