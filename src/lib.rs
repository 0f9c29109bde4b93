//! Linux `clone(2)` exactly as its manual page describes it, with no libc and no
//! allocation: the glibc wrapper [`clone`], ia64's stack-as-base-and-size form
//! [`clone2`] (on every architecture), and the raw system call [`sys::clone`]; and
//! `clone3()`: its argument structure [`CloneArgs`], glibc's `fn(arg)` wrapper
//! [`clone3()`] with its fallback to `clone`, and the raw, fork-like call
//! [`sys::clone3`].
//!
//! ```no_run
//! use core::ffi::{c_int, c_void};
//! use freeclone::{clone, signal::SIGCHLD, sys};
//!
//! extern "C" fn child(arg: *mut c_void) -> c_int {
//!     // Runs on `STACK`, in a copy of the parent's memory (no CLONE_VM).
//!     unsafe { *(arg as *const c_int) + 1 }
//! }
//!
//! static mut STACK: [u8; 16 * 1024] = [0; 16 * 1024];
//! let mut value: c_int = 41;
//! let top = unsafe { (&raw mut STACK).cast::<u8>().add(16 * 1024) };
//! let tid = unsafe {
//!     clone(child, top, SIGCHLD, (&raw mut value).cast(),
//!           core::ptr::null_mut(), core::ptr::null_mut(), core::ptr::null_mut())
//! }.expect("clone");
//! let (_, status) = sys::wait4(tid, 0).expect("wait4");
//! assert_eq!(sys::exit_status(status), Some(42));
//! ```
//!
//! # Architectures
//! Everything architecture-specific lives in one module per architecture under
//! `arch/<name>/`: x86_64, i386, aarch64, arm (ARM and Thumb-2 state), mips (o32),
//! mips64 (n64), s390x, riscv64, loongarch64, powerpc64 (ELFv2 little-endian and
//! ELFv1 big-endian) and powerpc (32-bit).
//!
//! ia64 has no Rust module because no Rust target exists for it. Its `__clone2`
//! is `arch/ia64/clone2.S`, ia64 assembly for C and assembly programs. Assemble it
//! (`ia64-linux-gnu-as -x arch/ia64/clone2.S -o clone2.o`, or through a C
//! compiler), declare
//! `int __clone2(int (*fn)(void *), void *stack_base, size_t stack_size, int flags, void *arg, ...);`
//! and link `clone2.o` in. `__clone2` reports errors through the C library's
//! `__errno_location`; programs without a C library call `freeclone_clone2_raw`,
//! which returns -errno. Do not link it into a program that also takes glibc's own
//! `__clone2`. `cargo xtask test --arch ia64` assembles, links and checks it
//! structurally; no emulator can run it.
//!
//! # Features
//! - `rt`: a minimal runtime for static freestanding programs (the `rt` module and
//!   `entry!`). Additive: a std program with `rt` enabled somewhere in its dependency
//!   graph still builds; only `entry!` takes a program over.
//! - `probes`: register snapshots used by the conformance program (the `probes` module).

#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(any(target_arch = "mips", target_arch = "mips64"), feature(asm_experimental_arch))]
#![warn(missing_docs, unsafe_op_in_unsafe_fn)]

// The architecture dispatch: the only place that names a target architecture.
#[cfg_attr(target_arch = "x86_64", path = "../arch/x86_64/mod.rs")]
#[cfg_attr(target_arch = "x86", path = "../arch/i386/mod.rs")]
#[cfg_attr(target_arch = "aarch64", path = "../arch/aarch64/mod.rs")]
#[cfg_attr(target_arch = "arm", path = "../arch/arm/mod.rs")]
#[cfg_attr(target_arch = "mips", path = "../arch/mips/mod.rs")]
#[cfg_attr(target_arch = "mips64", path = "../arch/mips64/mod.rs")]
#[cfg_attr(target_arch = "s390x", path = "../arch/s390x/mod.rs")]
#[cfg_attr(target_arch = "riscv64", path = "../arch/riscv64/mod.rs")]
#[cfg_attr(target_arch = "loongarch64", path = "../arch/loongarch64/mod.rs")]
#[cfg_attr(target_arch = "powerpc64", path = "../arch/powerpc64/mod.rs")]
#[cfg_attr(target_arch = "powerpc", path = "../arch/powerpc/mod.rs")]
// Each `_start:` in an architecture's naked `_start` defines the process entry symbol
// the linker must see, not a local label (rustc before 1.89 denied it).
#[allow(named_asm_labels)]
mod arch;
#[cfg(not(any(
    target_arch = "x86_64",
    target_arch = "x86",
    target_arch = "aarch64",
    target_arch = "arm",
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "s390x",
    target_arch = "riscv64",
    target_arch = "loongarch64",
    target_arch = "powerpc64",
    target_arch = "powerpc",
)))]
compile_error!("freeclone supports Linux on x86_64, i386, aarch64, arm, mips, mips64, s390x, riscv64, loongarch64, powerpc64 and powerpc");
/// i386's `CLONE_SETTLS` argument: glibc's `struct user_desc`.
#[cfg(target_arch = "x86")]
pub use arch::UserDesc;

// The README's Rust examples are compiled as doctests, with feature `rt` (some are
// freestanding programs' code), as `cargo test --features rt,probes --doc` runs them.
#[cfg(all(doctest, feature = "rt"))]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;

mod clone_args;
mod errno;
#[cfg(test)]
#[path = "tests/integer_boundaries.rs"]
mod integer_boundaries;
pub mod flags;
#[cfg(feature = "probes")]
#[cfg_attr(docsrs, doc(cfg(feature = "probes")))]
pub mod probes;
pub mod process;
#[cfg(feature = "rt")]
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
pub mod rt;
pub mod signal;
pub mod stack;
pub mod sys;
pub mod thread;
pub mod tls;

use core::ffi::{c_int, c_void};
use core::sync::atomic::{AtomicBool, Ordering};

pub use clone_args::{CLONE_ARGS_SIZE_VER0, CLONE_ARGS_SIZE_VER1, CLONE_ARGS_SIZE_VER2, CloneArgs, RawCloneArgs};
pub use errno::Errno;
pub use flags::CloneFlags;

/// A process or thread ID, as C's `pid_t`.
#[allow(non_camel_case_types)]
pub type pid_t = c_int;

/// The function a child starts in: `fn(arg)`, whose return value is the child's exit
/// status.
///
/// It is an `unsafe` function pointer so that a child may take `arg` as the pointer it
/// is (an ordinary `extern "C" fn` coerces to it): the child calls it under the
/// contract of [`clone`], whose caller promises that `arg` is what `f` expects.
pub type CloneFn = unsafe extern "C" fn(*mut c_void) -> c_int;

/// Creates a child process or thread that starts by calling `f(arg)` on `child_stack`,
/// as glibc's `clone()` does.
///
/// - `child_stack` is the topmost address of the child's stack (stacks grow down). It
///   is aligned down to the ABI's alignment ([`stack::ALIGNMENT`]); the wrapper then
///   uses [`stack::CHILD_FRAME_SIZE`] bytes below it before `f` runs.
/// - `flags` is the manual page's `flags`: `CLONE_*` bits ([`flags`]) ORed with the
///   termination signal in the low byte (for example [`signal::SIGCHLD`]).
/// - `ptid`, `tls` and `ctid` are read by the kernel only for the flags that name them
///   (`CLONE_PARENT_SETTID`, `CLONE_SETTLS`, `CLONE_CHILD_SETTID`/`CLONE_CHILD_CLEARTID`);
///   pass null pointers otherwise. On i386 `tls` points to a `struct user_desc`;
///   elsewhere it is the new value of the thread-pointer register.
///
/// In the parent, returns the child's thread ID. In the child, `f(arg)` runs with the
/// frame chain ended (frame pointer zero, return address marked undefined for
/// unwinders), and its return value becomes the child's exit status through
/// `SYS_exit`, which ends the child only, never its whole thread group.
///
/// # Errors
/// - [`Errno::EINVAL`] if `child_stack`, aligned down, is null (any pointer below
///   [`stack::ALIGNMENT`]), before any system call: glibc's rule since 2.34, which
///   aligns first and then checks. `f` cannot be null in Rust.
/// - Any error of the system call, unchanged: `EINVAL` for an invalid combination of
///   flags, `EPERM` for a namespace flag without privilege, `EAGAIN`, `ENOMEM`, ...
///
/// # Safety
/// - `child_stack` must be the top of memory that is writable, not used by anything
///   else, and large enough for `f` and everything it calls, for as long as the child
///   runs. With `CLONE_VM` that memory is shared: it must stay valid until the child
///   has exited (for example until `CLONE_CHILD_CLEARTID` has cleared `ctid`).
/// - `f` must be safe to run in the child given `flags`: with `CLONE_VM` it shares the
///   caller's memory without any synchronization this crate provides; without it, it
///   runs in a copy. With `CLONE_VM`, however the child ends (returning from `f`,
///   `sys::exit`, `sys::exit_group` or `sys::execve`), nothing is unwound: nothing of
///   the caller's may rely on values that live in the child's frames.
/// - `ptid`, `tls` and `ctid` must be valid for the flags that use them: writable
///   `pid_t`s for the TID flags (`ctid` in the child's memory), and for `CLONE_SETTLS`
///   a TLS value the code in the child can live with.
pub unsafe fn clone(
    f: CloneFn,
    child_stack: *mut u8,
    flags: c_int,
    arg: *mut c_void,
    ptid: *mut pid_t,
    tls: *mut c_void,
    ctid: *mut pid_t,
) -> Result<pid_t, Errno> {
    // Align first: a pointer that aligns down to null would make the system call run
    // the child on the caller's stack.
    let top = stack::align_down(child_stack);
    if top.is_null() {
        return Err(Errno::EINVAL);
    }
    // SAFETY: the caller upholds this function's contract; `top` is aligned.
    unsafe { clone_on_aligned_top(f, top, flags, arg, ptid, tls, ctid) }
}

/// The manual page's `__clone2`: as [`clone`], but the child's stack is given as its
/// lowest address `stack_base` and its size in bytes, as ia64 needs. On every
/// architecture this runs the child on the top of that area.
///
/// # Errors
/// - [`Errno::EINVAL`] if `stack_base` is null, or if the area, once its top is
///   aligned down, holds less than [`stack::MIN_SIZE`] bytes (the wrapper's own frame
///   plus one aligned slot for `f`), before any system call.
/// - Any error of the system call, unchanged (see [`clone`]).
///
/// # Safety
/// As [`clone`], with `stack_base..stack_base + stack_size` as the child's stack.
#[allow(clippy::too_many_arguments)]
pub unsafe fn clone2(
    f: CloneFn,
    stack_base: *mut u8,
    stack_size: usize,
    flags: c_int,
    arg: *mut c_void,
    ptid: *mut pid_t,
    tls: *mut c_void,
    ctid: *mut pid_t,
) -> Result<pid_t, Errno> {
    if stack_base.is_null() {
        return Err(Errno::EINVAL);
    }
    let top = stack::align_down(stack_base.wrapping_add(stack_size));
    // A size that wraps around the address space leaves nothing usable either.
    if (top as usize).saturating_sub(stack_base as usize) < stack::MIN_SIZE {
        return Err(Errno::EINVAL);
    }
    // SAFETY: the caller upholds this function's contract; `top` is aligned and the
    // wrapper's frame fits between it and `stack_base`.
    unsafe { clone_on_aligned_top(f, top, flags, arg, ptid, tls, ctid) }
}

/// The part shared by [`clone`] and [`clone2`]: the architecture's entry, whose return
/// value is a TID or -errno.
unsafe fn clone_on_aligned_top(
    f: CloneFn,
    top: *mut u8,
    flags: c_int,
    arg: *mut c_void,
    ptid: *mut pid_t,
    tls: *mut c_void,
    ctid: *mut pid_t,
) -> Result<pid_t, Errno> {
    // The kernel reads the low 32 bits of flags: pass them zero-extended.
    // SAFETY: forwarded from the callers.
    let ret = unsafe { arch::clone_entry(f, top, flags as u32 as usize, arg, ptid, tls, ctid) };
    Errno::from_syscall_return(ret).map(|tid| tid as pid_t)
}

/// Whether [`clone3`] has seen this kernel answer `ENOSYS` to the clone3 system call
/// (before Linux 5.3, under qemu-user, or under a seccomp filter that refuses it), so
/// that it and every later call went through `clone` instead.
static CLONE3_MISSING: AtomicBool = AtomicBool::new(false);

/// True once [`clone3`] has found the clone3 system call missing (`ENOSYS`) and fallen
/// back to `clone`: from then on it goes to `clone` directly.
pub fn clone3_is_missing() -> bool {
    CLONE3_MISSING.load(Ordering::Relaxed)
}

/// Creates a child process or thread described by `args` that starts by calling
/// `f(arg)`, as glibc's `__clone3` does, falling back to `clone` where the kernel has
/// no clone3 (as glibc's `__clone_internal` does).
///
/// - The child's stack is [`CloneArgs::stack`]'s area: the kernel starts the child at
///   `stack + stack_size`, which the entry aligns down to [`stack::ALIGNMENT`] and then
///   uses [`stack::CHILD_FRAME_SIZE`] bytes below, exactly as [`clone`] does. Without a
///   stack the child calls `f` on its copy of the caller's stack, which only a child
///   without `CLONE_VM` has.
/// - The exit signal is [`CloneArgs::exit_signal`]; the flags hold none.
///
/// In the parent, returns the child's thread ID. In the child, `f(arg)` runs with the
/// frame chain ended and its return value becomes the child's exit status through
/// `SYS_exit` (never `exit_group`).
///
/// **Fallback.** If the clone3 system call answers `ENOSYS` (and only then), the same
/// request is made with `clone`: the flags' low 32 bits with the exit signal in the low
/// byte, the stack's aligned top, `parent_tid` as `ptid` (or `pidfd`, where `clone`
/// stores the descriptor for `CLONE_PIDFD`), `child_tid` as `ctid`, and `tls`; and
/// [`clone3_is_missing`] becomes true, so that later calls go to `clone` directly.
/// Without a stack, the fallback is the raw fork-like clone and the child calls `f`
/// from Rust code on its copy of the stack: there its frame chain is not ended (the
/// caller's frames are below it).
///
/// # Errors
/// - [`Errno::EINVAL`] before any system call if the stack area, once its top is
///   aligned down, holds less than [`stack::MIN_SIZE`] bytes (a size of 0 included).
///   `f` cannot be null in Rust.
/// - [`Errno::EINVAL`] on the fallback for what `clone` cannot express, the answer an
///   older kernel gives for a flag it does not know: `set_tid`, `cgroup` and
///   `CLONE_INTO_CGROUP`, `CLONE_CLEAR_SIGHAND`, `CLONE_NEWTIME`, any flag above bit
///   31 or in the low byte, `CLONE_PIDFD` together with `parent_tid` (`clone` takes
///   `ptid` for the descriptor), and an exit signal above `0xff`. No child is created.
/// - Any error of the system call, unchanged (see [`sys::clone3`] and [`clone`]).
///
/// # Safety
/// - The stack area in `args` must be writable, not used by anything else, and large
///   enough for `f` and everything it calls, for as long as the child runs. With
///   `CLONE_VM` it must be given, and stay valid until the child has exited (for
///   example until `CLONE_CHILD_CLEARTID` has cleared `child_tid`). Without a stack,
///   the flags must not contain `CLONE_VM` (the two would share one stack).
/// - `f` must be safe to run in the child given the flags: with `CLONE_VM` it shares
///   the caller's memory without any synchronization this crate provides; without it,
///   it runs in a copy. With `CLONE_VM`, however the child ends, nothing is unwound:
///   nothing of the caller's may rely on values that live in the child's frames.
/// - `CLONE_SETTLS`' thread pointer must be one the code in the child can live with.
///   (Every pointer in `args` is valid: [`CloneArgs`] borrows what it points to.)
pub unsafe fn clone3(args: &CloneArgs<'_>, f: CloneFn, arg: *mut c_void) -> Result<pid_t, Errno> {
    let raw = args.as_raw();
    let base = raw.stack as usize as *mut u8;
    let top = if raw.stack != 0 {
        let top = stack::align_down(base.wrapping_add(raw.stack_size as usize));
        // A size that wraps around the address space leaves nothing usable either.
        if (top as usize).saturating_sub(base as usize) < stack::MIN_SIZE || raw.stack_size > usize::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        top
    } else if raw.stack_size != 0 {
        return Err(Errno::EINVAL); // a size without a stack: the kernel's answer too
    } else {
        core::ptr::null_mut()
    };
    if !clone3_is_missing() {
        // SAFETY: the caller upholds this function's contract; the stack holds the
        // entry's frame below its aligned top.
        let ret = unsafe { arch::clone3_entry(raw, args.size(), f, arg) };
        match Errno::from_syscall_return(ret) {
            Err(Errno::ENOSYS) => CLONE3_MISSING.store(true, Ordering::Relaxed),
            result => return result.map(|tid| tid as pid_t),
        }
    }
    // SAFETY: forwarded from the caller.
    unsafe { clone3_through_clone(raw, top, f, arg) }
}

/// glibc's `__clone3(cl_args, size, func, arg)` exactly, for callers that hold a C
/// `struct clone_args` and its size (the C ABI in `capi/`): the clone3 system call with
/// `args` and `size` as given, the child calling `f(arg)` as in [`clone3`]. No fallback:
/// `ENOSYS` comes back as it is (glibc's `__clone_internal` and [`raw_clone3_or_clone`]
/// fall back on it).
///
/// # Errors
/// [`Errno::EINVAL`] for a null `args`, before any system call (glibc's check); then any
/// error of the system call, unchanged (a `size` the kernel does not accept included).
///
/// # Safety
/// `args` must point to `size` readable bytes laid out as `struct clone_args`, and every
/// pointer in it must be valid for the flags that use it; the rest is [`clone3`]'s
/// contract (the stack area, `f` and `CLONE_VM`).
pub unsafe fn raw_clone3(args: *const RawCloneArgs, size: usize, f: CloneFn, arg: *mut c_void) -> Result<pid_t, Errno> {
    if args.is_null() {
        return Err(Errno::EINVAL);
    }
    // SAFETY: forwarded from the caller; the entry aligns the child's stack itself.
    let ret = unsafe { arch::clone3_entry(args, size, f, arg) };
    Errno::from_syscall_return(ret).map(|tid| tid as pid_t)
}

/// [`raw_clone3`], falling back to `clone` when the kernel answers `ENOSYS`, as
/// [`clone3`] does (and [`clone3_is_missing`] records it): the C ABI's `clone3`.
///
/// # Errors
/// As [`raw_clone3`]; on the fallback, `EINVAL` for a `size` below
/// [`CLONE_ARGS_SIZE_VER0`], `E2BIG` for one above a page or with non-zero bytes past
/// the structure this crate knows (the kernel's answers), and [`clone3`]'s fallback
/// errors.
///
/// # Safety
/// As [`raw_clone3`].
pub unsafe fn raw_clone3_or_clone(args: *const RawCloneArgs, size: usize, f: CloneFn, arg: *mut c_void) -> Result<pid_t, Errno> {
    if args.is_null() {
        return Err(Errno::EINVAL);
    }
    if !clone3_is_missing() {
        // SAFETY: forwarded from the caller.
        let result = unsafe { raw_clone3(args, size, f, arg) };
        if result != Err(Errno::ENOSYS) {
            return result;
        }
        CLONE3_MISSING.store(true, Ordering::Relaxed);
    }
    if size < CLONE_ARGS_SIZE_VER0 {
        return Err(Errno::EINVAL);
    }
    if size > 4096 {
        return Err(Errno::E2BIG);
    }
    // The fields the caller's version has; the later ones stay zero.
    let mut raw = *CloneArgs::new().as_raw();
    let known = size.min(CLONE_ARGS_SIZE_VER2);
    // SAFETY: the caller promises `size` readable bytes at `args`.
    unsafe {
        core::ptr::copy_nonoverlapping(args.cast::<u8>(), (&raw mut raw).cast::<u8>(), known);
        for offset in known..size {
            if core::ptr::read_volatile(args.cast::<u8>().add(offset)) != 0 {
                return Err(Errno::E2BIG);
            }
        }
    }
    let top = if raw.stack != 0 {
        let base = raw.stack as usize as *mut u8;
        let top = stack::align_down(base.wrapping_add(raw.stack_size as usize));
        if (top as usize).saturating_sub(base as usize) < stack::MIN_SIZE || raw.stack_size > usize::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        top
    } else if raw.stack_size != 0 {
        return Err(Errno::EINVAL);
    } else {
        core::ptr::null_mut()
    };
    // SAFETY: forwarded from the caller.
    unsafe { clone3_through_clone(&raw, top, f, arg) }
}

/// [`clone3`]'s fallback: the same request through `clone`, or `EINVAL` for what
/// `clone` cannot express.
unsafe fn clone3_through_clone(raw: &RawCloneArgs, top: *mut u8, f: CloneFn, arg: *mut c_void) -> Result<pid_t, Errno> {
    let pidfd = raw.flags & linux_raw_sys::general::CLONE_PIDFD as u64 != 0;
    let parent_settid = raw.flags & flags::CLONE_PARENT_SETTID as u32 as u64 != 0;
    let inexpressible = raw.flags >> 32 != 0
        || raw.flags & (0xff | flags::CLONE_NEWTIME as u32 as u64) != 0
        || raw.set_tid != 0
        || raw.set_tid_size != 0
        || raw.cgroup != 0
        || (pidfd && (parent_settid || raw.parent_tid != 0))
        || raw.exit_signal > 0xff;
    if inexpressible {
        return Err(Errno::EINVAL);
    }
    let clone_flags = (raw.flags as u32 | raw.exit_signal as u32) as c_int;
    let ptid = if pidfd { raw.pidfd } else { raw.parent_tid } as usize as *mut pid_t;
    let tls = raw.tls as usize as *mut c_void;
    let ctid = raw.child_tid as usize as *mut pid_t;
    if top.is_null() {
        // No stack: a fork-like child, which goes on on its copy of this stack.
        // SAFETY: the caller promises no CLONE_VM without a stack.
        return match unsafe { sys::clone(clone_flags, top, ptid, tls, ctid) }? {
            // SAFETY: the caller promises that `f` may run in the child with `arg`.
            0 => unsafe { sys::exit(f(arg)) },
            tid => Ok(tid),
        };
    }
    // SAFETY: forwarded from the caller; `top` is aligned with room for the frame.
    unsafe { clone_on_aligned_top(f, top, clone_flags, arg, ptid, tls, ctid) }
}
