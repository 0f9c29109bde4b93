//! x86_64: `syscall` with the number in rax; clone's kernel order is flags (rdi), stack
//! (rsi), ptid (rdx), ctid (r10), tls (r8). The kernel preserves every register but
//! rax, rcx and r11, in the child too, so `f` and `arg` wait in r13 and r12.//! clone3 takes args (rdi) and size (rsi); the child starts on `stack + stack_size`.

use core::arch::asm;
use core::ffi::{c_int, c_void};

use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, clone_args};

use super::CloneFn;

/// SysV: rsp + 8 is 16-aligned at a function's entry; `call` pushes the return address.
pub const ABI_FRAME_AT_FN_ENTRY: usize = 8;

#[inline(never)]
pub unsafe fn spawn(flags: usize, stack: *mut u8, ctid: *mut c_int, f: CloneFn, arg: *mut c_void) -> isize {
    let ret: isize;
    unsafe {
        asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "mov rdi, r12",
            "call r13",
            "mov edi, eax",
            "mov eax, {exit}",
            "syscall",
            "2:",
            exit = const __NR_exit,
            inlateout("rax") __NR_clone as isize => ret,
            in("rdi") flags, in("rsi") stack, in("rdx") 0usize, in("r10") ctid, in("r8") 0usize,
            in("r12") arg, in("r13") f,
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

#[inline(never)]
pub unsafe fn spawn3(args: *const clone_args, size: usize, f: CloneFn, arg: *mut c_void) -> isize {
    let ret: isize;
    unsafe {
        asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "mov rdi, r12",
            "call r13",
            "mov edi, eax",
            "mov eax, {exit}",
            "syscall",
            "2:",
            exit = const __NR_exit,
            inlateout("rax") __NR_clone3 as isize => ret,
            in("rdi") args, in("rsi") size, in("r12") arg, in("r13") f,
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
    }
    ret
}
