//! s390x: `svc` with the number as its operand; clone's kernel order is stack (r2),
//! flags (r3), ptid (r4), ctid (r5), tls (r6). The kernel preserves every register but
//! r2, in the child too, so `f` and `arg` wait in r7 and r8.//! clone3's number does not fit `svc`'s 8-bit operand: `svc 0` takes it from r1.

use core::arch::asm;
use core::ffi::{c_int, c_void};

use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, clone_args};

use super::CloneFn;

/// The s390x ELF ABI: the caller provides a 160-byte register save area at the
/// callee's sp (8-aligned); the return address stays in r14.
pub const ABI_FRAME_AT_FN_ENTRY: usize = 160;

#[inline(never)]
pub unsafe fn spawn(flags: usize, stack: *mut u8, ctid: *mut c_int, f: CloneFn, arg: *mut c_void) -> isize {
    let ret: isize;
    unsafe {
        asm!(
            "svc {clone}",
            "ltgr %r2, %r2",
            "jnz 2f",
            "aghi %r15, -160",
            "lgr %r2, %r8",
            "basr %r14, %r7",
            "svc {exit}",
            "2:",
            clone = const __NR_clone, exit = const __NR_exit,
            inlateout("r2") stack => ret, in("r3") flags, in("r4") 0usize, in("r5") ctid,
            in("r6") 0usize, in("r7") f, in("r8") arg,
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
            "svc 0",
            "ltgr %r2, %r2",
            "jnz 2f",
            "aghi %r15, -160",
            "lgr %r2, %r8",
            "basr %r14, %r7",
            "svc {exit}",
            "2:",
            exit = const __NR_exit,
            in("r1") __NR_clone3 as usize, inlateout("r2") args => ret, in("r3") size,
            in("r7") f, in("r8") arg,
            options(nostack),
        );
    }
    ret
}
