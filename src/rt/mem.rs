//! The bodies of the C symbols that [`entry!`](crate::entry) defines in a freestanding
//! binary. Not an API: the macro's expansion calls them. The memory and string
//! functions come from the `freeclone-mem` crate, the only code compiled without
//! builtins (it says why).

use core::ffi::c_ulong;

pub use freeclone_mem::{c_string_length, compare, copy, copy_forward, copy_backward, set};

/// `getauxval`: the auxiliary-vector value for `key`, or 0 (as glibc's, without errno).
pub fn getauxval(key: c_ulong) -> c_ulong {
    super::auxiliary_value(key as usize).unwrap_or(0) as c_ulong
}

/// The panic handler's body: the message to stderr, then exit status 101 for the whole
/// process, as std's default for a panicking main.
pub fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    super::write_to(crate::fd::STDERR, format_args!("panic: {info}\n"));
    crate::sys::exit_group(101)
}
