//! riscv64 (lp64d): `ecall`, number in a7, arguments in a0..a5; the kernel returns in a0
//! and preserves every other register. clone's kernel order (CLONE_BACKWARDS): flags,
//! stack, ptid, tls, ctid.

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, __NR_mmap};

use crate::{CloneFn, pid_t};

// ---- Constants ----

/// RISC-V psABI: sp is 16-aligned at a call.
pub(crate) const STACK_ALIGNMENT: usize = 16;
/// The wrapper's own use of the child stack: none, `jalr` keeps the return address in ra.
pub(crate) const CHILD_FRAME_SIZE: usize = 0;
/// Bytes a call leaves on the stack at the callee's entry: the return address stays in ra.
pub(crate) const RETURN_ADDRESS_ON_STACK: usize = 0;

/// Rust's targets here do not probe large frames: a frame larger than the guard can
/// step over it.
pub(crate) const STACK_PROBES: bool = false;

// ---- Raw system calls ----

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> usize {
    let ret;
    unsafe { asm!("ecall", in("a7") nr, lateout("a0") ret, options(nostack, preserves_flags)) };
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> usize {
    let ret;
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a0 => ret, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    unsafe { asm!("ecall", in("a7") nr, in("a0") a0, options(nostack, noreturn)) }
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    let ret;
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a0 => ret, in("a1") a1,
            options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2,
            options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2,
            in("a3") a3, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall5(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize,
) -> usize {
    let ret;
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2,
            in("a3") a3, in("a4") a4, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall6(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    let ret;
    unsafe {
        asm!("ecall", in("a7") nr, inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2,
            in("a3") a3, in("a4") a4, in("a5") a5, options(nostack, preserves_flags));
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
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn clone_entry(
    f: CloneFn, stack_top: *mut u8, flags: usize, arg: *mut c_void,
    ptid: *mut pid_t, tls: *mut c_void, ctid: *mut pid_t,
) -> usize {
    naked_asm!(
        ".cfi_startproc",
        "mv t1, a0",             // f and arg survive the syscall in t1 and t2:
        "mv t2, a3",             // the kernel restores every register but a0
        "mv a0, a2",             // flags
        "mv a2, a4",             // ptid
        "mv a3, a5",             // tls
        "mv a4, a6",             // ctid
        "li a7, {clone}",
        "ecall",
        "beqz a0, 2f",
        "ret",                   // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined ra",     // the child's call chain starts here
        "li s0, 0",              // and so does its frame-pointer chain
        "mv a0, t2",
        "jalr t1",               // sp is the aligned top: the psABI needs nothing more
        "li a7, {exit}",         // SYS_exit ends this thread only, never the group
        "ecall",                 // a0 still holds fn's return value: the exit status
        "unimp",
        ".cfi_endproc",
        clone = const __NR_clone,
        exit = const __NR_exit,
    )
}

/// glibc's `__clone3`: the clone3 system call with `args` (`size` bytes). Returns the
/// child's TID or -errno in the parent; the child, which the kernel starts on
/// `stack + stack_size` (or on its copy of the caller's stack), runs `f(arg)` and exits.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn clone3_entry(
    args: *const crate::RawCloneArgs, size: usize, f: CloneFn, arg: *mut c_void,
) -> usize {
    naked_asm!(
        ".cfi_startproc",
        "li a7, {clone3}",       // args and size are already in a0 and a1; f and arg
        "ecall",                 // stay in a2 and a3, which the kernel gives back
        "beqz a0, 2f",
        "ret",                   // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined ra",     // the child's call chain starts here
        "li s0, 0",              // and so does its frame-pointer chain
        "andi sp, sp, -16",      // stack + stack_size carries no alignment promise
        "mv a0, a3",
        "jalr a2",
        "li a7, {exit}",         // SYS_exit ends this thread only, never the group
        "ecall",                 // a0 still holds fn's return value: the exit status
        "unimp",
        ".cfi_endproc",
        clone3 = const __NR_clone3,
        exit = const __NR_exit,
    )
}

// ---- TLS ----

/// `CLONE_SETTLS`'s `tls` is the new thread pointer itself.
#[path = "../generic/tls.rs"]
mod generic_tls;
pub(crate) use generic_tls::{TlsArgument, tls_argument, tls_argument_pointer};

/// The thread pointer: tp (x4), which `CLONE_SETTLS` set to `tls`.
#[inline(always)]
pub(crate) unsafe fn thread_pointer() -> *mut c_void {
    let pointer;
    unsafe { asm!("mv {}, tp", out(reg) pointer, options(nostack, nomem, preserves_flags)) };
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
        ".cfi_undefined ra",
        ".option push",          // the psABI's process entry sets gp, which a linker
        ".option norelax",       // that relaxes to gp-relative accesses relies on
        "lla gp, __global_pointer$",
        ".option pop",
        "li s0, 0",
        "li ra, 0",
        "mv a0, sp",
        "andi sp, sp, -16",      // the psABI wants 16; do not rely on the kernel for it
        "call {start}",
        "unimp",
        ".cfi_endproc",
        start = sym crate::rt::start,
    )
}

// ---- Probes ----

/// Records sp, s0 (the frame pointer) and ra at entry, then jumps to the next function
/// with the registers untouched but t0 (see [`crate::probes::EntryRecord`]).
#[cfg(feature = "probes")]
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn entry_probe(record: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        "sd sp, {stack_pointer}(a0)",
        "sd s0, {frame_pointer}(a0)",
        "sd ra, {return_address}(a0)",
        "ld t0, {next}(a0)",
        "ld a0, {next_arg}(a0)",
        "jr t0",
        stack_pointer = const core::mem::offset_of!(crate::probes::EntryRecord, stack_pointer),
        frame_pointer = const core::mem::offset_of!(crate::probes::EntryRecord, frame_pointer),
        return_address = const core::mem::offset_of!(crate::probes::EntryRecord, return_address),
        next = const core::mem::offset_of!(crate::probes::EntryRecord, next),
        next_arg = const core::mem::offset_of!(crate::probes::EntryRecord, next_arg),
    )
}

/// Calls `f(arg)` with a known value in every callee-saved register (s0..s11,
/// fs0..fs11) and returns a bit per register that `f` left changed, bit 24 if sp did
/// not come back.
#[cfg(feature = "probes")]
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn callee_saved_changed(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void,
) -> usize {
    naked_asm!(
        // Module-level assembly does not see the target's D extension (measured with
        // nightly's LLVM): name it, for this function only.
        ".option push",
        ".option arch, +d",
        // 0: sp; 8: ra; 16..111: s0..s11; 112..207: fs0..fs11.
        "addi sp, sp, -208",
        "sd ra, 8(sp)",
        "sd s0, 16(sp)", "sd s1, 24(sp)", "sd s2, 32(sp)", "sd s3, 40(sp)",
        "sd s4, 48(sp)", "sd s5, 56(sp)", "sd s6, 64(sp)", "sd s7, 72(sp)",
        "sd s8, 80(sp)", "sd s9, 88(sp)", "sd s10, 96(sp)", "sd s11, 104(sp)",
        "fsd fs0, 112(sp)", "fsd fs1, 120(sp)", "fsd fs2, 128(sp)", "fsd fs3, 136(sp)",
        "fsd fs4, 144(sp)", "fsd fs5, 152(sp)", "fsd fs6, 160(sp)", "fsd fs7, 168(sp)",
        "fsd fs8, 176(sp)", "fsd fs9, 184(sp)", "fsd fs10, 192(sp)", "fsd fs11, 200(sp)",
        "sd sp, 0(sp)",          // read back through sp: a moved sp misses it
        "mv t0, a0",
        "mv a0, a1",
        // Register i holds 0x5a5a0000000000b0 + i.
        "li s0, 0x5a5a0000000000b0",
        "addi s1, s0, 1", "addi s2, s0, 2", "addi s3, s0, 3", "addi s4, s0, 4",
        "addi s5, s0, 5", "addi s6, s0, 6", "addi s7, s0, 7", "addi s8, s0, 8",
        "addi s9, s0, 9", "addi s10, s0, 10", "addi s11, s0, 11",
        "addi t1, s0, 12", "fmv.d.x fs0, t1", "addi t1, s0, 13", "fmv.d.x fs1, t1",
        "addi t1, s0, 14", "fmv.d.x fs2, t1", "addi t1, s0, 15", "fmv.d.x fs3, t1",
        "addi t1, s0, 16", "fmv.d.x fs4, t1", "addi t1, s0, 17", "fmv.d.x fs5, t1",
        "addi t1, s0, 18", "fmv.d.x fs6, t1", "addi t1, s0, 19", "fmv.d.x fs7, t1",
        "addi t1, s0, 20", "fmv.d.x fs8, t1", "addi t1, s0, 21", "fmv.d.x fs9, t1",
        "addi t1, s0, 22", "fmv.d.x fs10, t1", "addi t1, s0, 23", "fmv.d.x fs11, t1",
        "jalr t0",
        "li a0, 0",
        "li t1, 0x5a5a0000000000b0",
        "xor t2, s0, t1", "snez t2, t2", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s1, t1", "snez t2, t2", "slli t2, t2, 1", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s2, t1", "snez t2, t2", "slli t2, t2, 2", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s3, t1", "snez t2, t2", "slli t2, t2, 3", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s4, t1", "snez t2, t2", "slli t2, t2, 4", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s5, t1", "snez t2, t2", "slli t2, t2, 5", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s6, t1", "snez t2, t2", "slli t2, t2, 6", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s7, t1", "snez t2, t2", "slli t2, t2, 7", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s8, t1", "snez t2, t2", "slli t2, t2, 8", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s9, t1", "snez t2, t2", "slli t2, t2, 9", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s10, t1", "snez t2, t2", "slli t2, t2, 10", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s11, t1", "snez t2, t2", "slli t2, t2, 11", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs0", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 12", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs1", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 13", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs2", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 14", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs3", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 15", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs4", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 16", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs5", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 17", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs6", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 18", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs7", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 19", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs8", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 20", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs9", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 21", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs10", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 22", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs11", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 23", "or a0, a0, t2",
        "ld t3, 0(sp)", "xor t2, t3, sp", "snez t2, t2", "slli t2, t2, 24", "or a0, a0, t2",
        "fld fs11, 200(sp)", "fld fs10, 192(sp)", "fld fs9, 184(sp)", "fld fs8, 176(sp)",
        "fld fs7, 168(sp)", "fld fs6, 160(sp)", "fld fs5, 152(sp)", "fld fs4, 144(sp)",
        "fld fs3, 136(sp)", "fld fs2, 128(sp)", "fld fs1, 120(sp)", "fld fs0, 112(sp)",
        "ld s11, 104(sp)", "ld s10, 96(sp)", "ld s9, 88(sp)", "ld s8, 80(sp)",
        "ld s7, 72(sp)", "ld s6, 64(sp)", "ld s5, 56(sp)", "ld s4, 48(sp)",
        "ld s3, 40(sp)", "ld s2, 32(sp)", "ld s1, 24(sp)", "ld s0, 16(sp)",
        "ld ra, 8(sp)",
        "addi sp, sp, 208",
        "ret",
        ".option pop",
    )
}

/// A `CloneFn` returning `arg as c_int`; this crate's code has one instruction set
/// here (compressed instructions are the same instruction set).
#[cfg(feature = "probes")]
pub(crate) extern "C" fn return_arg_in_other_instruction_set(arg: *mut c_void) -> core::ffi::c_int {
    arg as usize as core::ffi::c_int
}

/// No register that a callee's own address must arrive in.
#[cfg(feature = "probes")]
pub(crate) const FN_CHECKING_THE_CALL_REGISTER: Option<CloneFn> = None;

/// No lazily saved matrix state on this architecture.
#[cfg(feature = "probes")]
pub(crate) const LAZY_SAVED_MATRIX: Option<crate::probes::LazySavedMatrix> = None;
