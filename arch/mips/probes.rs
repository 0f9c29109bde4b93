//! mips's probes (feature `probes`): the conformance program's instruments, apart
//! from the product code (arch/README.md, "The contract of `probes.rs`").

use core::arch::naked_asm;
use core::ffi::c_void;

use crate::types::CloneFn;

/// Records sp, fp ($30) and ra ($31) at entry, then jumps to the next function with
/// the registers untouched but t9 (see [`crate::probes::records::EntryRecord`]).
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn entry_probe(record: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        ".set push",
        ".set noreorder",
        "sw $sp, {stack_pointer}($4)",
        "sw $30, {frame_pointer}($4)",
        "sw $31, {return_address}($4)",
        "lw $25, {next}($4)",    // next is entered through t9, as PIC callees expect
        "jr $25",
        "lw $4, {next_arg}($4)", // delay slot: next's argument
        ".set pop",
        stack_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, stack_pointer),
        frame_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, frame_pointer),
        return_address = const core::mem::offset_of!(crate::probes::records::EntryRecord, return_address),
        next = const core::mem::offset_of!(crate::probes::records::EntryRecord, next),
        next_arg = const core::mem::offset_of!(crate::probes::records::EntryRecord, next_arg),
    )
}

/// Calls `f(arg)` with a known value in every callee-saved register (s0..s7, fp, the
/// FP registers f20..f30 even, each a 64-bit pair or register) and returns a bit per
/// register that `f` left changed, and bit 15 if sp did not come back.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn callee_saved_changed(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void,
) -> usize {
    naked_asm!(
        ".set push",
        ".set noreorder",
        ".set mips32r2",         // mthc1/mfhc1 (naked code gets no target CPU)
        // 0..15: f's argument save area; 16: sp; 20: ra; 24..59: s0..s7, fp; 64..111: FP.
        "addiu $sp, $sp, -112",
        "sw $31, 20($sp)",
        "sw $16, 24($sp)", "sw $17, 28($sp)", "sw $18, 32($sp)", "sw $19, 36($sp)",
        "sw $20, 40($sp)", "sw $21, 44($sp)", "sw $22, 48($sp)", "sw $23, 52($sp)",
        "sw $30, 56($sp)",
        "sdc1 $f20, 64($sp)", "sdc1 $f22, 72($sp)", "sdc1 $f24, 80($sp)",
        "sdc1 $f26, 88($sp)", "sdc1 $f28, 96($sp)", "sdc1 $f30, 104($sp)",
        "sw $sp, 16($sp)",       // read back through sp: a moved sp misses it
        "move $25, $4",          // f, called through t9 as PIC callees expect
        "move $4, $5",
        // Register i holds 0x5a5a00b0 + i; FP register i's high half 0xa5a500b0 + i
        // (mthc1 reaches it with FR=0 and FR=1 alike, as the fpxx ABI requires).
        "lui $16, 0x5a5a", "ori $16, $16, 0xb0",
        "addiu $17, $16, 1", "addiu $18, $16, 2", "addiu $19, $16, 3", "addiu $20, $16, 4",
        "addiu $21, $16, 5", "addiu $22, $16, 6", "addiu $23, $16, 7", "addiu $30, $16, 8",
        "addiu $8, $16, 9", "lui $9, 0xa5a5", "ori $9, $9, 0xb9",
        "mtc1 $8, $f20", "mthc1 $9, $f20", "addiu $8, $8, 1", "addiu $9, $9, 1",
        "mtc1 $8, $f22", "mthc1 $9, $f22", "addiu $8, $8, 1", "addiu $9, $9, 1",
        "mtc1 $8, $f24", "mthc1 $9, $f24", "addiu $8, $8, 1", "addiu $9, $9, 1",
        "mtc1 $8, $f26", "mthc1 $9, $f26", "addiu $8, $8, 1", "addiu $9, $9, 1",
        "mtc1 $8, $f28", "mthc1 $9, $f28", "addiu $8, $8, 1", "addiu $9, $9, 1",
        "mtc1 $8, $f30", "mthc1 $9, $f30",
        "jalr $25",
        "nop",                   // delay slot: nothing to do
        "move $2, $0",
        "lui $8, 0x5a5a", "ori $8, $8, 0xb0",
        "xor $9, $16, $8", "sltu $9, $0, $9", "or $2, $2, $9",
        "addiu $8, $8, 1", "xor $9, $17, $8", "sltu $9, $0, $9", "sll $9, $9, 1", "or $2, $2, $9",
        "addiu $8, $8, 1", "xor $9, $18, $8", "sltu $9, $0, $9", "sll $9, $9, 2", "or $2, $2, $9",
        "addiu $8, $8, 1", "xor $9, $19, $8", "sltu $9, $0, $9", "sll $9, $9, 3", "or $2, $2, $9",
        "addiu $8, $8, 1", "xor $9, $20, $8", "sltu $9, $0, $9", "sll $9, $9, 4", "or $2, $2, $9",
        "addiu $8, $8, 1", "xor $9, $21, $8", "sltu $9, $0, $9", "sll $9, $9, 5", "or $2, $2, $9",
        "addiu $8, $8, 1", "xor $9, $22, $8", "sltu $9, $0, $9", "sll $9, $9, 6", "or $2, $2, $9",
        "addiu $8, $8, 1", "xor $9, $23, $8", "sltu $9, $0, $9", "sll $9, $9, 7", "or $2, $2, $9",
        "addiu $8, $8, 1", "xor $9, $30, $8", "sltu $9, $0, $9", "sll $9, $9, 8", "or $2, $2, $9",
        // FP: low half against $8, high half against $10.
        "lui $10, 0xa5a5", "ori $10, $10, 0xb8",
        "addiu $8, $8, 1", "addiu $10, $10, 1", "mfc1 $9, $f20", "mfhc1 $11, $f20",
        "xor $9, $9, $8", "xor $11, $11, $10", "or $9, $9, $11", "sltu $9, $0, $9", "sll $9, $9, 9", "or $2, $2, $9",
        "addiu $8, $8, 1", "addiu $10, $10, 1", "mfc1 $9, $f22", "mfhc1 $11, $f22",
        "xor $9, $9, $8", "xor $11, $11, $10", "or $9, $9, $11", "sltu $9, $0, $9", "sll $9, $9, 10", "or $2, $2, $9",
        "addiu $8, $8, 1", "addiu $10, $10, 1", "mfc1 $9, $f24", "mfhc1 $11, $f24",
        "xor $9, $9, $8", "xor $11, $11, $10", "or $9, $9, $11", "sltu $9, $0, $9", "sll $9, $9, 11", "or $2, $2, $9",
        "addiu $8, $8, 1", "addiu $10, $10, 1", "mfc1 $9, $f26", "mfhc1 $11, $f26",
        "xor $9, $9, $8", "xor $11, $11, $10", "or $9, $9, $11", "sltu $9, $0, $9", "sll $9, $9, 12", "or $2, $2, $9",
        "addiu $8, $8, 1", "addiu $10, $10, 1", "mfc1 $9, $f28", "mfhc1 $11, $f28",
        "xor $9, $9, $8", "xor $11, $11, $10", "or $9, $9, $11", "sltu $9, $0, $9", "sll $9, $9, 13", "or $2, $2, $9",
        "addiu $8, $8, 1", "addiu $10, $10, 1", "mfc1 $9, $f30", "mfhc1 $11, $f30",
        "xor $9, $9, $8", "xor $11, $11, $10", "or $9, $9, $11", "sltu $9, $0, $9", "sll $9, $9, 14", "or $2, $2, $9",
        "lw $9, 16($sp)", "xor $9, $9, $sp", "sltu $9, $0, $9", "sll $9, $9, 15", "or $2, $2, $9",
        "ldc1 $f30, 104($sp)", "ldc1 $f28, 96($sp)", "ldc1 $f26, 88($sp)",
        "ldc1 $f24, 80($sp)", "ldc1 $f22, 72($sp)", "ldc1 $f20, 64($sp)",
        "lw $30, 56($sp)",
        "lw $23, 52($sp)", "lw $22, 48($sp)", "lw $21, 44($sp)", "lw $20, 40($sp)",
        "lw $19, 36($sp)", "lw $18, 32($sp)", "lw $17, 28($sp)", "lw $16, 24($sp)",
        "lw $31, 20($sp)",
        "jr $31",
        "addiu $sp, $sp, 112",   // delay slot: drop the frame on the way out
        ".set pop",
    )
}

/// What holds here as on most architectures (`generic/probes.rs`); one instruction set
/// for this crate's code (no MIPS16 or microMIPS).
#[path = "../generic/probes.rs"]
#[allow(dead_code)] // its own `FN_CHECKING_THE_CALL_REGISTER` stands instead
mod generic_probes;
pub(crate) use generic_probes::{LAZY_SAVED_MATRIX, return_arg_in_other_instruction_set};

/// A `CloneFn` that returns `arg` only if it was called through t9 ($25), from which
/// o32 PIC code computes $gp (`.cpload $25`); 127 otherwise.
#[unsafe(naked)]
unsafe extern "C" fn return_arg_if_called_through_t9(arg: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        ".set push",
        ".set noreorder",
        "lui $8, %hi({this})",
        "addiu $8, $8, %lo({this})",
        "bne $8, $25, 1f",
        "move $2, $4",           // delay slot: arg, the answer if t9 was right
        "jr $31",
        "nop",
        "1:",
        "jr $31",
        "li $2, 127",            // delay slot
        ".set pop",
        this = sym return_arg_if_called_through_t9,
    )
}

/// o32's PIC rule: a function is entered with its own address in t9.
pub(crate) const FN_CHECKING_THE_CALL_REGISTER: Option<CloneFn> = Some(return_arg_if_called_through_t9);
