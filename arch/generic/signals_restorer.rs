//! The generic `struct sigaction` with `SA_RESTORER`, for the architectures whose
//! kernel wants a user-space sigreturn trampoline (x86_64, i386). Apart from
//! `signals.rs` because the field exists only where the architecture defines
//! `SA_RESTORER` (asm-generic's riscv64 and loongarch64 do not). Included next to
//! `signals.rs` as `generic_signals`.

use super::generic_signals::{SignalAction, signal_action};

/// The action for a handler address with `SA_RESTORER`: the kernel returns from
/// the handler into `restorer`, which must make the matching sigreturn call.
pub(crate) fn signal_action_with_restorer(handler: usize, restorer: unsafe extern "C" fn()) -> SignalAction {
    let mut action = signal_action(handler);
    action.sa_flags = linux_raw_sys::general::SA_RESTORER as _;
    action.sa_restorer = Some(restorer);
    action
}
