//! `no_new_privs` and seccomp filters: what a container runtime restricts before exec.


use linux_raw_sys::general as kernel;

use super::check;
use crate::errno::Errno;
use crate::arch;

/// `prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)`: from now on `execve` grants no privileges
/// (set-user-ID bits, file capabilities) to this thread and its descendants. An
/// unprivileged thread needs it before [`seccomp_set_mode_filter`].
pub fn set_no_new_privs() -> Result<(), Errno> {
    const PR_SET_NO_NEW_PRIVS: usize = 38;
    check(unsafe { arch::syscall5(kernel::__NR_prctl as usize, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) }).map(drop)
}

/// One classic BPF instruction, the kernel's `struct sock_filter`.
#[repr(C)]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SockFilter {
    /// The operation (`BPF_LD | BPF_W | BPF_ABS`, ...).
    pub code: u16,
    /// Jump offset if true.
    pub jt: u8,
    /// Jump offset if false.
    pub jf: u8,
    /// The operand.
    pub k: u32,
}

/// `BPF_LD | BPF_W | BPF_ABS`: load the 32-bit word at offset `k` of `struct
/// seccomp_data` (offset 0: the system call number).
pub const BPF_LD_W_ABS: u16 = 0x20;
/// `BPF_JMP | BPF_JEQ | BPF_K`: skip `jt` instructions if the accumulator equals `k`,
/// else `jf`.
pub const BPF_JEQ_K: u16 = 0x15;
/// `BPF_RET | BPF_K`: return `k` as the filter's verdict.
pub const BPF_RET_K: u16 = 0x06;
/// Verdict: let the system call run.
pub const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
/// Verdict: fail the system call with the errno in the low 16 bits, unrun.
pub const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;

/// `seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog)`: adds `program` (classic BPF over
/// `struct seccomp_data`) to the calling thread's filters, for good: filters are
/// inherited by children and can never be removed. Needs [`set_no_new_privs`] or
/// `CAP_SYS_ADMIN` (`EACCES`); a malformed program is `EINVAL`.
///
/// # Safety
/// A filter decides what system calls return: `SECCOMP_RET_ERRNO` with errno 0 makes an
/// unrun call report success (an `mmap` that "returns" address 0, a `munmap` that
/// freed nothing). The caller must make sure that every code in this thread and its
/// future children (a C library, std, allocators) copes with every verdict the program
/// can give: in practice, only real errors for calls whose failure that code handles.
///
/// ```compile_fail,E0133
/// let _ = freeclone::sys::seccomp_set_mode_filter(&[]); // can fake any call's result
/// ```
pub unsafe fn seccomp_set_mode_filter(program: &[SockFilter]) -> Result<(), Errno> {
    /// The kernel's `struct sock_fprog`.
    #[repr(C)]
    struct SockFprog {
        len: u16,
        filter: *const SockFilter,
    }
    const SECCOMP_SET_MODE_FILTER: usize = 1;
    let len = u16::try_from(program.len()).map_err(|_| Errno::EINVAL)?;
    let fprog = SockFprog { len, filter: program.as_ptr() };
    let nr = kernel::__NR_seccomp as usize;
    check(unsafe { arch::syscall3(nr, SECCOMP_SET_MODE_FILTER, 0, (&raw const fprog) as usize) }).map(drop)
}
