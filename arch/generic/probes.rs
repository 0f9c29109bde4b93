//! The probes most architectures answer the same way: one instruction set, no register
//! that a callee's own address must arrive in, no lazily saved matrix state. An
//! architecture's `probes.rs` includes this file and re-exports what holds for it;
//! where its ABI differs it writes only that.

use core::ffi::c_void;

use crate::types::CloneFn;

/// A `CloneFn` returning `arg as c_int`; this architecture has one instruction set.
pub(crate) extern "C" fn return_arg_in_other_instruction_set(arg: *mut c_void) -> core::ffi::c_int {
    arg as usize as core::ffi::c_int
}

/// No register that a callee's own address must arrive in.
pub(crate) const FN_CHECKING_THE_CALL_REGISTER: Option<CloneFn> = None;

/// No lazily saved matrix state on this architecture.
pub(crate) const LAZY_SAVED_MATRIX: Option<crate::probes::records::LazySavedMatrix> = None;
