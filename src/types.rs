//! The C types of the kernel interface that the crate's calls share.

use core::ffi::c_int;

/// A process or thread ID, as C's `pid_t`.
#[allow(non_camel_case_types)]
pub type pid_t = c_int;
