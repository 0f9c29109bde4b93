//! The records the architectures' probes fill in, apart from the probes that use the
//! architectures: what an `arch/<folder>/probes.rs` writes to, which depends on nothing.

use core::ffi::c_void;

use crate::types::CloneFn;

/// What [`entry_probe`](super::entry_probe) saw at the first instruction of a child's `fn`.
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
