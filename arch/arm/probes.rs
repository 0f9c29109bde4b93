//! arm's probes (feature `probes`): the conformance program's instruments, apart
//! from the product code (arch/README.md, "The contract of `probes.rs`").

use core::arch::naked_asm;
use core::ffi::c_void;

/// The frame pointer of the state this crate is compiled in (AAPCS leaves the choice to
/// the platform; LLVM uses r7 in Thumb code and r11 in ARM code on Linux). Stable rustc
/// does not expose `thumb-mode` to `cfg`: only nightly builds (the conformance
/// program's) tell the states apart here and below.
#[cfg(target_feature = "thumb-mode")]
macro_rules! frame_pointer {
    () => { "r7" };
}
#[cfg(not(target_feature = "thumb-mode"))]
macro_rules! frame_pointer {
    () => { "r11" };
}

/// Lines only for the hard-float ABI, whose VFP registers d8..d15 are callee-saved;
/// soft-float targets (armv5te) may have no VFP at all.
#[cfg(target_abi = "eabihf")]
macro_rules! vfp {
    ($($line:literal),* $(,)?) => { concat!($($line, "\n"),*) };
}
#[cfg(not(target_abi = "eabihf"))]
macro_rules! vfp {
    ($($line:literal),* $(,)?) => { "" };
}

/// Records sp, the frame pointer and lr at entry, then jumps to the next function with
/// the registers untouched (see [`crate::probes::records::EntryRecord`]).
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn entry_probe(record: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        "mov r12, sp",           // Thumb cannot store sp directly; r12 is scratch (AAPCS)
        "str r12, [r0, #{stack_pointer}]",
        concat!("str ", frame_pointer!(), ", [r0, #{frame_pointer}]"),
        "str lr, [r0, #{return_address}]",
        "ldr r12, [r0, #{next}]",
        "ldr r0, [r0, #{next_arg}]",
        "bx r12",                // next may be ARM or Thumb code
        stack_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, stack_pointer),
        frame_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, frame_pointer),
        return_address = const core::mem::offset_of!(crate::probes::records::EntryRecord, return_address),
        next = const core::mem::offset_of!(crate::probes::records::EntryRecord, next),
        next_arg = const core::mem::offset_of!(crate::probes::records::EntryRecord, next_arg),
    )
}

/// Calls `f(arg)` with a known value in every callee-saved register (r4..r11, and
/// d8..d15 on hard-float targets) and returns a bit per register that `f` left changed.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn callee_saved_changed(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void,
) -> usize {
    naked_asm!(
        "push {{r3-r11, lr}}",   // r3 pads to 10 words: sp stays 8-aligned for the call
        vfp!("vpush {{d8-d15}}"),
        "mov r12, r0",
        "mov r0, r1",
        // Register i holds 0x5a5a00b0 + i, built without movw/movt (armv5te has none);
        // d8..d15 hold 0x5a5a00b0 in their high word.
        "mov r4, #0x5a000000", "orr r4, r4, #0x5a0000", "orr r4, r4, #0xb0",
        "add r5, r4, #1", "add r6, r4, #2", "add r7, r4, #3", "add r8, r4, #4",
        "add r9, r4, #5", "add r10, r4, #6", "add r11, r4, #7",
        vfp!(
            "add r2, r4, #8", "vmov d8, r2, r4", "add r2, r4, #9", "vmov d9, r2, r4",
            "add r2, r4, #10", "vmov d10, r2, r4", "add r2, r4, #11", "vmov d11, r2, r4",
            "add r2, r4, #12", "vmov d12, r2, r4", "add r2, r4, #13", "vmov d13, r2, r4",
            "add r2, r4, #14", "vmov d14, r2, r4", "add r2, r4, #15", "vmov d15, r2, r4",
        ),
        "blx r12",
        "mov r0, #0",
        // Conditional execution needs `it` in Thumb-2; ARM state accepts it as a no-op.
        "mov r2, #0x5a000000", "orr r2, r2, #0x5a0000", "orr r2, r2, #0xb0",
        "cmp r4, r2", "it ne", "orrne r0, r0, #0x1",
        "add r2, r2, #1", "cmp r5, r2", "it ne", "orrne r0, r0, #0x2",
        "add r2, r2, #1", "cmp r6, r2", "it ne", "orrne r0, r0, #0x4",
        "add r2, r2, #1", "cmp r7, r2", "it ne", "orrne r0, r0, #0x8",
        "add r2, r2, #1", "cmp r8, r2", "it ne", "orrne r0, r0, #0x10",
        "add r2, r2, #1", "cmp r9, r2", "it ne", "orrne r0, r0, #0x20",
        "add r2, r2, #1", "cmp r10, r2", "it ne", "orrne r0, r0, #0x40",
        "add r2, r2, #1", "cmp r11, r2", "it ne", "orrne r0, r0, #0x80",
        vfp!(
            // r1: the expected high word; a bit is set if either half differs.
            "sub r1, r2, #7",
            "add r2, r2, #1", "vmov r3, r12, d8", "eor r3, r3, r2", "eor r12, r12, r1",
            "orrs r3, r3, r12", "it ne", "orrne r0, r0, #0x100",
            "add r2, r2, #1", "vmov r3, r12, d9", "eor r3, r3, r2", "eor r12, r12, r1",
            "orrs r3, r3, r12", "it ne", "orrne r0, r0, #0x200",
            "add r2, r2, #1", "vmov r3, r12, d10", "eor r3, r3, r2", "eor r12, r12, r1",
            "orrs r3, r3, r12", "it ne", "orrne r0, r0, #0x400",
            "add r2, r2, #1", "vmov r3, r12, d11", "eor r3, r3, r2", "eor r12, r12, r1",
            "orrs r3, r3, r12", "it ne", "orrne r0, r0, #0x800",
            "add r2, r2, #1", "vmov r3, r12, d12", "eor r3, r3, r2", "eor r12, r12, r1",
            "orrs r3, r3, r12", "it ne", "orrne r0, r0, #0x1000",
            "add r2, r2, #1", "vmov r3, r12, d13", "eor r3, r3, r2", "eor r12, r12, r1",
            "orrs r3, r3, r12", "it ne", "orrne r0, r0, #0x2000",
            "add r2, r2, #1", "vmov r3, r12, d14", "eor r3, r3, r2", "eor r12, r12, r1",
            "orrs r3, r3, r12", "it ne", "orrne r0, r0, #0x4000",
            "add r2, r2, #1", "vmov r3, r12, d15", "eor r3, r3, r2", "eor r12, r12, r1",
            "orrs r3, r3, r12", "it ne", "orrne r0, r0, #0x8000",
            "vpop {{d8-d15}}",
        ),
        "pop {{r3-r11, pc}}",    // loading pc interworks (ARMv5T and later)
    )
}

/// A `CloneFn` returning `arg as c_int`, in the other instruction set than the crate's:
/// the argument already is the result in r0, so `bx lr` is the whole function, and it
/// returns to the caller's state through lr's bit 0; a Thumb body's symbol has bit 0
/// set, an ARM one's clear, so the clone entry's `blx` must switch state to call it.
/// `#[instruction_set]` would be the natural tool, but rustc allows it only on targets
/// with `has_thumb_interworking`, which armv5te has and armv7/thumbv7neon Linux lack.
macro_rules! define_return_arg_in_other_instruction_set {
    ($other:literal, $thumb_func:literal, $own:literal) => {
        core::arch::global_asm!(
            ".pushsection .text.__freeclone_return_arg_in_other_instruction_set,\"ax\",%progbits",
            ".balign 4",
            $other,
            ".globl __freeclone_return_arg_in_other_instruction_set",
            ".hidden __freeclone_return_arg_in_other_instruction_set",
            ".type __freeclone_return_arg_in_other_instruction_set, %function",
            $thumb_func,
            "__freeclone_return_arg_in_other_instruction_set:",
            "bx lr",
            ".size __freeclone_return_arg_in_other_instruction_set, . - __freeclone_return_arg_in_other_instruction_set",
            ".popsection",
            $own,                // what follows in this module is in the crate's state
        );
    };
}
#[cfg(target_feature = "thumb-mode")]
define_return_arg_in_other_instruction_set!(".arm", "", ".thumb");
#[cfg(not(target_feature = "thumb-mode"))]
define_return_arg_in_other_instruction_set!(".thumb", ".thumb_func", ".arm");

unsafe extern "C" {
    #[link_name = "__freeclone_return_arg_in_other_instruction_set"]
    pub(crate) safe fn return_arg_in_other_instruction_set(arg: *mut c_void) -> core::ffi::c_int;
}

/// What holds here as on most architectures (`generic/probes.rs`).
#[path = "../generic/probes.rs"]
#[allow(dead_code)] // its own `return_arg_in_other_instruction_set` stands instead
mod generic_probes;
pub(crate) use generic_probes::{FN_CHECKING_THE_CALL_REGISTER, LAZY_SAVED_MATRIX};
