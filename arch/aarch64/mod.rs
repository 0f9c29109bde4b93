//! aarch64: `svc #0`, number in x8, arguments in x0..x5; the kernel returns in x0 and
//! preserves every other register. clone's kernel order: flags, stack, ptid, tls, ctid.

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use linux_raw_sys::general::{__NR_clone, __NR_exit, __NR_mmap};

use crate::{CloneFn, pid_t};

// ---- Constants ----

/// AAPCS64: sp is 16-aligned at all times (the hardware checks sp-relative accesses).
pub(crate) const STACK_ALIGNMENT: usize = 16;
/// The wrapper's own use of the child stack: none, `blr` keeps the return address in x30.
pub(crate) const CHILD_FRAME_SIZE: usize = 0;
/// Bytes a call leaves on the stack at the callee's entry: the return address stays in x30.
pub(crate) const RETURN_ADDRESS_ON_STACK: usize = 0;

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
        "mov x9, x0",            // f and arg survive the syscall in x9 and x10:
        "mov x10, x3",           // the kernel restores every register but x0
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
    )
}

// ---- TLS ----

/// `CLONE_SETTLS`'s `tls` is the new thread pointer itself.
pub(crate) type TlsArgument = *mut c_void;

pub(crate) fn tls_argument(thread_pointer: *mut c_void) -> TlsArgument {
    thread_pointer
}

pub(crate) fn tls_argument_pointer(argument: &mut TlsArgument) -> *mut c_void {
    *argument
}

/// The thread pointer: tpidr_el0, which `CLONE_SETTLS` set to `tls`.
#[inline(always)]
pub(crate) unsafe fn thread_pointer() -> *mut c_void {
    let pointer;
    unsafe { asm!("mrs {}, tpidr_el0", out(reg) pointer, options(nostack, nomem, preserves_flags)) };
    pointer
}

// ---- Signals ----

/// rt_sigaction's `struct sigaction`.
pub(crate) type SignalAction = linux_raw_sys::general::kernel_sigaction;

/// The kernel returns from handlers through the vDSO's trampoline: no restorer needed.
pub(crate) fn signal_action(handler: usize) -> SignalAction {
    let mut action: SignalAction = unsafe { core::mem::zeroed() };
    action.sa_handler_kernel = unsafe { core::mem::transmute::<usize, Option<unsafe extern "C" fn(core::ffi::c_int)>>(handler) };
    action
}

/// The handler address in `action` (0 `SIG_DFL`, 1 `SIG_IGN`).
pub(crate) fn signal_action_handler(action: &SignalAction) -> usize {
    unsafe { core::mem::transmute_copy(&action.sa_handler_kernel) }
}

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
