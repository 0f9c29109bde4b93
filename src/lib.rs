//! Linux `clone(2)` exactly as its manual page describes it, with no libc and no
//! allocation: the glibc wrapper [`clone`], ia64's stack-as-base-and-size form
//! [`clone2`] (on every architecture), and the raw system call [`sys::clone`]; and
//! `clone3()`: its argument structure [`CloneArgs`], glibc's `fn(arg)` wrapper
//! [`clone3()`] with its fallback to `clone`, and the raw, fork-like call
//! [`sys::clone3`].
//!
//! ```no_run
//! use core::ffi::{c_int, c_void};
//! use freeclone::{clone, flags::CloneFlags, signal::SIGCHLD, sys};
//!
//! extern "C" fn child(arg: *mut c_void) -> c_int {
//!     // Runs on `STACK`, in a copy of the parent's memory (no CLONE_VM).
//!     unsafe { *(arg as *const c_int) + 1 }
//! }
//!
//! static mut STACK: [u8; 16 * 1024] = [0; 16 * 1024];
//! let mut value: c_int = 41;
//! let top = unsafe { (&raw mut STACK).cast::<u8>().add(16 * 1024) };
//! let tid = unsafe {
//!     clone(child, top, CloneFlags::exit_signal(SIGCHLD), (&raw mut value).cast(),
//!           core::ptr::null_mut(), core::ptr::null_mut(), core::ptr::null_mut())
//! }.expect("clone");
//! let (_, status) = sys::wait4(tid, 0).expect("wait4");
//! assert_eq!(sys::exit_status(status), Some(42));
//! ```
//!
//! # Architectures
//! Everything architecture-specific lives in one module per architecture under
//! `arch/<name>/`: x86_64, i386, aarch64, arm (ARM and Thumb-2 state), mips (o32),
//! mips64 (n64), s390x, riscv64, loongarch64, powerpc64 (ELFv2 little-endian and
//! ELFv1 big-endian) and powerpc (32-bit).
//!
//! ia64 has no Rust module because no Rust target exists for it. Its `__clone2`
//! is `arch/ia64/clone2.S`, ia64 assembly for C and assembly programs. Assemble it
//! (`ia64-linux-gnu-as -x arch/ia64/clone2.S -o clone2.o`, or through a C
//! compiler), declare
//! `int __clone2(int (*fn)(void *), void *stack_base, size_t stack_size, int flags, void *arg, ...);`
//! and link `clone2.o` in. `__clone2` reports errors through the C library's
//! `__errno_location`; programs without a C library call `freeclone_clone2_raw`,
//! which returns -errno. Do not link it into a program that also takes glibc's own
//! `__clone2`. `cargo xtask test --arch ia64` assembles, links and checks it
//! structurally; no emulator can run it.
//!
//! # Features
//! - `rt`: a minimal runtime for static freestanding programs (the `rt` module and
//!   `entry!`). Additive: a std program with `rt` enabled somewhere in its dependency
//!   graph still builds; only `entry!` takes a program over.
//! - `probes`: register snapshots used by the conformance program (the `probes` module).
//! - `std`: `From<Errno> for std::io::Error` (and for
//!   [`process::SpawnError`]), and conversions between [`fd`]'s descriptors and
//!   `std::os::fd`'s. Additive; the crate stays `no_std` without it.

#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(any(target_arch = "mips", target_arch = "mips64"), feature(asm_experimental_arch))]
#![warn(missing_docs, unsafe_op_in_unsafe_fn)]

#[cfg(feature = "std")]
extern crate std;

// The architecture dispatch: the only place that names a target architecture.
#[cfg_attr(target_arch = "x86_64", path = "../arch/x86_64/mod.rs")]
#[cfg_attr(target_arch = "x86", path = "../arch/i386/mod.rs")]
#[cfg_attr(target_arch = "aarch64", path = "../arch/aarch64/mod.rs")]
#[cfg_attr(target_arch = "arm", path = "../arch/arm/mod.rs")]
#[cfg_attr(target_arch = "mips", path = "../arch/mips/mod.rs")]
#[cfg_attr(target_arch = "mips64", path = "../arch/mips64/mod.rs")]
#[cfg_attr(target_arch = "s390x", path = "../arch/s390x/mod.rs")]
#[cfg_attr(target_arch = "riscv64", path = "../arch/riscv64/mod.rs")]
#[cfg_attr(target_arch = "loongarch64", path = "../arch/loongarch64/mod.rs")]
#[cfg_attr(target_arch = "powerpc64", path = "../arch/powerpc64/mod.rs")]
#[cfg_attr(target_arch = "powerpc", path = "../arch/powerpc/mod.rs")]
// Each `_start:` in an architecture's naked `_start` defines the process entry symbol
// the linker must see, not a local label (rustc before 1.89 denied it).
#[allow(named_asm_labels)]
mod arch;
#[cfg(not(any(
    target_arch = "x86_64",
    target_arch = "x86",
    target_arch = "aarch64",
    target_arch = "arm",
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "s390x",
    target_arch = "riscv64",
    target_arch = "loongarch64",
    target_arch = "powerpc64",
    target_arch = "powerpc",
)))]
compile_error!("freeclone supports Linux on x86_64, i386, aarch64, arm, mips, mips64, s390x, riscv64, loongarch64, powerpc64 and powerpc");
/// i386's `CLONE_SETTLS` argument: glibc's `struct user_desc`.
#[cfg(target_arch = "x86")]
pub use arch::UserDesc;

// The README's Rust examples are compiled as doctests, with feature `rt` (some are
// freestanding programs' code), as `cargo test --features rt,probes --doc` runs them.
#[cfg(all(doctest, feature = "rt"))]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;

mod clone;
mod clone_args;
mod errno;
pub mod fd;
#[cfg(test)]
#[path = "tests/integer_boundaries.rs"]
mod integer_boundaries;
pub mod flags;
#[cfg(feature = "probes")]
#[cfg_attr(docsrs, doc(cfg(feature = "probes")))]
pub mod probes;
pub mod process;
#[cfg(feature = "rt")]
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
pub mod rt;
pub mod signal;
pub mod stack;
pub mod sys;
pub mod thread;
pub mod tls;
mod types;

pub use clone::{Fallback, clone, clone2, clone3, clone3_is_missing, clone3_raw};
pub use clone_args::{CLONE_ARGS_SIZE_VER0, CLONE_ARGS_SIZE_VER1, CLONE_ARGS_SIZE_VER2, CloneArgs, RawCloneArgs};
pub use errno::Errno;
pub use flags::CloneFlags;
pub use types::{CloneFn, pid_t};
