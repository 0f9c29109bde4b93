//! i386: `int 0x80` with the number in eax; clone's kernel order is flags (ebx), stack
//! (ecx), ptid (edx), tls (esi), ctid (edi). Without CLONE_SETTLS the kernel ignores
//! esi, which asm! cannot name. Every other register is taken, so `arg` and `f` ride
//! on the child's stack: `arg` in fn's cdecl argument slot, 16-aligned at the call.
//! clone3 takes args (ebx) and size (ecx) and leaves edx and edi free: there `f` and
//! `arg` wait in them (`int 0x80` preserves every register but eax), and the child,
//! started on `stack + stack_size`, pushes `arg` itself.

use core::arch::asm;
use core::ffi::{c_int, c_void};

use freeclone::CloneFn;
use linux_raw_sys::general::{__NR_clone, __NR_clone3, __NR_exit, clone_args};

#[inline(never)]
pub unsafe fn spawn(flags: usize, stack: *mut u8, ctid: *mut c_int, f: CloneFn, arg: *mut c_void) -> isize {
    let child_sp = stack.wrapping_sub(16).cast::<usize>();
    let ret: isize;
    unsafe {
        child_sp.write(arg as usize);
        child_sp.add(1).write(f as usize);
        asm!(
            "int 0x80",
            "test eax, eax",
            "jnz 2f",
            "call dword ptr [esp + 4]",
            "mov ebx, eax",
            "mov eax, {exit}",
            "int 0x80",
            "2:",
            exit = const __NR_exit,
            inlateout("eax") __NR_clone as isize => ret,
            in("ebx") flags, in("ecx") child_sp, in("edx") 0usize, in("edi") ctid,
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
            "int 0x80",
            "test eax, eax",
            "jnz 2f",
            // The argument slot at a 16-aligned esp, as `spawn`'s child has it.
            "sub esp, 12",
            "push edi",
            "call edx",
            "mov ebx, eax",
            "mov eax, {exit}",
            "int 0x80",
            "2:",
            exit = const __NR_exit,
            inlateout("eax") __NR_clone3 as isize => ret,
            in("ebx") args, in("ecx") size, in("edx") f, in("edi") arg,
            options(nostack),
        );
    }
    ret
}
