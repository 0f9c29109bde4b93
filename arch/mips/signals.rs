//! rt_sigaction's `struct sigaction` of mips' o32 (`mips/`) and n64 (`mips64/`): both
//! put `sa_flags` first, unlike `generic/signals.rs`.

/// rt_sigaction's `struct sigaction`: mips puts `sa_flags` first (linux-raw-sys's
/// `kernel_sigaction` has the generic order, which this kernel does not read).
pub(crate) type SignalAction = linux_raw_sys::general::sigaction;

/// The kernel returns from handlers through the vDSO's trampoline: no restorer needed.
pub(crate) fn signal_action(handler: usize) -> SignalAction {
    let mut action: SignalAction = unsafe { core::mem::zeroed() };
    action.sa_handler = unsafe { core::mem::transmute::<usize, Option<unsafe extern "C" fn(core::ffi::c_int)>>(handler) };
    action
}

/// The handler address in `action` (0 `SIG_DFL`, 1 `SIG_IGN`).
pub(crate) fn signal_action_handler(action: &SignalAction) -> usize {
    unsafe { core::mem::transmute_copy(&action.sa_handler) }
}
