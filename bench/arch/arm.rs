//! arm (EABI, ARM or Thumb-2 state): `svc #0` with the number in r7; clone's kernel
//! order is flags (r0), stack (r1), ptid (r2), tls (r3), ctid (r4). r7 is Thumb's frame
//! pointer, which asm! refuses as an operand: it is saved and put back around the
//! trap. The kernel preserves every register but r0, in the child too, so `f` and `arg`
//! wait in r5 and r8.//! clone3's number does not fit one ARMv5 immediate: it arrives in a register.

use core::arch::asm;
use core::ffi::{c_int, c_void};

use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, clone_args};

use super::CloneFn;

/// AAPCS: sp 8-aligned at a call, the return address in the link register.
pub const ABI_FRAME_AT_FN_ENTRY: usize = 0;

#[inline(never)]
pub unsafe fn spawn(flags: usize, stack: *mut u8, ctid: *mut c_int, f: CloneFn, arg: *mut c_void) -> isize {
    let ret: isize;
    unsafe {
        asm!(
            "mov {saved}, r7",
            "mov r7, #{clone}",
            "svc #0",
            "cmp r0, #0",
            "bne 2f",
            "mov r0, r8",
            "blx r5",
            "mov r7, #{exit}",
            "svc #0",
            "2:",
            "mov r7, {saved}",
            clone = const __NR_clone, exit = const __NR_exit,
            saved = out(reg) _,
            inlateout("r0") flags => ret, in("r1") stack, in("r2") 0usize, in("r3") 0usize,
            in("r4") ctid, in("r5") f, in("r8") arg,
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
            "mov {saved}, r7",
            "mov r7, {number}",
            "svc #0",
            "cmp r0, #0",
            "bne 2f",
            "mov r0, r8",
            "blx r5",
            "mov r7, #{exit}",
            "svc #0",
            "2:",
            "mov r7, {saved}",
            exit = const __NR_exit,
            saved = out(reg) _, number = in(reg) __NR_clone3 as usize,
            inlateout("r0") args => ret, in("r1") size, in("r5") f, in("r8") arg,
            options(nostack),
        );
    }
    ret
}
