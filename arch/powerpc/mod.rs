//! powerpc (32-bit, SysV ABI): `sc`, number in r0, arguments in r3..r8; the kernel
//! returns in r3 and sets CR0.SO on error (r3 then holds the positive errno), and may
//! clobber r0, r4..r12, ctr, xer and cr0. clone's kernel order
//! (CONFIG_CLONE_BACKWARDS): flags, stack, ptid, tls, ctid.

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, __NR_mmap2};

use crate::{CloneFn, pid_t};

// ---- Constants ----

/// SysV powerpc: r1 is 16-aligned at every call.
pub(crate) const STACK_ALIGNMENT: usize = 16;
/// The wrapper's own use of the child stack: the frame header a caller provides (back
/// chain word, zero, and the word where the callee saves lr), 8 bytes rounded up to
/// keep r1 16-aligned.
pub(crate) const CHILD_FRAME_SIZE: usize = 16;
/// Bytes a call leaves on the stack at the callee's entry: the return address stays in lr.
pub(crate) const RETURN_ADDRESS_ON_STACK: usize = 0;

/// Rust's targets here probe every frame larger than a page (`stack-probes` inline),
/// so a frame of any size that overflows touches the guard first.
pub(crate) const STACK_PROBES: bool = true;

// ---- Raw system calls ----

/// `sc` (the same for both word sizes: shared with powerpc64).
#[path = "../powerpc/syscalls.rs"]
mod syscalls;
pub(crate) use syscalls::{syscall0, syscall1, syscall1_noreturn, syscall2, syscall3, syscall4, syscall5, syscall6};

/// `mmap2` takes the offset in 4096-byte units whatever the page size; an offset that
/// is not a multiple is EINVAL, as glibc's `mmap` makes it.
#[inline(always)]
pub(crate) unsafe fn mmap(
    address: usize, length: usize, protection: usize, flags: usize, fd: usize, offset: usize,
) -> usize {
    if !offset.is_multiple_of(4096) {
        return (linux_raw_sys::errno::EINVAL as usize).wrapping_neg();
    }
    unsafe { syscall6(__NR_mmap2 as usize, address, length, protection, flags, fd, offset / 4096) }
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
        "li %r0, 0",             // the child's sp: the frame fn's caller provides below
        "stwu %r0, -{frame}(%r4)", // the top, its back chain zero: the frame chain ends
        "stw %r3, 8(%r4)",       // f and arg ride in that frame's padding above the
        "stw %r6, 12(%r4)",      // 8-byte header: the kernel hands the child no
        "mr %r3, %r5",           // volatile register; flags
        "mr %r5, %r7",           // ptid
        "mr %r6, %r8",           // tls
        "mr %r7, %r9",           // ctid
        "li %r0, {clone}",
        "sc",
        "bns+ 1f",               // CR0.SO: r3 is a positive errno, return -errno
        "neg %r3, %r3",
        "1:",
        "cmpwi %r3, 0",
        "bnelr",                 // parent: TID or -errno; only the child sees 0
        ".cfi_endproc",
        ".cfi_startproc",
        ".cfi_undefined lr",     // the child's call chain starts here
        "lwz %r3, 12(%r1)",
        "lwz %r0, 8(%r1)",
        "mtctr %r0",
        "bctrl",                 // sp = top - 16, 16-aligned
        "li %r0, {exit}",        // SYS_exit ends this thread only, never the group;
        "sc",                    // r3 still holds fn's return value: the exit status
        "trap",
        ".cfi_endproc",
        frame = const CHILD_FRAME_SIZE,
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
        "stwu %r1, -16(%r1)",    // no red zone in this ABI: a frame of its own
        ".cfi_adjust_cfa_offset 16",
        "stw %r14, 8(%r1)",      // callee-saved: f and arg ride in r14 and r15, which
        "stw %r15, 12(%r1)",     // the kernel hands the child (the lowest ones: a
        ".cfi_offset r14, -8",   // compiled caller saves from r31 down, and would hide
        ".cfi_offset r15, -4",   // a restore missing here from the register probe)
        "mr %r14, %r5",
        "mr %r15, %r6",
        "li %r0, {clone3}",      // args and size are already in r3 and r4
        "sc",
        "bns+ 1f",               // CR0.SO: r3 is a positive errno, return -errno
        "neg %r3, %r3",
        "1:",
        "cmpwi %r3, 0",
        "beq 2f",                // only the child sees 0
        "lwz %r14, 8(%r1)",
        "lwz %r15, 12(%r1)",
        "addi %r1, %r1, 16",
        "blr",                   // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined lr",     // the child's call chain starts here
        "clrrwi %r1, %r1, 4",    // stack + stack_size carries no alignment promise
        "li %r0, 0",             // the frame fn's caller provides, its back chain zero:
        "stwu %r0, -{frame}(%r1)", // the frame chain ends
        "mr %r3, %r15",
        "mtctr %r14",
        "bctrl",
        "li %r0, {exit}",        // SYS_exit ends this thread only, never the group;
        "sc",                    // r3 still holds fn's return value: the exit status
        "trap",
        ".cfi_endproc",
        frame = const CHILD_FRAME_SIZE,
        clone3 = const __NR_clone3,
        exit = const __NR_exit,
    )
}

// ---- TLS ----

/// `CLONE_SETTLS`'s `tls` is the new thread pointer itself.
#[path = "../generic/tls.rs"]
mod generic_tls;
pub(crate) use generic_tls::{TlsArgument, tls_argument, tls_argument_pointer};

/// The thread pointer: r2, which `CLONE_SETTLS` set to `tls` (a 32-bit task's; the C
/// libraries' TLS layout puts it 0x7000 past the TCB, which the kernel does not know).
#[inline(always)]
pub(crate) unsafe fn thread_pointer() -> *mut c_void {
    let pointer;
    unsafe { asm!("mr {}, %r2", out(reg) pointer, options(nostack, nomem, preserves_flags)) };
    pointer
}

// ---- Signals ----

/// The kernel returns from handlers through the vDSO's trampoline (glibc passes no
/// restorer either): no restorer needed.
#[path = "../generic/signals.rs"]
mod generic_signals;
pub(crate) use generic_signals::{SignalAction, signal_action, signal_action_handler};

// ---- _start ----

/// Process entry: r1 points at argc, argv..., NULL, envp..., NULL, auxv.
#[cfg(feature = "rt")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn __freeclone_start() -> ! {
    naked_asm!(
        ".cfi_startproc",
        ".cfi_undefined lr",
        ".weak _start",          // weak: a C runtime's own `_start` wins where one is linked
        ".type _start, @function",
        "_start:",
        "mr %r3, %r1",
        "clrrwi %r1, %r1, 4",    // the kernel promises no alignment; the ABI wants 16
        "li %r0, 0",
        "stwu %r0, -{frame}(%r1)", // the callee's frame, its back chain zero
        "mtlr %r0",
        "bl {start}",
        "trap",
        ".cfi_endproc",
        frame = const CHILD_FRAME_SIZE,
        start = sym crate::rt::start,
    )
}

// ---- Probes ----

/// Records r1, the back chain word at 0(r1) and lr at entry, then jumps to the next
/// function with the registers untouched (see [`crate::probes::EntryRecord`]).
#[cfg(feature = "probes")]
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn entry_probe(record: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        "stw %r1, {stack_pointer}(%r3)",
        "lwz %r0, 0(%r1)",
        "stw %r0, {frame_pointer}(%r3)",
        "mflr %r0",
        "stw %r0, {return_address}(%r3)",
        "lwz %r12, {next}(%r3)",
        "lwz %r3, {next_arg}(%r3)",
        "mtctr %r12",
        "bctr",
        stack_pointer = const core::mem::offset_of!(crate::probes::EntryRecord, stack_pointer),
        frame_pointer = const core::mem::offset_of!(crate::probes::EntryRecord, frame_pointer),
        return_address = const core::mem::offset_of!(crate::probes::EntryRecord, return_address),
        next = const core::mem::offset_of!(crate::probes::EntryRecord, next),
        next_arg = const core::mem::offset_of!(crate::probes::EntryRecord, next_arg),
    )
}

/// Calls `f(arg)` with a known value in every callee-saved register (r14..r31,
/// f14..f31, CR fields 2..4) and returns a bit per register that `f` left changed:
/// bits 0..17 r14..r31, 18..26 a pair of f14..f31 each (f14/f15 first), 27..29
/// cr2..cr4, 30 r1 not restored.
#[cfg(feature = "probes")]
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn callee_saved_changed(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void,
) -> usize {
    naked_asm!(
        // Frame: 0 back chain, 8..79 the caller's r14..r31, 80..223 its f14..f31,
        // 224..295 and 296..439 their values after f, 440 CR, 444 r1.
        "mflr %r0",
        "stw %r0, 4(%r1)",       // lr goes to its word in the caller's frame
        "stwu %r1, -448(%r1)",
        "mfcr %r0",
        "stw %r0, 440(%r1)",
        "stmw %r14, 8(%r1)",
        "stfd %f14, 80(%r1)", "stfd %f15, 88(%r1)", "stfd %f16, 96(%r1)", "stfd %f17, 104(%r1)",
        "stfd %f18, 112(%r1)", "stfd %f19, 120(%r1)", "stfd %f20, 128(%r1)", "stfd %f21, 136(%r1)",
        "stfd %f22, 144(%r1)", "stfd %f23, 152(%r1)", "stfd %f24, 160(%r1)", "stfd %f25, 168(%r1)",
        "stfd %f26, 176(%r1)", "stfd %f27, 184(%r1)", "stfd %f28, 192(%r1)", "stfd %f29, 200(%r1)",
        "stfd %f30, 208(%r1)", "stfd %f31, 216(%r1)",
        "stw %r1, 444(%r1)",     // read back through r1: a moved r1 misses it
        "mr %r12, %r3",
        "mr %r3, %r4",
        // r14 + i holds 0x5a5a00b0 + i; f14 + k holds 0xa5a500b0 + k in its high word
        // and 0x5a5a00c2 + k in its low word, put there through memory.
        "lis %r14, 0x5a5a", "ori %r14, %r14, 0xb0",
        "addi %r15, %r14, 1", "addi %r16, %r14, 2", "addi %r17, %r14, 3", "addi %r18, %r14, 4",
        "addi %r19, %r14, 5", "addi %r20, %r14, 6", "addi %r21, %r14, 7", "addi %r22, %r14, 8",
        "addi %r23, %r14, 9", "addi %r24, %r14, 10", "addi %r25, %r14, 11", "addi %r26, %r14, 12",
        "addi %r27, %r14, 13", "addi %r28, %r14, 14", "addi %r29, %r14, 15", "addi %r30, %r14, 16",
        "addi %r31, %r14, 17",
        "lis %r5, 0xa5a5", "ori %r5, %r5, 0xb0",
        "addi %r8, %r14, 18",
        "addi %r7, %r1, 292",
        "li %r0, 18",
        "mtctr %r0",
        "3:",
        "stwu %r5, 4(%r7)",
        "stwu %r8, 4(%r7)",
        "addi %r5, %r5, 1",
        "addi %r8, %r8, 1",
        "bdnz 3b",
        "lfd %f14, 296(%r1)", "lfd %f15, 304(%r1)", "lfd %f16, 312(%r1)", "lfd %f17, 320(%r1)",
        "lfd %f18, 328(%r1)", "lfd %f19, 336(%r1)", "lfd %f20, 344(%r1)", "lfd %f21, 352(%r1)",
        "lfd %f22, 360(%r1)", "lfd %f23, 368(%r1)", "lfd %f24, 376(%r1)", "lfd %f25, 384(%r1)",
        "lfd %f26, 392(%r1)", "lfd %f27, 400(%r1)", "lfd %f28, 408(%r1)", "lfd %f29, 416(%r1)",
        "lfd %f30, 424(%r1)", "lfd %f31, 432(%r1)",
        "lis %r0, 0xa5",         // cr2 = 0xa, cr3 = 0x5, cr4 = 0x9
        "ori %r0, %r0, 0x9000",
        "mtcrf 0x38, %r0",
        "mtctr %r12",
        "bctrl",
        "stmw %r14, 224(%r1)",
        "stfd %f14, 296(%r1)", "stfd %f15, 304(%r1)", "stfd %f16, 312(%r1)", "stfd %f17, 320(%r1)",
        "stfd %f18, 328(%r1)", "stfd %f19, 336(%r1)", "stfd %f20, 344(%r1)", "stfd %f21, 352(%r1)",
        "stfd %f22, 360(%r1)", "stfd %f23, 368(%r1)", "stfd %f24, 376(%r1)", "stfd %f25, 384(%r1)",
        "stfd %f26, 392(%r1)", "stfd %f27, 400(%r1)", "stfd %f28, 408(%r1)", "stfd %f29, 416(%r1)",
        "stfd %f30, 424(%r1)", "stfd %f31, 432(%r1)",
        "mfcr %r9",
        // The 18 GPR words: bit i for word i.
        "li %r3, 0",
        "lis %r4, 0x5a5a", "ori %r4, %r4, 0xb0",
        "li %r6, 1",
        "addi %r7, %r1, 220",
        "li %r0, 18",
        "mtctr %r0",
        "3:",
        "lwzu %r5, 4(%r7)",
        "cmpw %r5, %r4",
        "beq 4f",
        "or %r3, %r3, %r6",
        "4:",
        "addi %r4, %r4, 1",
        "slwi %r6, %r6, 1",
        "bdnz 3b",
        // The FP registers, two (four words) per bit: r8 the high words' pattern, r4
        // the low words'.
        "lis %r8, 0xa5a5", "ori %r8, %r8, 0xb0",
        "li %r0, 9",
        "mtctr %r0",
        "3:",
        "li %r10, 0",
        "lwzu %r5, 4(%r7)", "xor %r5, %r5, %r8", "or %r10, %r10, %r5",
        "lwzu %r5, 4(%r7)", "xor %r5, %r5, %r4", "or %r10, %r10, %r5",
        "addi %r8, %r8, 1", "addi %r4, %r4, 1",
        "lwzu %r5, 4(%r7)", "xor %r5, %r5, %r8", "or %r10, %r10, %r5",
        "lwzu %r5, 4(%r7)", "xor %r5, %r5, %r4", "or %r10, %r10, %r5",
        "addi %r8, %r8, 1", "addi %r4, %r4, 1",
        "cmpwi %r10, 0",
        "beq 4f",
        "or %r3, %r3, %r6",
        "4:",
        "slwi %r6, %r6, 1",
        "bdnz 3b",
        // CR fields 2, 3 and 4: bits 20..23, 16..19 and 12..15 of the CR image.
        "rlwinm %r5, %r9, 12, 28, 31", "cmpwi %r5, 0xa", "beq 4f", "or %r3, %r3, %r6", "4:",
        "slwi %r6, %r6, 1",
        "rlwinm %r5, %r9, 16, 28, 31", "cmpwi %r5, 0x5", "beq 4f", "or %r3, %r3, %r6", "4:",
        "slwi %r6, %r6, 1",
        "rlwinm %r5, %r9, 20, 28, 31", "cmpwi %r5, 0x9", "beq 4f", "or %r3, %r3, %r6", "4:",
        "slwi %r6, %r6, 1",
        "lwz %r5, 444(%r1)", "cmpw %r5, %r1", "beq 4f", "or %r3, %r3, %r6", "4:",
        "lmw %r14, 8(%r1)",
        "lfd %f14, 80(%r1)", "lfd %f15, 88(%r1)", "lfd %f16, 96(%r1)", "lfd %f17, 104(%r1)",
        "lfd %f18, 112(%r1)", "lfd %f19, 120(%r1)", "lfd %f20, 128(%r1)", "lfd %f21, 136(%r1)",
        "lfd %f22, 144(%r1)", "lfd %f23, 152(%r1)", "lfd %f24, 160(%r1)", "lfd %f25, 168(%r1)",
        "lfd %f26, 176(%r1)", "lfd %f27, 184(%r1)", "lfd %f28, 192(%r1)", "lfd %f29, 200(%r1)",
        "lfd %f30, 208(%r1)", "lfd %f31, 216(%r1)",
        "lwz %r0, 440(%r1)",
        "mtcrf 0x38, %r0",
        "addi %r1, %r1, 448",
        "lwz %r0, 4(%r1)",
        "mtlr %r0",
        "blr",
    )
}

/// A `CloneFn` returning `arg as c_int`; this architecture has one instruction set.
#[cfg(feature = "probes")]
pub(crate) extern "C" fn return_arg_in_other_instruction_set(arg: *mut c_void) -> core::ffi::c_int {
    arg as usize as core::ffi::c_int
}

/// No register that a callee's own address must arrive in: SysV powerpc's PIC code
/// finds its GOT from its own `bcl`.
#[cfg(feature = "probes")]
pub(crate) const FN_CHECKING_THE_CALL_REGISTER: Option<CloneFn> = None;

/// No lazily saved matrix state on this architecture.
#[cfg(feature = "probes")]
pub(crate) const LAZY_SAVED_MATRIX: Option<crate::probes::LazySavedMatrix> = None;
