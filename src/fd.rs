//! File descriptors as std has them: an [`OwnedFd`] is closed when it is dropped, a
//! [`BorrowedFd`] cannot outlive what it borrows from. Every call of this crate that
//! opens a descriptor returns an `OwnedFd` ([`sys::pipe2`](crate::sys::pipe2),
//! [`sys::openat`](crate::sys::openat), [`sys::pidfd_open`](crate::sys::pidfd_open),
//! [`sys::fcntl_dupfd_cloexec`](crate::sys::fcntl_dupfd_cloexec)); every call that uses
//! one takes a `BorrowedFd`. With feature `std`, both convert to and from std's
//! `std::os::fd` types.
//!
//! ```
//! use freeclone::{fd::AsFd, sys};
//!
//! let (read, write) = sys::pipe2(sys::O_CLOEXEC)?;
//! sys::write(write.as_fd(), b"hi")?;
//! sys::close(write)?; // or let it drop
//! let mut buffer = [0; 4];
//! assert_eq!(sys::read(read.as_fd(), &mut buffer)?, 2);
//! # Ok::<(), freeclone::Errno>(())
//! ```
//!
//! Closing what one does not own needs `unsafe`:
//!
//! ```compile_fail,E0133
//! let _ = freeclone::fd::OwnedFd::from_raw_fd(3); // 3 may be someone else's
//! ```

use core::ffi::c_int;
use core::fmt;
use core::marker::PhantomData;

use linux_raw_sys::general as kernel;

use crate::arch;

/// A descriptor's number, as C's `int`.
pub type RawFd = c_int;

/// An open file descriptor this value owns: dropping it closes it (ignoring `close`'s
/// error, as std does; [`sys::close`](crate::sys::close) reports it).
#[repr(transparent)]
pub struct OwnedFd {
    fd: RawFd,
}

impl OwnedFd {
    /// Takes ownership of descriptor `fd`.
    ///
    /// # Safety
    /// `fd` must be open, and nothing else may own it: no other `OwnedFd`, `File` or
    /// code that will close it, since this value closes it on drop.
    pub const unsafe fn from_raw_fd(fd: RawFd) -> Self {
        OwnedFd { fd }
    }

    /// The descriptor's number; it stays owned.
    pub const fn as_raw_fd(&self) -> RawFd {
        self.fd
    }

    /// Gives up ownership without closing: the caller now owns the number.
    pub fn into_raw_fd(self) -> RawFd {
        let fd = self.fd;
        core::mem::forget(self);
        fd
    }
}

impl Drop for OwnedFd {
    fn drop(&mut self) {
        // SAFETY: this value owns the descriptor, and nothing uses it after the drop.
        let _ = unsafe { arch::syscall1(kernel::__NR_close as usize, self.fd as usize) };
    }
}

impl fmt::Debug for OwnedFd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedFd").field("fd", &self.fd).finish()
    }
}

/// A descriptor borrowed for `'fd`: open for at least that long.
#[derive(Copy, Clone, PartialEq, Eq)]
#[repr(transparent)]
pub struct BorrowedFd<'fd> {
    fd: RawFd,
    owner: PhantomData<&'fd OwnedFd>,
}

impl BorrowedFd<'_> {
    /// Borrows descriptor `fd`.
    ///
    /// # Safety
    /// `fd` must stay open for the borrow's lifetime.
    pub const unsafe fn borrow_raw(fd: RawFd) -> Self {
        BorrowedFd { fd, owner: PhantomData }
    }

    /// The descriptor's number.
    pub const fn as_raw_fd(&self) -> RawFd {
        self.fd
    }
}

impl fmt::Debug for BorrowedFd<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BorrowedFd").field("fd", &self.fd).finish()
    }
}

/// `AT_FDCWD`: the working directory, for the `*at` calls' `dirfd`.
pub const CWD: BorrowedFd<'static> = BorrowedFd { fd: kernel::AT_FDCWD, owner: PhantomData };

/// Standard input (0), as std's `io::stdin().as_fd()`: a process starts with it open.
pub const STDIN: BorrowedFd<'static> = BorrowedFd { fd: 0, owner: PhantomData };
/// Standard output (1), as std's `io::stdout().as_fd()`.
pub const STDOUT: BorrowedFd<'static> = BorrowedFd { fd: 1, owner: PhantomData };
/// Standard error (2), as std's `io::stderr().as_fd()`.
pub const STDERR: BorrowedFd<'static> = BorrowedFd { fd: 2, owner: PhantomData };

/// What can lend a [`BorrowedFd`]: std's `AsFd` for this crate's types.
pub trait AsFd {
    /// Borrows the descriptor.
    fn as_fd(&self) -> BorrowedFd<'_>;
}

impl AsFd for OwnedFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        BorrowedFd { fd: self.fd, owner: PhantomData }
    }
}

impl AsFd for BorrowedFd<'_> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        *self
    }
}

impl<T: AsFd + ?Sized> AsFd for &T {
    fn as_fd(&self) -> BorrowedFd<'_> {
        (**self).as_fd()
    }
}

#[cfg(feature = "std")]
mod std_conversions {
    use super::{BorrowedFd, OwnedFd};
    use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd};

    impl From<OwnedFd> for std::os::fd::OwnedFd {
        fn from(fd: OwnedFd) -> Self {
            // SAFETY: ownership moves from one owner type to the other.
            unsafe { std::os::fd::OwnedFd::from_raw_fd(fd.into_raw_fd()) }
        }
    }

    impl From<std::os::fd::OwnedFd> for OwnedFd {
        fn from(fd: std::os::fd::OwnedFd) -> Self {
            // SAFETY: as above.
            unsafe { OwnedFd::from_raw_fd(fd.into_raw_fd()) }
        }
    }

    impl<'fd> From<BorrowedFd<'fd>> for std::os::fd::BorrowedFd<'fd> {
        fn from(fd: BorrowedFd<'fd>) -> Self {
            // SAFETY: open for 'fd, as the borrow it comes from.
            unsafe { std::os::fd::BorrowedFd::borrow_raw(fd.as_raw_fd()) }
        }
    }

    impl<'fd> From<std::os::fd::BorrowedFd<'fd>> for BorrowedFd<'fd> {
        fn from(fd: std::os::fd::BorrowedFd<'fd>) -> Self {
            // SAFETY: as above.
            unsafe { BorrowedFd::borrow_raw(fd.as_raw_fd()) }
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    extern crate std;

    use super::*;
    use crate::sys;
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;

    #[test]
    fn owned_descriptors_move_to_std_and_back_without_closing() {
        let (read, write) = sys::pipe2(sys::O_CLOEXEC).unwrap();
        let (read_number, write_number) = (read.as_raw_fd(), write.as_raw_fd());
        let mut writer = std::fs::File::from(std::os::fd::OwnedFd::from(write));
        assert_eq!(writer.as_raw_fd(), write_number);
        writer.write_all(b"ok").unwrap();
        drop(writer);
        let back = OwnedFd::from(std::os::fd::OwnedFd::from(read));
        assert_eq!(back.as_raw_fd(), read_number);
        let mut text = std::string::String::new();
        std::fs::File::from(std::os::fd::OwnedFd::from(back)).read_to_string(&mut text).unwrap();
        assert_eq!(text, "ok");
        let borrowed: std::os::fd::BorrowedFd<'_> = STDERR.into();
        assert_eq!(BorrowedFd::from(borrowed), STDERR);
    }

    #[test]
    fn an_errno_becomes_the_std_io_error_of_its_number() {
        let error = std::io::Error::from(crate::errno::Errno::ENOENT);
        assert_eq!((error.raw_os_error(), error.kind()), (Some(2), std::io::ErrorKind::NotFound));
    }
}
