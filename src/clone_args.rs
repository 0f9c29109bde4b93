//! `clone3()`'s argument, `struct clone_args`, built so that every pointer it hands the
//! kernel is borrowed for as long as the [`CloneArgs`] lives.

use core::ffi::c_int;
use core::marker::PhantomData;
use core::mem::MaybeUninit;

use linux_raw_sys::general as kernel;

use crate::fd::BorrowedFd;
use crate::flags::{CLONE_INTO_CGROUP, CLONE_PARENT_SETTID, CLONE_SETTLS, CloneFlags};
use crate::types::pid_t;
use crate::tls::TlsArgument;

/// The kernel's `struct clone_args`, as [`clone3_raw`](crate::clone::clone3_raw)
/// takes it: eleven `u64` fields, pointers and descriptors widened to 64 bits.
pub type RawCloneArgs = kernel::clone_args;

/// The size of the first published `struct clone_args` (Linux 5.3): `flags` to `tls`.
pub const CLONE_ARGS_SIZE_VER0: usize = kernel::CLONE_ARGS_SIZE_VER0 as usize;
/// The size with `set_tid` and `set_tid_size` (Linux 5.5).
pub const CLONE_ARGS_SIZE_VER1: usize = kernel::CLONE_ARGS_SIZE_VER1 as usize;
/// The size with `cgroup` (Linux 5.7): the whole structure as this crate knows it.
pub const CLONE_ARGS_SIZE_VER2: usize = kernel::CLONE_ARGS_SIZE_VER2 as usize;

const _: () = assert!(core::mem::size_of::<RawCloneArgs>() == CLONE_ARGS_SIZE_VER2);

/// The `cl_args` argument of `clone3()` with its `size`: "the arguments are packaged
/// into the `clone_args` structure", one field per `clone()` argument and a few more.
///
/// A builder: start from [`CloneArgs::new`] (every field zero: no flags, no exit
/// signal, the caller's stack), add what the child needs, and pass it to
/// [`sys::clone3`](crate::sys::clone3). Each method that takes a reference keeps it
/// borrowed for the lifetime `'a` of the `CloneArgs`, so safe code cannot hand the
/// kernel a pointer that dangles. A setter whose field only one flag reads also sets
/// that flag (`pidfd`: `CLONE_PIDFD`, `parent_tid`: `CLONE_PARENT_SETTID`, `tls`:
/// `CLONE_SETTLS`, `cgroup`: `CLONE_INTO_CGROUP`); `child_tid`, read by two flags,
/// sets none.
///
/// [`size`](CloneArgs::size) is the smallest published size that carries the fields
/// in use (64 bytes, 80 with `set_tid`, 88 with `cgroup`), so a kernel older than a
/// field it does not need still accepts the call.
///
/// ```
/// use core::ffi::c_int;
/// use freeclone::{CloneArgs, flags::CLONE_CLEAR_SIGHAND, signal::SIGCHLD};
///
/// let mut pidfd: c_int = -1;
/// let args = CloneArgs::new().flags(CLONE_CLEAR_SIGHAND).exit_signal(SIGCHLD).pidfd(&mut pidfd);
/// assert_eq!(args.size(), 64);
/// assert_eq!(args.as_raw().exit_signal, SIGCHLD as u64);
/// let set_tid = [1, 42];
/// assert_eq!(CloneArgs::new().set_tid(&set_tid).size(), 80);
/// assert_eq!(CloneArgs::new().cgroup(freeclone::fd::STDIN).size(), 88);
/// ```
/// It is neither `Copy` nor `Clone`: it holds `&mut` borrows the kernel writes through.
pub struct CloneArgs<'a> {
    raw: RawCloneArgs,
    /// Whether `cgroup` was given: descriptor 0 is a valid one, so the field's value
    /// cannot tell.
    cgroup_set: bool,
    borrows: PhantomData<Borrows<'a>>,
}

/// What a [`CloneArgs`] borrows (the kernel writes through some of it).
type Borrows<'a> = (&'a mut c_int, &'a mut pid_t, &'a [pid_t], &'a mut [MaybeUninit<u8>], &'a mut TlsArgument);

impl core::fmt::Debug for CloneArgs<'_> {
    /// The structure the kernel reads, and its size; the borrows are its pointers.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CloneArgs").field("raw", &self.raw).field("size", &self.size()).finish()
    }
}

impl Default for CloneArgs<'_> {
    fn default() -> Self {
        CloneArgs::new()
    }
}

impl<'a> CloneArgs<'a> {
    /// Every field zero: no flags, exit signal 0 ("the parent process is not signaled
    /// when the child terminates"), and no stack ("the child uses the same stack area
    /// as the parent (in the child's own virtual address space)").
    pub const fn new() -> Self {
        CloneArgs {
            raw: RawCloneArgs {
                flags: 0,
                pidfd: 0,
                child_tid: 0,
                parent_tid: 0,
                exit_signal: 0,
                stack: 0,
                stack_size: 0,
                tls: 0,
                set_tid: 0,
                set_tid_size: 0,
                cgroup: 0,
            },
            cgroup_set: false,
            borrows: PhantomData,
        }
    }

    /// Adds `flags` to the flags mask (`cl_args.flags`): `CLONE_*` bits, including the
    /// clone3-only [`CLONE_CLEAR_SIGHAND`](crate::flags::CLONE_CLEAR_SIGHAND) and
    /// [`CLONE_INTO_CGROUP`] above bit 31. Unlike `clone()`'s, these flags hold no exit
    /// signal: the kernel refuses any bit of the low byte but
    /// [`CLONE_NEWTIME`](crate::flags::CLONE_NEWTIME) (`EINVAL`), and `CLONE_DETACHED`.
    pub const fn flags(mut self, flags: CloneFlags) -> Self {
        self.raw.flags |= flags.bits();
        self
    }

    /// `cl_args.pidfd` and `CLONE_PIDFD`: "a PID file descriptor referring to the child
    /// process is allocated and placed" in `pidfd`, in the parent's memory, with its
    /// close-on-exec flag set. Not with `CLONE_THREAD` (`EINVAL`).
    pub fn pidfd(mut self, pidfd: &'a mut c_int) -> Self {
        self.raw.pidfd = address(pidfd as *mut c_int);
        self.raw.flags |= kernel::CLONE_PIDFD as u64;
        self
    }

    /// `cl_args.child_tid`: with `CLONE_CHILD_SETTID`, "store the child thread ID at"
    /// this location "in the child's memory" before the child runs; with
    /// `CLONE_CHILD_CLEARTID`, clear it "when the child exits, and do a wakeup on the
    /// futex at that address". Neither flag is set here.
    pub fn child_tid(mut self, child_tid: &'a mut pid_t) -> Self {
        self.raw.child_tid = address(child_tid as *mut pid_t);
        self
    }

    /// `cl_args.parent_tid` and `CLONE_PARENT_SETTID`: "store the child thread ID at"
    /// this location "in the parent's memory"; "the store operation completes before
    /// the clone call returns control to user space".
    pub fn parent_tid(mut self, parent_tid: &'a mut pid_t) -> Self {
        self.raw.parent_tid = address(parent_tid as *mut pid_t);
        self.raw.flags |= CLONE_PARENT_SETTID.bits();
        self
    }

    /// `cl_args.exit_signal`: the "signal to deliver to parent on child termination"
    /// (0: none). Anything but `SIGCHLD` means the parent must wait with `__WALL` or
    /// `__WCLONE`. A value with bits outside `CSIGNAL` (`0xff`), or above the
    /// architecture's last signal, is `EINVAL` (a negative `signal` included).
    pub const fn exit_signal(mut self, signal: c_int) -> Self {
        self.raw.exit_signal = signal as u32 as u64;
        self
    }

    /// `cl_args.stack` and `cl_args.stack_size`: the child's stack area, given by its
    /// lowest byte and its size; the kernel starts the child at its top (stacks grow
    /// down on every architecture here). "In the case where the `CLONE_VM` flag is
    /// specified, a stack must be explicitly allocated and specified."
    ///
    /// An mmapped stack becomes a slice with
    /// `core::slice::from_raw_parts_mut(base.cast::<MaybeUninit<u8>>(), size)`.
    pub fn stack(mut self, stack: &'a mut [MaybeUninit<u8>]) -> Self {
        self.raw.stack = address(stack.as_mut_ptr());
        self.raw.stack_size = stack.len() as u64;
        self
    }

    /// `cl_args.tls` and `CLONE_SETTLS`: the child's thread pointer, as
    /// [`TlsArgument`] builds it for this architecture (on i386 a pointer to its
    /// `struct user_desc`, which is why it is borrowed).
    pub fn tls(mut self, tls: &'a mut TlsArgument) -> Self {
        self.raw.tls = address(tls.as_mut_ptr());
        self.raw.flags |= CLONE_SETTLS.bits();
        self
    }

    /// `cl_args.set_tid` and `set_tid_size` (since Linux 5.5): the child's PID in the
    /// innermost PID namespaces, "the first entry" being "the PID in the most deeply
    /// nested PID namespace and each of the following entries" the PID "in the
    /// corresponding ancestor PID namespace". Needs `CAP_SYS_ADMIN` (or
    /// `CAP_CHECKPOINT_RESTORE`) over those namespaces (`EPERM`); a PID in use is
    /// `EEXIST`; more entries than nested namespaces, or a PID above 1 in a namespace
    /// without an init yet, `EINVAL`. An empty slice sets nothing.
    pub fn set_tid(mut self, set_tid: &'a [pid_t]) -> Self {
        self.raw.set_tid = if set_tid.is_empty() { 0 } else { address(set_tid.as_ptr()) };
        self.raw.set_tid_size = set_tid.len() as u64;
        self
    }

    /// `cl_args.cgroup` and [`CLONE_INTO_CGROUP`] (since Linux 5.7): create the child
    /// in the version 2 cgroup whose directory `cgroup_fd` refers to (opened
    /// `O_RDONLY` or `O_PATH`). A descriptor is not a pointer: a wrong one is only an
    /// error (`EBADF`; a negative one `EINVAL`).
    pub const fn cgroup(mut self, cgroup_fd: BorrowedFd<'a>) -> Self {
        self.raw.cgroup = cgroup_fd.as_raw_fd() as u32 as u64;
        self.raw.flags |= CLONE_INTO_CGROUP.bits();
        self.cgroup_set = true;
        self
    }

    /// The structure the kernel reads.
    pub const fn as_raw(&self) -> &RawCloneArgs {
        &self.raw
    }

    /// The `size` argument: the smallest version carrying the fields in use,
    /// [`CLONE_ARGS_SIZE_VER2`] (88) if `cgroup` is set or the flags hold
    /// `CLONE_INTO_CGROUP`, else [`CLONE_ARGS_SIZE_VER1`] (80) if `set_tid` is, else
    /// [`CLONE_ARGS_SIZE_VER0`] (64).
    pub const fn size(&self) -> usize {
        if self.cgroup_set || self.raw.flags & CLONE_INTO_CGROUP.bits() != 0 {
            CLONE_ARGS_SIZE_VER2
        } else if self.raw.set_tid_size != 0 {
            CLONE_ARGS_SIZE_VER1
        } else {
            CLONE_ARGS_SIZE_VER0
        }
    }
}

/// A pointer as a `u64` field: zero-extended on 32-bit architectures, as the kernel's
/// `u64_to_user_ptr` reads it back.
fn address<T>(pointer: *const T) -> u64 {
    pointer as usize as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::offset_of;

    #[test]
    fn the_raw_structure_has_the_manual_page_layout() {
        let offsets = [
            offset_of!(RawCloneArgs, flags),
            offset_of!(RawCloneArgs, pidfd),
            offset_of!(RawCloneArgs, child_tid),
            offset_of!(RawCloneArgs, parent_tid),
            offset_of!(RawCloneArgs, exit_signal),
            offset_of!(RawCloneArgs, stack),
            offset_of!(RawCloneArgs, stack_size),
            offset_of!(RawCloneArgs, tls),
            offset_of!(RawCloneArgs, set_tid),
            offset_of!(RawCloneArgs, set_tid_size),
            offset_of!(RawCloneArgs, cgroup),
        ];
        assert_eq!(offsets, [0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80]);
        assert_eq!((CLONE_ARGS_SIZE_VER0, CLONE_ARGS_SIZE_VER1, CLONE_ARGS_SIZE_VER2), (64, 80, 88));
    }

    #[test]
    fn the_size_is_the_smallest_version_carrying_the_fields_in_use() {
        let (mut pidfd, mut ptid, mut ctid) = (0, 0, 0);
        let mut stack = [MaybeUninit::<u8>::uninit(); 64];
        let everything_of_version_0 = CloneArgs::new()
            .flags(crate::flags::CLONE_CLEAR_SIGHAND)
            .pidfd(&mut pidfd)
            .parent_tid(&mut ptid)
            .child_tid(&mut ctid)
            .exit_signal(17)
            .stack(&mut stack);
        assert_eq!(everything_of_version_0.size(), 64);
        assert_eq!(CloneArgs::new().set_tid(&[]).size(), 64);
        assert_eq!(CloneArgs::new().set_tid(&[1]).size(), 80);
        assert_eq!(CloneArgs::new().set_tid(&[1]).cgroup(crate::fd::STDIN).size(), 88);
        assert_eq!(CloneArgs::new().flags(CLONE_INTO_CGROUP).size(), 88);
    }

    #[test]
    fn setters_write_their_own_field_and_only_their_own_flag() {
        let (mut pidfd, mut ptid, mut ctid) = (0, 0, 0);
        let (pidfd_at, ptid_at, ctid_at) = (address(&raw const pidfd), address(&raw const ptid), address(&raw const ctid));
        let mut stack = [MaybeUninit::<u8>::uninit(); 48];
        let stack_at = address(stack.as_ptr());
        let set_tid = [7, 42];
        let args = CloneArgs::new()
            .pidfd(&mut pidfd)
            .parent_tid(&mut ptid)
            .child_tid(&mut ctid)
            .exit_signal(-1)
            .stack(&mut stack)
            .set_tid(&set_tid)
            .cgroup(unsafe { crate::fd::BorrowedFd::borrow_raw(-1) })
            .flags(crate::flags::CLONE_IO);
        let raw = *args.as_raw();
        assert_eq!((raw.pidfd, raw.parent_tid, raw.child_tid), (pidfd_at, ptid_at, ctid_at));
        assert_eq!((raw.stack, raw.stack_size), (stack_at, 48));
        assert_eq!((raw.set_tid, raw.set_tid_size), (address(set_tid.as_ptr()), 2));
        assert_eq!(raw.exit_signal, 0xffff_ffff);
        assert_eq!(raw.cgroup, 0xffff_ffff);
        let expected = 0x1000 | 0x0010_0000 | 0x8000_0000 | CLONE_INTO_CGROUP.bits();
        assert_eq!(raw.flags, expected);
    }
}
