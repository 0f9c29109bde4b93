//! loongarch64's process entry (feature `rt`): `_start`, which ends the frame chain and
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
        ".cfi_startproc",
        ".cfi_undefined 1",
        "move $fp, $zero",
        "move $ra, $zero",
        "move $a0, $sp",
        "bstrins.d $sp, $zero, 3, 0", // the psABI wants 16; do not rely on the kernel for it
        "bl {start}",
        "break 0",
        ".cfi_endproc",
        start = sym crate::rt::start,
    )
}
