//! s390x's probes (feature `probes`): the conformance program's instruments, apart
//! from the product code (arch/README.md, "The contract of `probes.rs`").

use core::arch::naked_asm;
use core::ffi::c_void;

/// Records r15, the back chain word at 0(r15) and r14 at entry, then jumps to the next
/// function with the registers untouched (see [`crate::probes::records::EntryRecord`]).
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn entry_probe(record: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        "stg %r15, {stack_pointer}(%r2)",
        "lg %r0, 0(%r15)",
        "stg %r0, {frame_pointer}(%r2)",
        "stg %r14, {return_address}(%r2)",
        "lg %r1, {next}(%r2)",
        "lg %r2, {next_arg}(%r2)",
        "br %r1",
        stack_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, stack_pointer),
        frame_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, frame_pointer),
        return_address = const core::mem::offset_of!(crate::probes::records::EntryRecord, return_address),
        next = const core::mem::offset_of!(crate::probes::records::EntryRecord, next),
        next_arg = const core::mem::offset_of!(crate::probes::records::EntryRecord, next_arg),
    )
}

/// Calls `f(arg)` with a known value in every callee-saved register (r6..r13, f8..f15)
/// and returns a bit per register that `f` left changed, bit 16 for r15 not restored.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn callee_saved_changed(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void,
) -> usize {
    naked_asm!(
        "stmg %r6, %r15, 48(%r15)", // the caller's save area holds r6..r15
        "lgr %r1, %r15",
        "aghi %r15, -232",       // save area, f8..f15 at 160, our r15 at 224
        "stg %r1, 0(%r15)",      // back chain
        "std %f8, 160(%r15)", "std %f9, 168(%r15)", "std %f10, 176(%r15)", "std %f11, 184(%r15)",
        "std %f12, 192(%r15)", "std %f13, 200(%r15)", "std %f14, 208(%r15)", "std %f15, 216(%r15)",
        "stg %r15, 224(%r15)",
        "lgr %r1, %r2",
        "lgr %r2, %r3",
        // Register i holds 0x5a5a0000000000b0 + i.
        "llihh %r6, 0x5a5a", "aghi %r6, 0xb0",
        "lgr %r7, %r6", "aghi %r7, 1", "lgr %r8, %r6", "aghi %r8, 2",
        "lgr %r9, %r6", "aghi %r9, 3", "lgr %r10, %r6", "aghi %r10, 4",
        "lgr %r11, %r6", "aghi %r11, 5", "lgr %r12, %r6", "aghi %r12, 6",
        "lgr %r13, %r6", "aghi %r13, 7",
        "lgr %r0, %r6", "aghi %r0, 8", "ldgr %f8, %r0",
        "aghi %r0, 1", "ldgr %f9, %r0", "aghi %r0, 1", "ldgr %f10, %r0",
        "aghi %r0, 1", "ldgr %f11, %r0", "aghi %r0, 1", "ldgr %f12, %r0",
        "aghi %r0, 1", "ldgr %f13, %r0", "aghi %r0, 1", "ldgr %f14, %r0",
        "aghi %r0, 1", "ldgr %f15, %r0",
        "basr %r14, %r1",
        "lghi %r2, 0",
        "llihh %r0, 0x5a5a", "aghi %r0, 0xb0",
        "cgr %r6, %r0", "je 3f", "oill %r2, 0x1", "3:",
        "aghi %r0, 1", "cgr %r7, %r0", "je 3f", "oill %r2, 0x2", "3:",
        "aghi %r0, 1", "cgr %r8, %r0", "je 3f", "oill %r2, 0x4", "3:",
        "aghi %r0, 1", "cgr %r9, %r0", "je 3f", "oill %r2, 0x8", "3:",
        "aghi %r0, 1", "cgr %r10, %r0", "je 3f", "oill %r2, 0x10", "3:",
        "aghi %r0, 1", "cgr %r11, %r0", "je 3f", "oill %r2, 0x20", "3:",
        "aghi %r0, 1", "cgr %r12, %r0", "je 3f", "oill %r2, 0x40", "3:",
        "aghi %r0, 1", "cgr %r13, %r0", "je 3f", "oill %r2, 0x80", "3:",
        "aghi %r0, 1", "lgdr %r1, %f8", "cgr %r1, %r0", "je 3f", "oill %r2, 0x100", "3:",
        "aghi %r0, 1", "lgdr %r1, %f9", "cgr %r1, %r0", "je 3f", "oill %r2, 0x200", "3:",
        "aghi %r0, 1", "lgdr %r1, %f10", "cgr %r1, %r0", "je 3f", "oill %r2, 0x400", "3:",
        "aghi %r0, 1", "lgdr %r1, %f11", "cgr %r1, %r0", "je 3f", "oill %r2, 0x800", "3:",
        "aghi %r0, 1", "lgdr %r1, %f12", "cgr %r1, %r0", "je 3f", "oill %r2, 0x1000", "3:",
        "aghi %r0, 1", "lgdr %r1, %f13", "cgr %r1, %r0", "je 3f", "oill %r2, 0x2000", "3:",
        "aghi %r0, 1", "lgdr %r1, %f14", "cgr %r1, %r0", "je 3f", "oill %r2, 0x4000", "3:",
        "aghi %r0, 1", "lgdr %r1, %f15", "cgr %r1, %r0", "je 3f", "oill %r2, 0x8000", "3:",
        "cg %r15, 224(%r15)", "je 3f", "oilh %r2, 0x1", "3:",
        "ld %f8, 160(%r15)", "ld %f9, 168(%r15)", "ld %f10, 176(%r15)", "ld %f11, 184(%r15)",
        "ld %f12, 192(%r15)", "ld %f13, 200(%r15)", "ld %f14, 208(%r15)", "ld %f15, 216(%r15)",
        "lmg %r6, %r15, 280(%r15)", // 232 + 48: the caller's save area
        "br %r14",
    )
}

/// What holds here as on most architectures (`generic/probes.rs`).
#[path = "../generic/probes.rs"]
mod generic_probes;
pub(crate) use generic_probes::{FN_CHECKING_THE_CALL_REGISTER, LAZY_SAVED_MATRIX, return_arg_in_other_instruction_set};
