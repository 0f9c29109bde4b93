//! What most architectures share, written once (as Linux's `include/asm-generic`): an
//! architecture module re-exports these items, or writes its own where its ABI
//! differs (i386's `struct user_desc`, mips' `struct sigaction`, x86's restorer).
//! No architecture is named here.

// Each architecture takes only what it shares: the rest is unused there.
#![allow(dead_code)]

/// `CLONE_SETTLS`'s `tls` where it is the new thread pointer itself (everywhere but
/// i386).
pub(crate) mod tls {
    use core::ffi::c_void;

    /// The `tls` argument: the thread pointer.
    pub(crate) type TlsArgument = *mut c_void;

    pub(crate) fn tls_argument(thread_pointer: *mut c_void) -> TlsArgument {
        thread_pointer
    }

    pub(crate) fn tls_argument_pointer(argument: &mut TlsArgument) -> *mut c_void {
        *argument
    }
}

/// rt_sigaction's `struct sigaction` in the generic field order (everywhere but mips).
pub(crate) mod signals {
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

    /// The action for a handler address with `SA_RESTORER`: the kernel returns from
    /// the handler into `restorer`, which must make the matching sigreturn call.
    pub(crate) fn signal_action_with_restorer(handler: usize, restorer: unsafe extern "C" fn()) -> SignalAction {
        let mut action = signal_action(handler);
        action.sa_flags = linux_raw_sys::general::SA_RESTORER as _;
        action.sa_restorer = Some(restorer);
        action
    }

    /// The handler address in `action` (0 `SIG_DFL`, 1 `SIG_IGN`).
    pub(crate) fn signal_action_handler(action: &SignalAction) -> usize {
        unsafe { core::mem::transmute_copy(&action.sa_handler_kernel) }
    }
}
