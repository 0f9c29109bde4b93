//! What a `Stack`'s guard promises code that overflows it (`freeclone::stack`): where
//! frames are probed, a frame of any size faults; everywhere, a frame that ends inside
//! the guard faults; a guard asked for as 0 is still one granule.
//!
//! Each case runs its frames in a fork-like child on a `Stack` over writable memory of
//! its own right below the guard, so that a write that steps over the guard (or a guard
//! that is missing) lands there and the child returns instead of faulting: the case then
//! fails, where an unmapped neighbourhood would have faulted anyway and hidden it. The
//! child is a process, not a thread: the guard is the same mapping either way, and a
//! fatal fault in a thread of a multi-threaded program sometimes hangs qemu-user (1 run
//! in 25 under load, on qemu-mipsel), which a process's fault does not.

use core::ffi::{c_int, c_void};
use core::mem::MaybeUninit;
use core::ptr::null_mut;

use freeclone::signal::{SIGCHLD, SIGSEGV};
use freeclone::stack::{self, Stack};
use freeclone::{clone, sys};
use linux_raw_sys::general as kernel;

use crate::harness::{Verdict, fail};
use freeclone::flags::CloneFlags;

/// The threads' usable stack.
const STACK_SIZE: usize = 64 * 1024;
/// The writable neighbour below each guard: more than any frame here oversteps it by.
const NEIGHBOUR_SIZE: usize = 256 * 1024;

/// The child's exit status if its frames returned.
const DID_NOT_FAULT: c_int = 3;

/// One frame of `N` bytes whose lowest byte is written first, as a large local array's
/// initialisation would.
#[inline(never)]
fn one_frame<const N: usize>() -> usize {
    let mut frame = MaybeUninit::<[u8; N]>::uninit();
    let lowest = frame.as_mut_ptr().cast::<u8>();
    // SAFETY: the frame's own first byte.
    unsafe { lowest.write_volatile(1) };
    core::hint::black_box(&mut frame);
    N
}

/// Frames of 1 KiB each, every one written, until `bytes` are used.
#[inline(never)]
fn small_frames(bytes: usize) -> usize {
    let frame = core::hint::black_box([bytes as u8; 1024]);
    if bytes <= 1024 { usize::from(frame[0]) } else { small_frames(bytes - 1024) + usize::from(frame[1]) }
}

/// Stacks tried before one has writable memory of the case's own right below its
/// guard; the others stay mapped while the search goes on, so each try lands elsewhere.
const PLACEMENTS: usize = 8;

/// A stack with a `guard`-byte guard and, right below the guard, writable memory of
/// its own; `None` if no try got there. The neighbour is mapped first, so that an
/// allocator that places mappings upwards (qemu-user's, for 32-bit guests) puts the
/// stack right above it; one that places them downwards (Linux's) leaves free space
/// below the stack, where the neighbour is then mapped.
fn stack_over_a_neighbour(guard: usize) -> Option<Stack> {
    let mut tried: [Option<Stack>; PLACEMENTS] = Default::default();
    let protection = sys::PROT_READ | sys::PROT_WRITE;
    let anonymous = sys::MAP_PRIVATE | sys::MAP_ANONYMOUS;
    for slot in &mut tried {
        // SAFETY: new mappings where the kernel chooses, or (NOREPLACE) where nothing is.
        let first = unsafe { sys::mmap(null_mut(), NEIGHBOUR_SIZE, protection, anonymous, -1, 0) }.ok()?;
        let stack = Stack::with_guard(STACK_SIZE, guard).ok()?;
        let mapping = stack.bottom().wrapping_sub(stack.guard_size());
        if first.wrapping_add(NEIGHBOUR_SIZE) == mapping {
            return Some(stack);
        }
        let wanted = mapping.wrapping_sub(NEIGHBOUR_SIZE);
        let flags = anonymous | kernel::MAP_FIXED_NOREPLACE as c_int;
        match unsafe { sys::mmap(wanted, NEIGHBOUR_SIZE, protection, flags, -1, 0) } {
            Ok(address) if address == wanted => return Some(stack),
            // Something else lives there: keep this one mapped and try again.
            _ => *slot = Some(stack),
        }
    }
    None
}

/// What the child runs on the stack: `work`, whose return means it did not fault.
extern "C" fn run_work(work: *mut c_void) -> c_int {
    // SAFETY: `work` is the `fn() -> usize` that `dies_of_sigsegv` passed.
    let work = unsafe { core::mem::transmute::<*mut c_void, fn() -> usize>(work) };
    core::hint::black_box(work());
    DID_NOT_FAULT
}

/// Runs `work` in a fork-like child on a stack with a `guard`-byte guard and writable
/// memory right below it, and expects the child to die of SIGSEGV.
fn dies_of_sigsegv(guard: usize, work: fn() -> usize, what: &str) -> Verdict {
    let stack = stack_over_a_neighbour(guard)
        .ok_or_else(|| fail!("{what}: no stack with writable memory right below its guard in {PLACEMENTS} tries"))?;
    let arg = work as *mut c_void;
    // SAFETY: without CLONE_VM the child runs `work` on its copy of `stack`.
    let pid = unsafe { clone(run_work, stack.top(), CloneFlags::exit_signal(SIGCHLD), arg, null_mut(), null_mut(), null_mut()) }
        .map_err(|errno| fail!("clone: {errno}"))?;
    match sys::wait4(pid, 0) {
        Ok((_, status)) if sys::termination_signal(status) == Some(SIGSEGV) => Ok(()),
        Ok((_, status)) if sys::exit_status(status) == Some(DID_NOT_FAULT) => {
            Err(fail!("{what}: the child returned: its writes went past the guard"))
        }
        Ok((_, status)) => Err(fail!("{what}: the child ended with wait status {status:#x}, not SIGSEGV")),
        Err(errno) => Err(fail!("wait4: {errno}")),
    }
}

/// A local array larger than a 64 KiB stack and a one-granule guard together, smaller
/// than the default guard where frames are not probed.
const LARGE_FRAME: usize = 160 * 1024;
const _: () = assert!(LARGE_FRAME > STACK_SIZE + stack::GUARD_GRANULE);
const _: () = assert!(stack::FRAMES_ARE_PROBED || LARGE_FRAME < stack::DEFAULT_GUARD_SIZE);

/// Probed frames fault whatever their size; elsewhere the default guard is larger than
/// such a frame.
pub fn a_160_kib_frame_on_a_64_kib_stack_faults_on_the_default_guard() -> Verdict {
    dies_of_sigsegv(stack::DEFAULT_GUARD_SIZE, one_frame::<LARGE_FRAME>, "a 160 KiB frame on a 64 KiB stack")
}

/// A frame that oversteps the stack and the whole default guard.
const PAST_THE_GUARD: usize = STACK_SIZE + stack::DEFAULT_GUARD_SIZE + 64 * 1024;

/// Registered where [`stack::FRAMES_ARE_PROBED`]: elsewhere such a frame can step over
/// the guard, as the documentation says.
pub fn a_frame_larger_than_the_guard_faults_where_frames_are_probed() -> Verdict {
    dies_of_sigsegv(stack::DEFAULT_GUARD_SIZE, one_frame::<PAST_THE_GUARD>, "a frame larger than the guard")
}

/// What `thread::Builder::guard_size(0)` asks `Stack::with_guard` for.
pub fn a_stack_asked_for_a_zero_guard_still_faults_on_one_granule() -> Verdict {
    dies_of_sigsegv(0, || small_frames(STACK_SIZE + stack::GUARD_GRANULE / 2), "small frames half a granule past the stack, guard 0")
}
