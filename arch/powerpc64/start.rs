//! powerpc64 (ELFv2 and ELFv1)'s process entry (feature `rt`): `_start`, which ends the frame chain and
//! passes the initial stack pointer to `crate::rt::start` (arch/README.md, section 6).

use core::arch::naked_asm;
use super::CHILD_FRAME_SIZE;

/// ELFv2: the entry symbol is the code, entered with its own address in r12 (the
/// kernel's start_thread), from which it computes its TOC as a global entry does.
#[cfg(all(feature = "rt", target_abi = "elfv2"))]
macro_rules! start_symbol_and_toc {
    () => {
        concat!(
            ".weak _start\n",   // weak: a C runtime's own `_start` wins where one is linked
            ".type _start, @function\n",
            "_start:\n",
            "addis %r2, %r12, (.TOC. - {this})@ha\n",
            "addi %r2, %r2, (.TOC. - {this})@l",
        )
    };
}
/// ELFv1: the entry symbol (e_entry, AT_ENTRY) is a descriptor in .opd, from which the
/// kernel loads the entry address and r2.
#[cfg(all(feature = "rt", not(target_abi = "elfv2")))]
macro_rules! start_symbol_and_toc {
    () => {
        concat!(
            ".pushsection .opd, \"aw\", @progbits\n",
            ".p2align 3\n",
            ".weak _start\n",   // weak: a C runtime's own `_start` wins where one is linked
            ".type _start, @function\n",
            "_start:\n",
            ".quad {this}, .TOC.@tocbase, 0\n",
            ".size _start, 24\n",
            ".popsection",
        )
    };
}

/// Process entry: r1 points at argc, argv..., NULL, envp..., NULL, auxv.
#[cfg(feature = "rt")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn __freeclone_start() -> ! {
    naked_asm!(
        ".cfi_startproc",
        ".cfi_undefined lr",
        start_symbol_and_toc!(),
        "mr %r3, %r1",
        "clrrdi %r1, %r1, 4",    // the kernel promises no alignment; the ABI wants 16
        "li %r0, 0",
        "stdu %r0, -{frame}(%r1)", // the callee's frame, its back chain zero
        "mtlr %r0",
        "bl {start}",
        "nop",                   // where a linker would restore r2 after a call
        "trap",
        ".cfi_endproc",
        this = sym __freeclone_start,
        frame = const CHILD_FRAME_SIZE,
        start = sym crate::rt::start,
    )
}
