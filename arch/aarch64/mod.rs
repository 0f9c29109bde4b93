//! aarch64: `svc #0`, number in x8, arguments in x0..x5; the kernel returns in x0 and
//! preserves every other register. clone's kernel order: flags, stack, ptid, tls, ctid.

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use core::sync::atomic::AtomicU8;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, __NR_mmap};

use crate::{CloneFn, pid_t};

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
#[inline(always)]
pub(crate) unsafe fn mmap(
    address: usize, length: usize, protection: usize, flags: usize, fd: usize, offset: usize,
) -> usize {
    unsafe { syscall6(__NR_mmap as usize, address, length, protection, flags, fd, offset) }
}

/// The raw clone system call in the kernel's argument order for this architecture.
#[inline(always)]
pub(crate) unsafe fn clone_syscall(
    flags: usize, stack: usize, ptid: usize, tls: usize, ctid: usize,
) -> usize {
    unsafe { syscall5(__NR_clone as usize, flags, stack, ptid, tls, ctid) }
}

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
    args: *const crate::RawCloneArgs, size: usize, f: CloneFn, arg: *mut c_void,
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

/// Process entry: sp points at argc, argv..., NULL, envp..., NULL, auxv, 16-aligned.
#[cfg(feature = "rt")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn __freeclone_start() -> ! {
    naked_asm!(
        ".weak _start",          // weak: a C runtime's own `_start` wins where one is linked
        ".type _start, @function",
        "_start:",
        ".cfi_startproc",
        ".cfi_undefined x30",
        "mov x29, xzr",
        "mov x30, xzr",
        "mov x0, sp",
        "bl {start}",
        "brk #0",
        ".cfi_endproc",
        start = sym crate::rt::start,
    )
}

// ---- Probes ----

/// Records sp, x29 and x30 at entry, then jumps to the next function with the
/// registers untouched (see [`crate::probes::EntryRecord`]).
#[cfg(feature = "probes")]
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn entry_probe(record: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        "mov x9, sp",
        "str x9, [x0, #{stack_pointer}]",
        "str x29, [x0, #{frame_pointer}]",
        "str x30, [x0, #{return_address}]",
        "ldr x9, [x0, #{next}]",
        "ldr x0, [x0, #{next_arg}]",
        "br x9",
        stack_pointer = const core::mem::offset_of!(crate::probes::EntryRecord, stack_pointer),
        frame_pointer = const core::mem::offset_of!(crate::probes::EntryRecord, frame_pointer),
        return_address = const core::mem::offset_of!(crate::probes::EntryRecord, return_address),
        next = const core::mem::offset_of!(crate::probes::EntryRecord, next),
        next_arg = const core::mem::offset_of!(crate::probes::EntryRecord, next_arg),
    )
}

/// Calls `f(arg)` with a known value in every callee-saved register (x19..x29,
/// d8..d15) and returns a bit per register that `f` left changed.
#[cfg(feature = "probes")]
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn callee_saved_changed(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void,
) -> usize {
    naked_asm!(
        "stp x29, x30, [sp, #-160]!",
        "stp x19, x20, [sp, #16]",
        "stp x21, x22, [sp, #32]",
        "stp x23, x24, [sp, #48]",
        "stp x25, x26, [sp, #64]",
        "stp x27, x28, [sp, #80]",
        "stp d8, d9, [sp, #96]",
        "stp d10, d11, [sp, #112]",
        "stp d12, d13, [sp, #128]",
        "stp d14, d15, [sp, #144]",
        "mov x9, x0",
        "mov x0, x1",
        // Register i holds 0x5a5a0000000000b0 + i.
        "movz x19, #0x5a5a, lsl #48", "add x19, x19, #0xb0",
        "add x20, x19, #1", "add x21, x19, #2", "add x22, x19, #3", "add x23, x19, #4",
        "add x24, x19, #5", "add x25, x19, #6", "add x26, x19, #7", "add x27, x19, #8",
        "add x28, x19, #9", "add x29, x19, #10",
        "add x10, x19, #11", "fmov d8, x10", "add x10, x19, #12", "fmov d9, x10",
        "add x10, x19, #13", "fmov d10, x10", "add x10, x19, #14", "fmov d11, x10",
        "add x10, x19, #15", "fmov d12, x10", "add x10, x19, #16", "fmov d13, x10",
        "add x10, x19, #17", "fmov d14, x10", "add x10, x19, #18", "fmov d15, x10",
        "blr x9",
        "mov x0, xzr",
        "movz x10, #0x5a5a, lsl #48", "add x10, x10, #0xb0",
        "cmp x19, x10", "cset x11, ne", "orr x0, x0, x11",
        "add x10, x10, #1", "cmp x20, x10", "cset x11, ne", "orr x0, x0, x11, lsl #1",
        "add x10, x10, #1", "cmp x21, x10", "cset x11, ne", "orr x0, x0, x11, lsl #2",
        "add x10, x10, #1", "cmp x22, x10", "cset x11, ne", "orr x0, x0, x11, lsl #3",
        "add x10, x10, #1", "cmp x23, x10", "cset x11, ne", "orr x0, x0, x11, lsl #4",
        "add x10, x10, #1", "cmp x24, x10", "cset x11, ne", "orr x0, x0, x11, lsl #5",
        "add x10, x10, #1", "cmp x25, x10", "cset x11, ne", "orr x0, x0, x11, lsl #6",
        "add x10, x10, #1", "cmp x26, x10", "cset x11, ne", "orr x0, x0, x11, lsl #7",
        "add x10, x10, #1", "cmp x27, x10", "cset x11, ne", "orr x0, x0, x11, lsl #8",
        "add x10, x10, #1", "cmp x28, x10", "cset x11, ne", "orr x0, x0, x11, lsl #9",
        "add x10, x10, #1", "cmp x29, x10", "cset x11, ne", "orr x0, x0, x11, lsl #10",
        "add x10, x10, #1", "fmov x12, d8", "cmp x12, x10", "cset x11, ne", "orr x0, x0, x11, lsl #11",
        "add x10, x10, #1", "fmov x12, d9", "cmp x12, x10", "cset x11, ne", "orr x0, x0, x11, lsl #12",
        "add x10, x10, #1", "fmov x12, d10", "cmp x12, x10", "cset x11, ne", "orr x0, x0, x11, lsl #13",
        "add x10, x10, #1", "fmov x12, d11", "cmp x12, x10", "cset x11, ne", "orr x0, x0, x11, lsl #14",
        "add x10, x10, #1", "fmov x12, d12", "cmp x12, x10", "cset x11, ne", "orr x0, x0, x11, lsl #15",
        "add x10, x10, #1", "fmov x12, d13", "cmp x12, x10", "cset x11, ne", "orr x0, x0, x11, lsl #16",
        "add x10, x10, #1", "fmov x12, d14", "cmp x12, x10", "cset x11, ne", "orr x0, x0, x11, lsl #17",
        "add x10, x10, #1", "fmov x12, d15", "cmp x12, x10", "cset x11, ne", "orr x0, x0, x11, lsl #18",
        "ldp d14, d15, [sp, #144]",
        "ldp d12, d13, [sp, #128]",
        "ldp d10, d11, [sp, #112]",
        "ldp d8, d9, [sp, #96]",
        "ldp x27, x28, [sp, #80]",
        "ldp x25, x26, [sp, #64]",
        "ldp x23, x24, [sp, #48]",
        "ldp x21, x22, [sp, #32]",
        "ldp x19, x20, [sp, #16]",
        "ldp x29, x30, [sp], #160",
        "ret",
    )
}

/// A `CloneFn` returning `arg as c_int`; this architecture has one instruction set.
#[cfg(feature = "probes")]
pub(crate) extern "C" fn return_arg_in_other_instruction_set(arg: *mut c_void) -> core::ffi::c_int {
    arg as usize as core::ffi::c_int
}

/// No register that a callee's own address must arrive in.
#[cfg(feature = "probes")]
pub(crate) const FN_CHECKING_THE_CALL_REGISTER: Option<CloneFn> = None;

/// SME's ZA array, which AAPCS64 saves lazily through the TPIDR2 block.
#[cfg(feature = "probes")]
pub(crate) const LAZY_SAVED_MATRIX: Option<crate::probes::LazySavedMatrix> = Some(crate::probes::LazySavedMatrix {
    present: sme_present,
    slice_bytes: streaming_vector_length,
    around: lazy_save_around,
    state: za_state,
});

/// Whether this task may use SME: the clone entry's own answer (`za_disable` asks the
/// kernel once; with no lazy save pending it changes nothing else).
#[cfg(feature = "probes")]
fn sme_present() -> bool {
    unsafe {
        asm!("bl {za_disable}", za_disable = sym za_disable,
            out("x14") _, out("x15") _, out("x16") _, out("x17") _, out("x30") _, options(nostack));
    }
    SME.load(core::sync::atomic::Ordering::Relaxed) == SME_PRESENT
}

/// SVL in bytes: ZA has SVL slices of SVL bytes. (In inline assembly, unlike in a
/// naked function, `.arch_extension` ends with the `asm!` block: measured.)
#[cfg(feature = "probes")]
unsafe fn streaming_vector_length() -> usize {
    let length;
    unsafe { asm!(".arch_extension sme", "rdsvl {}, #1", out(reg) length, options(nostack, nomem, preserves_flags)) };
    length
}

/// ZA's state now: PSTATE.ZA (SVCR bit 1) and TPIDR2_EL0.
#[cfg(feature = "probes")]
unsafe fn za_state() -> crate::probes::MatrixState {
    let (svcr, tpidr2): (usize, usize);
    unsafe {
        asm!(".arch_extension sme", "mrs {}, SVCR", "mrs {}, TPIDR2_EL0",
            out(reg) svcr, out(reg) tpidr2, options(nostack, nomem, preserves_flags));
    }
    crate::probes::MatrixState { on: svcr & 2 != 0, block: tpidr2 }
}

/// Turns ZA on, loads `record.slices` slices of `record.pattern` into it, points
/// TPIDR2_EL0 at a TPIDR2 block on this frame that asks for those slices to be saved
/// to `record.buffer` (ZA "dormant": a lazy save pending), calls `f(arg)`, records ZA's
/// state after it, and turns ZA off with TPIDR2_EL0 null.
#[cfg(feature = "probes")]
#[unsafe(naked)]
unsafe extern "C" fn lazy_save_around(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void, record: *mut crate::probes::LazySaveRecord,
) {
    naked_asm!(
        "stp x29, x30, [sp, #-48]!",
        "mov x29, sp",
        "str x19, [sp, #16]",
        "mov x19, x2",
        "ldr x9, [x19, #{buffer}]",
        "ldr x10, [x19, #{slices}]",
        "str x9, [sp, #32]",     // za_save_buffer
        "str x10, [sp, #40]",    // num_za_save_slices, reserved bytes zero
        "smstart za",
        "ldr x11, [x19, #{pattern}]",
        "mov w12, wzr",
        "1:",
        ".inst 0xe1000160",      // ldr za[w12, 0], [x11]
        ".inst 0x042b582b",      // addsvl x11, x11, #1
        "add w12, w12, #1",
        "cmp x12, x10",
        "b.lo 1b",
        "add x11, sp, #32",
        "msr S3_3_C13_C0_5, x11", // TPIDR2_EL0
        "mov x9, x0",
        "mov x0, x1",
        "blr x9",
        "mrs x9, S3_3_C4_C2_2",  // SVCR
        "ubfx x9, x9, #1, #1",
        "str x9, [x19, #{on_after}]",
        "mrs x9, S3_3_C13_C0_5", // TPIDR2_EL0
        "str x9, [x19, #{block_after}]",
        "msr S3_3_C13_C0_5, xzr",
        "smstop za",
        "ldr x19, [sp, #16]",
        "ldp x29, x30, [sp], #48",
        "ret",
        pattern = const core::mem::offset_of!(crate::probes::LazySaveRecord, pattern),
        buffer = const core::mem::offset_of!(crate::probes::LazySaveRecord, buffer),
        slices = const core::mem::offset_of!(crate::probes::LazySaveRecord, slices),
        on_after = const core::mem::offset_of!(crate::probes::LazySaveRecord, on_after),
        block_after = const core::mem::offset_of!(crate::probes::LazySaveRecord, block_after),
    )
}
