//! mips64 (n64)'s process entry (feature `rt`): `_start`, which ends the frame chain and
//! passes the initial stack pointer to `crate::rt::start` (arch/README.md, section 6).

use core::arch::naked_asm;

/// Process entry: sp points at argc, argv..., NULL, envp..., NULL, auxv.
#[cfg(feature = "rt")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn __freeclone_start() -> ! {
    naked_asm!(
        ".weak _start",          // weak: a C runtime's own `_start` wins where one is linked
        ".type _start, @function",
        "_start:",
        ".weak __start",         // the linker's default entry name on mips
        ".type __start, @function",
        "__start:",
        ".cfi_startproc",
        ".cfi_undefined $31",
        ".set push",
        ".set noreorder",
        "move $30, $0",
        "move $31, $0",
        "move $4, $sp",
        "daddiu $8, $0, -16",
        "and $sp, $sp, $8",      // n64 wants 16; do not rely on the kernel for it
        // Absolute: `rt` is for static executables.
        "lui $25, %highest({start})",
        "daddiu $25, $25, %higher({start})",
        "dsll $25, $25, 16",
        "daddiu $25, $25, %hi({start})",
        "dsll $25, $25, 16",
        "daddiu $25, $25, %lo({start})",
        "jalr $25",              // through t9, as PIC callees expect
        "nop",                   // delay slot: nothing to do
        "break",
        ".set pop",
        ".cfi_endproc",
        start = sym crate::rt::start,
    )
}
