//! The thread pointer of mips' o32 (`mips/`) and n64 (`mips64/`), read the same way.
//! `rdhwr` needs release 2 of the ISA, which naked and inline assembly get named: each
//! folder's `isa_r2!()` is its own (`mips32r2`, `mips64r2`).

use core::arch::asm;
use core::ffi::c_void;

/// The thread pointer: UserLocal, which `CLONE_SETTLS` set to `tls`, read with
/// `rdhwr $3, $29` (the kernel emulates it where the hardware lacks it).
#[inline(always)]
pub(crate) unsafe fn thread_pointer() -> *mut c_void {
    let pointer;
    unsafe {
        asm!(".set push", concat!(".set ", isa_r2!()), "rdhwr $3, $29", ".set pop",
            out("$3") pointer, options(nostack, nomem, preserves_flags));
    }
    pointer
}
