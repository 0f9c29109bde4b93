//! i386: `int $0x80` (never the vDSO: in the child it would return through the parent's
//! stack), number in eax, arguments in ebx ecx edx esi edi ebp; the kernel preserves
//! every register but eax. clone's kernel order: flags, stack, ptid, tls, ctid.

use core::arch::{asm, naked_asm};
use core::ffi::c_void;
use core::sync::atomic::{AtomicU32, Ordering};
use linux_raw_sys::errno::EINVAL;
use linux_raw_sys::general::{
    __NR_clone, __NR_clone3, __NR_exit, __NR_get_thread_area, __NR_mmap2, __NR_set_thread_area,
};

use crate::types::{CloneFn, pid_t};

// ---- Constants ----

/// SysV i386 (as Linux compilers use it): esp is 16-aligned before a `call`, so `fn`
/// starts with esp = 12 mod 16.
pub(crate) const STACK_ALIGNMENT: usize = 16;
/// The wrapper's own use of the child stack: `fn`'s cdecl argument slot at the aligned
/// top - 16 (12 bytes above it hold `f`'s address and padding), plus the return address.
pub(crate) const CHILD_FRAME_SIZE: usize = 20;
/// Bytes a call leaves on the stack at the callee's entry: `call` pushes the return address.
pub(crate) const RETURN_ADDRESS_ON_STACK: usize = 4;

/// Rust's targets here probe every frame larger than a page (`stack-probes` inline),
/// so a frame of any size that overflows touches the guard first.
pub(crate) const STACK_PROBES: bool = true;

// ---- Raw system calls ----
// LLVM keeps esi and ebp for itself, so they cannot be operands: esi goes through an
// `xchg` or a push/pop, ebp through a push/pop, and their values through memory.

#[inline(always)]
pub(crate) unsafe fn syscall0(nr: usize) -> usize {
    let ret;
    unsafe { asm!("int 0x80", inlateout("eax") nr => ret, options(nostack, preserves_flags)) };
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1(nr: usize, a0: usize) -> usize {
    let ret;
    unsafe {
        asm!("int 0x80", inlateout("eax") nr => ret, in("ebx") a0, options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    unsafe { asm!("int 0x80", in("eax") nr, in("ebx") a0, options(nostack, noreturn)) }
}

#[inline(always)]
pub(crate) unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    let ret;
    unsafe {
        asm!("int 0x80", inlateout("eax") nr => ret, in("ebx") a0, in("ecx") a1,
            options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    unsafe {
        asm!("int 0x80", inlateout("eax") nr => ret, in("ebx") a0, in("ecx") a1, in("edx") a2,
            options(nostack, preserves_flags));
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    unsafe {
        asm!(
            "xchg esi, edi",     // a3 into esi; the second xchg gives esi back
            "int 0x80",
            "xchg esi, edi",
            inlateout("eax") nr => ret, in("ebx") a0, in("ecx") a1, in("edx") a2, in("edi") a3,
            options(nostack, preserves_flags),
        );
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall5(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize,
) -> usize {
    let ret;
    // No register is left for a3: it travels in memory with the number.
    let block = [nr, a3];
    unsafe {
        asm!(
            "push esi",
            "mov esi, [eax + 4]",
            "mov eax, [eax]",
            "int 0x80",
            "pop esi",
            inlateout("eax") block.as_ptr() => ret, in("ebx") a0, in("ecx") a1, in("edx") a2,
            in("edi") a4, options(preserves_flags),
        );
    }
    ret
}

#[inline(always)]
pub(crate) unsafe fn syscall6(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    let ret;
    let block = [nr, a3, a5];
    unsafe {
        asm!(
            "push ebp",
            "push esi",
            "mov esi, [eax + 4]",
            "mov ebp, [eax + 8]",
            "mov eax, [eax]",
            "int 0x80",
            "pop esi",
            "pop ebp",
            inlateout("eax") block.as_ptr() => ret, in("ebx") a0, in("ecx") a1, in("edx") a2,
            in("edi") a4, options(preserves_flags),
        );
    }
    ret
}

/// `mmap2`: the old `mmap` takes a pointer to its arguments; `mmap2` takes six, the
/// offset in 4096-byte units whatever the page size (EINVAL for other offsets, as glibc).
#[inline(always)]
pub(crate) unsafe fn mmap(
    address: usize, length: usize, protection: usize, flags: usize, fd: usize, offset: usize,
) -> usize {
    const MMAP2_UNIT: usize = 4096;
    if !offset.is_multiple_of(MMAP2_UNIT) {
        return (EINVAL as usize).wrapping_neg();
    }
    let pages = offset / MMAP2_UNIT;
    unsafe { syscall6(__NR_mmap2 as usize, address, length, protection, flags, fd, pages) }
}

/// The raw clone system call: tls before ctid (CONFIG_CLONE_BACKWARDS).
#[path = "../generic/clone_backwards.rs"]
mod generic_clone;
pub(crate) use generic_clone::clone_syscall;

/// The ID calls: the plain names are the 16-bit legacy calls here (`setuid(65536)`
/// would set 0); the 32-bit ones end in 32.
pub(crate) use linux_raw_sys::general::{
    __NR_getgid32 as NR_GETGID, __NR_getuid32 as NR_GETUID, __NR_setgid32 as NR_SETGID, __NR_setuid32 as NR_SETUID,
};

// ---- Clone entry ----

/// glibc's `clone` below the portable checks: `stack_top` is already aligned. Returns
/// the child's TID or -errno in the parent; in the child, runs `f(arg)` and exits.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn clone_entry(
    f: CloneFn, stack_top: *mut u8, flags: usize, arg: *mut c_void,
    ptid: *mut pid_t, tls: *mut c_void, ctid: *mut pid_t,
) -> usize {
    naked_asm!(
        ".cfi_startproc",
        "push ebx",              // callee-saved, and needed for the syscall's arguments
        ".cfi_adjust_cfa_offset 4",
        ".cfi_rel_offset ebx, 0",
        "push esi",
        ".cfi_adjust_cfa_offset 4",
        ".cfi_rel_offset esi, 0",
        "push edi",
        ".cfi_adjust_cfa_offset 4",
        ".cfi_rel_offset edi, 0",
        // cdecl: all 7 arguments on the stack, now above 3 saves and the return address.
        "mov ecx, [esp + 20]",   // stack_top
        "sub ecx, 16",           // the child's esp: 16-aligned where it `call`s fn
        "mov eax, [esp + 28]",
        "mov [ecx], eax",        // arg: fn's cdecl argument at 0(esp) of that call
        "mov eax, [esp + 16]",
        "mov [ecx + 4], eax",    // f, in the padding above it
        "mov ebx, [esp + 24]",   // flags
        "mov edx, [esp + 32]",   // ptid
        "mov esi, [esp + 36]",   // tls: a struct user_desc pointer
        "mov edi, [esp + 40]",   // ctid
        "mov eax, {clone}",
        "int 0x80",
        "test eax, eax",
        "jz 2f",
        "pop edi",               // parent: TID or -errno, registers as the caller left them
        ".cfi_adjust_cfa_offset -4",
        ".cfi_restore edi",
        "pop esi",
        ".cfi_adjust_cfa_offset -4",
        ".cfi_restore esi",
        "pop ebx",
        ".cfi_adjust_cfa_offset -4",
        ".cfi_restore ebx",
        "ret",
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined eip",    // the child's call chain starts here
        "xor ebp, ebp",          // and so does its frame-pointer chain
        "call dword ptr [esp + 4]", // fn(arg): esp is 16-aligned here, arg at 0(esp)
        "mov ebx, eax",          // fn's return value is the exit status
        "mov eax, {exit}",       // SYS_exit ends this thread only, never the group
        "int 0x80",
        "ud2",
        ".cfi_endproc",
        clone = const __NR_clone,
        exit = const __NR_exit,
    )
}

/// glibc's `__clone3`: the clone3 system call with `args` (`size` bytes). Returns the
/// child's TID or -errno in the parent; the child, which the kernel starts on
/// `stack + stack_size` (or on its copy of the caller's stack), runs `f(arg)` and exits.
#[unsafe(naked)]
pub(crate) unsafe extern "C" fn clone3_entry(
    args: *const linux_raw_sys::general::clone_args, size: usize, f: CloneFn, arg: *mut c_void,
) -> usize {
    naked_asm!(
        ".cfi_startproc",
        "push ebx",              // callee-saved: the syscall's first argument
        ".cfi_adjust_cfa_offset 4",
        ".cfi_rel_offset ebx, 0",
        "push esi",              // callee-saved: arg, which the kernel keeps
        ".cfi_adjust_cfa_offset 4",
        ".cfi_rel_offset esi, 0",
        "mov ebx, [esp + 12]",   // args
        "mov ecx, [esp + 16]",   // size
        "mov edx, [esp + 20]",   // f: the kernel returns every register but eax
        "mov esi, [esp + 24]",   // arg
        "mov eax, {clone3}",
        "int 0x80",
        "test eax, eax",
        "jz 2f",
        "pop esi",               // parent: TID or -errno, registers as the caller left them
        ".cfi_adjust_cfa_offset -4",
        ".cfi_restore esi",
        "pop ebx",
        ".cfi_adjust_cfa_offset -4",
        ".cfi_restore ebx",
        "ret",
        ".cfi_endproc",
        "2:",
        ".cfi_startproc",
        ".cfi_undefined eip",    // the child's call chain starts here
        "xor ebp, ebp",          // and so does its frame-pointer chain
        "and esp, -16",          // stack + stack_size carries no alignment promise
        "sub esp, 16",           // as clone_entry: 16-aligned at the call, arg at 0(esp)
        "mov [esp], esi",
        "call edx",
        "mov ebx, eax",          // fn's return value is the exit status
        "mov eax, {exit}",       // SYS_exit ends this thread only, never the group
        "int 0x80",
        "ud2",
        ".cfi_endproc",
        clone3 = const __NR_clone3,
        exit = const __NR_exit,
    )
}

// ---- TLS ----
//
// `CLONE_SETTLS`'s `tls` points to a `struct user_desc`, as in glibc. For the child the
// kernel only installs that descriptor in the GDT TLS slot `entry_number` names: it
// allocates nothing (entry -1 is EINVAL), and the child's %gs selector is the parent's,
// not reloaded (x86 `copy_thread`/`set_new_tls`). So:
// - `tls_argument` names one slot per process, chosen once: the slot the caller's %gs
//   already selects if it selects a TLS slot (glibc's rule: children inherit %gs), else
//   one that `set_thread_area` with entry -1 allocates, holding a placeholder (base 0,
//   limit 0: any access through it faults) so that no one else takes it.
// - `thread_pointer` makes %gs select that slot, then reads gs:0, the self-pointer that
//   the i386 TLS ABI puts first in the TLS block. In a child that `CLONE_SETTLS` gave no
//   descriptor, the slot still holds the placeholder and the read faults: reading back
//   the block's address proves the child's descriptor base is that block.
// qemu-user emulates one GDT for all threads: there a child's `CLONE_SETTLS` rewrites the
// slot for its parent too, whose %gs keeps the old base until it is reloaded.

/// Linux's `struct user_desc` (`<asm/ldt.h>`): a segment descriptor for
/// `set_thread_area(2)`, `get_thread_area(2)`, `modify_ldt(2)`, and i386's `CLONE_SETTLS`,
/// whose `tls` argument points to one (glibc's convention).
///
/// The first three fields are plain words; the fourth packs the flag bits, which the
/// accessors and `with_*` builders read and set.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserDesc {
    /// The GDT entry (`set_thread_area`, `CLONE_SETTLS`) or LDT entry (`modify_ldt`).
    /// `u32::MAX` (-1) asks `set_thread_area` to pick a free TLS entry and store its
    /// number back here; `CLONE_SETTLS` does not accept it.
    pub entry_number: u32,
    /// The segment's base address.
    pub base_addr: u32,
    /// The segment's limit (20 bits), in bytes or in 4096-byte pages
    /// (see [`limit_in_pages`](Self::limit_in_pages)).
    pub limit: u32,
    flags: u32,
}

const SEG_32BIT: u32 = 1 << 0;
const CONTENTS_SHIFT: u32 = 1;
const CONTENTS_MASK: u32 = 3 << CONTENTS_SHIFT;
const READ_EXEC_ONLY: u32 = 1 << 3;
const LIMIT_IN_PAGES: u32 = 1 << 4;
const SEG_NOT_PRESENT: u32 = 1 << 5;
const USEABLE: u32 = 1 << 6;

const _: () = assert!(core::mem::size_of::<UserDesc>() == 16);
const _: () = assert!(core::mem::size_of::<linux_raw_sys::general::user_desc>() == 16);
const _: () = assert!(core::mem::offset_of!(UserDesc, entry_number) == 0);
const _: () = assert!(core::mem::offset_of!(UserDesc, base_addr) == 4);
const _: () = assert!(core::mem::offset_of!(UserDesc, limit) == 8);
const _: () = assert!(core::mem::offset_of!(UserDesc, flags) == 12);

impl UserDesc {
    /// A descriptor for entry `entry_number` with the given base and limit and every
    /// flag bit clear (a 16-bit, byte-granular, present data segment); set flags with
    /// the `with_*` builders.
    pub const fn new(entry_number: u32, base_addr: u32, limit: u32) -> Self {
        UserDesc { entry_number, base_addr, limit, flags: 0 }
    }

    /// The TLS descriptor glibc installs: a present, writable 32-bit data segment at
    /// `base_addr` that spans the address space (limit 0xfffff pages), marked useable.
    pub const fn tls(entry_number: u32, base_addr: u32) -> Self {
        Self::new(entry_number, base_addr, 0xfffff)
            .with_seg_32bit(true)
            .with_limit_in_pages(true)
            .with_useable(true)
    }

    /// The "no segment" descriptor: given to `set_thread_area`, it empties entry
    /// `entry_number`.
    pub const fn empty(entry_number: u32) -> Self {
        Self::new(entry_number, 0, 0).with_read_exec_only(true).with_seg_not_present(true)
    }

    /// The flags word as the kernel reads it (bit 0 `seg_32bit`, bits 1-2 `contents`,
    /// bit 3 `read_exec_only`, bit 4 `limit_in_pages`, bit 5 `seg_not_present`, bit 6
    /// `useable`).
    pub const fn flags(&self) -> u32 {
        self.flags
    }

    /// Whether the segment is 32-bit (the D/B bit); TLS segments must be.
    pub const fn seg_32bit(&self) -> bool {
        self.flags & SEG_32BIT != 0
    }

    /// The segment kind: 0 data, 1 expand-down data, 2 code (TLS entries allow 0 and 1).
    pub const fn contents(&self) -> u32 {
        (self.flags & CONTENTS_MASK) >> CONTENTS_SHIFT
    }

    /// Whether the segment is read-only (data) or execute-only (code).
    pub const fn read_exec_only(&self) -> bool {
        self.flags & READ_EXEC_ONLY != 0
    }

    /// Whether `limit` counts 4096-byte pages rather than bytes.
    pub const fn limit_in_pages(&self) -> bool {
        self.flags & LIMIT_IN_PAGES != 0
    }

    /// Whether the segment is marked not present.
    pub const fn seg_not_present(&self) -> bool {
        self.flags & SEG_NOT_PRESENT != 0
    }

    /// The descriptor's "available for software" bit.
    pub const fn useable(&self) -> bool {
        self.flags & USEABLE != 0
    }

    const fn with_flag(self, flag: u32, on: bool) -> Self {
        let flags = if on { self.flags | flag } else { self.flags & !flag };
        UserDesc { flags, ..self }
    }

    /// This descriptor with [`seg_32bit`](Self::seg_32bit) set to `on`.
    pub const fn with_seg_32bit(self, on: bool) -> Self {
        self.with_flag(SEG_32BIT, on)
    }

    /// This descriptor with [`contents`](Self::contents) set to `contents & 3`.
    pub const fn with_contents(self, contents: u32) -> Self {
        let flags = (self.flags & !CONTENTS_MASK) | ((contents << CONTENTS_SHIFT) & CONTENTS_MASK);
        UserDesc { flags, ..self }
    }

    /// This descriptor with [`read_exec_only`](Self::read_exec_only) set to `on`.
    pub const fn with_read_exec_only(self, on: bool) -> Self {
        self.with_flag(READ_EXEC_ONLY, on)
    }

    /// This descriptor with [`limit_in_pages`](Self::limit_in_pages) set to `on`.
    pub const fn with_limit_in_pages(self, on: bool) -> Self {
        self.with_flag(LIMIT_IN_PAGES, on)
    }

    /// This descriptor with [`seg_not_present`](Self::seg_not_present) set to `on`.
    pub const fn with_seg_not_present(self, on: bool) -> Self {
        self.with_flag(SEG_NOT_PRESENT, on)
    }

    /// This descriptor with [`useable`](Self::useable) set to `on`.
    pub const fn with_useable(self, on: bool) -> Self {
        self.with_flag(USEABLE, on)
    }
}

/// `CLONE_SETTLS`'s `tls` points to a `struct user_desc`.
pub(crate) type TlsArgument = UserDesc;

pub(crate) fn tls_argument(thread_pointer: *mut c_void) -> TlsArgument {
    UserDesc::tls(tls_entry(), thread_pointer as usize as u32)
}

pub(crate) fn tls_argument_pointer(argument: &mut TlsArgument) -> *mut c_void {
    (argument as *mut UserDesc).cast()
}

/// The thread pointer: gs:0, with %gs selecting the slot `CLONE_SETTLS` filled (see the
/// TLS notes above). The TLS block must start with a pointer to itself.
#[inline(always)]
pub(crate) unsafe fn thread_pointer() -> *mut c_void {
    let entry = TLS_ENTRY.load(Ordering::Relaxed);
    if entry != NO_ENTRY {
        let selector = tls_selector(entry);
        if gs_selector() != selector {
            // The child inherited the parent's %gs, which may select no TLS slot at all.
            unsafe { asm!("mov gs, {0:x}", in(reg) selector, options(nostack, preserves_flags)) };
        }
    }
    let pointer;
    unsafe { asm!("mov {}, gs:0", out(reg) pointer, options(nostack, readonly, preserves_flags)) };
    pointer
}

const NO_ENTRY: u32 = u32::MAX;

/// The GDT TLS slot this process's `tls_argument` names, once chosen.
static TLS_ENTRY: AtomicU32 = AtomicU32::new(NO_ENTRY);

/// A GDT selector with privilege level 3, as user code loads them.
fn tls_selector(entry: u32) -> u16 {
    ((entry << 3) | 3) as u16
}

fn gs_selector() -> u16 {
    let selector: u16;
    unsafe { asm!("mov {0:x}, gs", out(reg) selector, options(nostack, nomem, preserves_flags)) };
    selector
}

fn failed(ret: usize) -> bool {
    ret > -4096isize as usize
}

/// The slot for `CLONE_SETTLS` descriptors, chosen on first use (see the TLS notes);
/// `NO_ENTRY` if none is free, which `CLONE_SETTLS` then refuses with EINVAL.
fn tls_entry() -> u32 {
    let entry = TLS_ENTRY.load(Ordering::Relaxed);
    if entry != NO_ENTRY {
        return entry;
    }
    // Does %gs select a TLS slot already? get_thread_area accepts TLS slots only (qemu
    // starts %gs at __USER_DS, the kernel at 0: neither is one).
    let selector = gs_selector();
    let mut current = UserDesc::new(u32::from(selector >> 3), 0, 0);
    let inherited = selector & 7 == 3
        && !failed(unsafe { syscall1(__NR_get_thread_area as usize, (&raw mut current) as usize) });
    let chosen = if inherited {
        current.entry_number
    } else {
        let mut placeholder = UserDesc::new(NO_ENTRY, 0, 0).with_seg_32bit(true);
        let ret = unsafe { syscall1(__NR_set_thread_area as usize, (&raw mut placeholder) as usize) };
        if failed(ret) {
            return NO_ENTRY;
        }
        placeholder.entry_number
    };
    match TLS_ENTRY.compare_exchange(NO_ENTRY, chosen, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => chosen,
        Err(winner) => {
            // Another thread chose first: give back the slot allocated here.
            if !inherited {
                let mut empty = UserDesc::empty(chosen);
                unsafe { syscall1(__NR_set_thread_area as usize, (&raw mut empty) as usize) };
            }
            winner
        }
    }
}

// ---- Signals ----

#[path = "../generic/signals.rs"]
mod generic_signals;
#[path = "../generic/signals_restorer.rs"]
mod generic_signals_restorer;
pub(crate) use generic_signals::{SignalAction, signal_action_handler};

/// As glibc does on i386: `SA_RESTORER` with our own sigreturn trampoline, rather
/// than relying on the vDSO's. Without `SA_SIGINFO` the kernel builds the old
/// `struct sigframe`, which only `sigreturn` (not `rt_sigreturn`) undoes.
pub(crate) fn signal_action(handler: usize) -> SignalAction {
    generic_signals_restorer::signal_action_with_restorer(handler, signal_return)
}

#[unsafe(naked)]
unsafe extern "C" fn signal_return() {
    naked_asm!(
        "pop eax",               // the signal number: sigreturn finds the frame below it
        "mov eax, {sigreturn}",
        "int 0x80",
        "ud2",
        sigreturn = const linux_raw_sys::general::__NR_sigreturn,
    )
}

// ---- _start ----

/// The process entry: `start.rs`.
#[cfg(feature = "rt")]
mod start;

// ---- Probes ----

/// The conformance program's instruments (`probes.rs`).
#[cfg(feature = "probes")]
mod probes;
#[cfg(feature = "probes")]
pub(crate) use probes::*;
