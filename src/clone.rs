//! The wrappers of the manual page: glibc's `clone()` and ia64's `__clone2()`, and
//! `clone3()` with its `fn(arg)` entry and its fallback to `clone`.

use core::ffi::{c_int, c_void};
use core::sync::atomic::{AtomicBool, Ordering};

use crate::arch;
use crate::clone_args::{CLONE_ARGS_SIZE_VER0, CLONE_ARGS_SIZE_VER2, CloneArgs, RawCloneArgs};
use crate::errno::Errno;
use crate::flags::{self, CloneFlags};
use crate::stack;
use crate::sys;
use crate::types::{CloneFn, pid_t};

/// Creates a child process or thread that starts by calling `f(arg)` on `child_stack`,
/// as glibc's `clone()` does.
///
/// - `child_stack` is the topmost address of the child's stack (stacks grow down). It
///   is aligned down to the ABI's alignment ([`stack::ALIGNMENT`]); the wrapper then
///   uses [`stack::CHILD_FRAME_SIZE`] bytes below it before `f` runs.
/// - `flags` is the manual page's `flags`: `CLONE_*` bits ([`flags`]) ORed with the
///   termination signal in the low byte (for example [`signal::SIGCHLD`](crate::signal::SIGCHLD)).
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
    flags: CloneFlags,
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
    // The kernel reads the low 32 bits; a flag above them is refused, not dropped.
    let flags = flags.clone_bits().ok_or(Errno::EINVAL)?;
    // SAFETY: the caller upholds this function's contract; `top` is aligned.
    let ret = unsafe { arch::clone_entry(f, top, flags as usize, arg, ptid, tls, ctid) };
    Errno::from_syscall_return(ret).map(|tid| tid as pid_t)
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
    flags: CloneFlags,
    arg: *mut c_void,
    ptid: *mut pid_t,
    tls: *mut c_void,
    ctid: *mut pid_t,
) -> Result<pid_t, Errno> {
    let top = stack::usable_top(stack_base, stack_size)?;
    // SAFETY: the caller upholds this function's contract; the wrapper's frame fits
    // between the aligned `top` and `stack_base`.
    unsafe { clone(f, top, flags, arg, ptid, tls, ctid) }
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
    let top = fallback_stack_top(raw)?;
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

/// What [`clone3_raw`] does when the kernel answers `ENOSYS`, the answer of a kernel
/// without the clone3 system call (before 5.3, qemu-user, a seccomp filter refusing it).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// Return `ENOSYS`, as glibc's `__clone3` does.
    None,
    /// Make the same request with `clone`, as [`clone3`] does (and glibc's
    /// `__clone_internal`).
    Clone,
}

/// [`clone3`] for callers that hold a C `struct clone_args` and its size (the C ABI in
/// `capi/`): with [`Fallback::None`], glibc's `__clone3(cl_args, size, func, arg)`
/// exactly (the clone3 system call with `args` and `size` as given); with
/// [`Fallback::Clone`], the C ABI's `clone3`, which goes on through `clone` on `ENOSYS`
/// as [`clone3`] does (and [`clone3_is_missing`] records it). The child calls `f(arg)`
/// as in [`clone3`].
///
/// # Errors
/// [`Errno::EINVAL`] for a null `args`, before any system call (glibc's check); then any
/// error of the system call, unchanged (a `size` the kernel does not accept included).
/// On the fallback, the kernel's answers to a `size` it would not take (`EINVAL` below
/// [`CLONE_ARGS_SIZE_VER0`], `E2BIG` above a page or with non-zero bytes past the
/// structure this crate knows), and [`clone3`]'s fallback errors.
///
/// # Safety
/// `args` must point to `size` readable bytes laid out as `struct clone_args`, and every
/// pointer in it must be valid for the flags that use it; the rest is [`clone3`]'s
/// contract (the stack area, `f` and `CLONE_VM`).
pub unsafe fn clone3_raw(
    args: *const RawCloneArgs,
    size: usize,
    f: CloneFn,
    arg: *mut c_void,
    fallback: Fallback,
) -> Result<pid_t, Errno> {
    if args.is_null() {
        return Err(Errno::EINVAL);
    }
    if fallback == Fallback::None || !clone3_is_missing() {
        // SAFETY: forwarded from the caller; the entry aligns the child's stack itself.
        let ret = unsafe { arch::clone3_entry(args, size, f, arg) };
        let result = Errno::from_syscall_return(ret).map(|tid| tid as pid_t);
        if fallback == Fallback::None || result != Err(Errno::ENOSYS) {
            return result;
        }
        CLONE3_MISSING.store(true, Ordering::Relaxed);
    }
    // SAFETY: the caller promises `size` readable bytes at `args`.
    let raw = unsafe { read_clone_args(args, size) }?;
    let top = fallback_stack_top(&raw)?;
    // SAFETY: forwarded from the caller.
    unsafe { clone3_through_clone(&raw, top, f, arg) }
}

/// `size` bytes at `args` as the kernel reads them: the fields the caller's version
/// has, later ones zero; `EINVAL` below the first version, `E2BIG` above a page or for
/// a non-zero byte this crate does not know.
unsafe fn read_clone_args(args: *const RawCloneArgs, size: usize) -> Result<RawCloneArgs, Errno> {
    if size < CLONE_ARGS_SIZE_VER0 {
        return Err(Errno::EINVAL);
    }
    if size > 4096 {
        return Err(Errno::E2BIG);
    }
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
    Ok(raw)
}

/// The aligned top the fallback gives `clone` for `raw`'s stack (null without one), or
/// `EINVAL` for an area too small for the entry's frame, or a size without a stack (the
/// kernel's answer too).
fn fallback_stack_top(raw: &RawCloneArgs) -> Result<*mut u8, Errno> {
    match (raw.stack, usize::try_from(raw.stack_size)) {
        (0, _) if raw.stack_size == 0 => Ok(core::ptr::null_mut()),
        (0, _) | (_, Err(_)) => Err(Errno::EINVAL),
        (base, Ok(size)) => stack::usable_top(base as usize as *mut u8, size),
    }
}


/// [`clone3`]'s fallback: the same request through `clone`, or `EINVAL` for what
/// `clone` cannot express.
unsafe fn clone3_through_clone(raw: &RawCloneArgs, top: *mut u8, f: CloneFn, arg: *mut c_void) -> Result<pid_t, Errno> {
    let requested = CloneFlags::from_bits(raw.flags);
    let pidfd = requested.contains(flags::CLONE_PID); // CLONE_PIDFD's bit
    let parent_settid = requested.contains(flags::CLONE_PARENT_SETTID);
    let inexpressible = requested.clone_bits().is_none()
        || requested.intersects(flags::CSIGNAL)
        || raw.set_tid != 0
        || raw.set_tid_size != 0
        || raw.cgroup != 0
        || (pidfd && (parent_settid || raw.parent_tid != 0))
        || raw.exit_signal > 0xff;
    if inexpressible {
        return Err(Errno::EINVAL);
    }
    let clone_flags = requested | CloneFlags::exit_signal(raw.exit_signal as c_int);
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
    unsafe { clone(f, top, clone_flags, arg, ptid, tls, ctid) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fd::BorrowedFd;
    use crate::flags::{CLONE_CLEAR_SIGHAND, CLONE_INTO_CGROUP, CLONE_NEWUTS};
    use crate::signal::SIGCHLD;
    use core::ptr::null_mut;

    extern "C" fn exit_seven(_: *mut c_void) -> c_int {
        7
    }

    #[test]
    fn a_flag_above_bit_31_is_einval_for_clone_not_dropped() {
        let mut stack = [0u8; 64 * 1024];
        let top = stack.as_mut_ptr_range().end;
        for high in [CLONE_CLEAR_SIGHAND, CLONE_INTO_CGROUP, CloneFlags::from_bits(1 << 63)] {
            let flags = CloneFlags::exit_signal(SIGCHLD) | high;
            // SAFETY: no CLONE_VM: a child, were one made, runs `exit_seven` in a copy.
            let result = unsafe { clone(exit_seven, top, flags, null_mut(), null_mut(), null_mut(), null_mut()) };
            if let Ok(pid) = result {
                let _ = sys::wait4(pid, 0);
            }
            assert_eq!(result, Err(Errno::EINVAL), "{flags:?}");
            // setns, too: EINVAL before the kernel's EBADF for descriptor -1.
            // SAFETY: the call only answers for the number.
            let nothing = unsafe { BorrowedFd::borrow_raw(-1) };
            assert_eq!(sys::setns(nothing, CLONE_NEWUTS | high), Err(Errno::EINVAL), "{flags:?}");
        }
    }
}
