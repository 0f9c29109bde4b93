//! The raw, fork-like `sys::clone` (no `fn`, no stack setup): the child returns from
//! the call with `Ok(0)`, and each pointer argument lands where the kernel's argument
//! order for the architecture says (x86_64 and s390x order them differently).

use core::ffi::c_int;
use core::ptr::null_mut;

use freeclone::flags::*;
use freeclone::signal::SIGCHLD;
use freeclone::tls::{TlsArgument, thread_pointer};
use freeclone::{pid_t, sys};

use crate::harness::{Verdict, fail, skip, wait_exit_status};

// What the child found wrong, one bit each, as its exit status.
const TLS_NOT_SET: c_int = 1;
const CTID_NOT_STORED: c_int = 2;

/// What one raw clone with every pointer set showed.
struct RawClone {
    tid: pid_t,
    status: c_int,
    parent_ptid: pid_t,
    /// The child's copy of ptid, which it reports in its exit status's upper bits: only
    /// whether it holds the TID.
    child_ptid_was_tid: bool,
}

const CHILD_PTID_WAS_TID: c_int = 4;

fn raw_clone_with_every_pointer() -> Result<RawClone, crate::harness::Failure> {
    // The TLS block starts with a pointer to itself, as x86's TLS ABI wants.
    let mut tls_block = [0usize; 4];
    tls_block[0] = tls_block.as_ptr() as usize;
    let block_address = tls_block.as_ptr() as usize;
    let mut tls = TlsArgument::new(tls_block.as_mut_ptr().cast());
    let mut ptid: pid_t = 0;
    let mut ctid: pid_t = 0;
    let flags = SIGCHLD | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_SETTLS;
    let (ptid_pointer, ctid_pointer) = (&raw mut ptid, &raw mut ctid);
    // SAFETY: no stack and no CLONE_VM: the child continues here on a copy of this
    // stack, and leaves through exit_group below; the pointers are valid in both.
    let result = unsafe { sys::clone(flags, null_mut(), ptid_pointer, tls.as_mut_ptr(), ctid_pointer) };
    match result {
        Ok(0) => {
            let mut status = 0;
            // SAFETY: CLONE_SETTLS set a thread pointer, to a block that starts with itself.
            if unsafe { thread_pointer() } as usize != block_address {
                status |= TLS_NOT_SET;
            }
            let tid = sys::gettid();
            if unsafe { core::ptr::read_volatile(ctid_pointer) } != tid {
                status |= CTID_NOT_STORED;
            }
            if unsafe { core::ptr::read_volatile(ptid_pointer) } == tid {
                status |= CHILD_PTID_WAS_TID;
            }
            sys::exit_group(status)
        }
        Ok(tid) => {
            let parent_ptid = unsafe { core::ptr::read_volatile(ptid_pointer) };
            let status = wait_exit_status(tid, 0)?;
            Ok(RawClone { tid, status: status & !CHILD_PTID_WAS_TID, parent_ptid, child_ptid_was_tid: status & CHILD_PTID_WAS_TID != 0 })
        }
        Err(errno) => Err(fail!("sys::clone({flags:#x}, null stack, ptid, tls, ctid) failed: {errno}")),
    }
}

pub fn raw_clone_returns_zero_in_the_child_and_sets_its_tls_and_ctid() -> Verdict {
    let clone = raw_clone_with_every_pointer()?;
    if clone.status & TLS_NOT_SET != 0 {
        return Err(fail!("the child's thread pointer is not the tls argument (child {})", clone.tid));
    }
    if clone.status & CTID_NOT_STORED != 0 {
        return Err(fail!("CLONE_CHILD_SETTID did not store the TID at ctid in the child"));
    }
    if clone.status != 0 {
        return Err(fail!("the child exited with {}", clone.status));
    }
    Ok(())
}

pub fn raw_clone_stores_the_tid_at_ptid_in_the_parent() -> Verdict {
    let clone = raw_clone_with_every_pointer()?;
    if clone.parent_ptid == clone.tid {
        return Ok(());
    }
    if clone.parent_ptid == 0 && clone.child_ptid_was_tid {
        return Err(skip!(
            "the TID landed in the child's copy of ptid and not in the parent's: qemu-user's \
             fork emulation stores CLONE_PARENT_SETTID in the child; checked on the native and kernel tiers"
        ));
    }
    Err(fail!("CLONE_PARENT_SETTID stored {} at ptid, clone returned {}", clone.parent_ptid, clone.tid))
}
