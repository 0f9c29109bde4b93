//! powerpc64's probes (feature `probes`): the conformance program's instruments, apart
//! from the product code (arch/README.md, "The contract of `probes.rs`").

use core::arch::naked_asm;
use core::ffi::c_void;

use crate::types::CloneFn;

/// A function in assembly that is used through a pointer, named `$name` as the ABI
/// names functions. rustc gives naked functions a code symbol even on ELFv1, whose
/// function pointers must be descriptors, so these are defined here.
/// ELFv2: the symbol is the code.
#[cfg(target_abi = "elfv2")]
macro_rules! asm_function {
    ($name:literal, [$($line:expr),* $(,)?] $($operands:tt)*) => {
        core::arch::global_asm!(
            concat!(".pushsection .text.", $name, ", \"ax\", @progbits"),
            ".p2align 2",
            concat!(".globl ", $name),
            concat!(".hidden ", $name),
            concat!(".type ", $name, ", @function"),
            concat!($name, ":"),
            $($line,)*
            ".popsection"
            $($operands)*
        );
    };
}
/// ELFv1: the symbol is a descriptor in .opd: the code's address, the TOC, and 0.
#[cfg(not(target_abi = "elfv2"))]
macro_rules! asm_function {
    ($name:literal, [$($line:expr),* $(,)?] $($operands:tt)*) => {
        core::arch::global_asm!(
            ".pushsection .opd, \"aw\", @progbits",
            ".p2align 3",
            concat!(".globl ", $name),
            concat!(".hidden ", $name),
            concat!(".type ", $name, ", @function"),
            concat!($name, ":"),
            concat!(".quad .L.", $name, ", .TOC.@tocbase, 0"),
            concat!(".size ", $name, ", 24"),
            ".popsection",
            concat!(".pushsection .text.", $name, ", \"ax\", @progbits"),
            ".p2align 2",
            concat!(".L.", $name, ":"),
            $($line,)*
            ".popsection"
            $($operands)*
        );
    };
}

// Records r1, the back chain word at 0(r1) and lr at entry, then jumps to the next
// function with the registers untouched (see `crate::probes::records::EntryRecord`).
asm_function!(
    "__freeclone_fn_entry_probe",
    [
        "std %r1, {stack_pointer}(%r3)",
        "ld %r0, 0(%r1)",
        "std %r0, {frame_pointer}(%r3)",
        "mflr %r0",
        "std %r0, {return_address}(%r3)",
        "ld %r12, {next}(%r3)",
        "ld %r3, {next_arg}(%r3)",
        call_fn_in_r12!("bctr"), // lr untouched: next returns where fn would have
    ],
    stack_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, stack_pointer),
    frame_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, frame_pointer),
    return_address = const core::mem::offset_of!(crate::probes::records::EntryRecord, return_address),
    next = const core::mem::offset_of!(crate::probes::records::EntryRecord, next),
    next_arg = const core::mem::offset_of!(crate::probes::records::EntryRecord, next_arg),
);

unsafe extern "C" {
    /// Records sp, the back chain and lr at entry, then jumps to the record's `next`.
    #[link_name = "__freeclone_fn_entry_probe"]
    pub(crate) fn entry_probe(record: *mut c_void) -> core::ffi::c_int;
}

/// Where a caller keeps its own r2 across a call through a pointer (the TOC save word).
#[cfg(target_abi = "elfv2")]
const TOC_SAVE: usize = 24;
#[cfg(not(target_abi = "elfv2"))]
const TOC_SAVE: usize = 40;

/// The frame of `callee_saved_changed`: the ABI's header (ELFv1's 112 bytes cover
/// ELFv2's 32), the caller's r14..r31 at 112 and f14..f31 at 256, their values after
/// `f` at 400 and 544, r1 at 688.
const PROBE_FRAME: usize = 704;

/// Calls `f(arg)` with a known value in every callee-saved register (r14..r31,
/// f14..f31, CR fields 2..4) and returns a bit per register that `f` left changed:
/// bits 0..17 r14..r31, 18..35 f14..f31, 36..38 cr2..cr4, 39 r1 not restored.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn callee_saved_changed(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void,
) -> usize {
    naked_asm!(
        "mflr %r0",
        "std %r0, 16(%r1)",      // lr and CR go to their words in the caller's frame
        "mfcr %r0",
        "stw %r0, 8(%r1)",
        "stdu %r1, -{frame}(%r1)",
        "std %r14, 112(%r1)", "std %r15, 120(%r1)", "std %r16, 128(%r1)", "std %r17, 136(%r1)",
        "std %r18, 144(%r1)", "std %r19, 152(%r1)", "std %r20, 160(%r1)", "std %r21, 168(%r1)",
        "std %r22, 176(%r1)", "std %r23, 184(%r1)", "std %r24, 192(%r1)", "std %r25, 200(%r1)",
        "std %r26, 208(%r1)", "std %r27, 216(%r1)", "std %r28, 224(%r1)", "std %r29, 232(%r1)",
        "std %r30, 240(%r1)", "std %r31, 248(%r1)",
        "stfd %f14, 256(%r1)", "stfd %f15, 264(%r1)", "stfd %f16, 272(%r1)", "stfd %f17, 280(%r1)",
        "stfd %f18, 288(%r1)", "stfd %f19, 296(%r1)", "stfd %f20, 304(%r1)", "stfd %f21, 312(%r1)",
        "stfd %f22, 320(%r1)", "stfd %f23, 328(%r1)", "stfd %f24, 336(%r1)", "stfd %f25, 344(%r1)",
        "stfd %f26, 352(%r1)", "stfd %f27, 360(%r1)", "stfd %f28, 368(%r1)", "stfd %f29, 376(%r1)",
        "stfd %f30, 384(%r1)", "stfd %f31, 392(%r1)",
        "std %r1, 688(%r1)",     // read back through r1: a moved r1 misses it
        "std %r2, {toc}(%r1)",   // f may run with another TOC
        "mr %r10, %r3",          // f, out of the way of the patterns below
        "mr %r3, %r4",
        // Register i (r14 + i, then f14 + i - 18) holds 0x5a5a00b0a5a500b0 + i; the FP
        // registers get theirs through memory (no GPR-to-FPR move before POWER8).
        "lis %r14, 0x5a5a", "ori %r14, %r14, 0xb0", "sldi %r14, %r14, 32",
        "oris %r14, %r14, 0xa5a5", "ori %r14, %r14, 0xb0",
        "addi %r15, %r14, 1", "addi %r16, %r14, 2", "addi %r17, %r14, 3", "addi %r18, %r14, 4",
        "addi %r19, %r14, 5", "addi %r20, %r14, 6", "addi %r21, %r14, 7", "addi %r22, %r14, 8",
        "addi %r23, %r14, 9", "addi %r24, %r14, 10", "addi %r25, %r14, 11", "addi %r26, %r14, 12",
        "addi %r27, %r14, 13", "addi %r28, %r14, 14", "addi %r29, %r14, 15", "addi %r30, %r14, 16",
        "addi %r31, %r14, 17",
        "addi %r5, %r14, 18", "std %r5, 544(%r1)", "addi %r5, %r5, 1", "std %r5, 552(%r1)",
        "addi %r5, %r5, 1", "std %r5, 560(%r1)", "addi %r5, %r5, 1", "std %r5, 568(%r1)",
        "addi %r5, %r5, 1", "std %r5, 576(%r1)", "addi %r5, %r5, 1", "std %r5, 584(%r1)",
        "addi %r5, %r5, 1", "std %r5, 592(%r1)", "addi %r5, %r5, 1", "std %r5, 600(%r1)",
        "addi %r5, %r5, 1", "std %r5, 608(%r1)", "addi %r5, %r5, 1", "std %r5, 616(%r1)",
        "addi %r5, %r5, 1", "std %r5, 624(%r1)", "addi %r5, %r5, 1", "std %r5, 632(%r1)",
        "addi %r5, %r5, 1", "std %r5, 640(%r1)", "addi %r5, %r5, 1", "std %r5, 648(%r1)",
        "addi %r5, %r5, 1", "std %r5, 656(%r1)", "addi %r5, %r5, 1", "std %r5, 664(%r1)",
        "addi %r5, %r5, 1", "std %r5, 672(%r1)", "addi %r5, %r5, 1", "std %r5, 680(%r1)",
        "lfd %f14, 544(%r1)", "lfd %f15, 552(%r1)", "lfd %f16, 560(%r1)", "lfd %f17, 568(%r1)",
        "lfd %f18, 576(%r1)", "lfd %f19, 584(%r1)", "lfd %f20, 592(%r1)", "lfd %f21, 600(%r1)",
        "lfd %f22, 608(%r1)", "lfd %f23, 616(%r1)", "lfd %f24, 624(%r1)", "lfd %f25, 632(%r1)",
        "lfd %f26, 640(%r1)", "lfd %f27, 648(%r1)", "lfd %f28, 656(%r1)", "lfd %f29, 664(%r1)",
        "lfd %f30, 672(%r1)", "lfd %f31, 680(%r1)",
        "lis %r0, 0xa5",         // cr2 = 0xa, cr3 = 0x5, cr4 = 0x9
        "ori %r0, %r0, 0x9000",
        "mtcrf 0x38, %r0",
        "mr %r12, %r10",
        call_fn_in_r12!("bctrl"),
        "ld %r2, {toc}(%r1)",
        "std %r14, 400(%r1)", "std %r15, 408(%r1)", "std %r16, 416(%r1)", "std %r17, 424(%r1)",
        "std %r18, 432(%r1)", "std %r19, 440(%r1)", "std %r20, 448(%r1)", "std %r21, 456(%r1)",
        "std %r22, 464(%r1)", "std %r23, 472(%r1)", "std %r24, 480(%r1)", "std %r25, 488(%r1)",
        "std %r26, 496(%r1)", "std %r27, 504(%r1)", "std %r28, 512(%r1)", "std %r29, 520(%r1)",
        "std %r30, 528(%r1)", "std %r31, 536(%r1)",
        "stfd %f14, 544(%r1)", "stfd %f15, 552(%r1)", "stfd %f16, 560(%r1)", "stfd %f17, 568(%r1)",
        "stfd %f18, 576(%r1)", "stfd %f19, 584(%r1)", "stfd %f20, 592(%r1)", "stfd %f21, 600(%r1)",
        "stfd %f22, 608(%r1)", "stfd %f23, 616(%r1)", "stfd %f24, 624(%r1)", "stfd %f25, 632(%r1)",
        "stfd %f26, 640(%r1)", "stfd %f27, 648(%r1)", "stfd %f28, 656(%r1)", "stfd %f29, 664(%r1)",
        "stfd %f30, 672(%r1)", "stfd %f31, 680(%r1)",
        "mfcr %r9",
        // The 36 words after f against the pattern: bit i for word i.
        "li %r3, 0",
        "lis %r4, 0x5a5a", "ori %r4, %r4, 0xb0", "sldi %r4, %r4, 32",
        "oris %r4, %r4, 0xa5a5", "ori %r4, %r4, 0xb0",
        "li %r6, 1",
        "addi %r7, %r1, 392",
        "li %r0, 36",
        "mtctr %r0",
        "3:",
        "ldu %r5, 8(%r7)",
        "cmpd %r5, %r4",
        "beq 4f",
        "or %r3, %r3, %r6",
        "4:",
        "addi %r4, %r4, 1",
        "sldi %r6, %r6, 1",
        "bdnz 3b",
        // CR fields 2, 3 and 4: bits 20..23, 16..19 and 12..15 of the CR image.
        "rlwinm %r5, %r9, 12, 28, 31", "cmpwi %r5, 0xa", "beq 4f", "or %r3, %r3, %r6", "4:",
        "sldi %r6, %r6, 1",
        "rlwinm %r5, %r9, 16, 28, 31", "cmpwi %r5, 0x5", "beq 4f", "or %r3, %r3, %r6", "4:",
        "sldi %r6, %r6, 1",
        "rlwinm %r5, %r9, 20, 28, 31", "cmpwi %r5, 0x9", "beq 4f", "or %r3, %r3, %r6", "4:",
        "sldi %r6, %r6, 1",
        "ld %r5, 688(%r1)", "cmpd %r5, %r1", "beq 4f", "or %r3, %r3, %r6", "4:",
        "ld %r14, 112(%r1)", "ld %r15, 120(%r1)", "ld %r16, 128(%r1)", "ld %r17, 136(%r1)",
        "ld %r18, 144(%r1)", "ld %r19, 152(%r1)", "ld %r20, 160(%r1)", "ld %r21, 168(%r1)",
        "ld %r22, 176(%r1)", "ld %r23, 184(%r1)", "ld %r24, 192(%r1)", "ld %r25, 200(%r1)",
        "ld %r26, 208(%r1)", "ld %r27, 216(%r1)", "ld %r28, 224(%r1)", "ld %r29, 232(%r1)",
        "ld %r30, 240(%r1)", "ld %r31, 248(%r1)",
        "lfd %f14, 256(%r1)", "lfd %f15, 264(%r1)", "lfd %f16, 272(%r1)", "lfd %f17, 280(%r1)",
        "lfd %f18, 288(%r1)", "lfd %f19, 296(%r1)", "lfd %f20, 304(%r1)", "lfd %f21, 312(%r1)",
        "lfd %f22, 320(%r1)", "lfd %f23, 328(%r1)", "lfd %f24, 336(%r1)", "lfd %f25, 344(%r1)",
        "lfd %f26, 352(%r1)", "lfd %f27, 360(%r1)", "lfd %f28, 368(%r1)", "lfd %f29, 376(%r1)",
        "lfd %f30, 384(%r1)", "lfd %f31, 392(%r1)",
        "addi %r1, %r1, {frame}",
        "ld %r0, 16(%r1)",
        "mtlr %r0",
        "lwz %r0, 8(%r1)",
        "mtcrf 0x38, %r0",
        "blr",
        frame = const PROBE_FRAME,
        toc = const TOC_SAVE,
    )
}

/// What holds here as on most architectures (`generic/probes.rs`).
#[path = "../generic/probes.rs"]
#[allow(dead_code)] // its own `FN_CHECKING_THE_CALL_REGISTER` stands instead
mod generic_probes;
pub(crate) use generic_probes::{LAZY_SAVED_MATRIX, return_arg_in_other_instruction_set};

// ELFv2's rule: a function is entered through its global entry point with its own
// address in r12, from which it computes its TOC. This one returns `arg` (already in
// r3) only if r12 held its address, 127 otherwise.
#[cfg(target_abi = "elfv2")]
asm_function!(
    "__freeclone_return_arg_if_r12_is_its_address",
    [
        "mflr %r0",
        "bcl 20, 31, 1f",    // its own address, from the address of the next instruction
        "1:",
        "mflr %r11",
        "mtlr %r0",
        "addi %r11, %r11, __freeclone_return_arg_if_r12_is_its_address - 1b",
        "cmpd %r11, %r12",
        "beqlr",
        "li %r3, 127",
        "blr",
    ]
);

// ELFv1's rule: the caller loads r2 from the descriptor. This one's descriptor holds a
// TOC no other function has, 0x70c0ffee; it returns `arg` (already in r3) only if r2
// holds that, 127 otherwise. It touches nothing through r2, and the clone entries call
// no code after it. binutils' ld does not follow a descriptor without a TOC relocation
// to its code when it collects unused sections: the code's section is retained ("R").
#[cfg(not(target_abi = "elfv2"))]
core::arch::global_asm!(
    ".pushsection .opd, \"aw\", @progbits",
    ".p2align 3",
    ".globl __freeclone_return_arg_if_r2_is_its_toc",
    ".hidden __freeclone_return_arg_if_r2_is_its_toc",
    ".type __freeclone_return_arg_if_r2_is_its_toc, @function",
    "__freeclone_return_arg_if_r2_is_its_toc:",
    ".quad .L.__freeclone_return_arg_if_r2_is_its_toc, 0x70c0ffee, 0",
    ".size __freeclone_return_arg_if_r2_is_its_toc, 24",
    ".popsection",
    ".pushsection .text.__freeclone_return_arg_if_r2_is_its_toc, \"axR\", @progbits",
    ".p2align 2",
    ".L.__freeclone_return_arg_if_r2_is_its_toc:",
    "lis %r11, 0x70c0",
    "ori %r11, %r11, 0xffee",
    "cmpd %r11, %r2",
    "beqlr",
    "li %r3, 127",
    "blr",
    ".popsection",
);

#[cfg(target_abi = "elfv2")]
unsafe extern "C" {
    #[link_name = "__freeclone_return_arg_if_r12_is_its_address"]
    fn return_arg_if_entered_as_the_abi_says(arg: *mut c_void) -> core::ffi::c_int;
}
#[cfg(not(target_abi = "elfv2"))]
unsafe extern "C" {
    #[link_name = "__freeclone_return_arg_if_r2_is_its_toc"]
    fn return_arg_if_entered_as_the_abi_says(arg: *mut c_void) -> core::ffi::c_int;
}

/// The register a function's own TOC comes from at entry: r12 (ELFv2's global entry
/// point) or r2 loaded from the descriptor (ELFv1).
pub(crate) const FN_CHECKING_THE_CALL_REGISTER: Option<CloneFn> = Some(return_arg_if_entered_as_the_abi_says);
