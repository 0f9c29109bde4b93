//! The child stack rules of the wrappers, per architecture, and [`Stack`], a child stack
//! of its own with a guard region.

use core::mem::MaybeUninit;

use crate::arch;
use crate::errno::Errno;
use crate::sys;

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

/// The top a wrapper runs a child on, for the stack area `base..base + size`: its end
/// aligned down to [`ALIGNMENT`], if at least [`MIN_SIZE`] bytes are left below it.
///
/// # Errors
/// [`Errno::EINVAL`] for a null `base`, or an area that holds less than [`MIN_SIZE`]
/// bytes once its top is aligned (a size that wraps around the address space included).
pub fn usable_top(base: *mut u8, size: usize) -> Result<*mut u8, Errno> {
    if base.is_null() {
        return Err(Errno::EINVAL);
    }
    let top = align_down(base.wrapping_add(size));
    // A size that wraps around the address space leaves nothing usable either.
    if (top as usize).saturating_sub(base as usize) < MIN_SIZE {
        return Err(Errno::EINVAL);
    }
    Ok(top)
}

const _: () = assert!(ALIGNMENT.is_power_of_two());

/// The guard region's granule: the largest page size of the architectures here
/// (64 KiB pages on aarch64, mips64 and powerpc64 kernels). A guard in whole granules
/// is whole pages on every kernel, so `mprotect` covers exactly it.
pub const GUARD_GRANULE: usize = 64 * 1024;

/// Whether the compiler probes every frame larger than a page on this target (Rust's
/// `stack-probes`: x86_64, i386, aarch64, s390x and the powerpcs do; arm, thumb,
/// armv5te, the mips, riscv64 and loongarch64 do not). It decides what a guard can
/// promise: see [`Stack`].
pub const FRAMES_ARE_PROBED: bool = arch::STACK_PROBES;

/// The guard [`Stack::new`] and [`thread::Builder`](crate::thread::Builder) give a
/// stack: one granule (64 KiB) where frames are probed; 16 granules (1 MiB) where they
/// are not, so that frames up to that size fault too. It costs address space, not
/// memory: the guard is never touched.
pub const DEFAULT_GUARD_SIZE: usize = if FRAMES_ARE_PROBED { GUARD_GRANULE } else { 16 * GUARD_GRANULE };

/// A child stack of its own: one anonymous private mapping (`MAP_STACK`) with an
/// inaccessible guard region (`PROT_NONE`) below the usable area, unmapped on drop.
///
/// **What the guard promises.** A child that overflows the stack faults on the guard
/// (SIGSEGV) instead of writing into whatever lies below: for a process, its parent's
/// wait sees the signal; for a thread (`CLONE_THREAD`), the signal ends the whole thread
/// group. Exactly:
/// - where [`FRAMES_ARE_PROBED`], a frame of any size that overflows faults: the
///   compiler touches a large frame page by page from the top, so the guard is always
///   hit first;
/// - elsewhere, a frame smaller than the guard faults, but a frame larger than the
///   guard (a large local array) can step over it and silently write into the memory
///   below, such as another thread's stack. No library can make a caller's frames
///   probe (std's threads have the same hole); [`DEFAULT_GUARD_SIZE`] is 1 MiB there
///   for that reason, and a program with larger frames asks for a larger guard
///   ([`Stack::with_guard`]) or keeps such arrays off the stack.
///
/// The pages are allocated by the kernel as they are first touched, so a large size
/// costs address space, not memory.
///
/// ```
/// use freeclone::stack::Stack;
///
/// let mut stack = Stack::new(64 * 1024)?;
/// assert_eq!(stack.size(), 64 * 1024);
/// assert_eq!(stack.top() as usize - stack.bottom() as usize, stack.size());
/// assert_eq!(stack.area().len(), stack.size());
/// # Ok::<(), freeclone::Errno>(())
/// ```
#[derive(Debug)]
pub struct Stack {
    /// Start of the mapping: the guard, then the usable area.
    mapping: core::ptr::NonNull<u8>,
    guard_size: usize,
    size: usize,
}

// SAFETY: a Stack owns its mapping exclusively; nothing in it is tied to a thread.
unsafe impl Send for Stack {}
// SAFETY: `&Stack` only reads addresses.
unsafe impl Sync for Stack {}

impl Stack {
    /// A size that suits most threads and children: 256 KiB (pages are allocated only
    /// when touched).
    pub const DEFAULT_SIZE: usize = 256 * 1024;

    /// A stack of `size` usable bytes (rounded up to [`GUARD_GRANULE`]) above a guard
    /// of [`DEFAULT_GUARD_SIZE`].
    ///
    /// # Errors
    /// `EINVAL` for a size of 0; `ENOMEM` for a size the address space cannot hold;
    /// `mmap`'s and `mprotect`'s errors as the kernel gives them.
    pub fn new(size: usize) -> Result<Stack, Errno> {
        Stack::with_guard(size, DEFAULT_GUARD_SIZE)
    }

    /// A stack of `size` usable bytes above a guard of `guard_size` bytes, each rounded
    /// up to [`GUARD_GRANULE`]; a guard of 0 is rounded up to one granule too: a
    /// `Stack` always has one.
    ///
    /// # Errors
    /// As [`Stack::new`].
    pub fn with_guard(size: usize, guard_size: usize) -> Result<Stack, Errno> {
        if size == 0 {
            return Err(Errno::EINVAL);
        }
        let round = |bytes: usize| bytes.max(1).checked_next_multiple_of(GUARD_GRANULE).ok_or(Errno::ENOMEM);
        let (size, guard_size) = (round(size)?, round(guard_size)?);
        let length = size.checked_add(guard_size).ok_or(Errno::ENOMEM)?;
        let flags = sys::MAP_PRIVATE | sys::MAP_ANONYMOUS | sys::MAP_STACK;
        // SAFETY: a new mapping at an address the kernel chooses replaces nothing.
        let mapping = unsafe { sys::mmap(core::ptr::null_mut(), length, sys::PROT_READ | sys::PROT_WRITE, flags, -1, 0)? };
        // SAFETY: the guard is the start of the mapping just made, which nothing uses.
        if let Err(errno) = unsafe { sys::mprotect(mapping, guard_size, sys::PROT_NONE) } {
            // SAFETY: as above.
            let _ = unsafe { sys::munmap(mapping, length) };
            return Err(errno);
        }
        let mapping = core::ptr::NonNull::new(mapping).ok_or(Errno::ENOMEM)?;
        Ok(Stack { mapping, guard_size, size })
    }

    /// Usable bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Bytes of the guard region below [`Stack::bottom`].
    pub fn guard_size(&self) -> usize {
        self.guard_size
    }

    /// The lowest usable address (the guard ends here).
    pub fn bottom(&self) -> *mut u8 {
        self.mapping.as_ptr().wrapping_add(self.guard_size)
    }

    /// One past the highest usable address: the `child_stack` argument of
    /// [`clone`](crate::clone).
    pub fn top(&self) -> *mut u8 {
        self.bottom().wrapping_add(self.size)
    }

    /// The usable area, as [`CloneArgs::stack`](crate::CloneArgs::stack) takes it.
    pub fn area(&mut self) -> &mut [MaybeUninit<u8>] {
        // SAFETY: the area is mapped readable and writable for as long as `self`
        // lives, and `&mut self` makes this the only reference to it.
        unsafe { core::slice::from_raw_parts_mut(self.bottom().cast(), self.size) }
    }
}

impl Drop for Stack {
    /// Unmaps the stack, guard included. A child that shares this memory
    /// (`CLONE_VM`) must have finished with it: [`thread::JoinHandle`](crate::thread::JoinHandle)
    /// keeps its thread's stack until the kernel has cleared the thread's ctid.
    fn drop(&mut self) {
        // SAFETY: `self` owns the mapping and is going away.
        let _ = unsafe { sys::munmap(self.mapping.as_ptr(), self.guard_size + self.size) };
    }
}
