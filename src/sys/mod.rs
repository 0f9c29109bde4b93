//! The raw layer: system calls by number, the raw `clone` and `clone3` system calls,
//! and the few thin wrappers that programs built on this crate (and its tests) need.
//!
//! Every wrapper is one system call with the kernel's semantics; errors come back as
//! [`Errno`]. Numbers and constants come from `linux-raw-sys` for the architecture
//! being built.

use core::ffi::CStr;


use crate::errno::Errno;

mod raw;
pub use raw::*;
mod process;
pub use process::*;
mod pidfd;
pub use pidfd::*;
mod wait;
pub use wait::*;
mod signal;
pub use signal::*;
mod file;
pub use file::*;
mod mm;
pub use mm::*;
mod futex;
pub use futex::*;
mod mount;
pub use mount::*;
mod system;
pub use system::*;
mod exec;
pub use exec::*;
mod seccomp;
pub use seccomp::*;

fn check(ret: usize) -> Result<usize, Errno> {
    Errno::from_syscall_return(ret)
}

/// A path as the kernel wants it: bytes ending in NUL.
fn c_path(path: &core::ffi::CStr) -> usize {
    path.as_ptr() as usize
}

/// A string argument that may be absent: null when `None`.
fn c_path_or_null(string: Option<&CStr>) -> usize {
    string.map_or(0, c_path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::ffi::c_char;

    #[test]
    fn c_str_array_accepts_only_slices_ending_in_null() {
        let entries = [CStrPtr::new(c"a"), CStrPtr::NULL, CStrPtr::new(c"after"), CStrPtr::NULL];
        let array = CStrArray::new(&entries).unwrap();
        // The kernel stops at the first null entry, and so do len and iter.
        assert_eq!(array.len(), 1);
        assert!(array.iter().eq([c"a"]));
        assert!(CStrArray::new(&entries[..3]).is_none());
        assert!(CStrArray::new(&[]).is_none());
        assert!(CStrArray::EMPTY.is_empty() && CStrArray::EMPTY.entries().len() == 1);
    }

    #[test]
    fn c_str_array_buf_is_its_strings_then_null_as_one_c_array() {
        let buffer = CStrArrayBuf::new([c"/bin/sh", c"-c", c"true"]);
        assert_eq!(core::mem::size_of_val(&buffer), 4 * core::mem::size_of::<*const c_char>());
        let pointers = unsafe { core::slice::from_raw_parts(buffer.as_ptr(), 4) };
        assert_eq!(pointers[0], c"/bin/sh".as_ptr());
        assert_eq!(pointers[2], c"true".as_ptr());
        assert!(pointers[3].is_null());
        assert_eq!(buffer.len(), 3);
        let empty = CStrArrayBuf::new([]);
        assert!(empty.is_empty() && empty.entries()[0].is_null());
    }

    #[test]
    fn wait_statuses_decode_as_wexitstatus_and_wtermsig() {
        // Exited with 255, with 42: the code is the second byte, all of it.
        assert_eq!((exit_status(0xff00), termination_signal(0xff00)), (Some(255), None));
        assert_eq!((exit_status(0x2a00), termination_signal(0x2a00)), (Some(42), None));
        assert_eq!((exit_status(0), termination_signal(0)), (Some(0), None));
        // Killed by SIGSEGV (11), with and without the core-dump bit 0x80.
        assert_eq!((exit_status(11), termination_signal(11)), (None, Some(11)));
        assert_eq!((exit_status(0x8b), termination_signal(0x8b)), (None, Some(11)));
        // Stopped by SIGSTOP (19): low byte 0x7f, neither exited nor killed.
        assert_eq!((exit_status(0x137f), termination_signal(0x137f)), (None, None));
    }

    #[test]
    fn mount_and_umount_flags_are_the_kernel_values() {
        assert_eq!((MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC), (1, 2, 4, 8));
        assert_eq!((MS_BIND, MS_MOVE, MS_REC), (4096, 8192, 16384));
        assert_eq!((MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_UNBINDABLE), (1 << 18, 1 << 19, 1 << 20, 1 << 17));
        assert_eq!((MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW), (1, 2, 4, 8));
        assert_eq!((PROT_NONE, PROT_EXEC), (0, 4));
    }
}
