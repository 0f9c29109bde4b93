//! riscv64's probes (feature `probes`): the conformance program's instruments, apart
//! from the product code (arch/README.md, "The contract of `probes.rs`").

use core::arch::naked_asm;
use core::ffi::c_void;

/// Records sp, s0 (the frame pointer) and ra at entry, then jumps to the next function
/// with the registers untouched but t0 (see [`crate::probes::records::EntryRecord`]).
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn entry_probe(record: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        "sd sp, {stack_pointer}(a0)",
        "sd s0, {frame_pointer}(a0)",
        "sd ra, {return_address}(a0)",
        "ld t0, {next}(a0)",
        "ld a0, {next_arg}(a0)",
        "jr t0",
        stack_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, stack_pointer),
        frame_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, frame_pointer),
        return_address = const core::mem::offset_of!(crate::probes::records::EntryRecord, return_address),
        next = const core::mem::offset_of!(crate::probes::records::EntryRecord, next),
        next_arg = const core::mem::offset_of!(crate::probes::records::EntryRecord, next_arg),
    )
}

/// Calls `f(arg)` with a known value in every callee-saved register (s0..s11,
/// fs0..fs11) and returns a bit per register that `f` left changed, bit 24 if sp did
/// not come back.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn callee_saved_changed(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void,
) -> usize {
    naked_asm!(
        // Module-level assembly does not see the target's D extension (measured with
        // nightly's LLVM): name it, for this function only.
        ".option push",
        ".option arch, +d",
        // 0: sp; 8: ra; 16..111: s0..s11; 112..207: fs0..fs11.
        "addi sp, sp, -208",
        "sd ra, 8(sp)",
        "sd s0, 16(sp)", "sd s1, 24(sp)", "sd s2, 32(sp)", "sd s3, 40(sp)",
        "sd s4, 48(sp)", "sd s5, 56(sp)", "sd s6, 64(sp)", "sd s7, 72(sp)",
        "sd s8, 80(sp)", "sd s9, 88(sp)", "sd s10, 96(sp)", "sd s11, 104(sp)",
        "fsd fs0, 112(sp)", "fsd fs1, 120(sp)", "fsd fs2, 128(sp)", "fsd fs3, 136(sp)",
        "fsd fs4, 144(sp)", "fsd fs5, 152(sp)", "fsd fs6, 160(sp)", "fsd fs7, 168(sp)",
        "fsd fs8, 176(sp)", "fsd fs9, 184(sp)", "fsd fs10, 192(sp)", "fsd fs11, 200(sp)",
        "sd sp, 0(sp)",          // read back through sp: a moved sp misses it
        "mv t0, a0",
        "mv a0, a1",
        // Register i holds 0x5a5a0000000000b0 + i.
        "li s0, 0x5a5a0000000000b0",
        "addi s1, s0, 1", "addi s2, s0, 2", "addi s3, s0, 3", "addi s4, s0, 4",
        "addi s5, s0, 5", "addi s6, s0, 6", "addi s7, s0, 7", "addi s8, s0, 8",
        "addi s9, s0, 9", "addi s10, s0, 10", "addi s11, s0, 11",
        "addi t1, s0, 12", "fmv.d.x fs0, t1", "addi t1, s0, 13", "fmv.d.x fs1, t1",
        "addi t1, s0, 14", "fmv.d.x fs2, t1", "addi t1, s0, 15", "fmv.d.x fs3, t1",
        "addi t1, s0, 16", "fmv.d.x fs4, t1", "addi t1, s0, 17", "fmv.d.x fs5, t1",
        "addi t1, s0, 18", "fmv.d.x fs6, t1", "addi t1, s0, 19", "fmv.d.x fs7, t1",
        "addi t1, s0, 20", "fmv.d.x fs8, t1", "addi t1, s0, 21", "fmv.d.x fs9, t1",
        "addi t1, s0, 22", "fmv.d.x fs10, t1", "addi t1, s0, 23", "fmv.d.x fs11, t1",
        "jalr t0",
        "li a0, 0",
        "li t1, 0x5a5a0000000000b0",
        "xor t2, s0, t1", "snez t2, t2", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s1, t1", "snez t2, t2", "slli t2, t2, 1", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s2, t1", "snez t2, t2", "slli t2, t2, 2", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s3, t1", "snez t2, t2", "slli t2, t2, 3", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s4, t1", "snez t2, t2", "slli t2, t2, 4", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s5, t1", "snez t2, t2", "slli t2, t2, 5", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s6, t1", "snez t2, t2", "slli t2, t2, 6", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s7, t1", "snez t2, t2", "slli t2, t2, 7", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s8, t1", "snez t2, t2", "slli t2, t2, 8", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s9, t1", "snez t2, t2", "slli t2, t2, 9", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s10, t1", "snez t2, t2", "slli t2, t2, 10", "or a0, a0, t2",
        "addi t1, t1, 1", "xor t2, s11, t1", "snez t2, t2", "slli t2, t2, 11", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs0", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 12", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs1", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 13", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs2", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 14", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs3", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 15", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs4", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 16", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs5", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 17", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs6", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 18", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs7", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 19", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs8", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 20", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs9", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 21", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs10", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 22", "or a0, a0, t2",
        "addi t1, t1, 1", "fmv.x.d t3, fs11", "xor t2, t3, t1", "snez t2, t2", "slli t2, t2, 23", "or a0, a0, t2",
        "ld t3, 0(sp)", "xor t2, t3, sp", "snez t2, t2", "slli t2, t2, 24", "or a0, a0, t2",
        "fld fs11, 200(sp)", "fld fs10, 192(sp)", "fld fs9, 184(sp)", "fld fs8, 176(sp)",
        "fld fs7, 168(sp)", "fld fs6, 160(sp)", "fld fs5, 152(sp)", "fld fs4, 144(sp)",
        "fld fs3, 136(sp)", "fld fs2, 128(sp)", "fld fs1, 120(sp)", "fld fs0, 112(sp)",
        "ld s11, 104(sp)", "ld s10, 96(sp)", "ld s9, 88(sp)", "ld s8, 80(sp)",
        "ld s7, 72(sp)", "ld s6, 64(sp)", "ld s5, 56(sp)", "ld s4, 48(sp)",
        "ld s3, 40(sp)", "ld s2, 32(sp)", "ld s1, 24(sp)", "ld s0, 16(sp)",
        "ld ra, 8(sp)",
        "addi sp, sp, 208",
        "ret",
        ".option pop",
    )
}

/// What holds here as on most architectures (`generic/probes.rs`); one instruction set
/// for this crate's code (compressed instructions are the same instruction set).
#[path = "../generic/probes.rs"]
mod generic_probes;
pub(crate) use generic_probes::{FN_CHECKING_THE_CALL_REGISTER, LAZY_SAVED_MATRIX, return_arg_in_other_instruction_set};
