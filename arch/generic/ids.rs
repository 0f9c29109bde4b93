//! The system calls on user and group IDs, where the plain names take 32-bit IDs (every
//! architecture but i386 and arm, whose plain calls are the 16-bit legacy ones: they
//! name the 32-bit calls themselves). An architecture module includes this file
//! (`#[path = "../generic/ids.rs"]`) in its raw-system-call section and re-exports it.

pub(crate) use linux_raw_sys::general::{
    __NR_getgid as NR_GETGID, __NR_getuid as NR_GETUID, __NR_setgid as NR_SETGID, __NR_setuid as NR_SETUID,
};
