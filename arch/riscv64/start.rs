//! riscv64's process entry (feature `rt`): `_start`, which ends the frame chain and
//! passes the initial stack pointer to `crate::rt::start` (arch/README.md, section 6).

use core::arch::naked_asm;

/// Process entry: sp points at argc, argv..., NULL, envp..., NULL, auxv, 16-aligned.
#[cfg(feature = "rt")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn __freeclone_start() -> ! {
    naked_asm!(
        ".weak _start",          // weak: a C runtime's own `_start` wins where one is linked
        ".type _start, @function",
        "_start:",
        ".cfi_startproc",
        ".cfi_undefined ra",
        ".option push",          // the psABI's process entry sets gp, which a linker
        ".option norelax",       // that relaxes to gp-relative accesses relies on
        "lla gp, __global_pointer$",
        ".option pop",
        "li s0, 0",
        "li ra, 0",
        "mv a0, sp",
        "andi sp, sp, -16",      // the psABI wants 16; do not rely on the kernel for it
        "call {start}",
        "unimp",
        ".cfi_endproc",
        start = sym crate::rt::start,
    )
}
