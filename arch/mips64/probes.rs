//! mips64's probes (feature `probes`): the conformance program's instruments, apart
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
        "sd $sp, {stack_pointer}($4)",
        "sd $30, {frame_pointer}($4)",
        "sd $31, {return_address}($4)",
        "ld $25, {next}($4)",    // next is entered through t9, as PIC callees expect
        "jr $25",
        "ld $4, {next_arg}($4)", // delay slot: next's argument
        ".set pop",
        stack_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, stack_pointer),
        frame_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, frame_pointer),
        return_address = const core::mem::offset_of!(crate::probes::records::EntryRecord, return_address),
        next = const core::mem::offset_of!(crate::probes::records::EntryRecord, next),
        next_arg = const core::mem::offset_of!(crate::probes::records::EntryRecord, next_arg),
    )
}

/// Calls `f(arg)` with a known value in every callee-saved register (s0..s7, fp,
/// f24..f31) and returns a bit per register that `f` left changed, bit 9 if gp (also
/// callee-saved in n64, kept at its value) changed and bit 18 if sp did not come back.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn callee_saved_changed(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void,
) -> usize {
    naked_asm!(
        ".set push",
        ".set noreorder",
        // 0: sp; 8: ra; 16..79: s0..s7; 80: fp; 88: gp; 96..159: f24..f31.
        "daddiu $sp, $sp, -160",
        "sd $31, 8($sp)",
        "sd $16, 16($sp)", "sd $17, 24($sp)", "sd $18, 32($sp)", "sd $19, 40($sp)",
        "sd $20, 48($sp)", "sd $21, 56($sp)", "sd $22, 64($sp)", "sd $23, 72($sp)",
        "sd $30, 80($sp)", "sd $28, 88($sp)",
        "sdc1 $f24, 96($sp)", "sdc1 $f25, 104($sp)", "sdc1 $f26, 112($sp)", "sdc1 $f27, 120($sp)",
        "sdc1 $f28, 128($sp)", "sdc1 $f29, 136($sp)", "sdc1 $f30, 144($sp)", "sdc1 $f31, 152($sp)",
        "sd $sp, 0($sp)",        // read back through sp: a moved sp misses it
        "move $25, $4",          // f, called through t9 as PIC callees expect
        "move $4, $5",
        // Register i holds 0x5a5a0000000000b0 + i.
        "lui $16, 0x5a5a", "dsll32 $16, $16, 0", "ori $16, $16, 0xb0",
        "daddiu $17, $16, 1", "daddiu $18, $16, 2", "daddiu $19, $16, 3", "daddiu $20, $16, 4",
        "daddiu $21, $16, 5", "daddiu $22, $16, 6", "daddiu $23, $16, 7", "daddiu $30, $16, 8",
        "daddiu $8, $16, 10", "dmtc1 $8, $f24", "daddiu $8, $8, 1", "dmtc1 $8, $f25",
        "daddiu $8, $8, 1", "dmtc1 $8, $f26", "daddiu $8, $8, 1", "dmtc1 $8, $f27",
        "daddiu $8, $8, 1", "dmtc1 $8, $f28", "daddiu $8, $8, 1", "dmtc1 $8, $f29",
        "daddiu $8, $8, 1", "dmtc1 $8, $f30", "daddiu $8, $8, 1", "dmtc1 $8, $f31",
        "jalr $25",
        "nop",                   // delay slot: nothing to do
        "move $2, $0",
        "lui $8, 0x5a5a", "dsll32 $8, $8, 0", "ori $8, $8, 0xb0",
        "xor $9, $16, $8", "sltu $9, $0, $9", "or $2, $2, $9",
        "daddiu $8, $8, 1", "xor $9, $17, $8", "sltu $9, $0, $9", "dsll $9, $9, 1", "or $2, $2, $9",
        "daddiu $8, $8, 1", "xor $9, $18, $8", "sltu $9, $0, $9", "dsll $9, $9, 2", "or $2, $2, $9",
        "daddiu $8, $8, 1", "xor $9, $19, $8", "sltu $9, $0, $9", "dsll $9, $9, 3", "or $2, $2, $9",
        "daddiu $8, $8, 1", "xor $9, $20, $8", "sltu $9, $0, $9", "dsll $9, $9, 4", "or $2, $2, $9",
        "daddiu $8, $8, 1", "xor $9, $21, $8", "sltu $9, $0, $9", "dsll $9, $9, 5", "or $2, $2, $9",
        "daddiu $8, $8, 1", "xor $9, $22, $8", "sltu $9, $0, $9", "dsll $9, $9, 6", "or $2, $2, $9",
        "daddiu $8, $8, 1", "xor $9, $23, $8", "sltu $9, $0, $9", "dsll $9, $9, 7", "or $2, $2, $9",
        "daddiu $8, $8, 1", "xor $9, $30, $8", "sltu $9, $0, $9", "dsll $9, $9, 8", "or $2, $2, $9",
        "ld $9, 88($sp)", "xor $9, $9, $28", "sltu $9, $0, $9", "dsll $9, $9, 9", "or $2, $2, $9",
        "daddiu $8, $8, 2", "dmfc1 $10, $f24", "xor $9, $10, $8", "sltu $9, $0, $9", "dsll $9, $9, 10", "or $2, $2, $9",
        "daddiu $8, $8, 1", "dmfc1 $10, $f25", "xor $9, $10, $8", "sltu $9, $0, $9", "dsll $9, $9, 11", "or $2, $2, $9",
        "daddiu $8, $8, 1", "dmfc1 $10, $f26", "xor $9, $10, $8", "sltu $9, $0, $9", "dsll $9, $9, 12", "or $2, $2, $9",
        "daddiu $8, $8, 1", "dmfc1 $10, $f27", "xor $9, $10, $8", "sltu $9, $0, $9", "dsll $9, $9, 13", "or $2, $2, $9",
        "daddiu $8, $8, 1", "dmfc1 $10, $f28", "xor $9, $10, $8", "sltu $9, $0, $9", "dsll $9, $9, 14", "or $2, $2, $9",
        "daddiu $8, $8, 1", "dmfc1 $10, $f29", "xor $9, $10, $8", "sltu $9, $0, $9", "dsll $9, $9, 15", "or $2, $2, $9",
        "daddiu $8, $8, 1", "dmfc1 $10, $f30", "xor $9, $10, $8", "sltu $9, $0, $9", "dsll $9, $9, 16", "or $2, $2, $9",
        "daddiu $8, $8, 1", "dmfc1 $10, $f31", "xor $9, $10, $8", "sltu $9, $0, $9", "dsll $9, $9, 17", "or $2, $2, $9",
        "ld $9, 0($sp)", "xor $9, $9, $sp", "sltu $9, $0, $9", "dsll $9, $9, 18", "or $2, $2, $9",
        "ldc1 $f31, 152($sp)", "ldc1 $f30, 144($sp)", "ldc1 $f29, 136($sp)", "ldc1 $f28, 128($sp)",
        "ldc1 $f27, 120($sp)", "ldc1 $f26, 112($sp)", "ldc1 $f25, 104($sp)", "ldc1 $f24, 96($sp)",
        "ld $28, 88($sp)", "ld $30, 80($sp)",
        "ld $23, 72($sp)", "ld $22, 64($sp)", "ld $21, 56($sp)", "ld $20, 48($sp)",
        "ld $19, 40($sp)", "ld $18, 32($sp)", "ld $17, 24($sp)", "ld $16, 16($sp)",
        "ld $31, 8($sp)",
        "jr $31",
        "daddiu $sp, $sp, 160",  // delay slot: drop the frame on the way out
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
/// n64 PIC code computes $gp (`.cpsetup $25`); 127 otherwise.
#[unsafe(naked)]
unsafe extern "C" fn return_arg_if_called_through_t9(arg: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        ".set push",
        ".set noreorder",
        "lui $8, %highest({this})",
        "daddiu $8, $8, %higher({this})",
        "dsll $8, $8, 16",
        "daddiu $8, $8, %hi({this})",
        "dsll $8, $8, 16",
        "daddiu $8, $8, %lo({this})",
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

/// n64's PIC rule: a function is entered with its own address in t9.
pub(crate) const FN_CHECKING_THE_CALL_REGISTER: Option<CloneFn> = Some(return_arg_if_called_through_t9);
