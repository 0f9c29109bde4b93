//! arm (ARM and Thumb-2)'s process entry (feature `rt`): `_start`, which ends the frame chain and
//! passes the initial stack pointer to `crate::rt::start` (arch/README.md, section 6).

use core::arch::naked_asm;

/// Process entry: sp points at argc, argv..., NULL, envp..., NULL, auxv.
#[cfg(feature = "rt")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn __freeclone_start() -> ! {
    naked_asm!(
        ".weak _start",          // weak: a C runtime's own `_start` wins where one is linked
        ".type _start, %function",
        "_start:",
        ".cfi_startproc",
        ".cfi_undefined lr",
        "mov r7, #0",            // end both states' frame chains (r7 Thumb, r11 ARM)
        "mov r11, #0",
        "mov lr, #0",
        "mov r0, sp",
        "mov r1, sp",            // Thumb cannot `bic` into sp directly
        "bic r1, r1, #7",        // the kernel promises no alignment; AAPCS wants 8
        "mov sp, r1",
        "bl {start}",
        "udf #0",
        ".cfi_endproc",
        start = sym crate::rt::start,
    )
}
