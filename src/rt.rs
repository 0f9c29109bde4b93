//! A minimal runtime for static freestanding programs (feature `rt`).
//!
//! `rt` is additive: enabling it (here or anywhere in a dependency graph) defines no
//! language item and no strong symbol (its `_start` is weak, so a C runtime's own
//! `_start` wins), and a std program still builds and links. What it
//! gives a std program is only what works anywhere: [`print!`](crate::print) and
//! friends, [`write_to`], [`is_process_one`] and [`power_off`].
//!
//! A freestanding program takes over with [`entry!`](crate::entry): `entry!(main)` in
//! a `#![no_std] #![no_main]` binary defines, in that binary, `main`'s caller, the
//! panic handler (message to stderr, exit status 101), the C symbols that compiled
//! Rust code may call (`memcpy`, `memmove`, `memset`, `memcmp`, `bcmp`, `strlen`,
//! `getauxval`, and an empty `rust_eh_personality` for a precompiled `core`), and
//! selects this crate's process entry `_start` (per architecture, with the ABI's stack
//! alignment; a weak symbol, so a C runtime's own `_start` wins where one is linked).
//! `main` receives a [`Runtime`]: only that entry makes one, so a function that takes
//! `&Runtime` can rely on freeclone's `_start` having started the program, with no C
//! library and no std runtime in it.
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! freeclone::entry!(main);
//! fn main(rt: freeclone::rt::Runtime) -> i32 {
//!     freeclone::println!("{} arguments", rt.args().len());
//!     0
//! }
//! ```
//!
//! The README's "Your own freestanding program" section has the build recipe (profile
//! and linker settings) for stable and nightly; `examples/template` follows it.

use core::ffi::{CStr, c_char};
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicPtr, Ordering};

use crate::sys;

#[doc(hidden)]
pub mod mem;

/// Proof that freeclone's `_start` started this program: only [`entry!`](crate::entry)'s
/// `main` receives one. It carries the command line, the environment and the auxiliary
/// vector the kernel passed.
///
/// Nothing else can make one, so a std program (or a library) cannot call what needs it:
///
/// ```compile_fail,E0451
/// let rt = freeclone::rt::Runtime { args: todo!() };
/// ```
#[derive(Copy, Clone, Debug)]
pub struct Runtime {
    args: Args,
}

impl Runtime {
    /// The command line and environment.
    pub fn args(&self) -> Args {
        self.args
    }

    /// The value of auxiliary-vector entry `key` (`AT_HWCAP`, `AT_PAGESZ`, ...), if
    /// the kernel passed one.
    pub fn auxiliary_value(&self, key: usize) -> Option<usize> {
        auxiliary_value(key)
    }
}

/// The command line and environment the kernel passed to the program.
#[derive(Copy, Clone, Debug)]
pub struct Args {
    argc: usize,
    argv: *const *const c_char,
    envp: *const *const c_char,
}

// SAFETY: the strings the kernel placed on the initial stack live as long as the
// program, and `Args` only reads them: threads may share it (and so a `Runtime`,
// which threads need to spawn threads).
unsafe impl Send for Args {}
// SAFETY: as above.
unsafe impl Sync for Args {}

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

/// Defines a freestanding program's entry: `entry!(main)` with
/// `fn main(rt: freeclone::rt::Runtime) -> i32`; the value `main` returns is the
/// process's exit status (through `exit_group`).
///
/// Use it once, in the binary crate of a `#![no_std] #![no_main]` program: it defines
/// the panic handler and the C symbols listed in [`rt`](crate::rt), so a std program
/// cannot use it (two panic handlers).
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[unsafe(no_mangle)]
        extern "Rust" fn __freeclone_main(rt: $crate::rt::Runtime) -> i32 {
            $main(rt)
        }

        #[panic_handler]
        fn __freeclone_panic(info: &::core::panic::PanicInfo<'_>) -> ! {
            $crate::rt::mem::panic(info)
        }

        // What compiled code may call: C's memory and string functions (LLVM emits
        // calls to them), `getauxval` (aarch64's atomics ask it for HWCAP), and the
        // personality routine a `core` built for unwinding refers to.
        #[unsafe(no_mangle)]
        unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
            unsafe { $crate::rt::mem::copy_forward(dest, src, n) };
            dest
        }

        #[unsafe(no_mangle)]
        unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
            unsafe { $crate::rt::mem::copy(dest, src, n) };
            dest
        }

        #[unsafe(no_mangle)]
        unsafe extern "C" fn memset(dest: *mut u8, byte: i32, n: usize) -> *mut u8 {
            unsafe { $crate::rt::mem::set(dest, byte as u8, n) };
            dest
        }

        #[unsafe(no_mangle)]
        unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
            unsafe { $crate::rt::mem::compare(a, b, n) }
        }

        #[unsafe(no_mangle)]
        unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
            unsafe { $crate::rt::mem::compare(a, b, n) }
        }

        #[unsafe(no_mangle)]
        unsafe extern "C" fn strlen(s: *const u8) -> usize {
            unsafe { $crate::rt::mem::c_string_length(s) }
        }

        #[unsafe(no_mangle)]
        extern "C" fn getauxval(key: ::core::ffi::c_ulong) -> ::core::ffi::c_ulong {
            $crate::rt::mem::getauxval(key)
        }

        #[unsafe(no_mangle)]
        extern "C" fn rust_eh_personality() {}
    };
}

unsafe extern "Rust" {
    safe fn __freeclone_main(rt: Runtime) -> i32;
}

/// The auxiliary vector, found by [`start`]; null until then (and in std programs).
static AUXILIARY_VECTOR: AtomicPtr<usize> = AtomicPtr::new(core::ptr::null_mut());

/// Called by the architecture's `_start` with the initial stack pointer, which points
/// at argc, then argv (null-terminated), then envp (null-terminated), then auxv.
pub(crate) unsafe extern "C" fn start(initial_stack: *const usize) -> ! {
    // SAFETY: the kernel's process-entry layout.
    let args = unsafe {
        let argc = *initial_stack;
        let argv = initial_stack.add(1) as *const *const c_char;
        Args { argc, argv, envp: argv.add(argc + 1) }
    };
    let mut end_of_environment = args.envp;
    // SAFETY: envp ends with a null pointer, and auxv follows it.
    unsafe {
        while !(*end_of_environment).is_null() {
            end_of_environment = end_of_environment.add(1);
        }
        AUXILIARY_VECTOR.store(end_of_environment.add(1) as *mut usize, Ordering::Relaxed);
    }
    sys::exit_group(__freeclone_main(Runtime { args }))
}

/// The auxiliary-vector entry `key`, if `_start` saw one.
fn auxiliary_value(key: usize) -> Option<usize> {
    let mut entry = AUXILIARY_VECTOR.load(Ordering::Relaxed) as *const usize;
    if entry.is_null() {
        return None;
    }
    // SAFETY: the vector is (key, value) pairs ending with AT_NULL (0).
    unsafe {
        while *entry != 0 {
            if *entry == key {
                return Some(*entry.add(1));
            }
            entry = entry.add(2);
        }
    }
    None
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
/// [`Errno`](crate::errno::Errno) of a failed fork.
///
/// It takes the [`Runtime`] because the child is a raw fork: in a program with a C
/// library and other threads, `work` could find the allocator's locks held and its
/// heap half-updated by a thread that does not exist in the child. Under freeclone's
/// own runtime there is no such hidden state.
pub fn supervise(_: &Runtime, work: impl FnOnce() -> i32) -> Result<i32, crate::errno::Errno> {
    // A fork-like raw clone: the child returns here with Ok(0), on a copy of this stack.
    let worker = unsafe {
        sys::clone(crate::flags::CloneFlags::exit_signal(crate::signal::SIGCHLD), core::ptr::null_mut(), core::ptr::null_mut(), core::ptr::null_mut(), core::ptr::null_mut())
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
            Ok(_) | Err(crate::errno::Errno::EINTR) => {}
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
pub fn power_off() -> crate::errno::Errno {
    if !is_process_one() {
        return crate::errno::Errno::EPERM;
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

/// Writes formatted text to `fd` through a small stack buffer, with no allocation.
/// Output errors are ignored, as `print!` would panic on them and there is nobody to
/// tell.
pub fn write_to(fd: crate::fd::BorrowedFd<'_>, args: fmt::Arguments<'_>) {
    struct Buffered<'fd> {
        fd: crate::fd::BorrowedFd<'fd>,
        bytes: [u8; 256],
        len: usize,
    }
    impl Buffered<'_> {
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
    impl Write for Buffered<'_> {
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
    ($($arg:tt)*) => { $crate::rt::write_to($crate::fd::STDOUT, format_args!($($arg)*)) };
}

/// Prints a line to standard output, without allocating.
#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::rt::write_to($crate::fd::STDOUT, format_args!("{}\n", format_args!($($arg)*))) };
}

/// Prints to standard error, without allocating.
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::rt::write_to($crate::fd::STDERR, format_args!($($arg)*)) };
}

/// Prints a line to standard error, without allocating.
#[macro_export]
macro_rules! eprintln {
    () => { $crate::eprint!("\n") };
    ($($arg:tt)*) => { $crate::rt::write_to($crate::fd::STDERR, format_args!("{}\n", format_args!($($arg)*))) };
}
