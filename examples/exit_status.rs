//! A program for `cargo xtask run` (or `freeclone-run`) on any tier: prints its
//! arguments, then ends as its first argument says. A number is its exit status;
//! `segv` faults (SIGSEGV); `poweroff` powers the machine off, which only PID 1 may
//! (elsewhere it exits with 1). Without arguments it exits with 0.
//!
//! ```text
//! cargo xtask run --tier kernel target/freestanding/<triple>/release/examples/exit_status 3 "two words"
//! ```

#![no_std]
#![no_main]

use core::ptr::null_mut;

use freeclone::rt::{self, Runtime};
use freeclone::{println, sys};

freeclone::entry!(main);

fn main(rt: Runtime) -> i32 {
    let args = rt.args();
    for (index, arg) in args.iter().enumerate() {
        println!("argv[{index}] = {arg:?}");
    }
    match args.get(1).map(|arg| arg.to_bytes()) {
        None => 0,
        Some(b"segv") => fault(),
        Some(b"poweroff") => {
            let errno = rt::power_off();
            println!("power off refused: {errno}");
            1
        }
        Some(digits) => match core::str::from_utf8(digits).ok().and_then(|text| text.parse::<u8>().ok()) {
            Some(status) => status.into(),
            None => {
                println!("usage: exit_status [STATUS 0-255 | segv | poweroff] [more arguments to print]");
                2
            }
        },
    }
}

/// Writes to a page mapped without access: the kernel answers with SIGSEGV, which a
/// PID 1 cannot ignore either (a fault is forced; kill(2) from itself would be ignored).
fn fault() -> i32 {
    let flags = sys::MAP_PRIVATE | sys::MAP_ANONYMOUS;
    match unsafe { sys::mmap(null_mut(), 4096, 0, flags, -1, 0) } {
        Ok(page) => {
            unsafe { page.write_volatile(1) };
            println!("the write to a PROT_NONE page did not fault");
            1
        }
        Err(errno) => {
            println!("mmap: {errno}");
            1
        }
    }
}
