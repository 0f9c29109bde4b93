//! Register snapshots that only assembly can take, for the conformance program
//! (feature `probes`). Not needed to use the crate.

use core::ffi::c_void;

use crate::{CloneFn, arch};

/// What [`entry_probe`] saw at the first instruction of a child's `fn`.
#[repr(C)]
#[derive(Debug)]
pub struct EntryRecord {
    /// The stack pointer at entry.
    pub stack_pointer: usize,
    /// The frame-chain link an unwinder follows from here: the frame pointer register
    /// (x86, arm, aarch64, mips) or the back chain word at 0(sp) (s390x).
    pub frame_pointer: usize,
    /// Where `fn` will return: the return address at 0(sp) on x86, the link register
    /// elsewhere.
    pub return_address: usize,
    /// The function the probe jumps to, with `next_arg`, registers untouched.
    pub next: CloneFn,
    /// The argument for `next`.
    pub next_arg: *mut c_void,
}

impl EntryRecord {
    /// A record that continues into `next(next_arg)`.
    pub const fn new(next: CloneFn, next_arg: *mut c_void) -> Self {
        Self { stack_pointer: 0, frame_pointer: 0, return_address: 0, next, next_arg }
    }
}

/// A [`CloneFn`] that fills the [`EntryRecord`] its argument points to, then jumps to
/// the record's `next(next_arg)` with the stack and registers as they were at entry.
/// Calling it is unsafe: its argument must point to a valid `EntryRecord`.
pub const fn entry_probe() -> CloneFn {
    arch::entry_probe
}

/// Calls `f(arg)` with a known value loaded into every callee-saved register of the
/// architecture's calling convention, and returns one bit per register that was not
/// intact afterwards (0: all preserved).
///
/// # Safety
/// `f` must be safe to call with `arg`.
pub unsafe fn callee_saved_changed(f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void) -> usize {
    unsafe { arch::callee_saved_changed(f, arg) }
}

/// The address of the architecture's clone entry, to check that a child's `fn` returns
/// into it (its code is far smaller than 256 bytes on every architecture).
pub fn clone_entry_address() -> usize {
    arch::clone_entry as *const () as usize
}

/// A [`CloneFn`] that returns `arg as c_int`, in the other instruction set than this
/// crate's code where the architecture has two (ARM and Thumb: assembled in the other
/// state), so that a test can check that the clone entry calls `fn` in either state.
pub const fn fn_in_other_instruction_set() -> CloneFn {
    arch::return_arg_in_other_instruction_set
}
