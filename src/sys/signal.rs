//! Signals: sending them, signal sets, the mask, dispositions.

use core::ffi::c_int;

use linux_raw_sys::general as kernel;

use super::check;
use crate::errno::Errno;
use crate::arch;
use crate::types::pid_t;

/// `rt_sigprocmask` how: add to the blocked set.
pub const SIG_BLOCK: c_int = kernel::SIG_BLOCK as c_int;
/// `rt_sigprocmask` how: remove from the blocked set.
pub const SIG_UNBLOCK: c_int = kernel::SIG_UNBLOCK as c_int;
/// `rt_sigprocmask` how: replace the blocked set.
pub const SIG_SETMASK: c_int = kernel::SIG_SETMASK as c_int;

/// `kill(2)`: sends `signal` to process `pid`.
pub fn kill(pid: pid_t, signal: c_int) -> Result<(), Errno> {
    check(unsafe { arch::syscall2(kernel::__NR_kill as usize, pid as usize, signal as usize) })
        .map(drop)
}

/// `tgkill(2)`: sends `signal` to thread `tid` of thread group `tgid`.
pub fn tgkill(tgid: pid_t, tid: pid_t, signal: c_int) -> Result<(), Errno> {
    let nr = kernel::__NR_tgkill as usize;
    check(unsafe { arch::syscall3(nr, tgid as usize, tid as usize, signal as usize) }).map(drop)
}

/// The kernel's signal set for the `rt_sig*` calls (64 signals; 128 on mips).
pub type SignalSet = kernel::kernel_sigset_t;

/// A signal set holding only `signal`; `EINVAL` for a number outside
/// `1..=`[`SIGNAL_COUNT`], as the kernel's `sigaddset` would answer.
pub fn signal_set(signal: c_int) -> Result<SignalSet, Errno> {
    let (word, bit) = signal_bit(signal).ok_or(Errno::EINVAL)?;
    let mut set = empty_signal_set();
    set.sig[word] = 1 << bit;
    Ok(set)
}

/// Where `signal` lives in a set (word, bit), or `None` outside `1..=SIGNAL_COUNT`.
fn signal_bit(signal: c_int) -> Option<(usize, u32)> {
    if !(1..=SIGNAL_COUNT).contains(&signal) {
        return None;
    }
    let index = (signal - 1) as usize;
    let bits = core::ffi::c_ulong::BITS as usize;
    Some((index / bits, (index % bits) as u32))
}

/// The number of signals a [`SignalSet`] holds (64; 128 on mips): signals are numbered
/// from 1 to this.
pub const SIGNAL_COUNT: c_int = (core::mem::size_of::<SignalSet>() * 8) as c_int;

/// The signal set holding no signal.
pub fn empty_signal_set() -> SignalSet {
    // SAFETY: a signal set is plain bits; all zero is the empty set.
    unsafe { core::mem::zeroed() }
}

/// The signal set holding every signal (blocking it blocks all but `SIGKILL` and
/// `SIGSTOP`, which the kernel never blocks).
pub fn full_signal_set() -> SignalSet {
    let mut set = empty_signal_set();
    // SAFETY: a signal set is plain bits; all one is every signal.
    unsafe { core::ptr::write_bytes(&raw mut set, 0xff, 1) };
    set
}

/// Whether `set` holds `signal` (`false` for a number outside `1..=`[`SIGNAL_COUNT`]).
pub fn signal_set_contains(set: &SignalSet, signal: c_int) -> bool {
    signal_bit(signal).is_some_and(|(word, bit)| set.sig[word] & (1 << bit) != 0)
}

/// `rt_sigprocmask(2)`: changes the blocked set as `how` says, returns the old one.
pub fn sigprocmask(how: c_int, set: &SignalSet) -> Result<SignalSet, Errno> {
    let mut old: SignalSet = unsafe { core::mem::zeroed() };
    let nr = kernel::__NR_rt_sigprocmask as usize;
    let size = core::mem::size_of::<SignalSet>();
    let ret = unsafe { arch::syscall4(nr, how as usize, set as *const _ as usize, &raw mut old as usize, size) };
    check(ret).map(|_| old)
}

/// `rt_sigpending(2)`: the signals pending for the caller.
pub fn sigpending() -> Result<SignalSet, Errno> {
    let mut set: SignalSet = unsafe { core::mem::zeroed() };
    let nr = kernel::__NR_rt_sigpending as usize;
    let size = core::mem::size_of::<SignalSet>();
    check(unsafe { arch::syscall2(nr, &raw mut set as usize, size) }).map(|_| set)
}

/// What to do on a signal, for [`sigaction`].
#[derive(Copy, Clone, Debug)]
pub enum SignalDisposition {
    /// The default action (`SIG_DFL`).
    Default,
    /// Ignore the signal (`SIG_IGN`).
    Ignore,
    /// Run this handler. It runs on the interrupted thread's stack with the signal
    /// blocked; the architecture's signal-return path is set up where the kernel needs
    /// one from user space (x86_64).
    Handler(extern "C" fn(c_int)),
}

/// `rt_sigaction(2)`: sets the disposition of `signal` (or only reads it, with `None`)
/// and returns the previous one.
///
/// # Safety
/// A handler runs asynchronously, interrupting any code of the process: it must only
/// do what is safe there (system calls, atomics).
pub unsafe fn sigaction(
    signal: c_int,
    disposition: Option<SignalDisposition>,
) -> Result<SignalDisposition, Errno> {
    let new = disposition.map(|disposition| {
        let handler = match disposition {
            SignalDisposition::Default => 0, // SIG_DFL
            SignalDisposition::Ignore => 1, // SIG_IGN
            SignalDisposition::Handler(handler) => handler as usize,
        };
        arch::signal_action(handler)
    });
    let mut old: arch::SignalAction = unsafe { core::mem::zeroed() };
    let new_pointer = new.as_ref().map_or(0, |new| new as *const _ as usize);
    let nr = kernel::__NR_rt_sigaction as usize;
    let size = core::mem::size_of::<SignalSet>();
    check(unsafe { arch::syscall4(nr, signal as usize, new_pointer, &raw mut old as usize, size) })?;
    Ok(match arch::signal_action_handler(&old) {
        0 => SignalDisposition::Default,
        1 => SignalDisposition::Ignore,
        handler => SignalDisposition::Handler(unsafe { core::mem::transmute::<usize, extern "C" fn(c_int)>(handler) }),
    })
}

/// `rt_sigtimedwait(2)` without a timeout: takes one signal of `set` that is pending
/// (waiting for one if none is) and returns its number. The signals must be blocked.
pub fn sigwait(set: &SignalSet) -> Result<c_int, Errno> {
    let nr = kernel::__NR_rt_sigtimedwait as usize;
    let size = core::mem::size_of::<SignalSet>();
    check(unsafe { arch::syscall4(nr, set as *const _ as usize, 0, 0, size) }).map(|signal| signal as c_int)
}
