//! Error numbers, as the kernel returns them.
//!
//! The values come from `linux-raw-sys` for the architecture being built, so they are
//! right where they differ (mips numbers `EDEADLK`, `ENOSYS` and many more its own way).

use core::fmt;

/// An error number returned by the kernel (or by a wrapper's own check, such as
/// [`clone`](crate::clone)'s `EINVAL` for a NULL stack).
///
/// A newtype over the raw, positive value. [`Display`](fmt::Display) and
/// [`Debug`](fmt::Debug) print the name and the message: `EINVAL (Invalid argument)`.
#[derive(Copy, Clone, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct Errno(i32);

impl Errno {
    /// The error number for a raw value (positive, as in C's `errno`).
    pub const fn from_raw(raw: i32) -> Self {
        Errno(raw)
    }

    /// The raw, positive value, as C's `errno` would hold it.
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// Interprets the raw return value of a system call: the kernel reports an error
    /// as a value in `-4095..=-1` (the architecture layer has already turned mips'
    /// separate error flag into this form); any other value is a result.
    pub const fn from_syscall_return(ret: usize) -> Result<usize, Errno> {
        if ret > (-4096isize) as usize {
            Err(Errno((ret as isize).wrapping_neg() as i32))
        } else {
            Ok(ret)
        }
    }

    /// The symbolic name, such as `"EINVAL"`, or `"E?"` for a number this architecture
    /// does not define.
    pub fn name(self) -> &'static str {
        self.lookup().map_or("E?", |(name, _)| name)
    }

    /// The C library's message for this error, such as `"Invalid argument"`.
    pub fn message(self) -> &'static str {
        self.lookup().map_or("Unknown error", |(_, message)| message)
    }

    fn lookup(self) -> Option<(&'static str, &'static str)> {
        TABLE
            .iter()
            .find(|(raw, _, _)| *raw == self.0)
            .map(|&(_, name, message)| (name, message))
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.lookup() {
            Some((name, message)) => write!(f, "{name} ({message})"),
            None => write!(f, "error {}", self.0),
        }
    }
}

/// So that `?` turns an `Errno` into `Box<dyn Error>` in std programs.
impl core::error::Error for Errno {}

/// With feature `std`: the same error as std reports it (`io::Error::from_raw_os_error`),
/// so `?` works in functions returning `io::Result`.
#[cfg(feature = "std")]
impl From<Errno> for std::io::Error {
    fn from(errno: Errno) -> Self {
        std::io::Error::from_raw_os_error(errno.0)
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

macro_rules! errnos {
    ($($name:ident => $message:literal,)*) => {
        impl Errno {
            $(
                #[doc = concat!("`", stringify!($name), "`: ", $message, ".")]
                pub const $name: Errno = Errno(linux_raw_sys::errno::$name as i32);
            )*
            /// `EWOULDBLOCK`: the same number as [`Errno::EAGAIN`].
            pub const EWOULDBLOCK: Errno = Errno::EAGAIN;
        }

        /// Number, name and message of every error; the first name wins where two
        /// share a number (`EDEADLOCK` is `EDEADLK` outside mips).
        const TABLE: &[(i32, &str, &str)] = &[
            $((linux_raw_sys::errno::$name as i32, stringify!($name), $message),)*
        ];
    };
}

errnos! {
    EPERM => "Operation not permitted",
    ENOENT => "No such file or directory",
    ESRCH => "No such process",
    EINTR => "Interrupted system call",
    EIO => "Input/output error",
    ENXIO => "No such device or address",
    E2BIG => "Argument list too long",
    ENOEXEC => "Exec format error",
    EBADF => "Bad file descriptor",
    ECHILD => "No child processes",
    EAGAIN => "Resource temporarily unavailable",
    ENOMEM => "Cannot allocate memory",
    EACCES => "Permission denied",
    EFAULT => "Bad address",
    ENOTBLK => "Block device required",
    EBUSY => "Device or resource busy",
    EEXIST => "File exists",
    EXDEV => "Invalid cross-device link",
    ENODEV => "No such device",
    ENOTDIR => "Not a directory",
    EISDIR => "Is a directory",
    EINVAL => "Invalid argument",
    ENFILE => "Too many open files in system",
    EMFILE => "Too many open files",
    ENOTTY => "Inappropriate ioctl for device",
    ETXTBSY => "Text file busy",
    EFBIG => "File too large",
    ENOSPC => "No space left on device",
    ESPIPE => "Illegal seek",
    EROFS => "Read-only file system",
    EMLINK => "Too many links",
    EPIPE => "Broken pipe",
    EDOM => "Numerical argument out of domain",
    ERANGE => "Numerical result out of range",
    EDEADLK => "Resource deadlock avoided",
    ENAMETOOLONG => "File name too long",
    ENOLCK => "No locks available",
    ENOSYS => "Function not implemented",
    ENOTEMPTY => "Directory not empty",
    ELOOP => "Too many levels of symbolic links",
    ENOMSG => "No message of desired type",
    EIDRM => "Identifier removed",
    ECHRNG => "Channel number out of range",
    EL2NSYNC => "Level 2 not synchronized",
    EL3HLT => "Level 3 halted",
    EL3RST => "Level 3 reset",
    ELNRNG => "Link number out of range",
    EUNATCH => "Protocol driver not attached",
    ENOCSI => "No CSI structure available",
    EL2HLT => "Level 2 halted",
    EBADE => "Invalid exchange",
    EBADR => "Invalid request descriptor",
    EXFULL => "Exchange full",
    ENOANO => "No anode",
    EBADRQC => "Invalid request code",
    EBADSLT => "Invalid slot",
    EBFONT => "Bad font file format",
    ENOSTR => "Device not a stream",
    ENODATA => "No data available",
    ETIME => "Timer expired",
    ENOSR => "Out of streams resources",
    ENONET => "Machine is not on the network",
    ENOPKG => "Package not installed",
    EREMOTE => "Object is remote",
    ENOLINK => "Link has been severed",
    EADV => "Advertise error",
    ESRMNT => "Srmount error",
    ECOMM => "Communication error on send",
    EPROTO => "Protocol error",
    EMULTIHOP => "Multihop attempted",
    EDOTDOT => "RFS specific error",
    EBADMSG => "Bad message",
    EOVERFLOW => "Value too large for defined data type",
    ENOTUNIQ => "Name not unique on network",
    EBADFD => "File descriptor in bad state",
    EREMCHG => "Remote address changed",
    ELIBACC => "Can not access a needed shared library",
    ELIBBAD => "Accessing a corrupted shared library",
    ELIBSCN => ".lib section in a.out corrupted",
    ELIBMAX => "Attempting to link in too many shared libraries",
    ELIBEXEC => "Cannot exec a shared library directly",
    EILSEQ => "Invalid or incomplete multibyte or wide character",
    ERESTART => "Interrupted system call should be restarted",
    ESTRPIPE => "Streams pipe error",
    EUSERS => "Too many users",
    ENOTSOCK => "Socket operation on non-socket",
    EDESTADDRREQ => "Destination address required",
    EMSGSIZE => "Message too long",
    EPROTOTYPE => "Protocol wrong type for socket",
    ENOPROTOOPT => "Protocol not available",
    EPROTONOSUPPORT => "Protocol not supported",
    ESOCKTNOSUPPORT => "Socket type not supported",
    EOPNOTSUPP => "Operation not supported",
    EPFNOSUPPORT => "Protocol family not supported",
    EAFNOSUPPORT => "Address family not supported by protocol",
    EADDRINUSE => "Address already in use",
    EADDRNOTAVAIL => "Cannot assign requested address",
    ENETDOWN => "Network is down",
    ENETUNREACH => "Network is unreachable",
    ENETRESET => "Network dropped connection on reset",
    ECONNABORTED => "Software caused connection abort",
    ECONNRESET => "Connection reset by peer",
    ENOBUFS => "No buffer space available",
    EISCONN => "Transport endpoint is already connected",
    ENOTCONN => "Transport endpoint is not connected",
    ESHUTDOWN => "Cannot send after transport endpoint shutdown",
    ETOOMANYREFS => "Too many references: cannot splice",
    ETIMEDOUT => "Connection timed out",
    ECONNREFUSED => "Connection refused",
    EHOSTDOWN => "Host is down",
    EHOSTUNREACH => "No route to host",
    EALREADY => "Operation already in progress",
    EINPROGRESS => "Operation now in progress",
    ESTALE => "Stale file handle",
    EUCLEAN => "Structure needs cleaning",
    ENOTNAM => "Not a XENIX named type file",
    ENAVAIL => "No XENIX semaphores available",
    EISNAM => "Is a named type file",
    EREMOTEIO => "Remote I/O error",
    EDQUOT => "Disk quota exceeded",
    ENOMEDIUM => "No medium found",
    EMEDIUMTYPE => "Wrong medium type",
    ECANCELED => "Operation canceled",
    ENOKEY => "Required key not available",
    EKEYEXPIRED => "Key has expired",
    EKEYREVOKED => "Key has been revoked",
    EKEYREJECTED => "Key was rejected by service",
    EOWNERDEAD => "Owner died",
    ENOTRECOVERABLE => "State not recoverable",
    ERFKILL => "Operation not possible due to RF-kill",
    EHWPOISON => "Memory page has hardware error",
    EDEADLOCK => "Resource deadlock avoided",
}

#[cfg(test)]
mod tests {
    use super::Errno;

    #[test]
    fn errno_prints_name_and_message() {
        extern crate std;
        use std::format;
        assert_eq!(Errno::EINVAL.name(), "EINVAL");
        assert_eq!(format!("{}", Errno::EINVAL), "EINVAL (Invalid argument)");
        assert_eq!(format!("{:?}", Errno::ECHILD), "ECHILD (No child processes)");
        assert_eq!(format!("{}", Errno::from_raw(4000)), "error 4000");
        assert_eq!(Errno::from_raw(4000).name(), "E?");
    }

    #[test]
    fn errno_values_are_the_kernels() {
        assert_eq!(Errno::EINVAL.raw(), 22);
        assert_eq!(Errno::EPERM.raw(), 1);
        assert_eq!(Errno::EWOULDBLOCK, Errno::EAGAIN);
    }

    #[test]
    fn syscall_returns_in_the_error_range_become_errno() {
        assert_eq!(Errno::from_syscall_return(-22isize as usize), Err(Errno::EINVAL));
        assert_eq!(Errno::from_syscall_return(-4095isize as usize).unwrap_err().raw(), 4095);
        assert_eq!(Errno::from_syscall_return(-4096isize as usize), Ok(-4096isize as usize));
        assert_eq!(Errno::from_syscall_return(1234), Ok(1234));
        assert_eq!(Errno::from_syscall_return(0), Ok(0));
    }

    #[test]
    fn minus_one_is_eperm_and_the_range_ends_at_it() {
        // -1 is the last value of the error range (EPERM), not a result.
        assert_eq!(Errno::from_syscall_return(usize::MAX), Err(Errno::EPERM));
        assert_eq!(Errno::from_syscall_return(usize::MAX - 1), Err(Errno::ENOENT));
        assert_eq!(Errno::from_syscall_return(isize::MAX as usize), Ok(isize::MAX as usize));
    }
}
