//! aarch64's probes (feature `probes`): the conformance program's instruments, apart
//! from the product code (arch/README.md, "The contract of `probes.rs`").

use core::arch::{asm, naked_asm};
use core::ffi::c_void;

use super::{SME, SME_PRESENT, za_disable};

/// Records sp, x29 and x30 at entry, then jumps to the next function with the
/// registers untouched (see [`crate::probes::records::EntryRecord`]).
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn entry_probe(record: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        "mov x9, sp",
        "str x9, [x0, #{stack_pointer}]",
        "str x29, [x0, #{frame_pointer}]",
        "str x30, [x0, #{return_address}]",
        "ldr x9, [x0, #{next}]",
        "ldr x0, [x0, #{next_arg}]",
        "br x9",
        stack_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, stack_pointer),
        frame_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, frame_pointer),
        return_address = const core::mem::offset_of!(crate::probes::records::EntryRecord, return_address),
        next = const core::mem::offset_of!(crate::probes::records::EntryRecord, next),
        next_arg = const core::mem::offset_of!(crate::probes::records::EntryRecord, next_arg),
    )
}

/// Calls `f(arg)` with a known value in every callee-saved register (x19..x29,
/// d8..d15) and returns a bit per register that `f` left changed.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn callee_saved_changed(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void,
) -> usize {
    naked_asm!(
        "stp x29, x30, [sp, #-160]!",
        "stp x19, x20, [sp, #16]",
        "stp x21, x22, [sp, #32]",
        "stp x23, x24, [sp, #48]",
        "stp x25, x26, [sp, #64]",
        "stp x27, x28, [sp, #80]",
        "stp d8, d9, [sp, #96]",
        "stp d10, d11, [sp, #112]",
        "stp d12, d13, [sp, #128]",
        "stp d14, d15, [sp, #144]",
        "mov x9, x0",
        "mov x0, x1",
        // Register i holds 0x5a5a0000000000b0 + i.
        "movz x19, #0x5a5a, lsl #48", "add x19, x19, #0xb0",
        "add x20, x19, #1", "add x21, x19, #2", "add x22, x19, #3", "add x23, x19, #4",
        "add x24, x19, #5", "add x25, x19, #6", "add x26, x19, #7", "add x27, x19, #8",
        "add x28, x19, #9", "add x29, x19, #10",
        "add x10, x19, #11", "fmov d8, x10", "add x10, x19, #12", "fmov d9, x10",
        "add x10, x19, #13", "fmov d10, x10", "add x10, x19, #14", "fmov d11, x10",
        "add x10, x19, #15", "fmov d12, x10", "add x10, x19, #16", "fmov d13, x10",
        "add x10, x19, #17", "fmov d14, x10", "add x10, x19, #18", "fmov d15, x10",
        "blr x9",
        "mov x0, xzr",
        "movz x10, #0x5a5a, lsl #48", "add x10, x10, #0xb0",
        "cmp x19, x10", "cset x11, ne", "orr x0, x0, x11",
        "add x10, x10, #1", "cmp x20, x10", "cset x11, ne", "orr x0, x0, x11, lsl #1",
        "add x10, x10, #1", "cmp x21, x10", "cset x11, ne", "orr x0, x0, x11, lsl #2",
        "add x10, x10, #1", "cmp x22, x10", "cset x11, ne", "orr x0, x0, x11, lsl #3",
        "add x10, x10, #1", "cmp x23, x10", "cset x11, ne", "orr x0, x0, x11, lsl #4",
        "add x10, x10, #1", "cmp x24, x10", "cset x11, ne", "orr x0, x0, x11, lsl #5",
        "add x10, x10, #1", "cmp x25, x10", "cset x11, ne", "orr x0, x0, x11, lsl #6",
        "add x10, x10, #1", "cmp x26, x10", "cset x11, ne", "orr x0, x0, x11, lsl #7",
        "add x10, x10, #1", "cmp x27, x10", "cset x11, ne", "orr x0, x0, x11, lsl #8",
        "add x10, x10, #1", "cmp x28, x10", "cset x11, ne", "orr x0, x0, x11, lsl #9",
        "add x10, x10, #1", "cmp x29, x10", "cset x11, ne", "orr x0, x0, x11, lsl #10",
        "add x10, x10, #1", "fmov x12, d8", "cmp x12, x10", "cset x11, ne", "orr x0, x0, x11, lsl #11",
        "add x10, x10, #1", "fmov x12, d9", "cmp x12, x10", "cset x11, ne", "orr x0, x0, x11, lsl #12",
        "add x10, x10, #1", "fmov x12, d10", "cmp x12, x10", "cset x11, ne", "orr x0, x0, x11, lsl #13",
        "add x10, x10, #1", "fmov x12, d11", "cmp x12, x10", "cset x11, ne", "orr x0, x0, x11, lsl #14",
        "add x10, x10, #1", "fmov x12, d12", "cmp x12, x10", "cset x11, ne", "orr x0, x0, x11, lsl #15",
        "add x10, x10, #1", "fmov x12, d13", "cmp x12, x10", "cset x11, ne", "orr x0, x0, x11, lsl #16",
        "add x10, x10, #1", "fmov x12, d14", "cmp x12, x10", "cset x11, ne", "orr x0, x0, x11, lsl #17",
        "add x10, x10, #1", "fmov x12, d15", "cmp x12, x10", "cset x11, ne", "orr x0, x0, x11, lsl #18",
        "ldp d14, d15, [sp, #144]",
        "ldp d12, d13, [sp, #128]",
        "ldp d10, d11, [sp, #112]",
        "ldp d8, d9, [sp, #96]",
        "ldp x27, x28, [sp, #80]",
        "ldp x25, x26, [sp, #64]",
        "ldp x23, x24, [sp, #48]",
        "ldp x21, x22, [sp, #32]",
        "ldp x19, x20, [sp, #16]",
        "ldp x29, x30, [sp], #160",
        "ret",
    )
}

/// What holds here as on most architectures (`generic/probes.rs`).
#[path = "../generic/probes.rs"]
#[allow(dead_code)] // its own `LAZY_SAVED_MATRIX` stands instead
mod generic_probes;
pub(crate) use generic_probes::{FN_CHECKING_THE_CALL_REGISTER, return_arg_in_other_instruction_set};

/// SME's ZA array, which AAPCS64 saves lazily through the TPIDR2 block.
pub(crate) const LAZY_SAVED_MATRIX: Option<crate::probes::records::LazySavedMatrix> = Some(crate::probes::records::LazySavedMatrix {
    present: sme_present,
    slice_bytes: streaming_vector_length,
    around: lazy_save_around,
    state: za_state,
});

/// Whether this task may use SME: the clone entry's own answer (`za_disable` asks the
/// kernel once; with no lazy save pending it changes nothing else).
fn sme_present() -> bool {
    unsafe {
        asm!("bl {za_disable}", za_disable = sym za_disable,
            out("x14") _, out("x15") _, out("x16") _, out("x17") _, out("x30") _, options(nostack));
    }
    SME.load(core::sync::atomic::Ordering::Relaxed) == SME_PRESENT
}

/// SVL in bytes: ZA has SVL slices of SVL bytes. (In inline assembly, unlike in a
/// naked function, `.arch_extension` ends with the `asm!` block: measured.)
unsafe fn streaming_vector_length() -> usize {
    let length;
    unsafe { asm!(".arch_extension sme", "rdsvl {}, #1", out(reg) length, options(nostack, nomem, preserves_flags)) };
    length
}

/// ZA's state now: PSTATE.ZA (SVCR bit 1) and TPIDR2_EL0.
unsafe fn za_state() -> crate::probes::records::MatrixState {
    let (svcr, tpidr2): (usize, usize);
    unsafe {
        asm!(".arch_extension sme", "mrs {}, SVCR", "mrs {}, TPIDR2_EL0",
            out(reg) svcr, out(reg) tpidr2, options(nostack, nomem, preserves_flags));
    }
    crate::probes::records::MatrixState { on: svcr & 2 != 0, block: tpidr2 }
}

/// Turns ZA on, loads `record.slices` slices of `record.pattern` into it, points
/// TPIDR2_EL0 at a TPIDR2 block on this frame that asks for those slices to be saved
/// to `record.buffer` (ZA "dormant": a lazy save pending), calls `f(arg)`, records ZA's
/// state after it, and turns ZA off with TPIDR2_EL0 null.
#[unsafe(naked)]
unsafe extern "C" fn lazy_save_around(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void, record: *mut crate::probes::records::LazySaveRecord,
) {
    naked_asm!(
        "stp x29, x30, [sp, #-48]!",
        "mov x29, sp",
        "str x19, [sp, #16]",
        "mov x19, x2",
        "ldr x9, [x19, #{buffer}]",
        "ldr x10, [x19, #{slices}]",
        "str x9, [sp, #32]",     // za_save_buffer
        "str x10, [sp, #40]",    // num_za_save_slices, reserved bytes zero
        "smstart za",
        "ldr x11, [x19, #{pattern}]",
        "mov w12, wzr",
        "1:",
        ".inst 0xe1000160",      // ldr za[w12, 0], [x11]
        ".inst 0x042b582b",      // addsvl x11, x11, #1
        "add w12, w12, #1",
        "cmp x12, x10",
        "b.lo 1b",
        "add x11, sp, #32",
        "msr S3_3_C13_C0_5, x11", // TPIDR2_EL0
        "mov x9, x0",
        "mov x0, x1",
        "blr x9",
        "mrs x9, S3_3_C4_C2_2",  // SVCR
        "ubfx x9, x9, #1, #1",
        "str x9, [x19, #{on_after}]",
        "mrs x9, S3_3_C13_C0_5", // TPIDR2_EL0
        "str x9, [x19, #{block_after}]",
        "msr S3_3_C13_C0_5, xzr",
        "smstop za",
        "ldr x19, [sp, #16]",
        "ldp x29, x30, [sp], #48",
        "ret",
        pattern = const core::mem::offset_of!(crate::probes::records::LazySaveRecord, pattern),
        buffer = const core::mem::offset_of!(crate::probes::records::LazySaveRecord, buffer),
        slices = const core::mem::offset_of!(crate::probes::records::LazySaveRecord, slices),
        on_after = const core::mem::offset_of!(crate::probes::records::LazySaveRecord, on_after),
        block_after = const core::mem::offset_of!(crate::probes::records::LazySaveRecord, block_after),
    )
}
