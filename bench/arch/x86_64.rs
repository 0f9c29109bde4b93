//! x86_64: `syscall` with the number in rax and the arguments in rdi, rsi, rdx, r10,
//! r8; clone's kernel order is flags, stack, ptid, ctid, tls, and clone3's args, size.
//! The kernel preserves every register but rax, rcx and r11, in the child too, so `f`
//! and `arg` wait in r13 and r12.

use core::arch::asm;
use core::ffi::c_void;

use freeclone::CloneFn;
use linux_raw_sys::general::__NR_exit;

/// The system call `nr` with `args`; in the child (0), `f(arg)` and SYS_exit.
#[inline(never)]
pub(super) unsafe fn trap_and_run(nr: usize, args: [usize; 5], f: CloneFn, arg: *mut c_void) -> isize {
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
            inlateout("rax") nr as isize => ret,
            in("rdi") args[0], in("rsi") args[1], in("rdx") args[2], in("r10") args[3], in("r8") args[4],
            in("r12") arg, in("r13") f,
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
    }
    ret
}
