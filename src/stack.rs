//! The child stack rules of the wrappers, per architecture.

use crate::arch;

/// The alignment of the child's stack top that the architecture's ABI requires at a
/// call: [`clone`](crate::clone) aligns `child_stack` down to it.
pub const ALIGNMENT: usize = arch::STACK_ALIGNMENT;

/// Bytes the wrapper itself uses below the aligned top before `fn` runs: what the ABI
/// puts there at a call (x86's return address, mips o32's argument save area,
/// s390x's 160-byte register save area) and nothing more.
pub const CHILD_FRAME_SIZE: usize = arch::CHILD_FRAME_SIZE;

/// Bytes a call leaves on the stack at the callee's entry (the return address on x86,
/// 0 where it stays in a register): at `fn`'s first instruction,
/// `sp + RETURN_ADDRESS_ON_STACK` is aligned to [`ALIGNMENT`].
pub const RETURN_ADDRESS_ON_STACK: usize = arch::RETURN_ADDRESS_ON_STACK;

/// The smallest area [`clone2`](crate::clone2) accepts once its top is aligned: the
/// wrapper's frame, rounded up to the alignment, plus one aligned slot for `fn`.
pub const MIN_SIZE: usize = CHILD_FRAME_SIZE.next_multiple_of(ALIGNMENT) + ALIGNMENT;

/// `top` aligned down to [`ALIGNMENT`] (provenance kept).
pub fn align_down(top: *mut u8) -> *mut u8 {
    top.wrapping_sub(top as usize % ALIGNMENT)
}

const _: () = assert!(ALIGNMENT.is_power_of_two());
