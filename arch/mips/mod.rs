//! mips o32: `syscall`, number in v0 ($2), arguments in a0..a3 ($4..$7) and at 16(sp)
//! and 20(sp); the kernel returns in v0 and sets a3 on error (v0 then holds the
//! positive errno), and clobbers v1, t0..t9 and hi/lo. clone's kernel order: flags,
//! stack, ptid, tls, ctid.

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, __NR_mmap2};

use crate::{CloneFn, pid_t};

// ---- Constants ----

/// o32: sp is 8-aligned at a call.
pub(crate) const STACK_ALIGNMENT: usize = 8;
/// The wrapper's own use of the child stack: the 16-byte argument save area that o32
/// callers reserve for the callee's a0..a3.
pub(crate) const CHILD_FRAME_SIZE: usize = 16;
/// Bytes a call leaves on the stack at the callee's entry: the return address stays in ra.
pub(crate) const RETURN_ADDRESS_ON_STACK: usize = 0;

/// Rust's targets here do not probe large frames: a frame larger than the guard can
/// step over it.
pub(crate) const STACK_PROBES: bool = false;

// ---- Raw system calls ----

/// `syscall` in a 40-byte frame, where the kernel reads arguments 5..8 at 16..31(sp)
/// (`$store`s put 5 and 6 there). It clobbers v1, t0..t9, hi/lo and $at; asm! can name
/// none of the last three, and LLVM keeps live values in $at, so they ride through the
/// call at 24, 28 and 32(sp), which the kernel does not write. (qemu-user preserves
/// $at; a real kernel does not.)
macro_rules! syscall_asm {
    ([$($store:literal),*], $($operands:tt)*) => {
        asm!(
            "addiu $sp, $sp, -40",
            $($store,)*
            ".set push", ".set noat", "sw $1, 32($sp)",
            "mfhi $24", "sw $24, 24($sp)", "mflo $24", "sw $24, 28($sp)",
            "syscall",
            "lw $24, 24($sp)", "mthi $24", "lw $24, 28($sp)", "mtlo $24",
            "lw $1, 32($sp)", ".set pop",
            "addiu $sp, $sp, 40",
            $($operands)*
            lateout("$3") _, lateout("$10") _, lateout("$11") _, lateout("$12") _,
            lateout("$13") _, lateout("$14") _, lateout("$15") _, lateout("$24") _,
            lateout("$25") _, options(preserves_flags),
        )
    };
}

/// The kernel's error convention (a3 != 0, positive errno in v0) as -errno.
#[inline(always)]
fn result(value: usize, error: usize) -> usize {
    if error != 0 { value.wrapping_neg() } else { value }
}

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> usize {
    let (value, error): (usize, usize);
    unsafe {
        syscall_asm!([], inlateout("$2") nr => value, lateout("$7") error,
            lateout("$8") _, lateout("$9") _,);
    }
    result(value, error)
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> usize {
    let (value, error): (usize, usize);
    unsafe {
        syscall_asm!([], inlateout("$2") nr => value, in("$4") a0, lateout("$7") error,
            lateout("$8") _, lateout("$9") _,);
    }
    result(value, error)
}

#[inline(always)]
pub(crate) unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    unsafe { asm!("syscall", in("$2") nr, in("$4") a0, options(nostack, noreturn)) }
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    let (value, error): (usize, usize);
    unsafe {
        syscall_asm!([], inlateout("$2") nr => value, in("$4") a0, in("$5") a1,
            lateout("$7") error, lateout("$8") _, lateout("$9") _,);
    }
    result(value, error)
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let (value, error): (usize, usize);
    unsafe {
        syscall_asm!([], inlateout("$2") nr => value, in("$4") a0, in("$5") a1, in("$6") a2,
            lateout("$7") error, lateout("$8") _, lateout("$9") _,);
    }
    result(value, error)
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let (value, error): (usize, usize);
    unsafe {
        syscall_asm!([], inlateout("$2") nr => value, in("$4") a0, in("$5") a1, in("$6") a2,
            inlateout("$7") a3 => error, lateout("$8") _, lateout("$9") _,);
    }
    result(value, error)
}

#[inline(always)]
pub(crate) unsafe fn syscall5(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize,
) -> usize {
    let (value, error): (usize, usize);
    unsafe {
        syscall_asm!(["sw $8, 16($sp)"],
            inlateout("$2") nr => value, in("$4") a0, in("$5") a1, in("$6") a2,
            inlateout("$7") a3 => error, inlateout("$8") a4 => _, lateout("$9") _,);
    }
    result(value, error)
}

#[inline(always)]
pub(crate) unsafe fn syscall6(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    let (value, error): (usize, usize);
    unsafe {
        syscall_asm!(["sw $8, 16($sp)", "sw $9, 20($sp)"],
            inlateout("$2") nr => value, in("$4") a0, in("$5") a1, in("$6") a2,
            inlateout("$7") a3 => error, inlateout("$8") a4 => _, inlateout("$9") a5 => _,);
    }
    result(value, error)
}

/// `mmap2`'s offset unit: 4096 bytes whatever the page size (the kernel shifts it).
const MMAP2_OFFSET_UNIT: usize = 4096;

/// `mmap2` takes six arguments, the offset in 4096-byte units.
#[inline(always)]
pub(crate) unsafe fn mmap(
    address: usize, length: usize, protection: usize, flags: usize, fd: usize, offset: usize,
) -> usize {
    let units = offset / MMAP2_OFFSET_UNIT;
    unsafe { syscall6(__NR_mmap2 as usize, address, length, protection, flags, fd, units) }
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
        ".set push",
        ".set noreorder",        // every delay slot below is filled by hand
        "addiu $sp, $sp, -32",   // the kernel reads arguments 5..8 at 16..31(sp)
        ".cfi_adjust_cfa_offset 32",
        "lw $8, 56($sp)",        // ctid: the 7th argument, at the caller's 24(sp)
        "sw $8, 16($sp)",        // is the syscall's 5th
        "addiu $5, $5, -16",     // the child's sp: fn's argument save area below the top
        "sw $4, 0($5)",          // f and arg ride there: the kernel gives the child
        "sw $7, 4($5)",          // no temporaries back
        "move $4, $6",           // flags
        "lw $6, 48($sp)",        // ptid: the caller's 16(sp)
        "lw $7, 52($sp)",        // tls: the caller's 20(sp)
        "li $2, {clone}",
        "syscall",
        "subu $8, $0, $2",       // a3 != 0: v0 is a positive errno, return -errno
        "movn $2, $8, $7",
        "beqz $2, 2f",           // only the child sees 0
        "nop",                   // delay slot: nothing to do
        "jr $31",                // parent: TID or -errno
        "addiu $sp, $sp, 32",    // delay slot: drop the frame on the way out
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined $31",    // the child's call chain starts here
        "move $30, $0",          // and so does its frame-pointer chain
        "lw $25, 0($sp)",        // f, called through t9 as PIC callees expect
        "jalr $25",              // sp = top - 16: the save area o32 reserves for fn
        "lw $4, 4($sp)",         // delay slot: arg
        "move $4, $2",           // fn's return value is the exit status
        "li $2, {exit}",         // SYS_exit ends this thread only, never the group
        "syscall",
        "break",
        ".set pop",
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
        ".set push",
        ".set noreorder",        // every delay slot below is filled by hand
        "addiu $sp, $sp, -32",   // the kernel reads 16..31(sp) as arguments 5..8
        ".cfi_adjust_cfa_offset 32",
        "sw $16, 24($sp)",       // f and arg ride in s0 and s1, which the kernel hands
        ".cfi_rel_offset $16, 24", // the child (clone3 saves the static registers);
        "sw $17, 28($sp)",       // they are callee-saved, so the parent restores them
        ".cfi_rel_offset $17, 28",
        "move $16, $6",          // f
        "move $17, $7",          // arg
        "li $2, {clone3}",       // args and size are already in a0 and a1
        "syscall",
        "subu $8, $0, $2",       // a3 != 0: v0 is a positive errno, return -errno
        "movn $2, $8, $7",
        "beqz $2, 2f",           // only the child sees 0
        "nop",                   // delay slot: nothing to do
        "lw $16, 24($sp)",
        "lw $17, 28($sp)",
        "jr $31",                // parent: TID or -errno
        "addiu $sp, $sp, 32",    // delay slot: drop the frame on the way out
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined $31",    // the child's call chain starts here
        "move $30, $0",          // and so does its frame-pointer chain
        "li $8, -8",             // stack + stack_size carries no alignment promise:
        "and $sp, $sp, $8",      // o32 wants sp 8-aligned
        "addiu $sp, $sp, -16",   // fn's argument save area, as o32 callers reserve it
        "move $25, $16",         // f, called through t9 as PIC callees expect
        "jalr $25",
        "move $4, $17",          // delay slot: arg
        "move $4, $2",           // fn's return value is the exit status
        "li $2, {exit}",         // SYS_exit ends this thread only, never the group
        "syscall",
        "break",
        ".set pop",
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

/// The thread pointer: UserLocal, which `CLONE_SETTLS` set to `tls`, read with
/// `rdhwr $3, $29` (the kernel emulates it where the hardware lacks it).
#[inline(always)]
pub(crate) unsafe fn thread_pointer() -> *mut c_void {
    let pointer;
    unsafe {
        asm!(".set push", ".set mips32r2", "rdhwr $3, $29", ".set pop",
            out("$3") pointer, options(nostack, nomem, preserves_flags));
    }
    pointer
}

// ---- Signals ----

/// rt_sigaction's `struct sigaction`: mips puts `sa_flags` first (linux-raw-sys's
/// `kernel_sigaction` has the generic order, which this kernel does not read).
pub(crate) type SignalAction = linux_raw_sys::general::sigaction;

/// The kernel returns from handlers through the vDSO's trampoline: no restorer needed.
pub(crate) fn signal_action(handler: usize) -> SignalAction {
    let mut action: SignalAction = unsafe { core::mem::zeroed() };
    action.sa_handler = unsafe { core::mem::transmute::<usize, Option<unsafe extern "C" fn(core::ffi::c_int)>>(handler) };
    action
}

/// The handler address in `action` (0 `SIG_DFL`, 1 `SIG_IGN`).
pub(crate) fn signal_action_handler(action: &SignalAction) -> usize {
    unsafe { core::mem::transmute_copy(&action.sa_handler) }
}

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
        ".weak __start",         // the linker's default entry name on mips
        ".type __start, @function",
        "__start:",
        ".cfi_startproc",
        ".cfi_undefined $31",
        ".set push",
        ".set noreorder",
        "move $30, $0",
        "move $31, $0",
        "move $4, $sp",
        "addiu $8, $0, -8",
        "and $sp, $sp, $8",      // o32 wants 8; do not rely on the kernel for it
        "addiu $sp, $sp, -16",   // the argument save area o32 callers reserve
        "lui $25, %hi({start})", // absolute: `rt` is for static executables
        "addiu $25, $25, %lo({start})",
        "jalr $25",              // through t9, as PIC callees expect
        "nop",                   // delay slot: nothing to do
        "break",
        ".set pop",
        ".cfi_endproc",
        start = sym crate::rt::start,
    )
}

// ---- Probes ----

/// Records sp, fp ($30) and ra ($31) at entry, then jumps to the next function with
/// the registers untouched but t9 (see [`crate::probes::EntryRecord`]).
#[cfg(feature = "probes")]
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn entry_probe(record: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        ".set push",
        ".set noreorder",
        "sw $sp, {stack_pointer}($4)",
        "sw $30, {frame_pointer}($4)",
        "sw $31, {return_address}($4)",
        "lw $25, {next}($4)",    // next is entered through t9, as PIC callees expect
        "jr $25",
        "lw $4, {next_arg}($4)", // delay slot: next's argument
        ".set pop",
        stack_pointer = const core::mem::offset_of!(crate::probes::EntryRecord, stack_pointer),
        frame_pointer = const core::mem::offset_of!(crate::probes::EntryRecord, frame_pointer),
        return_address = const core::mem::offset_of!(crate::probes::EntryRecord, return_address),
        next = const core::mem::offset_of!(crate::probes::EntryRecord, next),
        next_arg = const core::mem::offset_of!(crate::probes::EntryRecord, next_arg),
    )
}

/// Calls `f(arg)` with a known value in every callee-saved register (s0..s7, fp, the
/// FP registers f20..f30 even, each a 64-bit pair or register) and returns a bit per
/// register that `f` left changed, and bit 15 if sp did not come back.
#[cfg(feature = "probes")]
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn callee_saved_changed(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void,
) -> usize {
    naked_asm!(
        ".set push",
        ".set noreorder",
        ".set mips32r2",         // mthc1/mfhc1 (naked code gets no target CPU)
        // 0..15: f's argument save area; 16: sp; 20: ra; 24..59: s0..s7, fp; 64..111: FP.
        "addiu $sp, $sp, -112",
        "sw $31, 20($sp)",
        "sw $16, 24($sp)", "sw $17, 28($sp)", "sw $18, 32($sp)", "sw $19, 36($sp)",
        "sw $20, 40($sp)", "sw $21, 44($sp)", "sw $22, 48($sp)", "sw $23, 52($sp)",
        "sw $30, 56($sp)",
        "sdc1 $f20, 64($sp)", "sdc1 $f22, 72($sp)", "sdc1 $f24, 80($sp)",
        "sdc1 $f26, 88($sp)", "sdc1 $f28, 96($sp)", "sdc1 $f30, 104($sp)",
        "sw $sp, 16($sp)",       // read back through sp: a moved sp misses it
        "move $25, $4",          // f, called through t9 as PIC callees expect
        "move $4, $5",
        // Register i holds 0x5a5a00b0 + i; FP register i's high half 0xa5a500b0 + i
        // (mthc1 reaches it with FR=0 and FR=1 alike, as the fpxx ABI requires).
        "lui $16, 0x5a5a", "ori $16, $16, 0xb0",
        "addiu $17, $16, 1", "addiu $18, $16, 2", "addiu $19, $16, 3", "addiu $20, $16, 4",
        "addiu $21, $16, 5", "addiu $22, $16, 6", "addiu $23, $16, 7", "addiu $30, $16, 8",
        "addiu $8, $16, 9", "lui $9, 0xa5a5", "ori $9, $9, 0xb9",
        "mtc1 $8, $f20", "mthc1 $9, $f20", "addiu $8, $8, 1", "addiu $9, $9, 1",
        "mtc1 $8, $f22", "mthc1 $9, $f22", "addiu $8, $8, 1", "addiu $9, $9, 1",
        "mtc1 $8, $f24", "mthc1 $9, $f24", "addiu $8, $8, 1", "addiu $9, $9, 1",
        "mtc1 $8, $f26", "mthc1 $9, $f26", "addiu $8, $8, 1", "addiu $9, $9, 1",
        "mtc1 $8, $f28", "mthc1 $9, $f28", "addiu $8, $8, 1", "addiu $9, $9, 1",
        "mtc1 $8, $f30", "mthc1 $9, $f30",
        "jalr $25",
        "nop",                   // delay slot: nothing to do
        "move $2, $0",
        "lui $8, 0x5a5a", "ori $8, $8, 0xb0",
        "xor $9, $16, $8", "sltu $9, $0, $9", "or $2, $2, $9",
        "addiu $8, $8, 1", "xor $9, $17, $8", "sltu $9, $0, $9", "sll $9, $9, 1", "or $2, $2, $9",
        "addiu $8, $8, 1", "xor $9, $18, $8", "sltu $9, $0, $9", "sll $9, $9, 2", "or $2, $2, $9",
        "addiu $8, $8, 1", "xor $9, $19, $8", "sltu $9, $0, $9", "sll $9, $9, 3", "or $2, $2, $9",
        "addiu $8, $8, 1", "xor $9, $20, $8", "sltu $9, $0, $9", "sll $9, $9, 4", "or $2, $2, $9",
        "addiu $8, $8, 1", "xor $9, $21, $8", "sltu $9, $0, $9", "sll $9, $9, 5", "or $2, $2, $9",
        "addiu $8, $8, 1", "xor $9, $22, $8", "sltu $9, $0, $9", "sll $9, $9, 6", "or $2, $2, $9",
        "addiu $8, $8, 1", "xor $9, $23, $8", "sltu $9, $0, $9", "sll $9, $9, 7", "or $2, $2, $9",
        "addiu $8, $8, 1", "xor $9, $30, $8", "sltu $9, $0, $9", "sll $9, $9, 8", "or $2, $2, $9",
        // FP: low half against $8, high half against $10.
        "lui $10, 0xa5a5", "ori $10, $10, 0xb8",
        "addiu $8, $8, 1", "addiu $10, $10, 1", "mfc1 $9, $f20", "mfhc1 $11, $f20",
        "xor $9, $9, $8", "xor $11, $11, $10", "or $9, $9, $11", "sltu $9, $0, $9", "sll $9, $9, 9", "or $2, $2, $9",
        "addiu $8, $8, 1", "addiu $10, $10, 1", "mfc1 $9, $f22", "mfhc1 $11, $f22",
        "xor $9, $9, $8", "xor $11, $11, $10", "or $9, $9, $11", "sltu $9, $0, $9", "sll $9, $9, 10", "or $2, $2, $9",
        "addiu $8, $8, 1", "addiu $10, $10, 1", "mfc1 $9, $f24", "mfhc1 $11, $f24",
        "xor $9, $9, $8", "xor $11, $11, $10", "or $9, $9, $11", "sltu $9, $0, $9", "sll $9, $9, 11", "or $2, $2, $9",
        "addiu $8, $8, 1", "addiu $10, $10, 1", "mfc1 $9, $f26", "mfhc1 $11, $f26",
        "xor $9, $9, $8", "xor $11, $11, $10", "or $9, $9, $11", "sltu $9, $0, $9", "sll $9, $9, 12", "or $2, $2, $9",
        "addiu $8, $8, 1", "addiu $10, $10, 1", "mfc1 $9, $f28", "mfhc1 $11, $f28",
        "xor $9, $9, $8", "xor $11, $11, $10", "or $9, $9, $11", "sltu $9, $0, $9", "sll $9, $9, 13", "or $2, $2, $9",
        "addiu $8, $8, 1", "addiu $10, $10, 1", "mfc1 $9, $f30", "mfhc1 $11, $f30",
        "xor $9, $9, $8", "xor $11, $11, $10", "or $9, $9, $11", "sltu $9, $0, $9", "sll $9, $9, 14", "or $2, $2, $9",
        "lw $9, 16($sp)", "xor $9, $9, $sp", "sltu $9, $0, $9", "sll $9, $9, 15", "or $2, $2, $9",
        "ldc1 $f30, 104($sp)", "ldc1 $f28, 96($sp)", "ldc1 $f26, 88($sp)",
        "ldc1 $f24, 80($sp)", "ldc1 $f22, 72($sp)", "ldc1 $f20, 64($sp)",
        "lw $30, 56($sp)",
        "lw $23, 52($sp)", "lw $22, 48($sp)", "lw $21, 44($sp)", "lw $20, 40($sp)",
        "lw $19, 36($sp)", "lw $18, 32($sp)", "lw $17, 28($sp)", "lw $16, 24($sp)",
        "lw $31, 20($sp)",
        "jr $31",
        "addiu $sp, $sp, 112",   // delay slot: drop the frame on the way out
        ".set pop",
    )
}

/// A `CloneFn` returning `arg as c_int`; this crate's code has one instruction set
/// here (no MIPS16 or microMIPS).
#[cfg(feature = "probes")]
pub(crate) extern "C" fn return_arg_in_other_instruction_set(arg: *mut c_void) -> core::ffi::c_int {
    arg as usize as core::ffi::c_int
}

/// A `CloneFn` that returns `arg` only if it was called through t9 ($25), from which
/// o32 PIC code computes $gp (`.cpload $25`); 127 otherwise.
#[cfg(feature = "probes")]
#[unsafe(naked)]
unsafe extern "C" fn return_arg_if_called_through_t9(arg: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        ".set push",
        ".set noreorder",
        "lui $8, %hi({this})",
        "addiu $8, $8, %lo({this})",
        "bne $8, $25, 1f",
        "move $2, $4",           // delay slot: arg, the answer if t9 was right
        "jr $31",
        "nop",
        "1:",
        "jr $31",
        "li $2, 127",            // delay slot
        ".set pop",
        this = sym return_arg_if_called_through_t9,
    )
}

/// o32's PIC rule: a function is entered with its own address in t9.
#[cfg(feature = "probes")]
pub(crate) const FN_CHECKING_THE_CALL_REGISTER: Option<CloneFn> = Some(return_arg_if_called_through_t9);

/// No lazily saved matrix state on this architecture.
#[cfg(feature = "probes")]
pub(crate) const LAZY_SAVED_MATRIX: Option<crate::probes::LazySavedMatrix> = None;
