//! riscv64: `ecall` with the number in a7; clone's kernel order is flags (a0), stack
//! (a1), ptid (a2), tls (a3), ctid (a4). The kernel preserves every register but a0,
//! in the child too, so `f` and `arg` wait in any other register.

use core::arch::asm;
use core::ffi::{c_int, c_void};

use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, clone_args};

use super::CloneFn;

/// RISC-V psABI: sp 16-aligned at a call, the return address in ra.
pub const ABI_FRAME_AT_FN_ENTRY: usize = 0;

#[inline(never)]
pub unsafe fn spawn(flags: usize, stack: *mut u8, ctid: *mut c_int, f: CloneFn, arg: *mut c_void) -> isize {
    let ret: isize;
    unsafe {
        asm!(
            "ecall",
            "bnez a0, 2f",
            "mv a0, {arg}",
            "jalr {f}",
            "li a7, {exit}",
            "ecall",
            "2:",
            exit = const __NR_exit,
            arg = in(reg) arg, f = in(reg) f,
            inlateout("a0") flags => ret, in("a1") stack, in("a2") 0usize, in("a3") 0usize,
            in("a4") ctid, in("a7") __NR_clone as usize,
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
            "ecall",
            "bnez a0, 2f",
            "mv a0, {arg}",
            "jalr {f}",
            "li a7, {exit}",
            "ecall",
            "2:",
            exit = const __NR_exit,
            arg = in(reg) arg, f = in(reg) f,
            inlateout("a0") args => ret, in("a1") size, in("a7") __NR_clone3 as usize,
            options(nostack),
        );
    }
    ret
}
