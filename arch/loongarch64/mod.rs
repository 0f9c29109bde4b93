//! loongarch64 (lp64d): `syscall 0`, number in a7, arguments in a0..a5; the kernel
//! returns in a0, saves and restores a1..a7, ra, tp, fp and s0..s8, and hands t0..t8
//! back changed. clone's kernel order (no CLONE_BACKWARDS): flags, stack, ptid, ctid,
//! tls.

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, __NR_mmap};

use crate::{CloneFn, pid_t};

// ---- Constants ----

/// LoongArch psABI: sp is 16-aligned at a call.
pub(crate) const STACK_ALIGNMENT: usize = 16;
/// The wrapper's own use of the child stack: none, `jirl` keeps the return address in ra.
pub(crate) const CHILD_FRAME_SIZE: usize = 0;
/// Bytes a call leaves on the stack at the callee's entry: the return address stays in ra.
pub(crate) const RETURN_ADDRESS_ON_STACK: usize = 0;

/// Rust's targets here do not probe large frames: a frame larger than the guard can
/// step over it.
pub(crate) const STACK_PROBES: bool = false;

// ---- Raw system calls ----

/// `syscall 0` with what the kernel hands back changed: t0..t8 ($r12..$r20).
macro_rules! syscall_asm {
    ($($operands:tt)*) => {
        asm!(
            "syscall 0",
            $($operands)*
            lateout("$r12") _, lateout("$r13") _, lateout("$r14") _, lateout("$r15") _,
            lateout("$r16") _, lateout("$r17") _, lateout("$r18") _, lateout("$r19") _,
            lateout("$r20") _, options(nostack, preserves_flags),
        )
    };
}

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> usize {
    let ret;
    unsafe { syscall_asm!(in("$r11") nr, lateout("$r4") ret,) };
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> usize {
    let ret;
    unsafe { syscall_asm!(in("$r11") nr, inlateout("$r4") a0 => ret,) };
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    unsafe { asm!("syscall 0", in("$r11") nr, in("$r4") a0, options(nostack, noreturn)) }
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    let ret;
    unsafe { syscall_asm!(in("$r11") nr, inlateout("$r4") a0 => ret, in("$r5") a1,) };
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    unsafe {
        syscall_asm!(in("$r11") nr, inlateout("$r4") a0 => ret, in("$r5") a1, in("$r6") a2,);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    unsafe {
        syscall_asm!(in("$r11") nr, inlateout("$r4") a0 => ret, in("$r5") a1, in("$r6") a2,
            in("$r7") a3,);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall5(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize,
) -> usize {
    let ret;
    unsafe {
        syscall_asm!(in("$r11") nr, inlateout("$r4") a0 => ret, in("$r5") a1, in("$r6") a2,
            in("$r7") a3, in("$r8") a4,);
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall6(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    let ret;
    unsafe {
        syscall_asm!(in("$r11") nr, inlateout("$r4") a0 => ret, in("$r5") a1, in("$r6") a2,
            in("$r7") a3, in("$r8") a4, in("$r9") a5,);
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
    unsafe { syscall5(__NR_clone as usize, flags, stack, ptid, ctid, tls) }
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
        "move $t0, $a6",         // ctid
        "move $a6, $a3",         // arg and f survive the syscall in a6 and a5: the
        "move $a3, $t0",         // kernel restores a1..a7, not the temporaries
        "move $t0, $a5",         // tls
        "move $a5, $a0",         // f
        "move $a0, $a2",         // flags
        "move $a2, $a4",         // ptid
        "move $a4, $t0",
        "ori $a7, $zero, {clone}",
        "syscall 0",
        "beqz $a0, 2f",
        "ret",                   // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined 1",      // ra: the child's call chain starts here
        "move $fp, $zero",       // and so does its frame-pointer chain
        "move $a0, $a6",
        "jirl $ra, $a5, 0",      // sp is the aligned top: the psABI needs nothing more
        "ori $a7, $zero, {exit}", // SYS_exit ends this thread only, never the group
        "syscall 0",             // a0 still holds fn's return value: the exit status
        "break 0",
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
        "ori $a7, $zero, {clone3}", // args and size are already in a0 and a1; f and
        "syscall 0",             // arg stay in a2 and a3, which the kernel restores
        "beqz $a0, 2f",
        "ret",                   // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined 1",      // ra: the child's call chain starts here
        "move $fp, $zero",       // and so does its frame-pointer chain
        "bstrins.d $sp, $zero, 3, 0", // stack + stack_size carries no alignment promise
        "move $a0, $a3",
        "jirl $ra, $a2, 0",
        "ori $a7, $zero, {exit}", // SYS_exit ends this thread only, never the group
        "syscall 0",             // a0 still holds fn's return value: the exit status
        "break 0",
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

/// The thread pointer: tp ($r2), which `CLONE_SETTLS` set to `tls`.
#[inline(always)]
pub(crate) unsafe fn thread_pointer() -> *mut c_void {
    let pointer;
    unsafe { asm!("move {}, $tp", out(reg) pointer, options(nostack, nomem, preserves_flags)) };
    pointer
}

// ---- Signals ----

/// The kernel returns from handlers through the vDSO's trampoline: no restorer needed.
#[path = "../generic/signals.rs"]
mod generic_signals;
pub(crate) use generic_signals::{SignalAction, signal_action, signal_action_handler};

// ---- _start ----

/// Process entry: sp points at argc, argv..., NULL, envp..., NULL, auxv.
#[cfg(feature = "rt")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn __freeclone_start() -> ! {
    naked_asm!(
        ".weak _start",          // weak: a C runtime's own `_start` wins where one is linked
        ".type _start, @function",
        "_start:",
        ".cfi_startproc",
        ".cfi_undefined 1",
        "move $fp, $zero",
        "move $ra, $zero",
        "move $a0, $sp",
        "bstrins.d $sp, $zero, 3, 0", // the psABI wants 16; do not rely on the kernel for it
        "bl {start}",
        "break 0",
        ".cfi_endproc",
        start = sym crate::rt::start,
    )
}

// ---- Probes ----

/// Records sp, fp ($r22) and ra at entry, then jumps to the next function with the
/// registers untouched but t0 (see [`crate::probes::EntryRecord`]).
#[cfg(feature = "probes")]
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn entry_probe(record: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        "st.d $sp, $a0, {stack_pointer}",
        "st.d $fp, $a0, {frame_pointer}",
        "st.d $ra, $a0, {return_address}",
        "ld.d $t0, $a0, {next}",
        "ld.d $a0, $a0, {next_arg}",
        "jr $t0",
        stack_pointer = const core::mem::offset_of!(crate::probes::EntryRecord, stack_pointer),
        frame_pointer = const core::mem::offset_of!(crate::probes::EntryRecord, frame_pointer),
        return_address = const core::mem::offset_of!(crate::probes::EntryRecord, return_address),
        next = const core::mem::offset_of!(crate::probes::EntryRecord, next),
        next_arg = const core::mem::offset_of!(crate::probes::EntryRecord, next_arg),
    )
}

/// Calls `f(arg)` with a known value in every callee-saved register (s0..s8, fp,
/// fs0..fs7) and returns a bit per register that `f` left changed, bit 18 if sp did
/// not come back.
#[cfg(feature = "probes")]
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn callee_saved_changed(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void,
) -> usize {
    naked_asm!(
        // 0: sp; 8: ra; 16..87: s0..s8; 88: fp; 96..159: fs0..fs7.
        "addi.d $sp, $sp, -160",
        "st.d $ra, $sp, 8",
        "st.d $s0, $sp, 16", "st.d $s1, $sp, 24", "st.d $s2, $sp, 32", "st.d $s3, $sp, 40",
        "st.d $s4, $sp, 48", "st.d $s5, $sp, 56", "st.d $s6, $sp, 64", "st.d $s7, $sp, 72",
        "st.d $s8, $sp, 80", "st.d $fp, $sp, 88",
        "fst.d $fs0, $sp, 96", "fst.d $fs1, $sp, 104", "fst.d $fs2, $sp, 112", "fst.d $fs3, $sp, 120",
        "fst.d $fs4, $sp, 128", "fst.d $fs5, $sp, 136", "fst.d $fs6, $sp, 144", "fst.d $fs7, $sp, 152",
        "st.d $sp, $sp, 0",      // read back through sp: a moved sp misses it
        "move $t0, $a0",
        "move $a0, $a1",
        // Register i holds 0x5a5a0000000000b0 + i.
        "li.d $s0, 0x5a5a0000000000b0",
        "addi.d $s1, $s0, 1", "addi.d $s2, $s0, 2", "addi.d $s3, $s0, 3", "addi.d $s4, $s0, 4",
        "addi.d $s5, $s0, 5", "addi.d $s6, $s0, 6", "addi.d $s7, $s0, 7", "addi.d $s8, $s0, 8",
        "addi.d $fp, $s0, 9",
        "addi.d $t1, $s0, 10", "movgr2fr.d $fs0, $t1", "addi.d $t1, $s0, 11", "movgr2fr.d $fs1, $t1",
        "addi.d $t1, $s0, 12", "movgr2fr.d $fs2, $t1", "addi.d $t1, $s0, 13", "movgr2fr.d $fs3, $t1",
        "addi.d $t1, $s0, 14", "movgr2fr.d $fs4, $t1", "addi.d $t1, $s0, 15", "movgr2fr.d $fs5, $t1",
        "addi.d $t1, $s0, 16", "movgr2fr.d $fs6, $t1", "addi.d $t1, $s0, 17", "movgr2fr.d $fs7, $t1",
        "jirl $ra, $t0, 0",
        "move $a0, $zero",
        "li.d $t1, 0x5a5a0000000000b0",
        "xor $t2, $s0, $t1", "sltu $t2, $zero, $t2", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $s1, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 1", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $s2, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 2", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $s3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 3", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $s4, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 4", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $s5, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 5", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $s6, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 6", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $s7, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 7", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $s8, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 8", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $fp, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 9", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "movfr2gr.d $t3, $fs0", "xor $t2, $t3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 10", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "movfr2gr.d $t3, $fs1", "xor $t2, $t3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 11", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "movfr2gr.d $t3, $fs2", "xor $t2, $t3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 12", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "movfr2gr.d $t3, $fs3", "xor $t2, $t3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 13", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "movfr2gr.d $t3, $fs4", "xor $t2, $t3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 14", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "movfr2gr.d $t3, $fs5", "xor $t2, $t3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 15", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "movfr2gr.d $t3, $fs6", "xor $t2, $t3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 16", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "movfr2gr.d $t3, $fs7", "xor $t2, $t3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 17", "or $a0, $a0, $t2",
        "ld.d $t3, $sp, 0", "xor $t2, $t3, $sp", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 18", "or $a0, $a0, $t2",
        "fld.d $fs7, $sp, 152", "fld.d $fs6, $sp, 144", "fld.d $fs5, $sp, 136", "fld.d $fs4, $sp, 128",
        "fld.d $fs3, $sp, 120", "fld.d $fs2, $sp, 112", "fld.d $fs1, $sp, 104", "fld.d $fs0, $sp, 96",
        "ld.d $fp, $sp, 88", "ld.d $s8, $sp, 80",
        "ld.d $s7, $sp, 72", "ld.d $s6, $sp, 64", "ld.d $s5, $sp, 56", "ld.d $s4, $sp, 48",
        "ld.d $s3, $sp, 40", "ld.d $s2, $sp, 32", "ld.d $s1, $sp, 24", "ld.d $s0, $sp, 16",
        "ld.d $ra, $sp, 8",
        "addi.d $sp, $sp, 160",
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

/// No lazily saved matrix state on this architecture.
#[cfg(feature = "probes")]
pub(crate) const LAZY_SAVED_MATRIX: Option<crate::probes::LazySavedMatrix> = None;
