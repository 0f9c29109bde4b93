//! loongarch64's probes (feature `probes`): the conformance program's instruments, apart
//! from the product code (arch/README.md, "The contract of `probes.rs`").

use core::arch::naked_asm;
use core::ffi::c_void;

/// Records sp, fp ($r22) and ra at entry, then jumps to the next function with the
/// registers untouched but t0 (see [`crate::probes::records::EntryRecord`]).
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn entry_probe(record: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        "st.d $sp, $a0, {stack_pointer}",
        "st.d $fp, $a0, {frame_pointer}",
        "st.d $ra, $a0, {return_address}",
        "ld.d $t0, $a0, {next}",
        "ld.d $a0, $a0, {next_arg}",
        "jr $t0",
        stack_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, stack_pointer),
        frame_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, frame_pointer),
        return_address = const core::mem::offset_of!(crate::probes::records::EntryRecord, return_address),
        next = const core::mem::offset_of!(crate::probes::records::EntryRecord, next),
        next_arg = const core::mem::offset_of!(crate::probes::records::EntryRecord, next_arg),
    )
}

/// Calls `f(arg)` with a known value in every callee-saved register (s0..s8, fp,
/// fs0..fs7) and returns a bit per register that `f` left changed, bit 18 if sp did
/// not come back.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn callee_saved_changed(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void,
) -> usize {
    naked_asm!(
        // 0: sp; 8: ra; 16..87: s0..s8; 88: fp; 96..159: fs0..fs7.
        "addi.d $sp, $sp, -160",
        "st.d $ra, $sp, 8",
        "st.d $s0, $sp, 16", "st.d $s1, $sp, 24", "st.d $s2, $sp, 32", "st.d $s3, $sp, 40",
        "st.d $s4, $sp, 48", "st.d $s5, $sp, 56", "st.d $s6, $sp, 64", "st.d $s7, $sp, 72",
        "st.d $s8, $sp, 80", "st.d $fp, $sp, 88",
        "fst.d $fs0, $sp, 96", "fst.d $fs1, $sp, 104", "fst.d $fs2, $sp, 112", "fst.d $fs3, $sp, 120",
        "fst.d $fs4, $sp, 128", "fst.d $fs5, $sp, 136", "fst.d $fs6, $sp, 144", "fst.d $fs7, $sp, 152",
        "st.d $sp, $sp, 0",      // read back through sp: a moved sp misses it
        "move $t0, $a0",
        "move $a0, $a1",
        // Register i holds 0x5a5a0000000000b0 + i.
        "li.d $s0, 0x5a5a0000000000b0",
        "addi.d $s1, $s0, 1", "addi.d $s2, $s0, 2", "addi.d $s3, $s0, 3", "addi.d $s4, $s0, 4",
        "addi.d $s5, $s0, 5", "addi.d $s6, $s0, 6", "addi.d $s7, $s0, 7", "addi.d $s8, $s0, 8",
        "addi.d $fp, $s0, 9",
        "addi.d $t1, $s0, 10", "movgr2fr.d $fs0, $t1", "addi.d $t1, $s0, 11", "movgr2fr.d $fs1, $t1",
        "addi.d $t1, $s0, 12", "movgr2fr.d $fs2, $t1", "addi.d $t1, $s0, 13", "movgr2fr.d $fs3, $t1",
        "addi.d $t1, $s0, 14", "movgr2fr.d $fs4, $t1", "addi.d $t1, $s0, 15", "movgr2fr.d $fs5, $t1",
        "addi.d $t1, $s0, 16", "movgr2fr.d $fs6, $t1", "addi.d $t1, $s0, 17", "movgr2fr.d $fs7, $t1",
        "jirl $ra, $t0, 0",
        "move $a0, $zero",
        "li.d $t1, 0x5a5a0000000000b0",
        "xor $t2, $s0, $t1", "sltu $t2, $zero, $t2", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $s1, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 1", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $s2, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 2", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $s3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 3", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $s4, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 4", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $s5, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 5", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $s6, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 6", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $s7, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 7", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $s8, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 8", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "xor $t2, $fp, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 9", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "movfr2gr.d $t3, $fs0", "xor $t2, $t3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 10", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "movfr2gr.d $t3, $fs1", "xor $t2, $t3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 11", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "movfr2gr.d $t3, $fs2", "xor $t2, $t3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 12", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "movfr2gr.d $t3, $fs3", "xor $t2, $t3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 13", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "movfr2gr.d $t3, $fs4", "xor $t2, $t3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 14", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "movfr2gr.d $t3, $fs5", "xor $t2, $t3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 15", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "movfr2gr.d $t3, $fs6", "xor $t2, $t3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 16", "or $a0, $a0, $t2",
        "addi.d $t1, $t1, 1", "movfr2gr.d $t3, $fs7", "xor $t2, $t3, $t1", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 17", "or $a0, $a0, $t2",
        "ld.d $t3, $sp, 0", "xor $t2, $t3, $sp", "sltu $t2, $zero, $t2", "slli.d $t2, $t2, 18", "or $a0, $a0, $t2",
        "fld.d $fs7, $sp, 152", "fld.d $fs6, $sp, 144", "fld.d $fs5, $sp, 136", "fld.d $fs4, $sp, 128",
        "fld.d $fs3, $sp, 120", "fld.d $fs2, $sp, 112", "fld.d $fs1, $sp, 104", "fld.d $fs0, $sp, 96",
        "ld.d $fp, $sp, 88", "ld.d $s8, $sp, 80",
        "ld.d $s7, $sp, 72", "ld.d $s6, $sp, 64", "ld.d $s5, $sp, 56", "ld.d $s4, $sp, 48",
        "ld.d $s3, $sp, 40", "ld.d $s2, $sp, 32", "ld.d $s1, $sp, 24", "ld.d $s0, $sp, 16",
        "ld.d $ra, $sp, 8",
        "addi.d $sp, $sp, 160",
        "ret",
    )
}

/// What holds here as on most architectures (`generic/probes.rs`).
#[path = "../generic/probes.rs"]
mod generic_probes;
pub(crate) use generic_probes::{FN_CHECKING_THE_CALL_REGISTER, LAZY_SAVED_MATRIX, return_arg_in_other_instruction_set};
