//! freeclone's C ABI: `libfreeclone_capi.a`, a static library for C (and any language
//! that links C objects), with `include/freeclone.h`. `cargo xtask capi` packs it into
//! `libfreeclone.a`, which defines these symbols and nothing else (see the README).
//!
//! It defines glibc's wrappers with glibc's prototypes and error convention (-1 and
//! `errno`, set through the C library's `__errno_location`):
//! - `clone(fn, child_stack, flags, arg, ... /* ptid, tls, ctid */)`
//! - `__clone2(fn, stack_base, stack_size, flags, arg, ... /* ptid, tls, ctid */)` on
//!   every architecture (the child runs on the top of the area)
//! - `__clone3(cl_args, size, fn, arg)`, exactly glibc's internal one: the clone3
//!   system call, no fallback (`ENOSYS` comes back as it is)
//! - `clone3(cl_args, size, fn, arg)`: the same shape, falling back to `clone` when the
//!   kernel has no clone3 (as glibc's `__clone_internal` does)
//!
//! and, for programs without a C library (nothing here then needs `__errno_location`,
//! which the library references weakly), `freeclone_clone_raw`,
//! `freeclone_clone2_raw` and `freeclone_clone3_raw`, which return `-errno`.
//!
//! A NULL `fn` is `EINVAL` before any system call, as in glibc; so is a NULL stack for
//! `clone` and `__clone2`, and a NULL `cl_args` for the clone3 forms.
//!
//! How to prove which `clone` a program got: every call counts in
//! `freeclone_capi_calls`, the library's symbols are in the linked program
//! (`nm prog | grep freeclone_capi_calls`), and with `FREECLONE_CAPI_TRACE=1` in its
//! environment each call writes one line to standard error:
//! `freeclone-capi: clone flags=0x11 -> 1234` (the result, or `-errno`);
//! `FREECLONE_CAPI_TRACE=/absolute/path` appends the lines to that file instead.
//!
//! The crate is `no_std` and allocation-free. Its panic handler (nothing in it can
//! panic) ends the process with status 127; build it with `panic = "abort"` (the
//! workspace's profiles do).

#![no_std]
#![cfg_attr(any(target_arch = "mips", target_arch = "mips64"), feature(asm_experimental_arch))]
#![warn(missing_docs, unsafe_op_in_unsafe_fn)]

use core::ffi::{c_char, c_int, c_void};
use core::sync::atomic::{AtomicPtr, AtomicU8, AtomicUsize, Ordering};

use freeclone::flags::CloneFlags;
use freeclone::{CloneFn, Errno, Fallback, RawCloneArgs, pid_t, sys};

/// `int (*fn)(void *)`, which C may pass as NULL.
type CFn = Option<CloneFn>;

/// How many times a function of this library was called (every entry point, failed
/// calls included), in the calling process: the runtime proof that a program's `clone`
/// is this library's. `size_t freeclone_capi_calls` in C.
#[unsafe(no_mangle)]
pub static freeclone_capi_calls: AtomicUsize = AtomicUsize::new(0);

// Weak references to the C library's `__errno_location` and `environ`: a program
// without a C library links this archive too (it calls the `_raw` functions), and the
// words below are then zero.
#[cfg(target_pointer_width = "64")]
macro_rules! word {
    () => {
        ".quad"
    };
}
#[cfg(target_pointer_width = "32")]
macro_rules! word {
    () => {
        ".long"
    };
}
core::arch::global_asm!(
    ".weak __errno_location",
    ".weak environ",
    ".pushsection .data.rel.ro.freeclone_capi,\"aw\"",
    ".balign 8",
    ".globl freeclone_capi_weak_errno_location",
    ".hidden freeclone_capi_weak_errno_location",
    "freeclone_capi_weak_errno_location:",
    concat!(word!(), " __errno_location"),
    ".globl freeclone_capi_weak_environ",
    ".hidden freeclone_capi_weak_environ",
    "freeclone_capi_weak_environ:",
    concat!(word!(), " environ"),
    ".popsection",
);

// A stable toolchain's prebuilt `core` was compiled for unwinding: its objects name
// `rust_eh_personality`, which only std defines. Nothing here unwinds (panic = "abort"),
// so a weak, empty definition satisfies the reference, and gives way to a real one
// (a Rust program with std linking this library).
core::arch::global_asm!(
    ".weak rust_eh_personality",
    ".pushsection .rodata.freeclone_capi_personality,\"a\"",
    ".balign 8",
    "rust_eh_personality:",
    concat!(word!(), " 0"),
    ".popsection",
);

unsafe extern "C" {
    static freeclone_capi_weak_errno_location: usize;
    static freeclone_capi_weak_environ: usize;
}

/// Sets the C library's `errno` to `errno`, if the program has a C library.
fn set_errno(errno: Errno) {
    // SAFETY: a word the assembler initialised; read volatile so that the compiler
    // cannot assume that a weak symbol's address is non-null.
    let address = unsafe { core::ptr::read_volatile(&raw const freeclone_capi_weak_errno_location) };
    if address != 0 {
        // SAFETY: the C library's `int *__errno_location(void)`.
        let errno_location: unsafe extern "C" fn() -> *mut c_int = unsafe { core::mem::transmute(address) };
        // SAFETY: it returns the calling thread's errno.
        unsafe { *errno_location() = errno.raw() };
    }
}

/// Where trace lines go: 0: not looked at yet, 1: nowhere, 2: standard error, 3: the
/// file [`TRACE_PATH`] names.
static TRACE: AtomicU8 = AtomicU8::new(0);

/// `FREECLONE_CAPI_TRACE`'s value when it is an absolute path (mode 3).
static TRACE_PATH: AtomicPtr<c_char> = AtomicPtr::new(core::ptr::null_mut());

/// Reads `FREECLONE_CAPI_TRACE` from the C library's `environ` once: `1` is standard
/// error, an absolute path a file that each line is appended to (a program that
/// captures its children's standard error then sees none), anything else is off.
fn trace_mode() -> u8 {
    match TRACE.load(Ordering::Relaxed) {
        0 => {
            let mode = match environment_value(b"FREECLONE_CAPI_TRACE=") {
                // SAFETY: a NUL-terminated string of `environ`.
                Some(value) => match unsafe { core::ffi::CStr::from_ptr(value) }.to_bytes() {
                    b"1" => 2,
                    [b'/', ..] => {
                        TRACE_PATH.store(value.cast_mut(), Ordering::Relaxed);
                        3
                    }
                    _ => 1,
                },
                None => 1,
            };
            TRACE.store(mode, Ordering::Relaxed);
            mode
        }
        mode => mode,
    }
}

/// The value of the `environ` entry that starts with `prefix` (`NAME=`).
fn environment_value(prefix: &[u8]) -> Option<*const c_char> {
    // SAFETY: as in `set_errno`.
    let address = unsafe { core::ptr::read_volatile(&raw const freeclone_capi_weak_environ) };
    if address == 0 {
        return None;
    }
    // SAFETY: `environ` is the C library's `char **environ`, a NULL-terminated array
    // of NUL-terminated strings.
    unsafe {
        let mut entries = *(address as *const *const *const c_char);
        if entries.is_null() {
            return None;
        }
        while !(*entries).is_null() {
            if core::ffi::CStr::from_ptr(*entries).to_bytes().starts_with(prefix) {
                return Some((*entries).add(prefix.len()));
            }
            entries = entries.add(1);
        }
    }
    None
}

/// Writes `freeclone-capi: <name> flags=0x<flags> -> <result>` where
/// `FREECLONE_CAPI_TRACE` says.
fn trace(name: &str, flags: u64, result: &Result<pid_t, Errno>) {
    let mode = trace_mode();
    if mode < 2 {
        return;
    }
    let mut line = Line { bytes: [0; 96], len: 0 };
    line.push(b"freeclone-capi: ");
    line.push(name.as_bytes());
    line.push(b" flags=0x");
    line.hex(flags);
    line.push(b" -> ");
    match result {
        Ok(tid) => line.decimal(i64::from(*tid)),
        Err(errno) => line.decimal(-i64::from(errno.raw())),
    }
    line.push(b"\n");
    let line = &line.bytes[..line.len];
    if mode == 2 {
        let _ = sys::write(freeclone::fd::STDERR, line);
        return;
    }
    // Opened per line: the program may close or reuse any descriptor kept open; with
    // O_APPEND, processes sharing the file write whole lines.
    // SAFETY: the path is `environ`'s string (mode 3 stored it).
    let path = unsafe { core::ffi::CStr::from_ptr(TRACE_PATH.load(Ordering::Relaxed)) };
    let flags = sys::O_WRONLY | sys::O_CREAT | sys::O_CLOEXEC | sys::O_APPEND;
    if let Ok(file) = sys::openat(freeclone::fd::CWD, path, flags, 0o644) {
        let _ = sys::write(freeclone::fd::AsFd::as_fd(&file), line);
    }
}

/// A line built on the stack.
struct Line {
    bytes: [u8; 96],
    len: usize,
}

impl Line {
    fn push(&mut self, text: &[u8]) {
        let room = (self.bytes.len() - self.len).min(text.len());
        self.bytes[self.len..self.len + room].copy_from_slice(&text[..room]);
        self.len += room;
    }

    fn hex(&mut self, value: u64) {
        let mut digits = [0u8; 16];
        let mut count = 0;
        let mut rest = value;
        loop {
            digits[count] = b"0123456789abcdef"[(rest & 0xf) as usize];
            count += 1;
            rest >>= 4;
            if rest == 0 {
                break;
            }
        }
        digits[..count].reverse();
        self.push(&digits[..count]);
    }

    fn decimal(&mut self, value: i64) {
        if value < 0 {
            self.push(b"-");
        }
        let mut digits = [0u8; 20];
        let mut count = 0;
        let mut rest = value.unsigned_abs();
        loop {
            digits[count] = b'0' + (rest % 10) as u8;
            count += 1;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        digits[..count].reverse();
        self.push(&digits[..count]);
    }
}

/// A C result: the value, or -1 with `errno` set.
fn with_errno(result: Result<pid_t, Errno>) -> c_int {
    match result {
        Ok(tid) => tid,
        Err(errno) => {
            set_errno(errno);
            -1
        }
    }
}

/// A result for programs without a C library: the value, or `-errno`.
fn negated(result: Result<pid_t, Errno>) -> c_int {
    match result {
        Ok(tid) => tid,
        Err(errno) => -errno.raw(),
    }
}

/// C's `int flags`, its 32 bits as they are (`CLONE_IO` is the sign bit).
fn c_flags(flags: c_int) -> CloneFlags {
    CloneFlags::from_bits(u64::from(flags as u32))
}

fn do_clone(name: &str, f: CFn, stack: *mut c_void, flags: c_int, arg: *mut c_void, ptid: *mut pid_t, tls: *mut c_void, ctid: *mut pid_t) -> Result<pid_t, Errno> {
    freeclone_capi_calls.fetch_add(1, Ordering::Relaxed);
    let result = match f {
        None => Err(Errno::EINVAL),
        // SAFETY: the C caller's contract is freeclone::clone's (see freeclone.h).
        Some(f) => unsafe { freeclone::clone(f, stack.cast(), c_flags(flags), arg, ptid, tls, ctid) },
    };
    trace(name, u64::from(flags as u32), &result);
    result
}

#[allow(clippy::too_many_arguments)]
fn do_clone2(
    f: CFn, base: *mut c_void, size: usize, flags: c_int, arg: *mut c_void, ptid: *mut pid_t, tls: *mut c_void, ctid: *mut pid_t,
) -> Result<pid_t, Errno> {
    freeclone_capi_calls.fetch_add(1, Ordering::Relaxed);
    let result = match f {
        None => Err(Errno::EINVAL),
        // SAFETY: as in `do_clone`.
        Some(f) => unsafe { freeclone::clone2(f, base.cast(), size, c_flags(flags), arg, ptid, tls, ctid) },
    };
    trace("__clone2", u64::from(flags as u32), &result);
    result
}

fn do_clone3(name: &str, fallback: Fallback, args: *mut RawCloneArgs, size: usize, f: CFn, arg: *mut c_void) -> Result<pid_t, Errno> {
    freeclone_capi_calls.fetch_add(1, Ordering::Relaxed);
    let result = match f {
        None => Err(Errno::EINVAL),
        // SAFETY: as in `do_clone`, with `args` pointing to `size` bytes.
        Some(f) => unsafe { freeclone::clone3_raw(args, size, f, arg, fallback) },
    };
    // SAFETY: read only when the caller passed a structure (its first field is flags).
    let flags = if args.is_null() { 0 } else { unsafe { core::ptr::read_volatile(args.cast::<u64>()) } };
    trace(name, flags, &result);
    result
}

/// glibc's `clone(fn, child_stack, flags, arg, ... /* ptid, tls, ctid */)`: the child
/// calls `fn(arg)` on `child_stack` (its top) and exits with its return value. Returns
/// the child's TID, or -1 with `errno` set (`EINVAL` for a NULL `fn` or stack).
///
/// Declared variadic in C; on every architecture here the three trailing pointers
/// arrive where fixed arguments would, so they are read as such (unused ones are
/// ignored by the kernel unless a flag names them).
///
/// # Safety
/// `freeclone::clone`'s contract: the stack is the child's alone and large enough,
/// `fn` is safe to run in the child for these flags, the pointers are valid for the
/// flags that use them.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clone(
    f: CFn, child_stack: *mut c_void, flags: c_int, arg: *mut c_void, ptid: *mut pid_t, tls: *mut c_void, ctid: *mut pid_t,
) -> c_int {
    with_errno(do_clone("clone", f, child_stack, flags, arg, ptid, tls, ctid))
}

/// `__clone2(fn, stack_base, stack_size, flags, arg, ... /* ptid, tls, ctid */)`: as
/// [`clone`], with the stack given as its lowest address and size (ia64's form); here
/// the child runs on the area's top.
///
/// # Safety
/// As [`clone`], for the area `stack_base..stack_base + stack_size`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn __clone2(
    f: CFn, stack_base: *mut c_void, stack_size: usize, flags: c_int, arg: *mut c_void, ptid: *mut pid_t, tls: *mut c_void,
    ctid: *mut pid_t,
) -> c_int {
    with_errno(do_clone2(f, stack_base, stack_size, flags, arg, ptid, tls, ctid))
}

/// glibc's `__clone3(cl_args, size, fn, arg)`: the clone3 system call with `cl_args`
/// and `size` as given; the child calls `fn(arg)` on `cl_args->stack` (its top, aligned
/// down) and exits with its return value. No fallback: -1 with `errno` `ENOSYS` where
/// the kernel has no clone3. `EINVAL` for a NULL `cl_args` or `fn`.
///
/// # Safety
/// `cl_args` points to `size` readable bytes of `struct clone_args`, valid for its
/// flags; otherwise as [`clone`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __clone3(cl_args: *mut RawCloneArgs, size: usize, f: CFn, arg: *mut c_void) -> c_int {
    with_errno(do_clone3("__clone3", Fallback::None, cl_args, size, f, arg))
}

/// [`__clone3`] with the fallback of glibc's `__clone_internal`: where the kernel
/// answers `ENOSYS`, the same request through `clone` (or `EINVAL` for what `clone`
/// cannot express: `set_tid`, `cgroup`, flags above bit 31, ...).
///
/// # Safety
/// As [`__clone3`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn clone3(cl_args: *mut RawCloneArgs, size: usize, f: CFn, arg: *mut c_void) -> c_int {
    with_errno(do_clone3("clone3", Fallback::Clone, cl_args, size, f, arg))
}

/// [`clone`] for programs without a C library: returns the TID or `-errno`, and touches
/// no `errno`.
///
/// # Safety
/// As [`clone`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn freeclone_clone_raw(
    f: CFn, child_stack: *mut c_void, flags: c_int, arg: *mut c_void, ptid: *mut pid_t, tls: *mut c_void, ctid: *mut pid_t,
) -> c_int {
    negated(do_clone("freeclone_clone_raw", f, child_stack, flags, arg, ptid, tls, ctid))
}

/// [`__clone2`] returning the TID or `-errno`.
///
/// # Safety
/// As [`__clone2`].
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn freeclone_clone2_raw(
    f: CFn, stack_base: *mut c_void, stack_size: usize, flags: c_int, arg: *mut c_void, ptid: *mut pid_t, tls: *mut c_void,
    ctid: *mut pid_t,
) -> c_int {
    negated(do_clone2(f, stack_base, stack_size, flags, arg, ptid, tls, ctid))
}

/// [`clone3`] (with its fallback) returning the TID or `-errno`.
///
/// # Safety
/// As [`__clone3`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn freeclone_clone3_raw(cl_args: *mut RawCloneArgs, size: usize, f: CFn, arg: *mut c_void) -> c_int {
    negated(do_clone3("freeclone_clone3_raw", Fallback::Clone, cl_args, size, f, arg))
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    freeclone::sys::exit_group(127)
}
