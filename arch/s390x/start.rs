//! s390x's process entry (feature `rt`): `_start`, which ends the frame chain and
//! passes the initial stack pointer to `crate::rt::start` (arch/README.md, section 6).

use core::arch::naked_asm;

/// Process entry: r15 points at argc, argv..., NULL, envp..., NULL, auxv.
#[cfg(feature = "rt")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn __freeclone_start() -> ! {
    naked_asm!(
        ".weak _start",          // weak: a C runtime's own `_start` wins where one is linked
        ".type _start, @function",
        "_start:",
        ".cfi_startproc",
        ".cfi_undefined %r14",
        "lgr %r2, %r15",
        "nill %r15, 0xfff8",     // the ABI's 8-byte alignment
        "aghi %r15, -160",       // the callee's register save area,
        "xc 0(8,%r15), 0(%r15)", // its back chain zero
        "brasl %r14, {start}",
        ".word 0",
        ".cfi_endproc",
        start = sym crate::rt::start,
    )
}
