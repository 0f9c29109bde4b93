//! `CLONE_SETTLS`'s `tls` where it is the new thread pointer itself (every
//! architecture but i386, whose `tls` points to a `struct user_desc`). An architecture
//! module includes this file (`#[path = "../generic/tls.rs"]`) and re-exports it.

use core::ffi::c_void;

/// The `tls` argument: the thread pointer.
pub(crate) type TlsArgument = *mut c_void;

pub(crate) fn tls_argument(thread_pointer: *mut c_void) -> TlsArgument {
    thread_pointer
}

pub(crate) fn tls_argument_pointer(argument: &mut TlsArgument) -> *mut c_void {
    *argument
}
