//! What differs per architecture in the benchmark programs, and the one place that
//! chooses it: the floor (the raw clone system call issued from a minimal hand-written
//! sequence, with no wrapper logic: the trap; in the child, `fn(arg)` and `SYS_exit`)
//! and the stack the ABI itself demands below the aligned top at `fn`'s entry.
//!
//! Each file provides:
//! - `ABI_FRAME_AT_FN_ENTRY`: the bytes below a 16-aligned stack top that the calling
//!   convention itself occupies when a function called from that top starts (x86's
//!   return address and argument slot, mips o32's argument save area, s390x's register
//!   save area), whatever wrapper makes the call.
//! - `spawn(flags, stack, ctid, f, arg)`: the raw clone system call with the new stack
//!   (16-aligned) and `ctid` for `CLONE_CHILD_CLEARTID`; no ptid, no TLS. Returns the
//!   TID in the parent, or -errno. The child calls `f(arg)` and passes its return value
//!   to `SYS_exit`; nothing more. It is out of line, a call like freeclone's entry, and
//!   one copy serves every benchmark: under qemu-user, code that a process has run
//!   once is translated already in its forked children, and a copy that only children
//!   ever run would be translated anew in each (measured: 18% slower process spawns).
//! - `spawn3(args, size, f, arg)`: the same for the raw clone3 system call: `args`
//!   (`size` bytes) as the caller filled them, the child starting on `stack +
//!   stack_size` (16-aligned), making there the frame the ABI demands, calling
//!   `f(arg)` and passing its value to `SYS_exit`. Where the ABI leaves registers for
//!   `f` and `arg` in both calls, the two share one out-of-line trap sequence.

use core::ffi::{c_int, c_void};

/// `fn` as clone(2) takes it.
pub type CloneFn = extern "C" fn(*mut c_void) -> c_int;

#[cfg_attr(target_arch = "x86_64", path = "x86_64.rs")]
#[cfg_attr(target_arch = "x86", path = "i386.rs")]
#[cfg_attr(target_arch = "aarch64", path = "aarch64.rs")]
#[cfg_attr(target_arch = "arm", path = "arm.rs")]
#[cfg_attr(target_arch = "mips", path = "mips.rs")]
#[cfg_attr(target_arch = "mips64", path = "mips64.rs")]
#[cfg_attr(target_arch = "s390x", path = "s390x.rs")]
#[cfg_attr(target_arch = "riscv64", path = "riscv64.rs")]
#[cfg_attr(target_arch = "loongarch64", path = "loongarch64.rs")]
#[cfg_attr(target_arch = "powerpc64", path = "powerpc64.rs")]
#[cfg_attr(target_arch = "powerpc", path = "powerpc.rs")]
mod imp;

pub use imp::{ABI_FRAME_AT_FN_ENTRY, spawn, spawn3};
