//! The `flags` argument of `clone()`: every `CLONE_*` constant of the manual page, as C
//! ints (for [`clone`](crate::clone)'s `flags`) and as the typed [`CloneFlags`]; and
//! the flags only `clone3()` can pass, as `u64` for
//! [`CloneArgs::flags`](crate::CloneArgs::flags) (bits 32 and 33), and `CLONE_NEWTIME`,
//! whose bit `clone()` reads as part of the exit signal.
//!
//! Values come from `linux-raw-sys`; the three obsolete flags the kernel's headers no
//! longer name are defined here with their historical bit.

use core::ffi::c_int;
use linux_raw_sys::general as kernel;

/// Mask of the low byte of `flags`: the termination signal sent to the parent when the
/// child dies (0: no signal).
pub const CSIGNAL: c_int = kernel::CSIGNAL as c_int;
/// Share the virtual address space with the caller.
pub const CLONE_VM: c_int = kernel::CLONE_VM as c_int;
/// Share the root, the working directory and the umask with the caller.
pub const CLONE_FS: c_int = kernel::CLONE_FS as c_int;
/// Share the file descriptor table with the caller.
pub const CLONE_FILES: c_int = kernel::CLONE_FILES as c_int;
/// Share the table of signal handlers with the caller (requires `CLONE_VM`).
pub const CLONE_SIGHAND: c_int = kernel::CLONE_SIGHAND as c_int;
/// Obsolete (Linux 2.0 to 2.5.15): create the child with the caller's PID. Since Linux
/// 5.2 the same bit is `CLONE_PIDFD`: the kernel stores a PID file descriptor for the
/// child at `ptid`, and rejects the bit together with `CLONE_PARENT_SETTID` (`EINVAL`).
pub const CLONE_PID: c_int = kernel::CLONE_PIDFD as c_int;
/// If the caller is being traced, trace the child too.
pub const CLONE_PTRACE: c_int = kernel::CLONE_PTRACE as c_int;
/// Suspend the caller until the child exits or calls `execve(2)`.
pub const CLONE_VFORK: c_int = kernel::CLONE_VFORK as c_int;
/// The child's parent is the caller's parent.
pub const CLONE_PARENT: c_int = kernel::CLONE_PARENT as c_int;
/// Put the child in the caller's thread group (requires `CLONE_SIGHAND`).
pub const CLONE_THREAD: c_int = kernel::CLONE_THREAD as c_int;
/// Start the child in a new mount namespace.
pub const CLONE_NEWNS: c_int = kernel::CLONE_NEWNS as c_int;
/// Share System V semaphore adjustment (`semadj`) values with the caller.
pub const CLONE_SYSVSEM: c_int = kernel::CLONE_SYSVSEM as c_int;
/// Set the child's thread pointer (TLS) to `tls`. On i386 `tls` points to a
/// `struct user_desc`; elsewhere it is the value of the thread-pointer register.
pub const CLONE_SETTLS: c_int = kernel::CLONE_SETTLS as c_int;
/// Store the child's TID at `ptid` in the caller's memory before `clone()` returns.
pub const CLONE_PARENT_SETTID: c_int = kernel::CLONE_PARENT_SETTID as c_int;
/// Clear the TID at `ctid` in the child's memory when it exits, and wake a futex there.
pub const CLONE_CHILD_CLEARTID: c_int = kernel::CLONE_CHILD_CLEARTID as c_int;
/// Obsolete (Linux 2.5.32 to 2.6.1): "no exit signal". Today's kernels ignore it.
pub const CLONE_DETACHED: c_int = kernel::CLONE_DETACHED as c_int;
/// Do not let a tracing process force `CLONE_PTRACE` on the child.
pub const CLONE_UNTRACED: c_int = kernel::CLONE_UNTRACED as c_int;
/// Store the child's TID at `ctid` in the child's memory before it starts running.
pub const CLONE_CHILD_SETTID: c_int = kernel::CLONE_CHILD_SETTID as c_int;
/// Obsolete (Linux 2.6.0 to 2.6.37): start the child stopped. Since Linux 4.6 the same
/// bit is [`CLONE_NEWCGROUP`], so setting it creates a new cgroup namespace.
pub const CLONE_STOPPED: c_int = kernel::CLONE_NEWCGROUP as c_int;
/// Start the child in a new cgroup namespace.
pub const CLONE_NEWCGROUP: c_int = kernel::CLONE_NEWCGROUP as c_int;
/// Start the child in a new UTS namespace (host and domain name).
pub const CLONE_NEWUTS: c_int = kernel::CLONE_NEWUTS as c_int;
/// Start the child in a new IPC namespace.
pub const CLONE_NEWIPC: c_int = kernel::CLONE_NEWIPC as c_int;
/// Start the child in a new user namespace.
pub const CLONE_NEWUSER: c_int = kernel::CLONE_NEWUSER as c_int;
/// Start the child in a new PID namespace, where it is PID 1.
pub const CLONE_NEWPID: c_int = kernel::CLONE_NEWPID as c_int;
/// Start the child in a new network namespace.
pub const CLONE_NEWNET: c_int = kernel::CLONE_NEWNET as c_int;
/// Share the caller's I/O context (disk scheduling).
pub const CLONE_IO: c_int = kernel::CLONE_IO as c_int;

/// `clone3()` only (since Linux 5.5): "all signals that are handled in the parent are
/// reset to their default dispositions (`SIG_DFL`) in the child" (ignored ones stay
/// ignored). "Specifying this flag together with `CLONE_SIGHAND` is nonsensical and
/// disallowed" (`EINVAL`). Bit 32: it does not fit `clone()`'s `int`, hence a `u64`
/// for [`CloneArgs::flags`](crate::CloneArgs::flags).
pub const CLONE_CLEAR_SIGHAND: u64 = kernel::CLONE_CLEAR_SIGHAND;
/// `clone3()` only (since Linux 5.7): create the child in the version 2 cgroup that
/// `cl_args.cgroup` refers to (a descriptor of the cgroup's directory, opened
/// `O_RDONLY` or `O_PATH`), instead of its parent's; "all of the usual restrictions
/// (described in cgroups(7)) on placing a process into a version 2 cgroup apply"
/// (`EACCES`, `EBUSY` if a domain controller is enabled there, `EOPNOTSUPP`). Bit 33,
/// a `u64` as [`CLONE_CLEAR_SIGHAND`].
pub const CLONE_INTO_CGROUP: u64 = kernel::CLONE_INTO_CGROUP;
/// Start the child in a new time namespace (since Linux 5.6; `CAP_SYS_ADMIN`). Its
/// bit, `0x80`, lies inside [`CSIGNAL`], `clone()`'s exit-signal byte, so `clone()`
/// cannot express it (it would read as exit signal 128): use `clone3()`, whose exit
/// signal has a field of its own, or `unshare(2)`. `clone3()` rejects every other bit
/// of that byte in `flags` (`EINVAL`).
pub const CLONE_NEWTIME: c_int = kernel::CLONE_NEWTIME as c_int;

bitflags::bitflags! {
    /// The `flags` argument as a typed set. The low byte ([`CloneFlags::CSIGNAL`]) holds
    /// the termination signal: build it with [`CloneFlags::exit_signal`].
    ///
    /// ```
    /// use freeclone::{CloneFlags, signal::SIGCHLD};
    /// let flags = CloneFlags::VM | CloneFlags::exit_signal(SIGCHLD);
    /// assert_eq!(flags.termination_signal(), SIGCHLD);
    /// assert_eq!(core::ffi::c_int::from(flags), freeclone::flags::CLONE_VM | SIGCHLD);
    /// ```
    #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
    pub struct CloneFlags: c_int {
        /// See [`CSIGNAL`]: the termination-signal byte.
        const CSIGNAL = CSIGNAL;
        /// See [`CLONE_VM`].
        const VM = CLONE_VM;
        /// See [`CLONE_FS`].
        const FS = CLONE_FS;
        /// See [`CLONE_FILES`].
        const FILES = CLONE_FILES;
        /// See [`CLONE_SIGHAND`].
        const SIGHAND = CLONE_SIGHAND;
        /// See [`CLONE_PID`].
        const PID = CLONE_PID;
        /// See [`CLONE_PTRACE`].
        const PTRACE = CLONE_PTRACE;
        /// See [`CLONE_VFORK`].
        const VFORK = CLONE_VFORK;
        /// See [`CLONE_PARENT`].
        const PARENT = CLONE_PARENT;
        /// See [`CLONE_THREAD`].
        const THREAD = CLONE_THREAD;
        /// See [`CLONE_NEWNS`].
        const NEWNS = CLONE_NEWNS;
        /// See [`CLONE_SYSVSEM`].
        const SYSVSEM = CLONE_SYSVSEM;
        /// See [`CLONE_SETTLS`].
        const SETTLS = CLONE_SETTLS;
        /// See [`CLONE_PARENT_SETTID`].
        const PARENT_SETTID = CLONE_PARENT_SETTID;
        /// See [`CLONE_CHILD_CLEARTID`].
        const CHILD_CLEARTID = CLONE_CHILD_CLEARTID;
        /// See [`CLONE_DETACHED`].
        const DETACHED = CLONE_DETACHED;
        /// See [`CLONE_UNTRACED`].
        const UNTRACED = CLONE_UNTRACED;
        /// See [`CLONE_CHILD_SETTID`].
        const CHILD_SETTID = CLONE_CHILD_SETTID;
        /// See [`CLONE_STOPPED`] (the same bit as [`CloneFlags::NEWCGROUP`] today).
        const STOPPED = CLONE_STOPPED;
        /// See [`CLONE_NEWCGROUP`].
        const NEWCGROUP = CLONE_NEWCGROUP;
        /// See [`CLONE_NEWUTS`].
        const NEWUTS = CLONE_NEWUTS;
        /// See [`CLONE_NEWIPC`].
        const NEWIPC = CLONE_NEWIPC;
        /// See [`CLONE_NEWUSER`].
        const NEWUSER = CLONE_NEWUSER;
        /// See [`CLONE_NEWPID`].
        const NEWPID = CLONE_NEWPID;
        /// See [`CLONE_NEWNET`].
        const NEWNET = CLONE_NEWNET;
        /// See [`CLONE_IO`].
        const IO = CLONE_IO;
    }
}

impl CloneFlags {
    /// Only the termination signal `signal` (the low byte of `flags`); combine with
    /// other flags with `|`. A signal outside `0..=255` is masked to its low byte, as
    /// the kernel would read it.
    pub const fn exit_signal(signal: c_int) -> Self {
        Self::from_bits_retain(signal & CSIGNAL)
    }

    /// The termination signal held in the low byte (0: none).
    pub const fn termination_signal(self) -> c_int {
        self.bits() & CSIGNAL
    }
}

impl From<CloneFlags> for c_int {
    fn from(flags: CloneFlags) -> c_int {
        flags.bits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_flags_convert_to_the_c_int() {
        let flags = CloneFlags::VM | CloneFlags::FS | CloneFlags::exit_signal(17);
        assert_eq!(c_int::from(flags), CLONE_VM | CLONE_FS | 17);
        assert_eq!(flags.termination_signal(), 17);
    }

    #[test]
    fn clone_io_is_the_sign_bit_of_the_c_int() {
        assert_eq!(CLONE_IO as u32, 0x8000_0000);
        assert!(CloneFlags::from_bits(CLONE_IO).unwrap().contains(CloneFlags::IO));
    }

    #[test]
    fn obsolete_flags_name_the_bits_the_kernel_reuses() {
        assert_eq!(CLONE_PID, 0x1000);
        assert_eq!(CLONE_STOPPED, CLONE_NEWCGROUP);
        assert_eq!(CLONE_DETACHED, 0x0040_0000);
    }

    #[test]
    fn clone3_only_flags_are_above_the_int_or_inside_the_signal_byte() {
        assert_eq!(CLONE_CLEAR_SIGHAND, 1 << 32);
        assert_eq!(CLONE_INTO_CGROUP, 1 << 33);
        assert_eq!(CLONE_NEWTIME, 0x80);
        assert_eq!(CLONE_NEWTIME & CSIGNAL, CLONE_NEWTIME);
    }

    #[test]
    fn flag_values_match_the_manual_page() {
        assert_eq!(CSIGNAL, 0xff);
        assert_eq!(CLONE_VM, 0x100);
        assert_eq!(CLONE_SETTLS, 0x0008_0000);
        assert_eq!(CLONE_NEWUSER, 0x1000_0000);
        assert_eq!(CLONE_NEWNET, 0x4000_0000);
    }
}
