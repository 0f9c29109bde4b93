//! rt_sigaction's `struct sigaction` in the generic field order (every architecture
//! but mips, which puts `sa_flags` first). An architecture module includes this file
//! (`#[path = "../generic/signals.rs"]`) and re-exports what it shares; x86 builds its
//! action with its own restorer (`signals_restorer.rs`: the generic structure has
//! `sa_restorer` only where the architecture defines `SA_RESTORER`, not on riscv64 or
//! loongarch64).

// An architecture takes only what it needs.
#![allow(dead_code)]

use core::ffi::c_int;

/// rt_sigaction's `struct sigaction`.
pub(crate) type SignalAction = linux_raw_sys::general::kernel_sigaction;

type Handler = Option<unsafe extern "C" fn(c_int)>;

/// The action for a handler address (0 `SIG_DFL`, 1 `SIG_IGN`), where the kernel
/// returns from handlers through its own trampoline (vDSO or signal page).
pub(crate) fn signal_action(handler: usize) -> SignalAction {
    let mut action: SignalAction = unsafe { core::mem::zeroed() };
    action.sa_handler_kernel = unsafe { core::mem::transmute::<usize, Handler>(handler) };
    action
}

/// The handler address in `action` (0 `SIG_DFL`, 1 `SIG_IGN`).
pub(crate) fn signal_action_handler(action: &SignalAction) -> usize {
    unsafe { core::mem::transmute_copy(&action.sa_handler_kernel) }
}
