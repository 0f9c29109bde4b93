//! A minimal runtime for static freestanding programs (feature `rt`): the process
//! entry `_start` (per architecture, with the ABI's stack alignment), [`entry!`](crate::entry) for
//! `fn main(args: Args) -> i32`, a panic handler that prints the message to stderr and
//! exits with 101, and allocation-free [`print!`](crate::print) and friends.
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! freeclone::entry!(main);
//! fn main(args: freeclone::rt::Args) -> i32 {
//!     freeclone::println!("{} arguments", args.len());
//!     0
//! }
//! ```

use core::ffi::{CStr, c_char};
use core::fmt::{self, Write};

use crate::sys;

/// The command line and environment the kernel passed to the program.
#[derive(Copy, Clone, Debug)]
pub struct Args {
    argc: usize,
    argv: *const *const c_char,
    envp: *const *const c_char,
}

impl Args {
    /// How many arguments there are, the program name included.
    pub fn len(&self) -> usize {
        self.argc
    }

    /// Whether there are no arguments at all (not even a program name).
    pub fn is_empty(&self) -> bool {
        self.argc == 0
    }

    /// Argument `index` (0: the program name).
    pub fn get(&self, index: usize) -> Option<&'static CStr> {
        // SAFETY: the kernel laid out argc valid C strings at argv.
        (index < self.argc).then(|| unsafe { CStr::from_ptr(*self.argv.add(index)) })
    }

    /// The arguments, the program name first.
    pub fn iter(&self) -> impl Iterator<Item = &'static CStr> + '_ {
        (0..self.argc).filter_map(|index| self.get(index))
    }

    /// The environment, as `NAME=value` strings.
    pub fn environment(&self) -> impl Iterator<Item = &'static CStr> {
        let mut next = self.envp;
        core::iter::from_fn(move || {
            // SAFETY: the kernel ended envp with a null pointer.
            let entry = unsafe { *next };
            (!entry.is_null()).then(|| {
                next = unsafe { next.add(1) };
                unsafe { CStr::from_ptr(entry) }
            })
        })
    }
}

/// Defines the program's entry: `entry!(main)` with `fn main(args: Args) -> i32`; the
/// value `main` returns is the process's exit status.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[unsafe(no_mangle)]
        extern "Rust" fn __freeclone_main(args: $crate::rt::Args) -> i32 {
            $main(args)
        }
    };
}

unsafe extern "Rust" {
    safe fn __freeclone_main(args: Args) -> i32;
}

/// Called by the architecture's `_start` with the initial stack pointer, which points
/// at argc, then argv (null-terminated), then envp (null-terminated).
pub(crate) unsafe extern "C" fn start(initial_stack: *const usize) -> ! {
    // SAFETY: the kernel's process-entry layout.
    let args = unsafe {
        let argc = *initial_stack;
        let argv = initial_stack.add(1) as *const *const c_char;
        Args { argc, argv, envp: argv.add(argc + 1) }
    };
    sys::exit_group(__freeclone_main(args))
}

/// Whether this process is PID 1: the kernel's init, or the first process of a PID
/// namespace.
pub fn is_process_one() -> bool {
    sys::getpid() == 1
}

/// What a PID 1 needs to run `work` well: runs it in a child process (so that `work`
/// has an ordinary parent, as `CLONE_PARENT` requires) and reaps every child that ends
/// meanwhile, orphans re-parented to PID 1 included, until none is left. Returns
/// `work`'s exit status (128 + the signal number if a signal ended it), or the
/// [`Errno`](crate::Errno) of a failed fork.
pub fn supervise(work: impl FnOnce() -> i32) -> Result<i32, crate::Errno> {
    // A fork-like raw clone: the child returns here with Ok(0), on a copy of this stack.
    let worker = unsafe {
        sys::clone(crate::signal::SIGCHLD, core::ptr::null_mut(), core::ptr::null_mut(), core::ptr::null_mut(), core::ptr::null_mut())
    }?;
    if worker == 0 {
        sys::exit_group(work());
    }
    let mut result = 255;
    loop {
        match sys::wait4(-1, sys::WALL) {
            Ok((pid, status)) if pid == worker => {
                result = match (sys::exit_status(status), sys::termination_signal(status)) {
                    (Some(code), _) => code,
                    (None, Some(signal)) => 128 + signal,
                    (None, None) => 255,
                };
            }
            Ok(_) | Err(crate::Errno::EINTR) => {}
            Err(_) => return Ok(result), // ECHILD: nobody is left
        }
    }
}

/// Powers the machine off, for a PID 1 that is done: syncs and calls `reboot(2)`.
/// Returns only if that failed, with the reason.
///
/// Refuses with `EPERM`, without calling `reboot(2)`, when this process is not PID 1:
/// the same program may run under qemu-user or natively as root, where the call would
/// reach the host's kernel and power the host off.
pub fn power_off() -> crate::Errno {
    if !is_process_one() {
        return crate::Errno::EPERM;
    }
    sys::sync();
    match unsafe { sys::reboot_power_off() } {
        Err(errno) => errno,
        // The kernel stops the machine inside the call: there is nothing to return to.
        Ok(()) => loop {
            sys::sched_yield();
        },
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    write_to(2, format_args!("panic: {info}\n"));
    sys::exit_group(101)
}

/// Writes formatted text to `fd` through a small stack buffer, with no allocation.
/// Output errors are ignored, as `print!` would panic on them and there is nobody to
/// tell.
pub fn write_to(fd: core::ffi::c_int, args: fmt::Arguments<'_>) {
    struct Buffered {
        fd: core::ffi::c_int,
        bytes: [u8; 256],
        len: usize,
    }
    impl Buffered {
        fn flush(&mut self) {
            let mut written = 0;
            while written < self.len {
                match sys::write(self.fd, &self.bytes[written..self.len]) {
                    Ok(0) | Err(_) => break,
                    Ok(count) => written += count,
                }
            }
            self.len = 0;
        }
    }
    impl Write for Buffered {
        fn write_str(&mut self, text: &str) -> fmt::Result {
            for chunk in text.as_bytes().chunks(self.bytes.len()) {
                if self.len + chunk.len() > self.bytes.len() {
                    self.flush();
                }
                self.bytes[self.len..self.len + chunk.len()].copy_from_slice(chunk);
                self.len += chunk.len();
            }
            Ok(())
        }
    }
    let mut out = Buffered { fd, bytes: [0; 256], len: 0 };
    let _ = out.write_fmt(args);
    out.flush();
}

/// Prints to standard output, without allocating.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::rt::write_to(1, format_args!($($arg)*)) };
}

/// Prints a line to standard output, without allocating.
#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::rt::write_to(1, format_args!("{}\n", format_args!($($arg)*))) };
}

/// Prints to standard error, without allocating.
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::rt::write_to(2, format_args!($($arg)*)) };
}

/// Prints a line to standard error, without allocating.
#[macro_export]
macro_rules! eprintln {
    () => { $crate::eprint!("\n") };
    ($($arg:tt)*) => { $crate::rt::write_to(2, format_args!("{}\n", format_args!($($arg)*))) };
}
