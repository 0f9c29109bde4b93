//! x86_64: `syscall`, number in rax, arguments in rdi rsi rdx r10 r8 r9; the kernel
//! clobbers rcx and r11. clone's kernel order: flags, stack, ptid, ctid, tls.

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit};

use crate::types::{CloneFn, pid_t};

// ---- Constants ----

/// SysV: rsp is 16-aligned before a `call`, so `fn` starts with rsp = 8 mod 16.
pub(crate) const STACK_ALIGNMENT: usize = 16;
/// The wrapper's own use of the child stack: the return address `call` pushes.
pub(crate) const CHILD_FRAME_SIZE: usize = 8;
/// Bytes a call leaves on the stack at the callee's entry: `call` pushes the return address.
pub(crate) const RETURN_ADDRESS_ON_STACK: usize = 8;

/// Rust's targets here probe every frame larger than a page (`stack-probes` inline),
/// so a frame of any size that overflows touches the guard first.
pub(crate) const STACK_PROBES: bool = true;

// ---- Raw system calls ----

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> usize {
    let ret;
    unsafe {
        asm!("syscall", inlateout("rax") nr => ret, lateout("rcx") _, lateout("r11") _,
            options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> usize {
    let ret;
    unsafe {
        asm!("syscall", inlateout("rax") nr => ret, in("rdi") a0,
            lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    unsafe { asm!("syscall", in("rax") nr, in("rdi") a0, options(nostack, noreturn)) }
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    let ret;
    unsafe {
        asm!("syscall", inlateout("rax") nr => ret, in("rdi") a0, in("rsi") a1,
            lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    unsafe {
        asm!("syscall", inlateout("rax") nr => ret, in("rdi") a0, in("rsi") a1, in("rdx") a2,
            lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    unsafe {
        asm!("syscall", inlateout("rax") nr => ret, in("rdi") a0, in("rsi") a1, in("rdx") a2,
            in("r10") a3, lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall5(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize,
) -> usize {
    let ret;
    unsafe {
        asm!("syscall", inlateout("rax") nr => ret, in("rdi") a0, in("rsi") a1, in("rdx") a2,
            in("r10") a3, in("r8") a4, lateout("rcx") _, lateout("r11") _,
            options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall6(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    let ret;
    unsafe {
        asm!("syscall", inlateout("rax") nr => ret, in("rdi") a0, in("rsi") a1, in("rdx") a2,
            in("r10") a3, in("r8") a4, in("r9") a5, lateout("rcx") _, lateout("r11") _,
            options(nostack, preserves_flags));
    }
    ret
}

/// `mmap` takes six arguments, the offset in bytes.
#[path = "../generic/mmap.rs"]
mod generic_mmap;
pub(crate) use generic_mmap::mmap;

/// The raw clone system call: the kernel's default order, ctid before tls.
#[path = "../generic/clone.rs"]
mod generic_clone;
pub(crate) use generic_clone::clone_syscall;

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
        "push rbx",              // arg survives the syscall in callee-saved rbx, so the
        ".cfi_adjust_cfa_offset 8", // parent writes nothing to the child's stack
        ".cfi_rel_offset rbx, 0",
        "mov rbx, rcx",
        "mov r11, rdi",          // f, until the syscall clobbers r11
        "mov rdi, rdx",          // flags
        "mov rdx, r8",           // ptid
        "mov r8, r9",            // tls
        "mov r10, [rsp + 16]",   // ctid: the 7th argument, above rbx and the return address
        "mov r9, r11",           // f survives the syscall in r9
        "mov eax, {clone}",
        "syscall",
        "test eax, eax",
        "jz 2f",
        "pop rbx",               // parent: TID or -errno
        ".cfi_adjust_cfa_offset -8",
        ".cfi_restore rbx",
        "ret",
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined rip",    // the child's call chain starts here
        "xor ebp, ebp",          // and so does its frame-pointer chain
        "mov rdi, rbx",
        "call r9",               // rsp is the aligned top: 16-aligned at the call
        "mov edi, eax",          // fn's return value is the exit status
        "mov eax, {exit}",       // SYS_exit ends this thread only, never the group
        "syscall",
        "ud2",
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
    args: *const linux_raw_sys::general::clone_args, size: usize, f: CloneFn, arg: *mut c_void,
) -> usize {
    naked_asm!(
        ".cfi_startproc",
        "mov r8, rcx",           // arg in r8, f stays in rdx: the kernel keeps both
        "mov eax, {clone3}",     // (it clobbers only rax, rcx and r11)
        "syscall",
        "test eax, eax",
        "jz 2f",
        "ret",                   // parent: TID or -errno
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined rip",    // the child's call chain starts here
        "xor ebp, ebp",          // and so does its frame-pointer chain
        "and rsp, -16",          // stack + stack_size carries no alignment promise
        "mov rdi, r8",
        "call rdx",              // 16-aligned at the call
        "mov edi, eax",          // fn's return value is the exit status
        "mov eax, {exit}",       // SYS_exit ends this thread only, never the group
        "syscall",
        "ud2",
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

/// The thread pointer. x86_64's TLS ABI keeps a pointer to itself at fs:0, so this
/// reads the fs base that `CLONE_SETTLS` set, provided the TLS block honours that rule.
#[inline(always)]
pub(crate) unsafe fn thread_pointer() -> *mut c_void {
    let pointer;
    unsafe { asm!("mov {}, fs:0", out(reg) pointer, options(nostack, readonly, preserves_flags)) };
    pointer
}

// ---- Signals ----

#[path = "../generic/signals.rs"]
mod generic_signals;
#[path = "../generic/signals_restorer.rs"]
mod generic_signals_restorer;
pub(crate) use generic_signals::{SignalAction, signal_action_handler};

/// x86_64's kernel delivers a handler only with `SA_RESTORER` and a user-space
/// trampoline that calls rt_sigreturn.
pub(crate) fn signal_action(handler: usize) -> SignalAction {
    generic_signals_restorer::signal_action_with_restorer(handler, signal_return)
}

#[unsafe(naked)]
unsafe extern "C" fn signal_return() {
    naked_asm!("mov eax, {rt_sigreturn}", "syscall", "ud2",
        rt_sigreturn = const linux_raw_sys::general::__NR_rt_sigreturn)
}

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
