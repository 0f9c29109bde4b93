//! aarch64: `svc #0`, number in x8, arguments in x0..x5; the kernel returns in x0 and
//! preserves every other register. clone's kernel order: flags, stack, ptid, tls, ctid.

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use core::sync::atomic::AtomicU8;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit};

use crate::types::{CloneFn, pid_t};

// ---- Constants ----

/// AAPCS64: sp is 16-aligned at all times (the hardware checks sp-relative accesses).
pub(crate) const STACK_ALIGNMENT: usize = 16;
/// The wrapper's own use of the child stack: none, `blr` keeps the return address in x30.
pub(crate) const CHILD_FRAME_SIZE: usize = 0;
/// Bytes a call leaves on the stack at the callee's entry: the return address stays in x30.
pub(crate) const RETURN_ADDRESS_ON_STACK: usize = 0;

/// Rust's targets here probe every frame larger than a page (`stack-probes` inline),
/// so a frame of any size that overflows touches the guard first.
pub(crate) const STACK_PROBES: bool = true;

// ---- Raw system calls ----

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> usize {
    let ret;
    unsafe { asm!("svc #0", in("x8") nr, lateout("x0") ret, options(nostack, preserves_flags)) };
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> usize {
    let ret;
    unsafe {
        asm!("svc #0", in("x8") nr, inlateout("x0") a0 => ret, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    unsafe { asm!("svc #0", in("x8") nr, in("x0") a0, options(nostack, noreturn)) }
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    let ret;
    unsafe {
        asm!("svc #0", in("x8") nr, inlateout("x0") a0 => ret, in("x1") a1,
            options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    unsafe {
        asm!("svc #0", in("x8") nr, inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2,
            options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    unsafe {
        asm!("svc #0", in("x8") nr, inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2,
            in("x3") a3, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall5(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize,
) -> usize {
    let ret;
    unsafe {
        asm!("svc #0", in("x8") nr, inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2,
            in("x3") a3, in("x4") a4, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall6(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    let ret;
    unsafe {
        asm!("svc #0", in("x8") nr, inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2,
            in("x3") a3, in("x4") a4, in("x5") a5, options(nostack, preserves_flags));
    }
    ret
}

/// `mmap` takes six arguments, the offset in bytes.
#[path = "../generic/mmap.rs"]
mod generic_mmap;
pub(crate) use generic_mmap::mmap;

/// The raw clone system call: tls before ctid (CONFIG_CLONE_BACKWARDS).
#[path = "../generic/clone_backwards.rs"]
mod generic_clone;
pub(crate) use generic_clone::clone_syscall;

/// The ID calls: the plain names take 32-bit IDs here.
#[path = "../generic/ids.rs"]
mod generic_ids;
pub(crate) use generic_ids::{NR_GETGID, NR_GETUID, NR_SETGID, NR_SETUID};

// ---- Clone entry ----

/// glibc's `clone` below the portable checks: `stack_top` is already aligned. Returns
/// the child's TID or -errno in the parent; in the child, runs `f(arg)` and exits.
///
/// Before the system call it turns SME's ZA state off as glibc 2.43 and bionic do
/// (AAPCS64's `__arm_za_disable`; see [`za_disable`]), so that no child starts with live
/// ZA state and a TPIDR2_EL0 that points to its parent's lazy-save block.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn clone_entry(
    f: CloneFn, stack_top: *mut u8, flags: usize, arg: *mut c_void,
    ptid: *mut pid_t, tls: *mut c_void, ctid: *mut pid_t,
) -> usize {
    naked_asm!(
        ".cfi_startproc",
        "mov x9, x0",            // f and arg survive the syscall in x9 and x10:
        "mov x10, x3",           // the kernel restores every register but x0
        "adrp x11, {sme}",       // without SME (known after the first call) the
        "ldrb w11, [x11, :lo12:{sme}]", // ZA check costs this load and branch
        "cbz w11, 3f",
        "mov x11, x30",          // za_disable keeps x0-x13; the call takes x30
        "bl {za_disable}",
        "mov x30, x11",
        "3:",
        "mov x0, x2",            // flags
        "mov x2, x4",            // ptid
        "mov x3, x5",            // tls
        "mov x4, x6",            // ctid
        "mov x8, #{clone}",
        "svc #0",
        "cbz x0, 2f",
        "ret",                   // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined x30",    // the child's call chain starts here
        "mov x29, xzr",          // and so does its frame-record chain
        "mov x0, x10",
        "blr x9",                // sp is the aligned top: AAPCS64 needs nothing more
        "mov x8, #{exit}",       // SYS_exit ends this thread only, never the group
        "svc #0",                // x0 still holds fn's return value: the exit status
        "brk #0",
        ".cfi_endproc",
        clone = const __NR_clone,
        exit = const __NR_exit,
        sme = sym SME,
        za_disable = sym za_disable,
    )
}

/// glibc's `__clone3`: the clone3 system call with `args` (`size` bytes). Returns the
/// child's TID or -errno in the parent; the child, which the kernel starts on
/// `stack + stack_size` (or on its copy of the caller's stack), runs `f(arg)` and exits.
/// SME's ZA state is turned off first, exactly as in [`clone_entry`].
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn clone3_entry(
    args: *const linux_raw_sys::general::clone_args, size: usize, f: CloneFn, arg: *mut c_void,
) -> usize {
    naked_asm!(
        ".cfi_startproc",
        "mov x9, x2",            // f and arg survive the syscall in x9 and x10:
        "mov x10, x3",           // the kernel restores every register but x0
        "adrp x11, {sme}",       // the ZA check of clone_entry: a load and a branch
        "ldrb w11, [x11, :lo12:{sme}]", // without SME
        "cbz w11, 3f",
        "mov x11, x30",          // za_disable keeps x0-x13; the call takes x30
        "bl {za_disable}",
        "mov x30, x11",
        "3:",
        "mov x8, #{clone3}",     // args and size are already in x0 and x1
        "svc #0",
        "cbz x0, 2f",
        "ret",                   // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined x30",    // the child's call chain starts here
        "mov x29, xzr",          // and so does its frame-record chain
        "mov x11, sp",           // stack + stack_size carries no alignment promise:
        "and x11, x11, #-16",    // AAPCS64 wants sp 16-aligned
        "mov sp, x11",
        "mov x0, x10",
        "blr x9",
        "mov x8, #{exit}",       // SYS_exit ends this thread only, never the group
        "svc #0",                // x0 still holds fn's return value: the exit status
        "brk #0",
        ".cfi_endproc",
        clone3 = const __NR_clone3,
        exit = const __NR_exit,
        sme = sym SME,
        za_disable = sym za_disable,
    )
}

/// Whether this task may use SME: [`SME_ABSENT`], [`SME_PRESENT`], or [`SME_UNKNOWN`]
/// until the first clone asks the kernel. A race only makes two callers ask.
static SME: AtomicU8 = AtomicU8::new(SME_UNKNOWN);
const SME_ABSENT: u8 = 0;
const SME_PRESENT: u8 = 1;
const SME_UNKNOWN: u8 = 2;
// za_disable stores the answer with `cset`.
const _: () = assert!(SME_ABSENT == 0 && SME_PRESENT == 1);

/// AAPCS64's `__arm_za_disable` for the clone entry: if a lazy save of ZA is pending
/// (TPIDR2_EL0 non-null) and ZA is on, stores ZA to the buffer its TPIDR2 block
/// describes; then clears TPIDR2_EL0 and turns ZA off. Without SME it does nothing.
///
/// Own convention: keeps x0-x13, x18-x30, sp and the vector registers; takes x14-x17
/// and the flags; uses no stack. A TPIDR2 block with its reserved bytes set has a
/// format this code does not know: AAPCS64 says abort, so it traps (`brk`).
///
/// SME is asked about once: an EL0 read of ID_AA64PFR1_EL1, which Linux emulates
/// (HWCAP_CPUID, since 4.11) and whose SME field it shows only when this task may use
/// SME, so SVCR and TPIDR2_EL0 are never touched where they would be SIGILL. It needs
/// neither libc nor the auxiliary vector, and no system call a seccomp filter could
/// refuse. TPIDR2_EL0 is read before SVCR: Linux lets EL0 read it freely, while a
/// first SVCR access would trap and give the task SME state to switch from then on.
///
/// SME's registers appear by their generic names and its instructions as `.inst`
/// words: LLVM knows them only after `.arch_extension sme`, which in a naked function
/// (module-level assembly) would stay in force for the rest of the module (measured).
#[unsafe(naked)]
unsafe extern "C" fn za_disable() {
    naked_asm!(
        ".cfi_startproc",
        "adrp x14, {sme}",
        "ldrb w15, [x14, :lo12:{sme}]",
        "cmp w15, #{unknown}",
        "b.ne 1f",
        "mrs x15, ID_AA64PFR1_EL1",
        "ubfx x15, x15, #24, #4", // SME, bits [27:24]: 0 when absent or not allowed
        "cmp x15, #0",
        "cset w15, ne",          // SME_PRESENT or SME_ABSENT
        "strb w15, [x14, :lo12:{sme}]",
        "1:",
        "cbz w15, 5f",
        "mrs x14, S3_3_C13_C0_5", // TPIDR2_EL0
        "cbz x14, 5f",           // no lazy save: ZA is off, as AAPCS64 wants at a call
        // The TPIDR2 block: za_save_buffer at 0, num_za_save_slices (16 bits) at 8,
        // bytes 10-15 reserved (zero).
        "ldrh w15, [x14, #10]",
        "ldr w16, [x14, #12]",
        "orr w15, w15, w16",
        "cbnz w15, 6f",
        "mrs x15, S3_3_C4_C2_2", // SVCR
        "tbz x15, #1, 4f",       // PSTATE.ZA off: nothing to store or turn off
        "ldr x16, [x14]",
        "ldrh w17, [x14, #8]",
        "cbz x16, 3f",
        "cbz w17, 3f",
        "mov w15, wzr",
        "2:",
        ".inst 0xe1206200",      // str za[w15, 0], [x16]: slice w15, SVL bytes
        ".inst 0x04305830",      // addsvl x16, x16, #1
        "add w15, w15, #1",
        "cmp w15, w17",
        "b.lo 2b",
        "3:",
        "msr S3_3_C13_C0_5, xzr", // TPIDR2_EL0: the lazy save is committed,
        "smstop za",             // and the child gets neither ZA nor the block
        "ret",
        "4:",
        "msr S3_3_C13_C0_5, xzr", // TPIDR2_EL0
        "5:",
        "ret",
        "6:",
        "brk #0",
        ".cfi_endproc",
        sme = sym SME,
        unknown = const SME_UNKNOWN,
    )
}

// ---- TLS ----

/// `CLONE_SETTLS`'s `tls` is the new thread pointer itself.
#[path = "../generic/tls.rs"]
mod generic_tls;
pub(crate) use generic_tls::{TlsArgument, tls_argument, tls_argument_pointer};

/// The thread pointer: tpidr_el0, which `CLONE_SETTLS` set to `tls`.
#[inline(always)]
pub(crate) unsafe fn thread_pointer() -> *mut c_void {
    let pointer;
    unsafe { asm!("mrs {}, tpidr_el0", out(reg) pointer, options(nostack, nomem, preserves_flags)) };
    pointer
}

// ---- Signals ----

/// The kernel returns from handlers through the vDSO's trampoline: no restorer needed.
#[path = "../generic/signals.rs"]
mod generic_signals;
pub(crate) use generic_signals::{SignalAction, signal_action, signal_action_handler};

// ---- _start ----

/// The process entry: `start.rs`.
#[cfg(feature = "rt")]
mod start;

// ---- Probes ----

/// The conformance program's instruments (`probes.rs`).
#[cfg(feature = "probes")]
mod probes;
#[cfg(feature = "probes")]
pub(crate) use probes::*;
