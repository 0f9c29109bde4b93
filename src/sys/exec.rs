//! Program execution: `execve` and the NULL-terminated string arrays it takes.

use core::ffi::{CStr, c_char};
use core::marker::PhantomData;

use linux_raw_sys::general as kernel;

use super::{c_path, check};
use crate::errno::Errno;
use crate::arch;

/// One entry of an [`execve`] argument or environment array: a thin pointer to a C
/// string that lives at least `'a`, or the null terminator [`CStrPtr::NULL`]. It has
/// the layout of `const char *` (`&CStr` does not: it is a wide pointer), and safe code
/// can only make one from a `&CStr` or as `NULL`, so it never dangles: the borrow
/// checker refuses an array that outlives its strings.
///
/// ```compile_fail,E0597
/// use freeclone::sys::{self, CStrArray, CStrArrayBuf};
/// let argv;
/// {
///     let bytes = *b"short-lived\0";
///     let name = core::ffi::CStr::from_bytes_with_nul(&bytes).unwrap();
///     argv = CStrArrayBuf::new([name]);
/// } // `bytes` ends here, while `argv` still points to it
/// sys::execve(c"/bin/true", &argv, CStrArray::EMPTY);
/// ```
#[repr(transparent)]
#[derive(Copy, Clone)]
pub struct CStrPtr<'a> {
    pointer: *const c_char,
    string: PhantomData<&'a CStr>,
}

// SAFETY: a `CStrPtr` is a `&CStr` in another layout, and `&CStr` is `Send` and `Sync`.
unsafe impl Send for CStrPtr<'_> {}
// SAFETY: as for `Send`.
unsafe impl Sync for CStrPtr<'_> {}

impl<'a> CStrPtr<'a> {
    /// The null pointer that ends an array.
    pub const NULL: CStrPtr<'static> = CStrPtr { pointer: core::ptr::null(), string: PhantomData };

    /// A pointer to `string`, valid for as long as the borrow.
    pub const fn new(string: &'a CStr) -> Self {
        CStrPtr { pointer: string.as_ptr(), string: PhantomData }
    }

    /// Whether this is [`CStrPtr::NULL`].
    pub const fn is_null(self) -> bool {
        self.pointer.is_null()
    }

    /// The string, or `None` for [`CStrPtr::NULL`].
    pub fn get(self) -> Option<&'a CStr> {
        // SAFETY: a non-null pointer came from a `&'a CStr` (`new` is the only way).
        (!self.is_null()).then(|| unsafe { CStr::from_ptr(self.pointer) })
    }

    /// The pointer the kernel receives.
    pub const fn as_ptr(self) -> *const c_char {
        self.pointer
    }
}

impl<'a> From<&'a CStr> for CStrPtr<'a> {
    fn from(string: &'a CStr) -> Self {
        CStrPtr::new(string)
    }
}

impl core::fmt::Debug for CStrPtr<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.get() {
            Some(string) => core::fmt::Debug::fmt(string, f),
            None => f.write_str("NULL"),
        }
    }
}

/// A null-terminated array of C strings, as [`execve`]'s `argv` and `envp`: a slice of
/// [`CStrPtr`] whose last entry is [`CStrPtr::NULL`]. It is borrowed like `CStr`; get
/// one from a slice with [`CStrArray::new`] (which checks the terminator), from a
/// fixed list of strings with [`CStrArrayBuf`] (which adds it), or use
/// [`CStrArray::EMPTY`].
///
/// ```
/// use freeclone::sys::{CStrArray, CStrPtr};
/// let entries = [CStrPtr::new(c"/sbin/init"), CStrPtr::new(c"single"), CStrPtr::NULL];
/// let argv = CStrArray::new(&entries).expect("ends in NULL");
/// assert_eq!(argv.len(), 2);
/// assert!(CStrArray::new(&entries[..2]).is_none()); // no terminator: refused
/// ```
#[repr(transparent)]
pub struct CStrArray<'a>([CStrPtr<'a>]);

impl<'a> CStrArray<'a> {
    /// The array with no strings: only the terminator (`envp` of an empty environment).
    pub const EMPTY: &'static CStrArray<'static> = match CStrArray::new(&[CStrPtr::NULL]) {
        Some(array) => array,
        None => unreachable!(),
    };

    /// `entries` as an array, if its last entry is [`CStrPtr::NULL`]; `None` otherwise
    /// (an empty slice included). An earlier null ends the array there for the kernel.
    pub const fn new<'s>(entries: &'s [CStrPtr<'a>]) -> Option<&'s CStrArray<'a>> {
        match entries.last() {
            Some(last) if last.is_null() => {
                // SAFETY: `CStrArray` is a `repr(transparent)` wrapper of the slice.
                Some(unsafe { &*(entries as *const [CStrPtr<'a>] as *const CStrArray<'a>) })
            }
            _ => None,
        }
    }

    /// The entries, the terminator included.
    pub const fn entries(&self) -> &[CStrPtr<'a>] {
        &self.0
    }

    /// How many strings come before the first null entry (what the kernel counts).
    pub fn len(&self) -> usize {
        self.0.iter().take_while(|entry| !entry.is_null()).count()
    }

    /// Whether the first entry is null (no strings).
    pub fn is_empty(&self) -> bool {
        self.0[0].is_null()
    }

    /// The strings before the first null entry.
    pub fn iter(&self) -> impl Iterator<Item = &'a CStr> + '_ {
        self.0.iter().map_while(|entry| entry.get())
    }

    /// The pointer the kernel receives: `const char *const[]`, null-terminated.
    pub const fn as_ptr(&self) -> *const *const c_char {
        self.0.as_ptr().cast()
    }
}

impl core::fmt::Debug for CStrArray<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// `N` strings and the null terminator in one value, on the stack: a [`CStrArray`]
/// that cannot lack its terminator, for argument lists known when writing the code.
/// It dereferences to [`CStrArray`], so `&buffer` is an `execve` argument.
///
/// ```
/// use freeclone::sys::CStrArrayBuf;
/// let argv = CStrArrayBuf::new([c"/bin/sh", c"-c", c"echo hello"]);
/// assert_eq!(argv.len(), 3);
/// assert!(argv.entries()[3].is_null());
/// ```
#[repr(C)]
pub struct CStrArrayBuf<'a, const N: usize> {
    // `repr(C)`: the terminator directly follows the N entries, with no padding (same
    // type), so the whole value is an array of N + 1 entries.
    strings: [CStrPtr<'a>; N],
    terminator: CStrPtr<'a>,
}

impl<'a, const N: usize> CStrArrayBuf<'a, N> {
    /// The array of `strings`, null-terminated.
    pub const fn new(strings: [&'a CStr; N]) -> Self {
        let mut entries = [CStrPtr::NULL; N];
        let mut index = 0;
        while index < N {
            entries[index] = CStrPtr::new(strings[index]);
            index += 1;
        }
        CStrArrayBuf { strings: entries, terminator: CStrPtr::NULL }
    }

    /// The borrowed array.
    pub const fn as_array(&self) -> &CStrArray<'a> {
        let entries = core::ptr::slice_from_raw_parts((self as *const Self).cast::<CStrPtr<'a>>(), N + 1);
        // SAFETY: `repr(C)` lays out the N entries and then the terminator contiguously
        // (same size and alignment, so no padding): N + 1 initialized entries, the last
        // null, borrowed for as long as `self`. `CStrArray` is a transparent slice.
        unsafe { &*(entries as *const CStrArray<'a>) }
    }
}

impl<'a, const N: usize> core::ops::Deref for CStrArrayBuf<'a, N> {
    type Target = CStrArray<'a>;

    fn deref(&self) -> &CStrArray<'a> {
        self.as_array()
    }
}

impl<const N: usize> core::fmt::Debug for CStrArrayBuf<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self.as_array(), f)
    }
}

/// `execve(2)`: replaces the calling process's program with the program at `path`,
/// started with the arguments `argv` (`argv[0]` is, by convention, its name) and the
/// environment `envp` (`NAME=value` strings). On success it does not return: every
/// other thread of the process is ended, the memory is replaced, descriptors marked
/// close-on-exec are closed, and caught signals revert to their default action; the
/// process ID stays, so the parent waits for the new program as for the old one.
///
/// The types make the kernel's requirements hold: both arrays end in a null pointer,
/// and each string outlives the call.
///
/// ```no_run
/// use core::convert::Infallible;
/// use freeclone::{Errno, sys::{self, CStrArray, CStrArrayBuf}};
///
/// fn run_shell_command() -> Result<Infallible, Errno> {
///     let argv = CStrArrayBuf::new([c"/bin/sh", c"-c", c"echo hello from $0"]);
///     let envp = CStrArrayBuf::new([c"PATH=/usr/bin:/bin"]);
///     Err(sys::execve(c"/bin/sh", &argv, &envp)) // returns only on failure
/// }
///
/// // An init handing over to the next one, with an empty environment, falling back
/// // to a second path if the first is missing:
/// for init in [c"/sbin/init", c"/bin/init"] {
///     match sys::execve(init, &CStrArrayBuf::new([init]), CStrArray::EMPTY) {
///         Errno::ENOENT => continue,
///         errno => return Err(errno),
///     }
/// }
/// # let _ = run_shell_command;
/// # Ok::<(), Errno>(())
/// ```
///
/// Returns only on failure, with the reason. (If the kernel answered "success" without
/// replacing the program, which only a seccomp filter returning errno 0 can make it
/// do, the value is `Errno::from_raw(0)`.)
///
/// # Errors
/// `ENOENT` if `path` or its interpreter does not exist; `EACCES` if it is not a
/// regular file, lacks execute permission, or lies on a `noexec` mount; `ENOEXEC` if
/// its format is not one this kernel runs (a binary for another architecture without a
/// `binfmt_misc` handler); `E2BIG` if the strings are too long together; `ETXTBSY` if
/// it is open for writing; `ENOTDIR`, `ELOOP`, `ENAMETOOLONG`, `EISDIR`, `EPERM`
/// (set-user-ID under tracing or `no_new_privs` restrictions), `EAGAIN` (process
/// limit after a UID change), `ENOMEM`, `EIO`, `EMFILE`/`ENFILE`, `EFAULT`.
pub fn execve(path: &CStr, argv: &CStrArray<'_>, envp: &CStrArray<'_>) -> Errno {
    let nr = kernel::__NR_execve as usize;
    // SAFETY: `path` is NUL-terminated; both arrays end in a null entry and point only
    // to NUL-terminated strings that live at least as long as this call. The kernel
    // reads them before replacing the program (or returns an error).
    let ret = unsafe { arch::syscall3(nr, c_path(path), argv.as_ptr() as usize, envp.as_ptr() as usize) };
    match check(ret) {
        Err(errno) => errno,
        Ok(_) => Errno::from_raw(0),
    }
}
