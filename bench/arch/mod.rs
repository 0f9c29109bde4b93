//! What differs per architecture in the benchmark programs, and the one place that
//! chooses it: the floor (the raw clone system call issued from a minimal hand-written
//! sequence, with no wrapper logic: the trap; in the child, `fn(arg)` and `SYS_exit`)
//! and the stack the ABI itself demands below the aligned top at `fn`'s entry.
//!
//! - `ABI_FRAME_AT_FN_ENTRY` (here, for every architecture): the bytes below a
//!   16-aligned stack top that the calling convention itself occupies when a function
//!   called from that top starts (x86's return address and argument slot, mips o32's
//!   argument save area, s390x's register save area), whatever wrapper makes the call.
//! - `spawn(flags, stack, ctid, f, arg)`: the raw clone system call with the new stack
//!   (16-aligned) and `ctid` for `CLONE_CHILD_CLEARTID`; no ptid, no TLS. Returns the
//!   TID in the parent, or -errno. The child calls `f(arg)` and passes its return value
//!   to `SYS_exit`; nothing more. The trap is out of line, a call like freeclone's
//!   entry, and one copy serves every benchmark: under qemu-user, code that a process
//!   has run once is translated already in its forked children, and a copy that only
//!   children ever run would be translated anew in each (measured: 18% slower process
//!   spawns).
//! - `spawn3(args, size, f, arg)`: the same for the raw clone3 system call: `args`
//!   (`size` bytes) as the caller filled them, the child starting on `stack +
//!   stack_size` (16-aligned), making there the frame the ABI demands, calling
//!   `f(arg)` and passing its value to `SYS_exit`. Where the ABI leaves registers for
//!   `f` and `arg` in both calls, the two share one out-of-line trap sequence.
//!
//! Each architecture's file (powerpc.rs serves powerpc and powerpc64, mips.rs mips and
//! mips64) provides that sequence as `trap_and_run(nr, args, f, arg)`: the system call
//! `nr` with `args` in the kernel's registers; in the child (0), `f(arg)` and `SYS_exit`.
//! generic.rs builds `spawn` and `spawn3` on it. i386's clone leaves no register free
//! for `f` and `arg`: its file provides `spawn` and `spawn3` themselves.

#[cfg_attr(target_arch = "x86_64", path = "x86_64.rs")]
#[cfg_attr(target_arch = "x86", path = "i386.rs")]
#[cfg_attr(target_arch = "aarch64", path = "aarch64.rs")]
#[cfg_attr(target_arch = "arm", path = "arm.rs")]
#[cfg_attr(any(target_arch = "mips", target_arch = "mips64"), path = "mips.rs")]
#[cfg_attr(target_arch = "s390x", path = "s390x.rs")]
#[cfg_attr(target_arch = "riscv64", path = "riscv64.rs")]
#[cfg_attr(target_arch = "loongarch64", path = "loongarch64.rs")]
#[cfg_attr(any(target_arch = "powerpc", target_arch = "powerpc64"), path = "powerpc.rs")]
mod imp;

#[cfg(not(target_arch = "x86"))]
mod generic;

#[cfg(not(target_arch = "x86"))]
pub use generic::{spawn, spawn3};
#[cfg(target_arch = "x86")]
pub use imp::{spawn, spawn3};

/// No frame: the return address stays in a register, and the ABI reserves nothing
/// below sp for the callee. AAPCS64 and AAPCS (sp 16- and 8-aligned at a call, the
/// return address in the link register), the RISC-V and LoongArch psABIs and mips64's
/// n64 (sp 16-aligned at a call, the return address in ra).
#[cfg(any(
    target_arch = "aarch64",
    target_arch = "arm",
    target_arch = "riscv64",
    target_arch = "loongarch64",
    target_arch = "mips64"
))]
pub const ABI_FRAME_AT_FN_ENTRY: usize = 0;
/// x86_64 SysV: rsp + 8 is 16-aligned at a function's entry; `call` pushes the return
/// address.
#[cfg(target_arch = "x86_64")]
pub const ABI_FRAME_AT_FN_ENTRY: usize = 8;
/// i386 cdecl as Linux compilers use it: the argument slot at a 16-aligned esp at the
/// call (top - 16 at best, 4 bytes used, 12 of alignment above it), then the return
/// address.
#[cfg(target_arch = "x86")]
pub const ABI_FRAME_AT_FN_ENTRY: usize = 20;
/// mips o32: sp 8-aligned at a call, 16 bytes reserved above it for the callee's a0..a3.
/// SysV powerpc: a caller provides an 8-byte frame header below its sp (back chain and
/// the callee's LR save word), kept 16-aligned; the return address stays in lr.
#[cfg(any(target_arch = "mips", target_arch = "powerpc"))]
pub const ABI_FRAME_AT_FN_ENTRY: usize = 16;
/// powerpc64 ELFv2: a caller provides a 32-byte frame header below its sp (back chain,
/// CR, LR and TOC save words), 16-aligned; the return address stays in lr.
#[cfg(all(target_arch = "powerpc64", target_abi = "elfv2"))]
pub const ABI_FRAME_AT_FN_ENTRY: usize = 32;
/// powerpc64 ELFv1: the 48-byte header and the 64-byte parameter save area.
#[cfg(all(target_arch = "powerpc64", not(target_abi = "elfv2")))]
pub const ABI_FRAME_AT_FN_ENTRY: usize = 112;
/// The s390x ELF ABI: the caller provides a 160-byte register save area at the
/// callee's sp (8-aligned); the return address stays in r14.
#[cfg(target_arch = "s390x")]
pub const ABI_FRAME_AT_FN_ENTRY: usize = 160;
