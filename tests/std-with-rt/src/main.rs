//! A std program with freeclone's `rt` feature on (as a dependency might turn it on):
//! it builds, links against glibc's `_start` (freeclone's is weak), and std and `rt`'s
//! printing both work. `cargo xtask test` builds and runs it.

use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let threads: Vec<_> = (0..4).map(|index| std::thread::spawn(move || index * 2)).collect();
    let sum: i32 = threads.into_iter().map(|thread| thread.join().unwrap()).sum();
    freeclone::println!("rt's println in a std program; std threads summed to {sum}");
    // Errno is an Error: `?` turns it into Box<dyn Error>.
    let pid = freeclone::sys::getpid();
    freeclone::sys::kill(pid, 0)?;
    // Formatting an Errno links core's formatting into freeclone's code: what an LTO
    // build could not link while freeclone was built without builtins.
    println!("std's println; pid {pid}; {}", freeclone::Errno::ENOENT);
    if sum == 12 { Ok(()) } else { Err("wrong sum".into()) }
}
