//! The `flags` of `clone()` and `clone3()`: one type, [`CloneFlags`], and every `CLONE_*`
//! constant of the manual pages as a value of it, combined with `|` as in C:
//! `CLONE_VM | CLONE_FS | CLONE_FILES`. For `clone()`, whose `flags` also carry the
//! termination signal in the low byte, `| SIGCHLD` puts the signal there, as the
//! manual's `flags | SIGCHLD` does; `clone3()` has a field of its own for it
//! ([`CloneArgs::exit_signal`](crate::CloneArgs::exit_signal)).
//!
//! Values come from `linux-raw-sys`; the three obsolete flags the kernel's headers no
//! longer name are defined here with their historical bit.
//!
//! ```
//! use freeclone::{flags::{CLONE_FS, CLONE_INTO_CGROUP, CLONE_VM, CloneFlags}, signal::SIGCHLD};
//!
//! let flags = CLONE_VM | CLONE_FS | SIGCHLD;
//! assert_eq!(flags.bits(), 0x100 | 0x200 | 17);
//! assert!(flags.contains(CLONE_VM) && !flags.contains(CLONE_INTO_CGROUP));
//! assert_eq!(flags.termination_signal(), SIGCHLD);
//! assert_eq!(format!("{flags:?}"), "CLONE_VM | CLONE_FS | 17");
//! assert_eq!(CloneFlags::empty(), CloneFlags::from_bits(0));
//! ```

use core::ffi::c_int;
use core::fmt;
use core::ops::{BitAnd, BitAndAssign, BitOr, BitOrAssign, Not};

use linux_raw_sys::general as kernel;

/// A set of `CLONE_*` flags: the 64-bit `flags` of `clone3()`, whose low 32 bits are
/// `clone()`'s (with the termination signal in the low byte).
///
/// `clone()` cannot pass a bit above 31 ([`CLONE_CLEAR_SIGHAND`], [`CLONE_INTO_CGROUP`]):
/// the wrappers answer `EINVAL` for one rather than drop it. `clone3()` refuses any bit
/// of the low byte but [`CLONE_NEWTIME`] (`EINVAL`, the kernel's answer).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Default)]
#[repr(transparent)]
pub struct CloneFlags(u64);

impl CloneFlags {
    /// No flag.
    pub const fn empty() -> Self {
        CloneFlags(0)
    }

    /// The flags `bits` stands for, every bit kept (a kernel may know more flags than
    /// this crate names).
    pub const fn from_bits(bits: u64) -> Self {
        CloneFlags(bits)
    }

    /// The flags as the kernel reads them.
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: CloneFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any flag of `other` is set.
    pub const fn intersects(self, other: CloneFlags) -> bool {
        self.0 & other.0 != 0
    }

    /// Both sets: `|` in a `const`.
    pub const fn union(self, other: CloneFlags) -> Self {
        CloneFlags(self.0 | other.0)
    }

    /// Only the termination signal `signal` in the low byte, as `clone()` reads it; a
    /// signal outside `0..=255` is masked to its low byte, as the kernel would.
    pub const fn exit_signal(signal: c_int) -> Self {
        CloneFlags(signal as u32 as u64 & CSIGNAL.0)
    }

    /// The termination signal held in the low byte (0: none).
    pub const fn termination_signal(self) -> c_int {
        (self.0 & CSIGNAL.0) as c_int
    }

    /// `clone()`'s `flags` argument, or `None` for a bit above 31, which `clone()`
    /// cannot pass.
    pub const fn clone_bits(self) -> Option<u32> {
        if self.0 >> 32 == 0 { Some(self.0 as u32) } else { None }
    }
}

impl BitOr for CloneFlags {
    type Output = CloneFlags;
    fn bitor(self, other: CloneFlags) -> CloneFlags {
        CloneFlags(self.0 | other.0)
    }
}

/// `flags | SIGCHLD`: the termination signal in `clone()`'s low byte, as in C.
impl BitOr<c_int> for CloneFlags {
    type Output = CloneFlags;
    fn bitor(self, signal: c_int) -> CloneFlags {
        self | CloneFlags::exit_signal(signal)
    }
}

/// `SIGCHLD | flags`, as [`BitOr<c_int>`](#impl-BitOr<i32>-for-CloneFlags).
impl BitOr<CloneFlags> for c_int {
    type Output = CloneFlags;
    fn bitor(self, flags: CloneFlags) -> CloneFlags {
        flags | self
    }
}

impl BitOrAssign for CloneFlags {
    fn bitor_assign(&mut self, other: CloneFlags) {
        self.0 |= other.0;
    }
}

impl BitAnd for CloneFlags {
    type Output = CloneFlags;
    fn bitand(self, other: CloneFlags) -> CloneFlags {
        CloneFlags(self.0 & other.0)
    }
}

impl BitAndAssign for CloneFlags {
    fn bitand_assign(&mut self, other: CloneFlags) {
        self.0 &= other.0;
    }
}

impl Not for CloneFlags {
    type Output = CloneFlags;
    fn not(self) -> CloneFlags {
        CloneFlags(!self.0)
    }
}

impl fmt::LowerHex for CloneFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.0, f)
    }
}

/// The flags by name, then any bit this crate does not name in hex, then the
/// termination signal: `CLONE_VM | CLONE_FS | 17`.
impl fmt::Debug for CloneFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0 & !CSIGNAL.0;
        let mut written = false;
        let mut part = |f: &mut fmt::Formatter<'_>, part: fmt::Arguments<'_>| {
            let separator = if written { " | " } else { "" };
            written = true;
            write!(f, "{separator}{part}")
        };
        for (name, flag) in NAMES {
            if flag.0 != 0 && rest & flag.0 == flag.0 {
                part(f, format_args!("{name}"))?;
                rest &= !flag.0;
            }
        }
        if rest != 0 {
            part(f, format_args!("{rest:#x}"))?;
        }
        let signal = self.termination_signal();
        if signal != 0 || self.0 == 0 {
            part(f, format_args!("{signal}"))?;
        }
        Ok(())
    }
}

/// Mask of the low byte of `clone()`'s `flags`: the termination signal sent to the
/// parent when the child dies (0: no signal).
pub const CSIGNAL: CloneFlags = CloneFlags(kernel::CSIGNAL as u64);

/// Share the virtual address space with the caller.
pub const CLONE_VM: CloneFlags = CloneFlags(kernel::CLONE_VM as u64);
/// Share the root, the working directory and the umask with the caller.
pub const CLONE_FS: CloneFlags = CloneFlags(kernel::CLONE_FS as u64);
/// Share the file descriptor table with the caller.
pub const CLONE_FILES: CloneFlags = CloneFlags(kernel::CLONE_FILES as u64);
/// Share the table of signal handlers with the caller (requires `CLONE_VM`).
pub const CLONE_SIGHAND: CloneFlags = CloneFlags(kernel::CLONE_SIGHAND as u64);
/// Obsolete (Linux 2.0 to 2.5.15): create the child with the caller's PID. Since Linux
/// 5.2 the same bit is `CLONE_PIDFD`: the kernel stores a PID file descriptor for the
/// child at `ptid`, and rejects the bit together with `CLONE_PARENT_SETTID` (`EINVAL`).
pub const CLONE_PID: CloneFlags = CloneFlags(kernel::CLONE_PIDFD as u64);
/// If the caller is being traced, trace the child too.
pub const CLONE_PTRACE: CloneFlags = CloneFlags(kernel::CLONE_PTRACE as u64);
/// Suspend the caller until the child exits or calls `execve(2)`.
pub const CLONE_VFORK: CloneFlags = CloneFlags(kernel::CLONE_VFORK as u64);
/// The child's parent is the caller's parent.
pub const CLONE_PARENT: CloneFlags = CloneFlags(kernel::CLONE_PARENT as u64);
/// Put the child in the caller's thread group (requires `CLONE_SIGHAND`).
pub const CLONE_THREAD: CloneFlags = CloneFlags(kernel::CLONE_THREAD as u64);
/// Start the child in a new mount namespace.
pub const CLONE_NEWNS: CloneFlags = CloneFlags(kernel::CLONE_NEWNS as u64);
/// Share System V semaphore adjustment (`semadj`) values with the caller.
pub const CLONE_SYSVSEM: CloneFlags = CloneFlags(kernel::CLONE_SYSVSEM as u64);
/// Set the child's thread pointer (TLS) to `tls`. On i386 `tls` points to a
/// `struct user_desc`; elsewhere it is the value of the thread-pointer register.
pub const CLONE_SETTLS: CloneFlags = CloneFlags(kernel::CLONE_SETTLS as u64);
/// Store the child's TID at `ptid` in the caller's memory before `clone()` returns.
pub const CLONE_PARENT_SETTID: CloneFlags = CloneFlags(kernel::CLONE_PARENT_SETTID as u64);
/// Clear the TID at `ctid` in the child's memory when it exits, and wake a futex there.
pub const CLONE_CHILD_CLEARTID: CloneFlags = CloneFlags(kernel::CLONE_CHILD_CLEARTID as u64);
/// Obsolete (Linux 2.5.32 to 2.6.1): "no exit signal". Today's kernels ignore it.
pub const CLONE_DETACHED: CloneFlags = CloneFlags(kernel::CLONE_DETACHED as u64);
/// Do not let a tracing process force `CLONE_PTRACE` on the child.
pub const CLONE_UNTRACED: CloneFlags = CloneFlags(kernel::CLONE_UNTRACED as u64);
/// Store the child's TID at `ctid` in the child's memory before it starts running.
pub const CLONE_CHILD_SETTID: CloneFlags = CloneFlags(kernel::CLONE_CHILD_SETTID as u64);
/// Obsolete (Linux 2.6.0 to 2.6.37): start the child stopped. Since Linux 4.6 the same
/// bit is [`CLONE_NEWCGROUP`], so setting it creates a new cgroup namespace.
pub const CLONE_STOPPED: CloneFlags = CloneFlags(kernel::CLONE_NEWCGROUP as u64);
/// Start the child in a new cgroup namespace.
pub const CLONE_NEWCGROUP: CloneFlags = CloneFlags(kernel::CLONE_NEWCGROUP as u64);
/// Start the child in a new UTS namespace (host and domain name).
pub const CLONE_NEWUTS: CloneFlags = CloneFlags(kernel::CLONE_NEWUTS as u64);
/// Start the child in a new IPC namespace.
pub const CLONE_NEWIPC: CloneFlags = CloneFlags(kernel::CLONE_NEWIPC as u64);
/// Start the child in a new user namespace.
pub const CLONE_NEWUSER: CloneFlags = CloneFlags(kernel::CLONE_NEWUSER as u64);
/// Start the child in a new PID namespace, where it is PID 1.
pub const CLONE_NEWPID: CloneFlags = CloneFlags(kernel::CLONE_NEWPID as u64);
/// Start the child in a new network namespace.
pub const CLONE_NEWNET: CloneFlags = CloneFlags(kernel::CLONE_NEWNET as u64);
/// Share the caller's I/O context (disk scheduling).
pub const CLONE_IO: CloneFlags = CloneFlags(kernel::CLONE_IO as u64);
/// `clone3()` only (since Linux 5.5): "all signals that are handled in the parent are
/// reset to their default dispositions (`SIG_DFL`) in the child" (ignored ones stay
/// ignored). "Specifying this flag together with `CLONE_SIGHAND` is nonsensical and
/// disallowed" (`EINVAL`). Bit 32: `clone()` cannot pass it (`EINVAL`).
pub const CLONE_CLEAR_SIGHAND: CloneFlags = CloneFlags(kernel::CLONE_CLEAR_SIGHAND as u64);
/// `clone3()` only (since Linux 5.7): create the child in the version 2 cgroup that
/// `cl_args.cgroup` refers to (a descriptor of the cgroup's directory, opened
/// `O_RDONLY` or `O_PATH`), instead of its parent's; "all of the usual restrictions
/// (described in cgroups(7)) on placing a process into a version 2 cgroup apply"
/// (`EACCES`, `EBUSY` if a domain controller is enabled there, `EOPNOTSUPP`). Bit 33: `clone()`
/// cannot pass it (`EINVAL`).
pub const CLONE_INTO_CGROUP: CloneFlags = CloneFlags(kernel::CLONE_INTO_CGROUP as u64);
/// Start the child in a new time namespace (since Linux 5.6; `CAP_SYS_ADMIN`). Its
/// bit, `0x80`, lies inside [`CSIGNAL`], `clone()`'s exit-signal byte, so `clone()`
/// cannot express it (it would read as exit signal 128): use `clone3()`, whose exit
/// signal has a field of its own, or `unshare(2)`. `clone3()` rejects every other bit
/// of that byte in `flags` (`EINVAL`).
pub const CLONE_NEWTIME: CloneFlags = CloneFlags(kernel::CLONE_NEWTIME as u64);

/// The names [`CloneFlags`]' `Debug` prints, today's meaning of each bit (`CLONE_PIDFD`
/// rather than the obsolete `CLONE_PID`).
const NAMES: [(&str, CloneFlags); 26] = [
    ("CLONE_VM", CLONE_VM),
    ("CLONE_FS", CLONE_FS),
    ("CLONE_FILES", CLONE_FILES),
    ("CLONE_SIGHAND", CLONE_SIGHAND),
    ("CLONE_PIDFD", CLONE_PID),
    ("CLONE_PTRACE", CLONE_PTRACE),
    ("CLONE_VFORK", CLONE_VFORK),
    ("CLONE_PARENT", CLONE_PARENT),
    ("CLONE_THREAD", CLONE_THREAD),
    ("CLONE_NEWNS", CLONE_NEWNS),
    ("CLONE_SYSVSEM", CLONE_SYSVSEM),
    ("CLONE_SETTLS", CLONE_SETTLS),
    ("CLONE_PARENT_SETTID", CLONE_PARENT_SETTID),
    ("CLONE_CHILD_CLEARTID", CLONE_CHILD_CLEARTID),
    ("CLONE_DETACHED", CLONE_DETACHED),
    ("CLONE_UNTRACED", CLONE_UNTRACED),
    ("CLONE_CHILD_SETTID", CLONE_CHILD_SETTID),
    ("CLONE_NEWCGROUP", CLONE_NEWCGROUP),
    ("CLONE_NEWUTS", CLONE_NEWUTS),
    ("CLONE_NEWIPC", CLONE_NEWIPC),
    ("CLONE_NEWUSER", CLONE_NEWUSER),
    ("CLONE_NEWPID", CLONE_NEWPID),
    ("CLONE_NEWNET", CLONE_NEWNET),
    ("CLONE_IO", CLONE_IO),
    ("CLONE_CLEAR_SIGHAND", CLONE_CLEAR_SIGHAND),
    ("CLONE_INTO_CGROUP", CLONE_INTO_CGROUP),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_ored_in_fills_the_low_byte_as_in_c() {
        let flags = CLONE_VM | CLONE_FS | 17;
        assert_eq!(flags.bits(), 0x100 | 0x200 | 17);
        assert_eq!(flags.termination_signal(), 17);
        assert_eq!(17 | CLONE_VM, CLONE_VM | 17);
        assert_eq!(CloneFlags::exit_signal(0x1ff).bits(), 0xff);
    }

    #[test]
    fn clone_io_is_bit_31_and_the_clone3_flags_are_above_the_int() {
        assert_eq!(CLONE_IO.clone_bits(), Some(0x8000_0000));
        assert_eq!(CLONE_CLEAR_SIGHAND.bits(), 1 << 32);
        assert_eq!(CLONE_INTO_CGROUP.bits(), 1 << 33);
        assert_eq!((CLONE_VM | CLONE_INTO_CGROUP).clone_bits(), None);
    }

    #[test]
    fn obsolete_flags_name_the_bits_the_kernel_reuses() {
        assert_eq!(CLONE_PID.bits(), 0x1000);
        assert_eq!(CLONE_STOPPED, CLONE_NEWCGROUP);
        assert_eq!(CLONE_DETACHED.bits(), 0x0040_0000);
    }

    #[test]
    fn clone_newtime_lies_inside_the_signal_byte() {
        assert_eq!(CLONE_NEWTIME.bits(), 0x80);
        assert!(CSIGNAL.contains(CLONE_NEWTIME));
    }

    #[test]
    fn flag_values_match_the_manual_page() {
        assert_eq!(CSIGNAL.bits(), 0xff);
        assert_eq!(CLONE_VM.bits(), 0x100);
        assert_eq!(CLONE_SETTLS.bits(), 0x0008_0000);
        assert_eq!(CLONE_NEWUSER.bits(), 0x1000_0000);
        assert_eq!(CLONE_NEWNET.bits(), 0x4000_0000);
    }

    #[test]
    fn debug_names_each_flag_then_unknown_bits_then_the_signal() {
        extern crate std;
        assert_eq!(std::format!("{:?}", CLONE_VM | CLONE_PID | 17), "CLONE_VM | CLONE_PIDFD | 17");
        assert_eq!(std::format!("{:?}", CLONE_INTO_CGROUP | CloneFlags::from_bits(1 << 40)), "CLONE_INTO_CGROUP | 0x10000000000");
        assert_eq!(std::format!("{:?}", CloneFlags::empty()), "0");
    }
}
