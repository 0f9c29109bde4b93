//! i386's process entry (feature `rt`): `_start`, which ends the frame chain and
//! passes the initial stack pointer to `crate::rt::start` (arch/README.md, section 6).

use core::arch::naked_asm;

/// Process entry: esp points at argc, argv..., NULL, envp..., NULL, auxv.
#[cfg(feature = "rt")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn __freeclone_start() -> ! {
    naked_asm!(
        ".weak _start",          // weak: a C runtime's own `_start` wins where one is linked
        ".type _start, @function",
        "_start:",
        ".cfi_startproc",
        ".cfi_undefined eip",
        "xor ebp, ebp",
        "mov eax, esp",
        "and esp, -16",          // the kernel promises no alignment; SysV wants 16 at the call
        "sub esp, 12",
        "push eax",              // cdecl argument: the initial sp; esp is 16-aligned again
        "call {start}",
        "ud2",
        ".cfi_endproc",
        start = sym crate::rt::start,
    )
}
