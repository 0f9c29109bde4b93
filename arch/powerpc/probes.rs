//! powerpc's probes (feature `probes`): the conformance program's instruments, apart
//! from the product code (arch/README.md, "The contract of `probes.rs`").

use core::arch::naked_asm;
use core::ffi::c_void;

/// Records r1, the back chain word at 0(r1) and lr at entry, then jumps to the next
/// function with the registers untouched (see [`crate::probes::records::EntryRecord`]).
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn entry_probe(record: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        "stw %r1, {stack_pointer}(%r3)",
        "lwz %r0, 0(%r1)",
        "stw %r0, {frame_pointer}(%r3)",
        "mflr %r0",
        "stw %r0, {return_address}(%r3)",
        "lwz %r12, {next}(%r3)",
        "lwz %r3, {next_arg}(%r3)",
        "mtctr %r12",
        "bctr",
        stack_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, stack_pointer),
        frame_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, frame_pointer),
        return_address = const core::mem::offset_of!(crate::probes::records::EntryRecord, return_address),
        next = const core::mem::offset_of!(crate::probes::records::EntryRecord, next),
        next_arg = const core::mem::offset_of!(crate::probes::records::EntryRecord, next_arg),
    )
}

/// Calls `f(arg)` with a known value in every callee-saved register (r14..r31,
/// f14..f31, CR fields 2..4) and returns a bit per register that `f` left changed:
/// bits 0..17 r14..r31, 18..26 a pair of f14..f31 each (f14/f15 first), 27..29
/// cr2..cr4, 30 r1 not restored.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn callee_saved_changed(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void,
) -> usize {
    naked_asm!(
        // Frame: 0 back chain, 8..79 the caller's r14..r31, 80..223 its f14..f31,
        // 224..295 and 296..439 their values after f, 440 CR, 444 r1.
        "mflr %r0",
        "stw %r0, 4(%r1)",       // lr goes to its word in the caller's frame
        "stwu %r1, -448(%r1)",
        "mfcr %r0",
        "stw %r0, 440(%r1)",
        "stmw %r14, 8(%r1)",
        "stfd %f14, 80(%r1)", "stfd %f15, 88(%r1)", "stfd %f16, 96(%r1)", "stfd %f17, 104(%r1)",
        "stfd %f18, 112(%r1)", "stfd %f19, 120(%r1)", "stfd %f20, 128(%r1)", "stfd %f21, 136(%r1)",
        "stfd %f22, 144(%r1)", "stfd %f23, 152(%r1)", "stfd %f24, 160(%r1)", "stfd %f25, 168(%r1)",
        "stfd %f26, 176(%r1)", "stfd %f27, 184(%r1)", "stfd %f28, 192(%r1)", "stfd %f29, 200(%r1)",
        "stfd %f30, 208(%r1)", "stfd %f31, 216(%r1)",
        "stw %r1, 444(%r1)",     // read back through r1: a moved r1 misses it
        "mr %r12, %r3",
        "mr %r3, %r4",
        // r14 + i holds 0x5a5a00b0 + i; f14 + k holds 0xa5a500b0 + k in its high word
        // and 0x5a5a00c2 + k in its low word, put there through memory.
        "lis %r14, 0x5a5a", "ori %r14, %r14, 0xb0",
        "addi %r15, %r14, 1", "addi %r16, %r14, 2", "addi %r17, %r14, 3", "addi %r18, %r14, 4",
        "addi %r19, %r14, 5", "addi %r20, %r14, 6", "addi %r21, %r14, 7", "addi %r22, %r14, 8",
        "addi %r23, %r14, 9", "addi %r24, %r14, 10", "addi %r25, %r14, 11", "addi %r26, %r14, 12",
        "addi %r27, %r14, 13", "addi %r28, %r14, 14", "addi %r29, %r14, 15", "addi %r30, %r14, 16",
        "addi %r31, %r14, 17",
        "lis %r5, 0xa5a5", "ori %r5, %r5, 0xb0",
        "addi %r8, %r14, 18",
        "addi %r7, %r1, 292",
        "li %r0, 18",
        "mtctr %r0",
        "3:",
        "stwu %r5, 4(%r7)",
        "stwu %r8, 4(%r7)",
        "addi %r5, %r5, 1",
        "addi %r8, %r8, 1",
        "bdnz 3b",
        "lfd %f14, 296(%r1)", "lfd %f15, 304(%r1)", "lfd %f16, 312(%r1)", "lfd %f17, 320(%r1)",
        "lfd %f18, 328(%r1)", "lfd %f19, 336(%r1)", "lfd %f20, 344(%r1)", "lfd %f21, 352(%r1)",
        "lfd %f22, 360(%r1)", "lfd %f23, 368(%r1)", "lfd %f24, 376(%r1)", "lfd %f25, 384(%r1)",
        "lfd %f26, 392(%r1)", "lfd %f27, 400(%r1)", "lfd %f28, 408(%r1)", "lfd %f29, 416(%r1)",
        "lfd %f30, 424(%r1)", "lfd %f31, 432(%r1)",
        "lis %r0, 0xa5",         // cr2 = 0xa, cr3 = 0x5, cr4 = 0x9
        "ori %r0, %r0, 0x9000",
        "mtcrf 0x38, %r0",
        "mtctr %r12",
        "bctrl",
        "stmw %r14, 224(%r1)",
        "stfd %f14, 296(%r1)", "stfd %f15, 304(%r1)", "stfd %f16, 312(%r1)", "stfd %f17, 320(%r1)",
        "stfd %f18, 328(%r1)", "stfd %f19, 336(%r1)", "stfd %f20, 344(%r1)", "stfd %f21, 352(%r1)",
        "stfd %f22, 360(%r1)", "stfd %f23, 368(%r1)", "stfd %f24, 376(%r1)", "stfd %f25, 384(%r1)",
        "stfd %f26, 392(%r1)", "stfd %f27, 400(%r1)", "stfd %f28, 408(%r1)", "stfd %f29, 416(%r1)",
        "stfd %f30, 424(%r1)", "stfd %f31, 432(%r1)",
        "mfcr %r9",
        // The 18 GPR words: bit i for word i.
        "li %r3, 0",
        "lis %r4, 0x5a5a", "ori %r4, %r4, 0xb0",
        "li %r6, 1",
        "addi %r7, %r1, 220",
        "li %r0, 18",
        "mtctr %r0",
        "3:",
        "lwzu %r5, 4(%r7)",
        "cmpw %r5, %r4",
        "beq 4f",
        "or %r3, %r3, %r6",
        "4:",
        "addi %r4, %r4, 1",
        "slwi %r6, %r6, 1",
        "bdnz 3b",
        // The FP registers, two (four words) per bit: r8 the high words' pattern, r4
        // the low words'.
        "lis %r8, 0xa5a5", "ori %r8, %r8, 0xb0",
        "li %r0, 9",
        "mtctr %r0",
        "3:",
        "li %r10, 0",
        "lwzu %r5, 4(%r7)", "xor %r5, %r5, %r8", "or %r10, %r10, %r5",
        "lwzu %r5, 4(%r7)", "xor %r5, %r5, %r4", "or %r10, %r10, %r5",
        "addi %r8, %r8, 1", "addi %r4, %r4, 1",
        "lwzu %r5, 4(%r7)", "xor %r5, %r5, %r8", "or %r10, %r10, %r5",
        "lwzu %r5, 4(%r7)", "xor %r5, %r5, %r4", "or %r10, %r10, %r5",
        "addi %r8, %r8, 1", "addi %r4, %r4, 1",
        "cmpwi %r10, 0",
        "beq 4f",
        "or %r3, %r3, %r6",
        "4:",
        "slwi %r6, %r6, 1",
        "bdnz 3b",
        // CR fields 2, 3 and 4: bits 20..23, 16..19 and 12..15 of the CR image.
        "rlwinm %r5, %r9, 12, 28, 31", "cmpwi %r5, 0xa", "beq 4f", "or %r3, %r3, %r6", "4:",
        "slwi %r6, %r6, 1",
        "rlwinm %r5, %r9, 16, 28, 31", "cmpwi %r5, 0x5", "beq 4f", "or %r3, %r3, %r6", "4:",
        "slwi %r6, %r6, 1",
        "rlwinm %r5, %r9, 20, 28, 31", "cmpwi %r5, 0x9", "beq 4f", "or %r3, %r3, %r6", "4:",
        "slwi %r6, %r6, 1",
        "lwz %r5, 444(%r1)", "cmpw %r5, %r1", "beq 4f", "or %r3, %r3, %r6", "4:",
        "lmw %r14, 8(%r1)",
        "lfd %f14, 80(%r1)", "lfd %f15, 88(%r1)", "lfd %f16, 96(%r1)", "lfd %f17, 104(%r1)",
        "lfd %f18, 112(%r1)", "lfd %f19, 120(%r1)", "lfd %f20, 128(%r1)", "lfd %f21, 136(%r1)",
        "lfd %f22, 144(%r1)", "lfd %f23, 152(%r1)", "lfd %f24, 160(%r1)", "lfd %f25, 168(%r1)",
        "lfd %f26, 176(%r1)", "lfd %f27, 184(%r1)", "lfd %f28, 192(%r1)", "lfd %f29, 200(%r1)",
        "lfd %f30, 208(%r1)", "lfd %f31, 216(%r1)",
        "lwz %r0, 440(%r1)",
        "mtcrf 0x38, %r0",
        "addi %r1, %r1, 448",
        "lwz %r0, 4(%r1)",
        "mtlr %r0",
        "blr",
    )
}

/// What holds here as on most architectures (`generic/probes.rs`); no register that a
/// callee's own address must arrive in: SysV powerpc's PIC code finds its GOT from its
/// own `bcl`.
#[path = "../generic/probes.rs"]
mod generic_probes;
pub(crate) use generic_probes::{FN_CHECKING_THE_CALL_REGISTER, LAZY_SAVED_MATRIX, return_arg_in_other_instruction_set};
