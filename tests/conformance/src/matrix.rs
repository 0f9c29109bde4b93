//! Matrix state that the ABI saves lazily (AArch64 SME's ZA array and its TPIDR2
//! block): glibc 2.43 and bionic turn it off before the clone system call, committing a
//! pending lazy save first, so that no child starts with live ZA state and a lazy-save
//! pointer that belongs to its parent. Modelled on glibc's tst-sme-clone. Registered
//! only where [`probes::lazy_saved_matrix`] is `Some`.

use core::ffi::{c_int, c_void};

use freeclone::probes::{self, LazySaveRecord, LazySavedMatrix, MatrixState};
use freeclone::signal::SIGCHLD;

use crate::harness::{Child, Failure, MappedStack, Pipe, Verdict, fail, skip, spawn};
use freeclone::flags::CloneFlags;

/// What the parent's callback needs, and what it leaves.
struct CloneCall {
    pipe: Pipe,
    child: Option<Result<Child, Failure>>,
}

/// Runs while a lazy save is pending: the clone under test.
unsafe extern "C" fn clone_reporter(arg: *mut c_void) {
    let call = unsafe { &mut *(arg as *mut CloneCall) };
    call.child = Some(spawn(report_matrix_state, CloneFlags::exit_signal(SIGCHLD), (&raw mut call.pipe).cast()));
}

/// The child: sends the matrix state it started with, first thing.
extern "C" fn report_matrix_state(arg: *mut c_void) -> c_int {
    let Some(matrix) = probes::lazy_saved_matrix() else { return 2 };
    let state = unsafe { (matrix.state)() };
    let pipe = unsafe { &*(arg as *const Pipe) };
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&u64::from(state.on).to_ne_bytes());
    bytes[8..].copy_from_slice(&(state.block as u64).to_ne_bytes());
    if pipe.send(&bytes) { 0 } else { 1 }
}

fn matrix() -> Result<LazySavedMatrix, Failure> {
    let matrix = probes::lazy_saved_matrix().ok_or_else(|| fail!("this architecture has no lazily saved matrix state"))?;
    if !(matrix.present)() {
        return Err(skip!(
            "the kernel reports no SME on this CPU (ID_AA64PFR1_EL1.SME reads 0): no ZA state exists to hand on"
        ));
    }
    Ok(matrix)
}

pub fn za_state_is_off_in_the_child_and_the_lazy_save_is_committed() -> Verdict {
    let matrix = matrix()?;
    let slice = unsafe { (matrix.slice_bytes)() };
    if slice == 0 || slice > 256 || slice % 16 != 0 {
        return Err(fail!("streaming vector length {slice} bytes is outside SME's 16..=256"));
    }
    // The pattern and the lazy-save buffer: ZA whole, SVL slices of SVL bytes each.
    let size = slice * slice;
    let memory = MappedStack::new(2 * size)?;
    let pattern = unsafe { core::slice::from_raw_parts_mut(memory.base(), size) };
    for (index, byte) in pattern.iter_mut().enumerate() {
        // Differs from slice to slice and is never 0, the buffer's first contents.
        *byte = (index % 251) as u8 + 1;
    }
    let buffer = unsafe { core::slice::from_raw_parts_mut(memory.base().add(size), size) };
    let mut record = LazySaveRecord {
        pattern: pattern.as_ptr(),
        buffer: buffer.as_mut_ptr(),
        slices: slice,
        on_after: usize::MAX,
        block_after: usize::MAX,
    };
    let mut call = CloneCall { pipe: Pipe::new()?, child: None };
    unsafe { (matrix.around)(clone_reporter, (&raw mut call).cast(), &raw mut record) };
    let child = call.child.ok_or_else(|| fail!("the callback did not run"))??;
    let mut bytes = [0u8; 16];
    let received = call.pipe.receive(&mut bytes).len();
    let status = child.wait(0)?;
    if received != 16 || status != 0 {
        return Err(fail!("the child's report is incomplete: {received} bytes, exit status {status}"));
    }
    let word = |at: usize| u64::from_ne_bytes(bytes[at..at + 8].try_into().unwrap());
    let seen = MatrixState { on: word(0) != 0, block: word(8) as usize };
    if seen != (MatrixState { on: false, block: 0 }) {
        return Err(fail!(
            "the child started with ZA {} and TPIDR2_EL0 = {:#x} (the parent's block is on its stack): \
             the clone entry did not turn ZA off",
            if seen.on { "on" } else { "off" },
            seen.block
        ));
    }
    if let Some(at) = buffer.iter().zip(pattern.iter()).position(|(saved, loaded)| saved != loaded) {
        return Err(fail!(
            "the lazy save was not committed: the buffer differs from ZA's contents at byte {at} (slice {}): {:#x}, not {:#x}",
            at / slice,
            buffer[at],
            pattern[at]
        ));
    }
    // AAPCS64: a callee that commits the lazy save returns with ZA off and TPIDR2_EL0
    // null; the caller then reloads ZA from the buffer.
    if record.on_after != 0 || record.block_after != 0 {
        return Err(fail!(
            "after clone the parent has PSTATE.ZA = {} and TPIDR2_EL0 = {:#x}; with the lazy save committed, \
             AAPCS64 wants ZA off and TPIDR2_EL0 null",
            record.on_after,
            record.block_after
        ));
    }
    Ok(())
}
