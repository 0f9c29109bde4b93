//! `spawn` and `spawn3` (see mod.rs) for every architecture whose file provides
//! `trap_and_run`: clone's arguments put in the kernel's order, and clone3's.

use core::ffi::{c_int, c_void};

use freeclone::CloneFn;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, clone_args};

use super::imp::trap_and_run;

pub unsafe fn spawn(flags: usize, stack: *mut u8, ctid: *mut c_int, f: CloneFn, arg: *mut c_void) -> isize {
    let (stack, ctid) = (stack as usize, ctid as usize);
    // clone's kernel order, ptid and tls 0: flags, stack, ptid, ctid, tls on x86_64 and
    // loongarch64; s390x swaps flags and stack; flags, stack, ptid, tls, ctid elsewhere.
    #[cfg(any(target_arch = "x86_64", target_arch = "loongarch64"))]
    let args = [flags, stack, 0, ctid, 0];
    #[cfg(target_arch = "s390x")]
    let args = [stack, flags, 0, ctid, 0];
    #[cfg(not(any(target_arch = "x86_64", target_arch = "loongarch64", target_arch = "s390x")))]
    let args = [flags, stack, 0, 0, ctid];
    unsafe { trap_and_run(__NR_clone as usize, args, f, arg) }
}

pub unsafe fn spawn3(args: *const clone_args, size: usize, f: CloneFn, arg: *mut c_void) -> isize {
    unsafe { trap_and_run(__NR_clone3 as usize, [args as usize, size, 0, 0, 0], f, arg) }
}
