//! The system as a whole: `uname`, `sethostname`, `sync`, power-off.

use core::ffi::CStr;

use linux_raw_sys::general as kernel;

use super::check;
use crate::errno::Errno;
use crate::arch;

/// What `uname(2)` tells: the kernel's `struct new_utsname`, six NUL-terminated fields
/// of at most 64 bytes, each read as a [`CStr`].
#[derive(Clone, Copy)]
pub struct Utsname(linux_raw_sys::system::new_utsname);

impl Utsname {
    fn field(field: &[core::ffi::c_char; 65]) -> &CStr {
        // SAFETY: c_char and u8 have one layout.
        let bytes = unsafe { &*(field as *const [core::ffi::c_char; 65]).cast::<[u8; 65]>() };
        // The kernel terminates every field; a missing NUL would give the empty string.
        CStr::from_bytes_until_nul(bytes).unwrap_or(c"")
    }

    /// The operating system's name (`Linux`).
    pub fn sysname(&self) -> &CStr {
        Utsname::field(&self.0.sysname)
    }

    /// The host name in the caller's UTS namespace (what `sethostname` sets).
    pub fn nodename(&self) -> &CStr {
        Utsname::field(&self.0.nodename)
    }

    /// The kernel's release (`6.12.0-...`).
    pub fn release(&self) -> &CStr {
        Utsname::field(&self.0.release)
    }

    /// The kernel's version (build number and date).
    pub fn version(&self) -> &CStr {
        Utsname::field(&self.0.version)
    }

    /// The machine (`x86_64`, `aarch64`, ...), as the kernel names it for the caller's
    /// personality.
    pub fn machine(&self) -> &CStr {
        Utsname::field(&self.0.machine)
    }

    /// The NIS domain name in the caller's UTS namespace (what `setdomainname` sets).
    pub fn domainname(&self) -> &CStr {
        Utsname::field(&self.0.domainname)
    }

    /// The kernel's structure itself.
    pub fn as_raw(&self) -> &linux_raw_sys::system::new_utsname {
        &self.0
    }
}

impl core::fmt::Debug for Utsname {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Utsname")
            .field("sysname", &self.sysname())
            .field("nodename", &self.nodename())
            .field("release", &self.release())
            .field("version", &self.version())
            .field("machine", &self.machine())
            .field("domainname", &self.domainname())
            .finish()
    }
}

/// `uname(2)`.
pub fn uname() -> Result<Utsname, Errno> {
    // SAFETY: all-zero bytes are a valid (empty) structure.
    let mut name: linux_raw_sys::system::new_utsname = unsafe { core::mem::zeroed() };
    let nr = kernel::__NR_uname as usize;
    check(unsafe { arch::syscall1(nr, &raw mut name as usize) })?;
    Ok(Utsname(name))
}

/// `sethostname(2)`.
pub fn sethostname(name: &[u8]) -> Result<(), Errno> {
    let nr = kernel::__NR_sethostname as usize;
    check(unsafe { arch::syscall2(nr, name.as_ptr() as usize, name.len()) }).map(drop)
}

/// `sync(2)`: flushes file system buffers.
pub fn sync() {
    unsafe { arch::syscall0(kernel::__NR_sync as usize) };
}

/// `reboot(2)` with `LINUX_REBOOT_CMD_POWER_OFF`. Only for a PID 1 that means it: use
/// `rt::power_off` (feature `rt`), which checks that; as root anywhere else this powers
/// the machine off.
///
/// # Safety
/// Powers the machine off (or, in a PID namespace, ends its init).
pub unsafe fn reboot_power_off() -> Result<(), Errno> {
    let nr = kernel::__NR_reboot as usize;
    let ret = unsafe {
        arch::syscall4(
            nr,
            kernel::LINUX_REBOOT_MAGIC1 as usize,
            kernel::LINUX_REBOOT_MAGIC2 as usize,
            kernel::LINUX_REBOOT_CMD_POWER_OFF as usize,
            0,
        )
    };
    check(ret).map(drop)
}
