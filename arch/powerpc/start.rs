//! powerpc's process entry (feature `rt`): `_start`, which ends the frame chain and
//! passes the initial stack pointer to `crate::rt::start` (arch/README.md, section 6).

use core::arch::naked_asm;
use super::CHILD_FRAME_SIZE;

/// Process entry: r1 points at argc, argv..., NULL, envp..., NULL, auxv.
#[cfg(feature = "rt")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn __freeclone_start() -> ! {
    naked_asm!(
        ".cfi_startproc",
        ".cfi_undefined lr",
        ".weak _start",          // weak: a C runtime's own `_start` wins where one is linked
        ".type _start, @function",
        "_start:",
        "mr %r3, %r1",
        "clrrwi %r1, %r1, 4",    // the kernel promises no alignment; the ABI wants 16
        "li %r0, 0",
        "stwu %r0, -{frame}(%r1)", // the callee's frame, its back chain zero
        "mtlr %r0",
        "bl {start}",
        "trap",
        ".cfi_endproc",
        frame = const CHILD_FRAME_SIZE,
        start = sym crate::rt::start,
    )
}
