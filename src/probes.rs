//! Register snapshots that only assembly can take, for the conformance program
//! (feature `probes`). Not needed to use the crate.

use core::ffi::c_void;

use crate::clone::CloneFn;
use crate::arch;

/// What [`entry_probe`] saw at the first instruction of a child's `fn`.
#[repr(C)]
#[derive(Debug)]
pub struct EntryRecord {
    /// The stack pointer at entry.
    pub stack_pointer: usize,
    /// The frame-chain link an unwinder follows from here: the frame pointer register
    /// (x86, arm, aarch64, mips, riscv64's s0, loongarch64's fp) or the back chain word
    /// at 0(sp) (s390x, powerpc's 0(r1)).
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

/// Probes for matrix state that the ABI saves lazily: AArch64 SME's ZA array, whose
/// pending lazy save TPIDR2_EL0 points to (AAPCS64's TPIDR2 block). The clone entry
/// commits such a save and turns the matrix off before the system call, so that no
/// child starts with the matrix on and a lazy save that belongs to its parent.
#[derive(Clone, Copy)]
pub struct LazySavedMatrix {
    /// Whether this CPU and kernel let the program use the matrix: the clone entry's
    /// own cached answer. The other probes need it.
    pub present: fn() -> bool,
    /// The matrix's size: this many slices of this many bytes (SME: SVL in bytes).
    ///
    /// # Safety
    /// Only where `present()`.
    pub slice_bytes: unsafe fn() -> usize,
    /// `around(f, arg, record)`: turns the matrix on and loads `record.slices` slices
    /// of `record.pattern` into it, hands a lazy save of those slices to
    /// `record.buffer` (the ABI's "dormant" state), calls `f(arg)`, records the state
    /// that `f` returned in, and turns the matrix off with no lazy save pending.
    ///
    /// # Safety
    /// Only where `present()`; `record` must be valid, `record.slices` at least 1 and
    /// at most `slice_bytes()`, the pattern and the buffer that many slices long; `f`
    /// must be safe to call with `arg`.
    pub around: unsafe extern "C" fn(f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void, record: *mut LazySaveRecord),
    /// The calling thread's matrix state now.
    ///
    /// # Safety
    /// Only where `present()`.
    pub state: unsafe fn() -> MatrixState,
}

/// The input and output of [`LazySavedMatrix::around`].
#[repr(C)]
#[derive(Debug)]
pub struct LazySaveRecord {
    /// What the matrix is loaded with: `slices` slices.
    pub pattern: *const u8,
    /// Where the lazy save goes: room for `slices` slices.
    pub buffer: *mut u8,
    /// How many slices are loaded, and how many the lazy save asks for.
    pub slices: usize,
    /// After `f`: 1 if the matrix was on (SME: PSTATE.ZA), else 0.
    pub on_after: usize,
    /// After `f`: the lazy-save block pointer (SME: TPIDR2_EL0), 0 if none.
    pub block_after: usize,
}

/// A thread's matrix state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatrixState {
    /// Whether the matrix is on (SME: PSTATE.ZA).
    pub on: bool,
    /// The lazy-save block pointer (SME: TPIDR2_EL0), 0 if none.
    pub block: usize,
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
