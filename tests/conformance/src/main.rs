//! freeclone's conformance program: one case per checkable statement of clone(2),
//! the same source for every architecture. It prints `ok NAME`, `FAIL NAME: why` or
//! `skip NAME: why` per case and ends with `N passed, N failed, N skipped`; it exits
//! with 1 if any case failed. The calls an init makes besides clone (`unshare`,
//! `setns`, `chroot`, `pivot_root`, `umount2`, `mprotect`, `execve`) have their cases
//! in `init_calls`; run with `--exec-probe`, the program is `execve`'s target instead.
//! Arguments are case filters (a case runs if its name contains one); as PID 1,
//! `--end-by exit|segv|panic` first makes init end that way after its report instead
//! of powering off, so that the runner's detection of a dead init is itself tested.

#![no_std]
#![no_main]

mod clone3;
mod errors;
mod guard;
mod harness;
mod init_calls;
mod matrix;
mod namespaces;
mod process;
mod raw;
mod sharing;
mod termination;
mod threads;

use core::ffi::{c_int, c_void};
use core::ptr::null_mut;
use core::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

use freeclone::flags::*;
use freeclone::probes::{self, EntryRecord};
use freeclone::signal::SIGCHLD;
use freeclone::tls::{TlsArgument, thread_pointer};
use freeclone::{Errno, clone, clone2, pid_t, stack, sys};

use harness::{MappedStack, Verdict, fail, must_not_run, return_arg_as_status, return_zero, skip, wait_exit_status};
use crate::harness::{close_fd, fd, raw_pipe};

freeclone::entry!(main);

/// The runtime `entry!` handed to `main`, for the cases of `rt` itself.
static mut RUNTIME: Option<freeclone::rt::Runtime> = None;

fn main(rt: freeclone::rt::Runtime) -> i32 {
    // SAFETY: written once, before any case runs (and before any thread exists).
    unsafe { RUNTIME = Some(rt) };
    let args = rt.args();
    // Started by execve_replaces_the_program_image: check what execve passed, exit.
    if init_calls::is_exec_probe(&args) {
        return init_calls::exec_probe(&args);
    }
    init_calls::remember_program(&args);
    // Started by spawn_exec_report_pipe_is_invisible_to_actions_naming_its_descriptors.
    if let Some(status) = process::report_pipe_variant_main(&args) {
        return status;
    }
    // Started by spawn_exec_keeps_ignored_signals_ignored_and_resets_the_rest_in_the_program.
    if let Some(status) = process::ignored_signals_main(&args) {
        return status;
    }
    let end_by = match (args.get(1), args.get(2)) {
        (Some(flag), Some(mode)) if flag == c"--end-by" => Some(mode),
        _ => None,
    };
    let first_filter = if end_by.is_some() { 3 } else { 1 };
    if !freeclone::rt::is_process_one() {
        return run_cases(&args, first_filter);
    }
    // Booted as /init by a real kernel: give the namespace cases a /proc (and clone3's a
    // cgroup2 hierarchy), run the cases in a child (CLONE_PARENT needs a parent that is
    // not init), power off.
    // The banner starts on a line of its own: the firmware may leave its last line
    // unterminated on the serial console, which would swallow the first case's line.
    freeclone::println!("\ninit: freeclone's conformance program as PID 1");
    let _ = sys::mkdirat(freeclone::fd::CWD, c"/proc", 0o555);
    if let Err(errno) = sys::mount(Some(c"proc"), c"/proc", Some(c"proc"), 0, None) {
        freeclone::println!("init: mounting /proc failed: {errno}");
    }
    // cgroup2 where hosts have it, for CLONE_INTO_CGROUP's case.
    for directory in [c"/sys", c"/sys/fs", c"/sys/fs/cgroup"] {
        let _ = sys::mkdirat(freeclone::fd::CWD, directory, 0o555);
    }
    if let Err(errno) = sys::mount(Some(c"cgroup2"), c"/sys/fs/cgroup", Some(c"cgroup2"), 0, None) {
        freeclone::println!("init: mounting cgroup2 failed: {errno}");
    }
    let status = freeclone::rt::supervise(&rt, || run_cases(&args, first_filter));
    freeclone::println!("init: the conformance cases ended with {status:?}; powering off");
    match end_by.map(|mode| mode.to_bytes()) {
        None => {}
        Some(b"exit") => return 0,
        Some(b"segv") => return fault(),
        Some(b"panic") => panic!("init panics instead of powering off (--end-by panic)"),
        Some(_) => freeclone::println!("init: unknown --end-by mode; powering off"),
    }
    let errno = freeclone::rt::power_off();
    freeclone::println!("init: power off failed: {errno}");
    1
}

/// Writes to a page mapped without access: SIGSEGV, which even a PID 1 cannot ignore
/// (a fault is forced on it).
fn fault() -> i32 {
    let flags = sys::MAP_PRIVATE | sys::MAP_ANONYMOUS;
    match unsafe { sys::mmap(null_mut(), 4096, sys::PROT_NONE, flags, -1, 0) } {
        // SAFETY: none: the write is meant to fault.
        Ok(page) => unsafe { page.cast::<u8>().write_volatile(1) },
        Err(errno) => freeclone::println!("init: mmap: {errno}"),
    }
    freeclone::println!("init: the write to a PROT_NONE page did not fault");
    1
}

/// Runs the cases whose names contain one of the arguments from `first_filter` on (all
/// of them if there are none).
fn run_cases(args: &freeclone::rt::Args, first_filter: usize) -> i32 {
    // Statements about state only some architectures have, registered where they apply.
    let lazy_saved_matrix: &[harness::Case] = if probes::lazy_saved_matrix().is_some() {
        harness::cases![matrix::za_state_is_off_in_the_child_and_the_lazy_save_is_committed]
    } else {
        &[]
    };
    let call_register: &[harness::Case] = if probes::fn_checking_the_call_register().is_some() {
        harness::cases![fn_is_entered_with_its_address_in_the_register_pic_code_expects]
    } else {
        &[]
    };
    let probed_frames: &[harness::Case] = if freeclone::stack::FRAMES_ARE_PROBED {
        harness::cases![guard::a_frame_larger_than_the_guard_faults_where_frames_are_probed]
    } else {
        &[]
    };
    let cases = CASES.iter().chain(lazy_saved_matrix).chain(call_register).chain(probed_frames).chain(process::CASES);
    harness::run(args, first_filter, cases)
}

/// mips' PIC calling rule: `fn` starts with its own address in t9, or a PIC `fn`
/// computes a wrong $gp (registered where the ABI has such a rule).
fn fn_is_entered_with_its_address_in_the_register_pic_code_expects() -> Verdict {
    let f = probes::fn_checking_the_call_register().ok_or_else(|| fail!("no such rule here"))?;
    let stack = MappedStack::new(STACK_SIZE)?;
    let tid = unsafe { clone(f, stack.top(), CloneFlags::exit_signal(SIGCHLD), 42 as *mut c_void, null_mut(), null_mut(), null_mut()) }
        .map_err(|errno| fail!("clone failed: {errno}"))?;
    match wait_exit_status(tid, 0)? {
        42 => Ok(()),
        127 => Err(fail!("fn was not entered with its own address in the ABI's call register")),
        status => Err(fail!("the child exited with {status}")),
    }
}

/// The cases every architecture runs.
const CASES: &[harness::Case] = harness::cases![
    // First, and in a process of its own: a child that ended its thread group would end
    // every later case too.
    thread_returning_does_not_end_the_process,
    clone3::clone3_thread_returning_does_not_end_the_process,
    child_runs_fn_with_arg_on_the_given_stack_aligned,
    child_frame_chain_ends_at_fn_entry,
    child_frame_chain_ends_even_when_the_caller_frame_pointer_is_not_zero,
    fn_return_value_is_the_child_exit_status,
    fn_in_the_other_instruction_set_is_called_and_returns,
    returned_tid_is_the_child_gettid_and_getpid,
    child_settid_stores_the_tid_in_the_child_memory,
    parent_settid_stores_the_tid_in_the_parent_memory_for_a_process,
    parent_settid_stores_the_tid_in_the_parent_memory_for_a_thread,
    raw::raw_clone_returns_zero_in_the_child_and_sets_its_tls_and_ctid,
    raw::raw_clone_stores_the_tid_at_ptid_in_the_parent,
    auxiliary_vector_holds_the_kernels_entry_and_page_size,
    supervise_returns_the_exit_status_or_128_plus_the_signal,
    null_child_stack_is_einval_and_creates_no_child,
    stack_that_aligns_to_null_is_einval_and_creates_no_child,
    misaligned_stack_top_is_aligned_down,
    thread_on_small_stack_shares_memory_sets_tls_and_clears_ctid,
    callee_saved_registers_survive_clone_in_the_parent,
    callee_saved_registers_survive_clone_errors,
    errors::sighand_without_vm_is_einval,
    errors::thread_without_sighand_is_einval,
    clone2_runs_the_child_on_top_of_base_plus_size,
    clone2_null_base_or_too_small_size_is_einval,
    sharing::vm_shares_memory_with_the_caller,
    sharing::without_vm_the_child_writes_its_own_copy,
    sharing::fs_shares_working_directory_and_umask,
    sharing::without_fs_working_directory_and_umask_are_copies,
    sharing::files_shares_the_descriptor_table,
    sharing::without_files_descriptor_changes_stay_in_the_child,
    sharing::sighand_shares_signal_handlers,
    sharing::without_sighand_handlers_are_copies,
    sharing::vfork_suspends_the_parent_until_the_child_exits,
    sharing::parent_flag_gives_the_child_the_caller_parent,
    sharing::thread_shares_getpid_is_not_waitable_and_sends_no_signal,
    termination::sigchld_child_signals_the_parent_and_is_waitable_plainly,
    termination::other_termination_signal_is_sent_and_needs_wclone_or_wall,
    termination::no_termination_signal_sends_nothing,
    termination::signal_right_after_clone_sees_the_child_pid,
    termination::signal_handler_returns_to_the_interrupted_code,
    namespaces::newuts_child_hostname_is_its_own,
    namespaces::newpid_child_is_pid_one_of_its_namespace,
    namespaces::newns_mounts_stay_in_the_child,
    namespaces::newipc_child_has_its_own_ipc_namespace,
    namespaces::newnet_child_has_its_own_network_namespace,
    namespaces::newcgroup_child_has_its_own_cgroup_namespace,
    namespaces::stopped_bit_creates_a_cgroup_namespace_today,
    namespaces::newuser_child_is_an_unmapped_user_in_its_own_namespace,
    errors::fs_with_newns_is_einval,
    errors::newuser_with_fs_is_einval,
    errors::newipc_with_sysvsem_is_einval,
    errors::newpid_or_newuser_with_thread_is_einval,
    errors::parent_flag_is_einval_from_an_init_and_accepted_with_newpid_or_newuser,
    errors::namespace_flags_without_cap_sys_admin_are_eperm,
    errors::io_sysvsem_untraced_and_ptrace_are_accepted,
    errors::detached_bit_is_ignored,
    errors::pid_bit_is_pidfd_today,
    init_calls::unshare_newuts_gives_the_caller_its_own_hostname,
    init_calls::setns_joins_the_namespace_of_an_fd,
    init_calls::chroot_changes_what_slash_resolves_to,
    init_calls::pivot_root_moves_the_old_root_under_put_old,
    init_calls::umount2_detaches_a_mount,
    init_calls::mprotect_none_makes_a_child_touching_the_page_die_of_sigsegv,
    init_calls::execve_of_a_missing_path_is_enoent,
    init_calls::execve_replaces_the_program_image,
    init_calls::setgid_and_setuid_keep_ids_above_65535_whole,
    init_calls::mmap_of_a_file_at_a_nonzero_offset_maps_the_bytes_at_that_offset,
    clone3::clone3_size_ver0_is_accepted_and_the_child_gets_zero,
    clone3::clone3_size_below_ver0_is_einval,
    clone3::clone3_larger_size_with_a_zero_tail_is_accepted,
    clone3::clone3_nonzero_tail_is_e2big,
    clone3::clone3_size_above_a_page_is_e2big,
    clone3::clone3_exit_signal_with_bits_outside_csignal_is_einval,
    clone3::clone3_stores_the_tid_at_parent_tid_and_child_tid,
    clone3::clone3_pidfd_polls_readable_when_the_child_exits,
    clone3::clone3_clear_sighand_resets_handled_signals_to_default,
    clone3::clone3_clear_sighand_with_sighand_is_einval,
    clone3::clone3_set_tid_in_a_new_pid_namespace_gives_the_chosen_pids,
    clone3::clone3_newtime_gives_the_child_its_own_time_namespace_or_einval_where_the_kernel_has_none,
    clone3::clone3_into_cgroup_places_the_child_in_the_cgroup,
    clone3::clone3_fn_runs_with_arg_on_the_aligned_stack_top_with_the_frame_chain_ended,
    clone3::clone3_fn_return_value_is_the_child_exit_status,
    clone3::clone3_thread_shares_memory_sets_tls_and_clears_child_tid,
    clone3::clone3_callee_saved_registers_survive_in_the_parent_on_success_and_error,
    clone3::clone3_without_a_stack_runs_fn_on_the_copy_of_the_callers_stack,
    clone3::clone3_stack_too_small_is_einval_and_creates_no_child,
    clone3::clone3_passes_kernel_errors_through_and_falls_back_only_on_enosys,
    clone3::clone3_enosys_falls_back_to_clone_and_refuses_what_clone_cannot_express,
    clone3::clone3_raw_falling_back_passes_einval_through_and_creates_no_child,
    threads::join_returns_the_closures_value,
    threads::a_closures_captured_values_arrive_intact_in_the_thread,
    threads::threads_share_memory_and_the_process,
    threads::scoped_threads_finish_with_borrowed_data_before_the_scope_returns,
    threads::spawn_join_cycles_unmap_every_stack_and_leave_no_child,
    threads::a_stack_too_small_for_the_closure_is_einval,
    threads::a_child_overflowing_its_stack_dies_of_sigsegv_on_the_guard,
    threads::a_thread_overflowing_its_stack_ends_its_process_with_sigsegv,
    guard::a_160_kib_frame_on_a_64_kib_stack_faults_on_the_default_guard,
    guard::a_stack_asked_for_a_zero_guard_still_faults_on_one_granule,
    threads::dropping_a_join_handle_waits_for_the_thread,
    threads::threads_run_one_after_another_on_a_static_stack_given_back_by_join,
];

pub(crate) const STACK_SIZE: usize = 64 * 1024;
const MAGIC: usize = 0x5eed_c10e;

/// What a probed child compares its entry state with; lives in the parent's memory and
/// is read from the child's copy of it.
#[repr(C)]
pub(crate) struct Expectation {
    record: EntryRecord,
    magic: usize,
    own_address: usize,
    aligned_top: usize,
    stack_base: usize,
    /// The entry `fn` must return into: clone's, or clone3's (`clone3::` cases).
    entry_address: usize,
}

impl Expectation {
    pub(crate) fn new(top: *mut u8, stack_base: *mut u8) -> Self {
        Expectation {
            record: EntryRecord::new(check_entry_state, null_mut()),
            magic: MAGIC,
            own_address: 0,
            aligned_top: stack::align_down(top) as usize,
            stack_base: stack_base as usize,
            entry_address: probes::clone_entry_address(),
        }
    }

    /// Fixes the self-references once the value has its final address.
    pub(crate) fn arg(&mut self) -> *mut c_void {
        let address = self as *mut Self;
        self.own_address = address as usize;
        self.record.next_arg = address.cast();
        address.cast()
    }
}

// Failed checks of `check_entry_state`, one bit each, reported as the exit status.
pub(crate) const ARG_NOT_INTACT: c_int = 1;
pub(crate) const STACK_NOT_AT_TOP_MINUS_FRAME: c_int = 2;
pub(crate) const STACK_MISALIGNED_AT_ENTRY: c_int = 4;
pub(crate) const STACK_OUTSIDE_BUFFER: c_int = 8;
pub(crate) const FRAME_POINTER_NOT_ZERO: c_int = 16;
pub(crate) const RETURN_NOT_INTO_CLONE_ENTRY: c_int = 32;

/// Runs in the child, entered through the probe: checks what the probe recorded.
extern "C" fn check_entry_state(arg: *mut c_void) -> c_int {
    let expected = unsafe { &*(arg as *const Expectation) };
    let record = &expected.record;
    let mut failed = 0;
    if arg as usize != expected.own_address || expected.magic != MAGIC {
        failed |= ARG_NOT_INTACT;
    }
    if record.stack_pointer != expected.aligned_top - stack::CHILD_FRAME_SIZE {
        failed |= STACK_NOT_AT_TOP_MINUS_FRAME;
    }
    if (record.stack_pointer + stack::RETURN_ADDRESS_ON_STACK) % stack::ALIGNMENT != 0 {
        failed |= STACK_MISALIGNED_AT_ENTRY;
    }
    if record.stack_pointer < expected.stack_base || record.stack_pointer >= expected.aligned_top + 1 {
        failed |= STACK_OUTSIDE_BUFFER;
    }
    if record.frame_pointer != 0 {
        failed |= FRAME_POINTER_NOT_ZERO;
    }
    // Thumb code addresses carry bit 0; compare code addresses without it.
    let entry = expected.entry_address & !1;
    if (record.return_address & !1).wrapping_sub(entry) >= 256 {
        failed |= RETURN_NOT_INTO_CLONE_ENTRY;
    }
    failed
}

pub(crate) fn describe_entry_failures(status: c_int, checked: c_int) -> Verdict {
    let names = [
        (ARG_NOT_INTACT, "arg not intact"),
        (STACK_NOT_AT_TOP_MINUS_FRAME, "sp != aligned top - CHILD_FRAME_SIZE"),
        (STACK_MISALIGNED_AT_ENTRY, "sp misaligned at fn's entry"),
        (STACK_OUTSIDE_BUFFER, "sp outside the stack buffer"),
        (FRAME_POINTER_NOT_ZERO, "frame pointer not zero at fn's entry"),
        (RETURN_NOT_INTO_CLONE_ENTRY, "fn does not return into the clone entry"),
    ];
    let failed = status & checked;
    if failed == 0 {
        return Ok(());
    }
    let mut message = harness::Text::new();
    for (bit, name) in names {
        if failed & bit != 0 {
            message.push(name);
            message.push("; ");
        }
    }
    Err(harness::Failure::Fail(message))
}

/// Spawns a fork-like probed child whose stack top is `top` and returns its exit status.
fn spawn_probed(top: *mut u8, stack_base: *mut u8) -> Result<c_int, harness::Failure> {
    let mut expected = Expectation::new(top, stack_base);
    let arg = expected.arg();
    let tid = unsafe { clone(probes::entry_probe(), top, CloneFlags::exit_signal(SIGCHLD), arg, null_mut(), null_mut(), null_mut()) };
    let tid = match tid {
        Ok(tid) => tid,
        Err(errno) => return Err(fail!("clone failed: {errno}")),
    };
    wait_exit_status(tid, 0)
}

fn child_runs_fn_with_arg_on_the_given_stack_aligned() -> Verdict {
    let stack = MappedStack::new(STACK_SIZE)?;
    let status = spawn_probed(stack.top(), stack.base())?;
    describe_entry_failures(
        status,
        ARG_NOT_INTACT | STACK_NOT_AT_TOP_MINUS_FRAME | STACK_MISALIGNED_AT_ENTRY | STACK_OUTSIDE_BUFFER,
    )?;
    if status & !0x3f != 0 {
        return Err(fail!("child exited with unexpected status {status}"));
    }
    Ok(())
}

fn child_frame_chain_ends_at_fn_entry() -> Verdict {
    let stack = MappedStack::new(STACK_SIZE)?;
    let status = spawn_probed(stack.top(), stack.base())?;
    describe_entry_failures(status, FRAME_POINTER_NOT_ZERO | RETURN_NOT_INTO_CLONE_ENTRY)
}

struct ProbedCall {
    top: *mut u8,
    base: *mut u8,
    status: Result<c_int, harness::Failure>,
}

unsafe extern "C" fn call_spawn_probed(arg: *mut c_void) {
    let call = unsafe { &mut *(arg as *mut ProbedCall) };
    call.status = spawn_probed(call.top, call.base);
}

/// The child's frame chain is ended, not inherited: clone is called with a known,
/// non-zero value in every callee-saved register, the frame pointer included (where
/// the program's own frames leave it zero, the plain case would pass by luck), and on a
/// stack whose every byte is non-zero (s390x's chain link is a word on the stack, which
/// a fresh mapping would hold zero by luck).
fn child_frame_chain_ends_even_when_the_caller_frame_pointer_is_not_zero() -> Verdict {
    let stack = MappedStack::new(STACK_SIZE)?;
    // SAFETY: the mapping is ours and unused.
    unsafe { core::ptr::write_bytes(stack.base(), 0xa5, STACK_SIZE) };
    let mut call = ProbedCall { top: stack.top(), base: stack.base(), status: Ok(0) };
    // SAFETY: call_spawn_probed takes the ProbedCall it is given.
    let changed = unsafe { probes::callee_saved_changed(call_spawn_probed, (&raw mut call).cast()) };
    if changed != 0 {
        return Err(fail!("callee-saved registers changed around clone: mask {changed:#x}"));
    }
    describe_entry_failures(call.status?, FRAME_POINTER_NOT_ZERO | RETURN_NOT_INTO_CLONE_ENTRY)
}

pub(crate) fn runtime() -> Result<freeclone::rt::Runtime, harness::Failure> {
    // SAFETY: written once in main before the cases.
    unsafe { RUNTIME }.ok_or_else(|| fail!("main did not keep the runtime"))
}

unsafe extern "C" {
    /// freeclone's process entry (weak `_start`).
    fn _start();
}

/// `_start` finds the auxiliary vector after the environment: the kernel's AT_ENTRY
/// is this program's `_start`, and AT_PAGESZ a power of two of at least 4 KiB, read
/// through `Runtime` and through the `getauxval` that `entry!` defines.
fn auxiliary_vector_holds_the_kernels_entry_and_page_size() -> Verdict {
    const AT_PAGESZ: usize = 6;
    const AT_ENTRY: usize = 9;
    let rt = runtime()?;
    let entry = _start as *const () as usize;
    let seen_entry = rt.auxiliary_value(AT_ENTRY);
    if seen_entry != Some(entry) {
        return Err(fail!("AT_ENTRY is {seen_entry:?}, _start is at {entry:#x}"));
    }
    let page_size = rt.auxiliary_value(AT_PAGESZ).unwrap_or(0);
    if !page_size.is_power_of_two() || page_size < 4096 {
        return Err(fail!("AT_PAGESZ is {page_size}"));
    }
    // The C symbol `entry!` defined in this binary, for code that asks libc's way.
    let through_c = getauxval(AT_PAGESZ as core::ffi::c_ulong) as usize;
    if through_c != page_size {
        return Err(fail!("getauxval(AT_PAGESZ) is {through_c}, the runtime says {page_size}"));
    }
    Ok(())
}

/// `rt::supervise` returns `work`'s exit status, and 128 + N for a worker that signal
/// N killed, as shells report it (a PID 1 passes it on as its own status).
fn supervise_returns_the_exit_status_or_128_plus_the_signal() -> Verdict {
    let rt = runtime()?;
    let exited = freeclone::rt::supervise(&rt, || 7).map_err(|errno| fail!("supervise: {errno}"))?;
    if exited != 7 {
        return Err(fail!("a worker returning 7 gave {exited}"));
    }
    let killed = freeclone::rt::supervise(&rt, || {
        let _ = sys::kill(sys::getpid(), freeclone::signal::SIGKILL);
        0
    })
    .map_err(|errno| fail!("supervise: {errno}"))?;
    if killed != 128 + freeclone::signal::SIGKILL {
        return Err(fail!("a worker killed by SIGKILL gave {killed}, expected {}", 128 + freeclone::signal::SIGKILL));
    }
    Ok(())
}

fn fn_return_value_is_the_child_exit_status() -> Verdict {
    let stack = MappedStack::new(STACK_SIZE)?;
    for value in [0, 1, 42, 255] {
        let arg = value as usize as *mut c_void;
        let tid = unsafe { clone(return_arg_as_status, stack.top(), CloneFlags::exit_signal(SIGCHLD), arg, null_mut(), null_mut(), null_mut()) }
            .map_err(|errno| fail!("clone failed: {errno}"))?;
        let status = wait_exit_status(tid, 0)?;
        if status != value {
            return Err(fail!("fn returned {value}, child exit status is {status}"));
        }
    }
    Ok(())
}

fn fn_in_the_other_instruction_set_is_called_and_returns() -> Verdict {
    let stack = MappedStack::new(STACK_SIZE)?;
    let f = probes::fn_in_other_instruction_set();
    let tid = unsafe { clone(f, stack.top(), CloneFlags::exit_signal(SIGCHLD), 77 as *mut c_void, null_mut(), null_mut(), null_mut()) }
        .map_err(|errno| fail!("clone failed: {errno}"))?;
    let status = wait_exit_status(tid, 0)?;
    if status != 77 {
        return Err(fail!("fn in the other instruction set returned 77, child exit status is {status}"));
    }
    Ok(())
}

struct TidReport {
    pipe_write: c_int,
    ptid: pid_t,
    ctid: pid_t,
}

/// What a fork-like child saw of its IDs, in its own memory.
struct ChildTids {
    tid: pid_t,
    parent_ptid: pid_t,
    child_gettid: pid_t,
    child_getpid: pid_t,
    child_ctid: pid_t,
    child_ptid: pid_t,
}

extern "C" fn report_tids(arg: *mut c_void) -> c_int {
    let report = unsafe { &*(arg as *const TidReport) };
    // CLONE_CHILD_SETTID stored the TID in the child's memory before it started.
    let ctid = unsafe { core::ptr::read_volatile(&report.ctid) };
    let ptid = unsafe { core::ptr::read_volatile(&report.ptid) };
    let mut bytes = [0u8; 16];
    for (index, value) in [sys::gettid(), sys::getpid(), ctid, ptid].into_iter().enumerate() {
        bytes[index * 4..index * 4 + 4].copy_from_slice(&value.to_ne_bytes());
    }
    match sys::write(fd(report.pipe_write), &bytes) {
        Ok(16) => 0,
        _ => 1,
    }
}

/// Spawns a fork-like child with `CLONE_PARENT_SETTID | CLONE_CHILD_SETTID` that
/// reports, through a pipe, the IDs it sees in its own memory.
fn spawn_tid_reporter() -> Result<ChildTids, harness::Failure> {
    let stack = MappedStack::new(STACK_SIZE)?;
    let (pipe_read, pipe_write) = raw_pipe(sys::O_CLOEXEC).map_err(|errno| fail!("pipe2: {errno}"))?;
    let mut report = TidReport { pipe_write, ptid: 0, ctid: 0 };
    let flags = SIGCHLD | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID;
    let (ptid, ctid) = (&raw mut report.ptid, &raw mut report.ctid);
    let tid = unsafe { clone(report_tids, stack.top(), flags, (&raw mut report).cast(), ptid, null_mut(), ctid) };
    let _ = close_fd(pipe_write);
    let tid = tid.map_err(|errno| fail!("clone failed: {errno}"))?;
    let parent_ptid = unsafe { core::ptr::read_volatile(ptid) };
    let mut bytes = [0u8; 16];
    let read = sys::read(fd(pipe_read), &mut bytes);
    let _ = close_fd(pipe_read);
    let status = wait_exit_status(tid, 0)?;
    if read != Ok(16) || status != 0 {
        return Err(fail!("child report incomplete: read {read:?}, status {status}"));
    }
    let word = |index: usize| pid_t::from_ne_bytes(bytes[index * 4..index * 4 + 4].try_into().unwrap());
    Ok(ChildTids {
        tid,
        parent_ptid,
        child_gettid: word(0),
        child_getpid: word(1),
        child_ctid: word(2),
        child_ptid: word(3),
    })
}

fn returned_tid_is_the_child_gettid_and_getpid() -> Verdict {
    let ids = spawn_tid_reporter()?;
    if ids.tid <= 0 || ids.child_gettid != ids.tid || ids.child_getpid != ids.tid {
        return Err(fail!("clone returned {}; child's gettid {}, getpid {}", ids.tid, ids.child_gettid, ids.child_getpid));
    }
    Ok(())
}

fn child_settid_stores_the_tid_in_the_child_memory() -> Verdict {
    let ids = spawn_tid_reporter()?;
    if ids.child_ctid != ids.tid {
        return Err(fail!("CLONE_CHILD_SETTID stored {} in the child, clone returned {}", ids.child_ctid, ids.tid));
    }
    Ok(())
}

fn parent_settid_stores_the_tid_in_the_parent_memory_for_a_process() -> Verdict {
    let ids = spawn_tid_reporter()?;
    if ids.parent_ptid == ids.tid {
        return Ok(());
    }
    if ids.parent_ptid == 0 && ids.child_ptid == ids.tid {
        return Err(skip!(
            "the TID landed in the child's copy of ptid and not in the parent's: qemu-user's \
             fork emulation stores CLONE_PARENT_SETTID in the child; checked on the native and kernel tiers"
        ));
    }
    Err(fail!("CLONE_PARENT_SETTID stored {} in the parent, clone returned {}", ids.parent_ptid, ids.tid))
}

fn parent_settid_stores_the_tid_in_the_parent_memory_for_a_thread() -> Verdict {
    let stack = MappedStack::new(STACK_SIZE)?;
    let ptid = AtomicI32::new(0);
    let ctid = AtomicI32::new(-1);
    let flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM
        | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
    let tid = unsafe { clone(return_zero, stack.top(), flags, null_mut(), ptid.as_ptr(), null_mut(), ctid.as_ptr()) }
        .map_err(|errno| fail!("clone failed: {errno}"))?;
    // Stored before clone returned: no waiting.
    let stored = ptid.load(Ordering::SeqCst);
    harness::join_thread(&ctid, tid)?;
    if stored != tid {
        return Err(fail!("CLONE_PARENT_SETTID stored {stored}, clone returned {tid}"));
    }
    Ok(())
}

fn null_child_stack_is_einval_and_creates_no_child() -> Verdict {
    let result = unsafe { clone(must_not_run, null_mut(), CloneFlags::exit_signal(SIGCHLD), null_mut(), null_mut(), null_mut(), null_mut()) };
    if result != Err(Errno::EINVAL) {
        return Err(fail!("clone with a null stack returned {result:?}, expected EINVAL"));
    }
    match sys::wait4(-1, sys::WNOHANG | sys::WALL) {
        Err(Errno::ECHILD) => Ok(()),
        other => Err(fail!("a child exists after the failed clone: wait4 gave {other:?}")),
    }
}

/// glibc (since 2.34) aligns the stack first and then refuses a null result: every
/// pointer below the alignment is EINVAL, with no child. (A null stack that reached the
/// kernel would give a fork-like child on a copy of the caller's stack, or with
/// CLONE_VM one on the caller's live stack; without CLONE_VM every tier can show it.)
fn stack_that_aligns_to_null_is_einval_and_creates_no_child() -> Verdict {
    for address in 1..stack::ALIGNMENT {
        let low = address as *mut u8;
        let result = unsafe { clone(must_not_run, low, CloneFlags::exit_signal(SIGCHLD), null_mut(), null_mut(), null_mut(), null_mut()) };
        if result != Err(Errno::EINVAL) {
            return Err(fail!("clone with stack pointer {address:#x} returned {result:?}, expected EINVAL"));
        }
    }
    match sys::wait4(-1, sys::WNOHANG | sys::WALL) {
        Err(Errno::ECHILD) => Ok(()),
        other => Err(fail!("a child exists after the failed clones: wait4 gave {other:?}")),
    }
}

fn misaligned_stack_top_is_aligned_down() -> Verdict {
    let stack = MappedStack::new(STACK_SIZE)?;
    let aligned = stack::align_down(stack.top().wrapping_sub(64));
    for offset in 0..16 {
        let top = aligned.wrapping_add(offset);
        let status = spawn_probed(top, stack.base())?;
        describe_entry_failures(status, ARG_NOT_INTACT | STACK_NOT_AT_TOP_MINUS_FRAME | STACK_MISALIGNED_AT_ENTRY)
            .map_err(|failure| failure.with_context("stack top offset", offset))?;
    }
    Ok(())
}

/// Memory a thread child and its parent share.
#[repr(C)]
struct ThreadShared {
    /// The TLS block: its first word points to itself, as x86's TLS ABI requires.
    tls_block: [usize; 4],
    thread_pointer_seen: AtomicUsize,
    gettid_seen: AtomicI32,
    getpid_seen: AtomicI32,
    written: AtomicI32,
    /// CLONE_PARENT_SETTID stores the TID here; CLONE_CHILD_CLEARTID clears it.
    tid: AtomicI32,
}

extern "C" fn thread_child(arg: *mut c_void) -> c_int {
    let shared = unsafe { &*(arg as *const ThreadShared) };
    shared.thread_pointer_seen.store(unsafe { thread_pointer() } as usize, Ordering::SeqCst);
    shared.gettid_seen.store(sys::gettid(), Ordering::SeqCst);
    shared.getpid_seen.store(sys::getpid(), Ordering::SeqCst);
    shared.written.store(1, Ordering::SeqCst);
    // glibc's tst-clone3: a thread returning nonzero must end only itself (SYS_exit).
    1
}

pub(crate) const THREAD_FLAGS: CloneFlags = CLONE_VM.union(CLONE_FS).union(CLONE_FILES).union(CLONE_SIGHAND).union(CLONE_THREAD).union(CLONE_SYSVSEM).union(CLONE_SETTLS).union(CLONE_PARENT_SETTID).union(CLONE_CHILD_CLEARTID);

/// Spawns `thread_child` as a thread on a stack of `stack_size` bytes and waits until
/// the kernel clears the TID word.
/// Returns the shared memory (moved out: compare addresses with the returned TLS
/// address, not with the moved value's), the TID and the TLS address given.
fn run_thread(stack_size: usize) -> Result<(ThreadShared, pid_t, usize), harness::Failure> {
    let stack = MappedStack::new(stack_size)?;
    let mut shared = ThreadShared {
        tls_block: [0; 4],
        thread_pointer_seen: AtomicUsize::new(0),
        gettid_seen: AtomicI32::new(0),
        getpid_seen: AtomicI32::new(0),
        written: AtomicI32::new(0),
        tid: AtomicI32::new(0),
    };
    let tls_address = shared.tls_block.as_ptr() as usize;
    shared.tls_block[0] = tls_address;
    let mut tls = TlsArgument::new(shared.tls_block.as_mut_ptr().cast());
    let tid_word = shared.tid.as_ptr();
    let arg = (&raw mut shared).cast();
    let tid = unsafe { clone(thread_child, stack.top(), THREAD_FLAGS, arg, tid_word, tls.as_mut_ptr(), tid_word) }
        .map_err(|errno| fail!("clone failed: {errno}"))?;
    harness::join_thread(&shared.tid, tid)?;
    Ok((shared, tid, tls_address))
}

fn thread_on_small_stack_shares_memory_sets_tls_and_clears_ctid() -> Verdict {
    // 1 KiB on 32-bit architectures, 2 KiB on 64-bit ones.
    let small = 256 * core::mem::size_of::<usize>();
    let (shared, tid, expected_tls) = run_thread(small)?;
    if shared.written.load(Ordering::SeqCst) != 1 {
        return Err(fail!("the thread's write is not visible to the parent"));
    }
    let seen = shared.thread_pointer_seen.load(Ordering::SeqCst);
    if seen != expected_tls {
        return Err(fail!("thread pointer in the child is {seen:#x}, CLONE_SETTLS gave {expected_tls:#x}"));
    }
    let gettid_seen = shared.gettid_seen.load(Ordering::SeqCst);
    if gettid_seen != tid {
        return Err(fail!("thread's gettid {gettid_seen}, clone returned {tid}"));
    }
    let getpid_seen = shared.getpid_seen.load(Ordering::SeqCst);
    if getpid_seen != sys::getpid() {
        return Err(fail!("thread's getpid {getpid_seen} differs from the parent's {}", sys::getpid()));
    }
    Ok(())
}

/// In a process of its own: three threads whose `fn` returns 1, then exit 0. If the
/// clone entry ended threads with exit_group, the first thread would end that process
/// with 1, and only this case would fail, by name.
extern "C" fn run_threads_that_return_one(_: *mut c_void) -> c_int {
    let before = sys::getpid();
    for _ in 0..3 {
        if run_thread(STACK_SIZE).is_err() {
            return 2;
        }
    }
    if sys::getpid() != before {
        return 3;
    }
    match sys::wait4(-1, sys::WNOHANG | sys::WALL) {
        Err(Errno::ECHILD) => 0,
        _ => 4,
    }
}

fn thread_returning_does_not_end_the_process() -> Verdict {
    let child = harness::spawn(run_threads_that_return_one, CloneFlags::exit_signal(SIGCHLD), null_mut())?;
    match child.wait(0)? {
        0 => Ok(()),
        1 => Err(fail!("a thread returning 1 ended its whole process with status 1: the child exits with exit_group")),
        2 => Err(fail!("a thread could not be started or joined")),
        3 => Err(fail!("getpid changed after the threads")),
        4 => Err(fail!("a thread left a waitable child")),
        status => Err(fail!("the process running the threads exited with {status}")),
    }
}

struct CloneCall {
    stack: *mut u8,
    flags: CloneFlags,
    result: Result<pid_t, Errno>,
}

unsafe extern "C" fn call_clone(arg: *mut c_void) {
    let call = unsafe { &mut *(arg as *mut CloneCall) };
    call.result = unsafe { clone(return_arg_as_status, call.stack, call.flags, null_mut(), null_mut(), null_mut(), null_mut()) };
}

fn clone_with_register_check(stack: *mut u8, flags: CloneFlags) -> Result<(usize, Result<pid_t, Errno>), harness::Failure> {
    let mut call = CloneCall { stack, flags, result: Err(Errno::from_raw(0)) };
    let changed = unsafe { probes::callee_saved_changed(call_clone, (&raw mut call).cast()) };
    Ok((changed, call.result))
}

fn callee_saved_registers_survive_clone_in_the_parent() -> Verdict {
    let stack = MappedStack::new(STACK_SIZE)?;
    let (changed, result) = clone_with_register_check(stack.top(), CloneFlags::exit_signal(SIGCHLD))?;
    let tid = result.map_err(|errno| fail!("clone failed: {errno}"))?;
    wait_exit_status(tid, 0)?;
    if changed != 0 {
        return Err(fail!("callee-saved registers changed by a successful clone: mask {changed:#x}"));
    }
    Ok(())
}

fn callee_saved_registers_survive_clone_errors() -> Verdict {
    let stack = MappedStack::new(STACK_SIZE)?;
    // The kernel's error path (through the assembly) and the wrapper's own.
    for (stack, flags, what) in [
        (stack.top(), CLONE_SIGHAND | SIGCHLD, "kernel EINVAL"),
        (null_mut(), CloneFlags::exit_signal(SIGCHLD), "null stack"),
    ] {
        let (changed, result) = clone_with_register_check(stack, flags)?;
        if result != Err(Errno::EINVAL) {
            return Err(fail!("{what}: clone returned {result:?}, expected EINVAL"));
        }
        if changed != 0 {
            return Err(fail!("{what}: callee-saved registers changed: mask {changed:#x}"));
        }
    }
    Ok(())
}

fn clone2_runs_the_child_on_top_of_base_plus_size() -> Verdict {
    let stack = MappedStack::new(STACK_SIZE)?;
    // A base and size that leave the top misaligned, to include the alignment.
    let base = stack.base().wrapping_add(3);
    let size = STACK_SIZE - 64 - 3 - 5;
    let mut expected = Expectation::new(base.wrapping_add(size), base);
    let arg = expected.arg();
    let tid = unsafe { clone2(probes::entry_probe(), base, size, CloneFlags::exit_signal(SIGCHLD), arg, null_mut(), null_mut(), null_mut()) }
        .map_err(|errno| fail!("clone2 failed: {errno}"))?;
    let status = wait_exit_status(tid, 0)?;
    describe_entry_failures(status, ARG_NOT_INTACT | STACK_NOT_AT_TOP_MINUS_FRAME | STACK_MISALIGNED_AT_ENTRY | STACK_OUTSIDE_BUFFER)
}

fn clone2_null_base_or_too_small_size_is_einval() -> Verdict {
    let stack = MappedStack::new(STACK_SIZE)?;
    let aligned_base = stack.base();
    for (base, size, what) in [
        (null_mut(), STACK_SIZE, "null base"),
        (aligned_base, 0, "size 0"),
        (aligned_base, stack::MIN_SIZE - 1, "size MIN_SIZE - 1"),
        (aligned_base.wrapping_add(1), stack::MIN_SIZE, "size MIN_SIZE, misaligned base"),
        (aligned_base, usize::MAX, "size wrapping the address space"),
    ] {
        let result = unsafe { clone2(must_not_run, base, size, CloneFlags::exit_signal(SIGCHLD), null_mut(), null_mut(), null_mut(), null_mut()) };
        if result != Err(Errno::EINVAL) {
            if let Ok(tid) = result {
                let _ = sys::wait4(tid, sys::WALL);
            }
            return Err(fail!("{what}: clone2 returned {result:?}, expected EINVAL"));
        }
    }
    // The smallest accepted area runs a child that needs no stack of its own.
    let tid = unsafe {
        clone2(return_arg_as_status, aligned_base, stack::MIN_SIZE, CloneFlags::exit_signal(SIGCHLD), 7 as *mut c_void, null_mut(), null_mut(), null_mut())
    }
    .map_err(|errno| fail!("size MIN_SIZE: clone2 failed: {errno}"))?;
    let status = wait_exit_status(tid, 0)?;
    if status != 7 {
        return Err(fail!("size MIN_SIZE: child exit status {status}, expected 7"));
    }
    Ok(())
}
