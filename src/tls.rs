//! Thread-local storage as `CLONE_SETTLS` sees it: building the `tls` argument for a
//! thread pointer, and reading the thread pointer back.
//!
//! What `tls` means depends on the architecture: on i386 it points to a
//! `struct user_desc` describing a segment (glibc's convention), on every other
//! architecture it is the new value of the thread-pointer register (fs base on
//! x86_64, tpidr_el0 on aarch64, TPIDRURO on arm, UserLocal on mips, access registers
//! a0/a1 on s390x, tp on riscv64 and loongarch64). [`TlsArgument`] hides that difference.

use core::ffi::c_void;

use crate::arch;

/// The `tls` argument of [`clone`](crate::clone) with `CLONE_SETTLS` for a given
/// thread pointer.
pub struct TlsArgument(arch::TlsArgument);

impl TlsArgument {
    /// The argument that makes `thread_pointer` the child's thread pointer.
    pub fn new(thread_pointer: *mut c_void) -> Self {
        TlsArgument(arch::tls_argument(thread_pointer))
    }

    /// The pointer to pass as `tls`; valid while `self` is neither moved nor dropped.
    pub fn as_mut_ptr(&mut self) -> *mut c_void {
        arch::tls_argument_pointer(&mut self.0)
    }
}

/// The calling thread's thread pointer, read from the architecture's register.
///
/// # Safety
/// A thread pointer must have been set for the calling thread (by `CLONE_SETTLS` or by
/// a runtime). On x86 it is read through the TLS ABI's self-pointer (`fs:0`, `gs:0`),
/// so the TLS block must start with a pointer to itself.
pub unsafe fn thread_pointer() -> *mut c_void {
    unsafe { arch::thread_pointer() }
}
