//! Signal numbers of the architecture being built (mips numbers them its own way:
//! `SIGCHLD` is 18 there, 17 elsewhere), for the termination-signal byte of `flags`.

use core::ffi::c_int;
use linux_raw_sys::general as kernel;

/// Child stopped or terminated: the usual termination signal.
pub const SIGCHLD: c_int = kernel::SIGCHLD as c_int;
/// User-defined signal 1.
pub const SIGUSR1: c_int = kernel::SIGUSR1 as c_int;
/// User-defined signal 2.
pub const SIGUSR2: c_int = kernel::SIGUSR2 as c_int;
/// Kill (cannot be caught or ignored).
pub const SIGKILL: c_int = kernel::SIGKILL as c_int;
/// Stop (cannot be caught or ignored).
pub const SIGSTOP: c_int = kernel::SIGSTOP as c_int;
/// Continue if stopped.
pub const SIGCONT: c_int = kernel::SIGCONT as c_int;
/// Termination request.
pub const SIGTERM: c_int = kernel::SIGTERM as c_int;
/// Invalid memory access (an access the page's protection forbids, for one).
pub const SIGSEGV: c_int = kernel::SIGSEGV as c_int;
