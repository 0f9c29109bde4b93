//! Mounts and namespaces: `mount`, `umount2`, `chroot`, `pivot_root`, `unshare`,
//! `setns`.

use core::ffi::{CStr, c_int};

use linux_raw_sys::general as kernel;

use super::{c_path, c_path_or_null, check};
use crate::errno::Errno;
use crate::arch;
use crate::fd::BorrowedFd;
use crate::flags::CloneFlags;

/// [`mount`] flag: mount read-only.
pub const MS_RDONLY: usize = kernel::MS_RDONLY as usize;
/// [`mount`] flag: ignore set-user-ID and set-group-ID bits (and file capabilities).
pub const MS_NOSUID: usize = kernel::MS_NOSUID as usize;
/// [`mount`] flag: no access to device files.
pub const MS_NODEV: usize = kernel::MS_NODEV as usize;
/// [`mount`] flag: no program may be executed from this mount.
pub const MS_NOEXEC: usize = kernel::MS_NOEXEC as usize;
/// [`mount`] flag: writes are synchronous.
pub const MS_SYNCHRONOUS: usize = kernel::MS_SYNCHRONOUS as usize;
/// [`mount`] flag: change the flags (and `data`) of the existing mount at `target`.
pub const MS_REMOUNT: usize = kernel::MS_REMOUNT as usize;
/// [`mount`] flag: directory changes are synchronous.
pub const MS_DIRSYNC: usize = kernel::MS_DIRSYNC as usize;
/// [`mount`] flag: do not update access times.
pub const MS_NOATIME: usize = kernel::MS_NOATIME as usize;
/// [`mount`] flag: do not update access times of directories.
pub const MS_NODIRATIME: usize = kernel::MS_NODIRATIME as usize;
/// [`mount`] flag: make `source` (a file or directory) visible at `target` too; `fstype`
/// and `data` are ignored.
pub const MS_BIND: usize = kernel::MS_BIND as usize;
/// [`mount`] flag: move the mount at `source` to `target`, atomically.
pub const MS_MOVE: usize = kernel::MS_MOVE as usize;
/// `mount` flag: apply to the whole subtree.
pub const MS_REC: usize = kernel::MS_REC as usize;
/// [`mount`] flag: do not log some kernel messages about the mount.
pub const MS_SILENT: usize = kernel::MS_SILENT as usize;
/// [`mount`] propagation flag: the mount can be neither bind-mounted nor propagated.
pub const MS_UNBINDABLE: usize = kernel::MS_UNBINDABLE as usize;
/// `mount` flag: make the mount private (no propagation).
pub const MS_PRIVATE: usize = kernel::MS_PRIVATE as usize;
/// [`mount`] propagation flag: receive mount events from the peer group, send none.
pub const MS_SLAVE: usize = kernel::MS_SLAVE as usize;
/// [`mount`] propagation flag: share mount events with a peer group.
pub const MS_SHARED: usize = kernel::MS_SHARED as usize;
/// [`mount`] flag: update access times only relative to modification times (the
/// kernel's default).
pub const MS_RELATIME: usize = kernel::MS_RELATIME as usize;
/// [`mount`] flag: always update access times.
pub const MS_STRICTATIME: usize = kernel::MS_STRICTATIME as usize;
/// [`mount`] flag: keep time updates in memory only, writing them out lazily.
pub const MS_LAZYTIME: usize = kernel::MS_LAZYTIME as usize;

/// [`umount2`] flag: unmount even if busy (only some filesystems, such as NFS, support it).
pub const MNT_FORCE: c_int = kernel::MNT_FORCE as c_int;
/// [`umount2`] flag: detach the mount from the tree at once ("lazy unmount"); it stays
/// usable through open descriptors and working directories until the last is gone.
pub const MNT_DETACH: c_int = kernel::MNT_DETACH as c_int;
/// [`umount2`] flag: mark an unused mount as expired (`EAGAIN`); a second call unmounts
/// it if it is still unused.
pub const MNT_EXPIRE: c_int = kernel::MNT_EXPIRE as c_int;
/// [`umount2`] flag: do not follow `target` if it is a symbolic link.
pub const UMOUNT_NOFOLLOW: c_int = kernel::UMOUNT_NOFOLLOW as c_int;

/// `mount(2)`: attaches the filesystem `source` of type `fstype` at `target`, or with
/// [`MS_BIND`], [`MS_MOVE`], [`MS_REMOUNT`] or a propagation flag ([`MS_PRIVATE`],
/// [`MS_SHARED`], [`MS_SLAVE`], [`MS_UNBINDABLE`]) changes existing mounts; `data` is
/// the filesystem's options (`mode=755,size=1m` for tmpfs). `None` passes a null
/// pointer, for the arguments a given operation ignores.
///
/// This is safe: the kernel only reads the strings, and changes nothing but the mount
/// tree, which no Rust guarantee rests on. (The kernel copies up to one page from
/// `data`, stopping at unmapped memory: filesystems that take binary option structures
/// instead of a string cannot be given one through this function.)
///
/// ```no_run
/// use freeclone::sys;
/// // What an init does first: /proc, and a tmpfs on /tmp.
/// let _ = sys::mkdirat(freeclone::fd::CWD, c"/proc", 0o555);
/// let quiet = sys::MS_NOSUID | sys::MS_NODEV | sys::MS_NOEXEC;
/// sys::mount(Some(c"proc"), c"/proc", Some(c"proc"), quiet, None)?;
/// sys::mount(Some(c"tmpfs"), c"/tmp", Some(c"tmpfs"), sys::MS_NOSUID | sys::MS_NODEV, Some(c"mode=1777,size=16m"))?;
/// // Keep later mounts of this mount namespace from propagating anywhere else.
/// sys::mount(None, c"/", None, sys::MS_REC | sys::MS_PRIVATE, None)?;
/// # Ok::<(), freeclone::Errno>(())
/// ```
///
/// # Errors
/// `EPERM` without `CAP_SYS_ADMIN` in the mount namespace's user namespace; `ENOENT` or
/// `ENOTDIR` if `target` (or a path `source`) does not resolve; `ENODEV` for an
/// unknown `fstype`; `EBUSY` if `source` is already mounted, or read-only remounting
/// finds files open for writing; `EINVAL` for a combination the kernel refuses (for
/// example moving a mount whose parent is shared, or `MS_REMOUNT` on a non-mount);
/// `ENOTBLK` if `source` must be a block device and is not; `EACCES`, `ELOOP`,
/// `ENAMETOOLONG`, `ENOMEM`, `EFAULT`.
pub fn mount(
    source: Option<&CStr>,
    target: &CStr,
    fstype: Option<&CStr>,
    flags: usize,
    data: Option<&CStr>,
) -> Result<(), Errno> {
    let nr = kernel::__NR_mount as usize;
    let ret = unsafe {
        arch::syscall5(nr, c_path_or_null(source), c_path(target), c_path_or_null(fstype), flags, c_path_or_null(data))
    };
    check(ret).map(drop)
}


/// `umount2(2)`: detaches the mount at `target` (the mount point, not the device).
/// `flags`: 0, or [`MNT_FORCE`], [`MNT_DETACH`], [`MNT_EXPIRE`], [`UMOUNT_NOFOLLOW`].
/// Every architecture has this call; the legacy flagless `umount` exists only on some.
///
/// # Errors
/// `EBUSY` if the mount is in use (an open file, a working directory, a mount below
/// it) and [`MNT_DETACH`] is not given; `EINVAL` if `target` is not a mount point, or
/// for [`MNT_EXPIRE`] with [`MNT_FORCE`] or [`MNT_DETACH`]; `EAGAIN` when
/// [`MNT_EXPIRE`] marked the mount expired; `EPERM` without `CAP_SYS_ADMIN`;
/// `ENOENT`, `ENAMETOOLONG`, `EFAULT`, `ENOMEM`.
pub fn umount2(target: &CStr, flags: c_int) -> Result<(), Errno> {
    let nr = kernel::__NR_umount2 as usize;
    check(unsafe { arch::syscall2(nr, c_path(target), flags as usize) }).map(drop)
}

/// `chroot(2)`: makes `path` the calling process's root directory: what `/` and `..`
/// at the root resolve to from then on. The working directory does not change (it may
/// stay outside the new root; `chdir(c"/")` after this is the usual step). Shared with
/// the processes that share the caller's filesystem information (`CLONE_FS`).
///
/// # Errors
/// `EPERM` without `CAP_SYS_CHROOT`; `ENOENT`, `ENOTDIR`, `EACCES`, `ELOOP`,
/// `ENAMETOOLONG`, `EIO`, `ENOMEM`, `EFAULT`.
pub fn chroot(path: &CStr) -> Result<(), Errno> {
    check(unsafe { arch::syscall1(kernel::__NR_chroot as usize, c_path(path)) }).map(drop)
}

/// `pivot_root(2)`: in the caller's mount namespace, makes the mount at `new_root` the
/// root mount and moves the old root mount to `put_old`, which must be at or under
/// `new_root`. Every process of the namespace whose root or working directory was the
/// old root moves to `new_root`. `pivot_root(".", ".")` stacks the old root on top of
/// the new one, to be unmounted with [`umount2`].
///
/// # Errors
/// `EINVAL` if `new_root` is not a mount point, `put_old` is not under it, the current
/// root is not a mount point or has no parent mount (the initramfs `rootfs`: make a
/// tmpfs the root first, with [`MS_MOVE`] onto `/` and [`chroot`], as `switch_root`
/// does), or a parent mount is shared; `EBUSY` if `new_root` or `put_old` is the
/// current root; `EPERM` without `CAP_SYS_ADMIN`; `ENOTDIR`, `ENOENT`, `EACCES`,
/// `ELOOP`, `ENAMETOOLONG`, `ENOMEM`, `EFAULT`.
pub fn pivot_root(new_root: &CStr, put_old: &CStr) -> Result<(), Errno> {
    let nr = kernel::__NR_pivot_root as usize;
    check(unsafe { arch::syscall2(nr, c_path(new_root), c_path(put_old)) }).map(drop)
}

/// `unshare(2)`: moves the calling thread out of what it shares: into new namespaces
/// for the `CLONE_NEW*` flags of [`flags`](crate::flags) (the child's side of `clone`'s
/// flags, applied to the caller), or into private copies of its descriptor table
/// (`CLONE_FILES`), filesystem information (`CLONE_FS`) or System V semaphore
/// adjustments (`CLONE_SYSVSEM`). `CLONE_NEWPID` applies to the caller's next
/// children, not to the caller. `CLONE_NEWNS` implies `CLONE_FS`; `CLONE_NEWUSER`
/// implies `CLONE_FS` and `CLONE_THREAD`. `CLONE_VM`, `CLONE_SIGHAND` and
/// `CLONE_THREAD` succeed only where nothing is shared, so they never unshare anything.
///
/// # Errors
/// `EINVAL` for an unknown flag, or for `CLONE_THREAD`, `CLONE_SIGHAND`, `CLONE_VM`
/// or `CLONE_NEWUSER` in a process with other threads; `EPERM` without
/// `CAP_SYS_ADMIN` for a namespace (other than a user namespace); `EUSERS` or
/// `ENOSPC` past the nesting or count limits of namespaces; `ENOMEM`.
///
/// # Safety
/// With `CLONE_FILES`, when the descriptor table is shared (with threads, or with
/// processes created with `CLONE_FILES`): from then on the caller has a copy, with
/// the same numbers, that the others no longer see. A descriptor number must not cross
/// between the copies afterwards (opened by another thread, it names a different file
/// or none in the caller's table; closed by the caller, it stays open in theirs), so
/// nothing that owns a descriptor in one table may be used from the other. Without
/// `CLONE_FILES`, or when nothing shares the table, this call cannot cause undefined
/// behaviour.
pub unsafe fn unshare(flags: CloneFlags) -> Result<(), Errno> {
    let flags = flags.clone_bits().ok_or(Errno::EINVAL)?;
    check(unsafe { arch::syscall1(kernel::__NR_unshare as usize, flags as usize) }).map(drop)
}

/// `setns(2)`: moves the calling thread into the namespace that `fd` refers to: an
/// open `/proc/<pid>/ns/<name>` file, or (Linux 5.8 and later) a PID file descriptor,
/// whose namespaces named in `nstype` are all joined. `nstype` is `CloneFlags::empty()` (any type) or the
/// `CLONE_NEW*` flag the namespace must have, as a check. Joining a PID namespace
/// applies to the caller's next children; a user namespace needs a single-threaded
/// caller, a mount namespace a caller that does not share its filesystem
/// information (`CLONE_FS`).
///
/// # Errors
/// `EBADF` if `fd` is not open; `EINVAL` if `fd` is not a namespace (or PID) file,
/// `nstype` does not match it, or the caller cannot join it (threads, shared
/// filesystem information, a PID namespace that is not a descendant); `EPERM` without
/// `CAP_SYS_ADMIN` over the namespace; `ESRCH` if the pidfd's process is gone;
/// `ENOMEM`.
pub fn setns(fd: BorrowedFd<'_>, nstype: CloneFlags) -> Result<(), Errno> {
    let nr = kernel::__NR_setns as usize;
    let nstype = nstype.clone_bits().ok_or(Errno::EINVAL)?;
    check(unsafe { arch::syscall2(nr, fd.as_raw_fd() as usize, nstype as usize) }).map(drop)
}
