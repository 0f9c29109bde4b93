//! x86_64's probes (feature `probes`): the conformance program's instruments, apart
//! from the product code (arch/README.md, "The contract of `probes.rs`").

use core::arch::naked_asm;
use core::ffi::c_void;

/// Records rsp, rbp and the return address at entry, then jumps to the next function
/// with the registers untouched (see [`crate::probes::records::EntryRecord`]).
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn entry_probe(record: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        "mov [rdi + {stack_pointer}], rsp",
        "mov [rdi + {frame_pointer}], rbp",
        "mov rax, [rsp]",
        "mov [rdi + {return_address}], rax",
        "mov rax, [rdi + {next}]",
        "mov rdi, [rdi + {next_arg}]",
        "jmp rax",
        stack_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, stack_pointer),
        frame_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, frame_pointer),
        return_address = const core::mem::offset_of!(crate::probes::records::EntryRecord, return_address),
        next = const core::mem::offset_of!(crate::probes::records::EntryRecord, next),
        next_arg = const core::mem::offset_of!(crate::probes::records::EntryRecord, next_arg),
    )
}

/// Calls `f(arg)` with a known value in every callee-saved register (rbx, rbp,
/// r12..r15) and returns a bit per register that `f` left changed.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn callee_saved_changed(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void,
) -> usize {
    naked_asm!(
        "push rbx", "push rbp", "push r12", "push r13", "push r14", "push r15",
        "sub rsp, 8",            // 6 pushes + return address: realign to 16 for the call
        "mov rax, rdi",
        "mov rdi, rsi",
        "movabs rbx, 0x5a5a0000000000b0",
        "movabs rbp, 0x5a5a0000000000b1",
        "movabs r12, 0x5a5a0000000000b2",
        "movabs r13, 0x5a5a0000000000b3",
        "movabs r14, 0x5a5a0000000000b4",
        "movabs r15, 0x5a5a0000000000b5",
        "call rax",
        "xor eax, eax",
        "movabs rcx, 0x5a5a0000000000b0", "cmp rbx, rcx", "setne dl", "or al, dl",
        "movabs rcx, 0x5a5a0000000000b1", "cmp rbp, rcx", "setne dl", "shl dl, 1", "or al, dl",
        "movabs rcx, 0x5a5a0000000000b2", "cmp r12, rcx", "setne dl", "shl dl, 2", "or al, dl",
        "movabs rcx, 0x5a5a0000000000b3", "cmp r13, rcx", "setne dl", "shl dl, 3", "or al, dl",
        "movabs rcx, 0x5a5a0000000000b4", "cmp r14, rcx", "setne dl", "shl dl, 4", "or al, dl",
        "movabs rcx, 0x5a5a0000000000b5", "cmp r15, rcx", "setne dl", "shl dl, 5", "or al, dl",
        "add rsp, 8",
        "pop r15", "pop r14", "pop r13", "pop r12", "pop rbp", "pop rbx",
        "ret",
    )
}

/// What holds here as on most architectures (`generic/probes.rs`).
#[path = "../generic/probes.rs"]
mod generic_probes;
pub(crate) use generic_probes::{FN_CHECKING_THE_CALL_REGISTER, LAZY_SAVED_MATRIX, return_arg_in_other_instruction_set};
