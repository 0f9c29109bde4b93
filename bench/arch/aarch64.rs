//! aarch64: `svc #0` with the number in x8; clone's kernel order is flags (x0), stack
//! (x1), ptid (x2), tls (x3), ctid (x4). The kernel preserves every register but x0,
//! in the child too, so `f` and `arg` wait in any other register.

use core::arch::asm;
use core::ffi::{c_int, c_void};

use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, clone_args};

use super::CloneFn;

/// AAPCS64: sp 16-aligned at a call, the return address in the link register.
pub const ABI_FRAME_AT_FN_ENTRY: usize = 0;

#[inline(never)]
pub unsafe fn spawn(flags: usize, stack: *mut u8, ctid: *mut c_int, f: CloneFn, arg: *mut c_void) -> isize {
    let ret: isize;
    unsafe {
        asm!(
            "svc #0",
            "cbnz x0, 2f",
            "mov x0, {arg}",
            "blr {f}",
            "mov x8, #{exit}",
            "svc #0",
            "2:",
            exit = const __NR_exit,
            arg = in(reg) arg, f = in(reg) f,
            inlateout("x0") flags => ret, in("x1") stack, in("x2") 0usize, in("x3") 0usize,
            in("x4") ctid, in("x8") __NR_clone as usize,
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
            "svc #0",
            "cbnz x0, 2f",
            "mov x0, {arg}",
            "blr {f}",
            "mov x8, #{exit}",
            "svc #0",
            "2:",
            exit = const __NR_exit,
            arg = in(reg) arg, f = in(reg) f,
            inlateout("x0") args => ret, in("x1") size, in("x8") __NR_clone3 as usize,
            options(nostack),
        );
    }
    ret
}
