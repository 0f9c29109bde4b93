//! i386's probes (feature `probes`): the conformance program's instruments, apart
//! from the product code (arch/README.md, "The contract of `probes.rs`").

use core::arch::naked_asm;
use core::ffi::c_void;

/// Records esp, ebp and the return address at entry, then jumps to the next function
/// with the registers and stack untouched (see [`crate::probes::records::EntryRecord`]).
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn entry_probe(record: *mut c_void) -> core::ffi::c_int {
    naked_asm!(
        "mov eax, [esp + 4]",
        "mov [eax + {stack_pointer}], esp",
        "mov [eax + {frame_pointer}], ebp",
        "mov ecx, [esp]",
        "mov [eax + {return_address}], ecx",
        "mov ecx, [eax + {next_arg}]",
        "mov [esp + 4], ecx",    // cdecl: the argument slot is the callee's to reuse
        "jmp dword ptr [eax + {next}]",
        stack_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, stack_pointer),
        frame_pointer = const core::mem::offset_of!(crate::probes::records::EntryRecord, frame_pointer),
        return_address = const core::mem::offset_of!(crate::probes::records::EntryRecord, return_address),
        next = const core::mem::offset_of!(crate::probes::records::EntryRecord, next),
        next_arg = const core::mem::offset_of!(crate::probes::records::EntryRecord, next_arg),
    )
}

/// Calls `f(arg)` with a known value in every callee-saved register (ebx, esi, edi,
/// ebp) and returns a bit per register that `f` left changed.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn callee_saved_changed(
    f: unsafe extern "C" fn(*mut c_void), arg: *mut c_void,
) -> usize {
    naked_asm!(
        "push ebp", "push ebx", "push esi", "push edi",
        "mov eax, [esp + 20]",   // f
        "mov ecx, [esp + 24]",   // arg
        "sub esp, 8",            // 4 pushes + return address + 8 + arg: 16-aligned at the call
        "push ecx",
        "mov ebx, 0x5a5a00b0",
        "mov esi, 0x5a5a00b1",
        "mov edi, 0x5a5a00b2",
        "mov ebp, 0x5a5a00b3",
        "call eax",
        "add esp, 12",
        "xor eax, eax",
        "cmp ebx, 0x5a5a00b0", "setne dl", "or al, dl",
        "cmp esi, 0x5a5a00b1", "setne dl", "shl dl, 1", "or al, dl",
        "cmp edi, 0x5a5a00b2", "setne dl", "shl dl, 2", "or al, dl",
        "cmp ebp, 0x5a5a00b3", "setne dl", "shl dl, 3", "or al, dl",
        "pop edi", "pop esi", "pop ebx", "pop ebp",
        "ret",
    )
}

/// What holds here as on most architectures (`generic/probes.rs`).
#[path = "../generic/probes.rs"]
mod generic_probes;
pub(crate) use generic_probes::{FN_CHECKING_THE_CALL_REGISTER, LAZY_SAVED_MATRIX, return_arg_in_other_instruction_set};
