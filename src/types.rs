//! The types the crate's calls and every architecture's entries share: C's `pid_t` and
//! the `fn(arg)` a child starts in.

use core::ffi::{c_int, c_void};

/// A process or thread ID, as C's `pid_t`.
#[allow(non_camel_case_types)]
pub type pid_t = c_int;

/// The function a child starts in: `fn(arg)`, whose return value is the child's exit
/// status.
///
/// It is an `unsafe` function pointer so that a child may take `arg` as the pointer it
/// is (an ordinary `extern "C" fn` coerces to it): the child calls it under the
/// contract of [`clone`](crate::clone::clone), whose caller promises that `arg` is what `f` expects.
pub type CloneFn = unsafe extern "C" fn(*mut c_void) -> c_int;
