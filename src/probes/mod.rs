//! Register snapshots that only assembly can take, for the conformance program
//! (feature `probes`). Not needed to use the crate.

use core::ffi::c_void;

pub(crate) mod records;

pub use records::{EntryRecord, LazySaveRecord, LazySavedMatrix, MatrixState};

use crate::types::CloneFn;
use crate::arch;

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

/// A [`CloneFn`] that returns `arg` only if it was entered through the register that
/// the ABI's position-independent code takes its own address from (mips: t9, from
/// which PIC code computes $gp), and 127 otherwise; `None` where the ABI has no such
/// rule. A static test program has no PIC code, so this checks the rule directly.
pub const fn fn_checking_the_call_register() -> Option<CloneFn> {
    arch::FN_CHECKING_THE_CALL_REGISTER
}

/// The probes for the architecture's lazily saved matrix state, `None` where the
/// architecture has none (every architecture but aarch64).
pub const fn lazy_saved_matrix() -> Option<LazySavedMatrix> {
    arch::LAZY_SAVED_MATRIX
}

/// The address of the architecture's clone3 entry, where a child that [`crate::clone3`]
/// created through the clone3 system call returns from its `fn` (its code, too, is far
/// smaller than 256 bytes on every architecture).
pub fn clone3_entry_address() -> usize {
    arch::clone3_entry as *const () as usize
}
