//! Futexes: waiting on a word and waking its waiters.

use core::sync::atomic::AtomicI32;

use linux_raw_sys::general as kernel;

use super::check;
use crate::errno::Errno;
use crate::arch;

/// `futex(FUTEX_WAIT)`: sleeps while `word` holds `expected`, until a wake on it
/// (shared futex: the kind `CLONE_CHILD_CLEARTID` wakes). Returns `EAGAIN` at once if
/// `word` no longer holds `expected`; a wake may be spurious, so callers loop.
pub fn futex_wait(word: &AtomicI32, expected: i32) -> Result<(), Errno> {
    let nr = kernel::__NR_futex as usize;
    let op = kernel::FUTEX_WAIT as usize;
    let ret = unsafe { arch::syscall4(nr, word.as_ptr() as usize, op, expected as usize, 0) };
    check(ret).map(drop)
}

/// `futex(FUTEX_WAKE)`: wakes up to `count` waiters on `word`; returns how many woke.
pub fn futex_wake(word: &AtomicI32, count: i32) -> Result<usize, Errno> {
    let nr = kernel::__NR_futex as usize;
    let op = kernel::FUTEX_WAKE as usize;
    check(unsafe { arch::syscall3(nr, word.as_ptr() as usize, op, count as usize) })
}
