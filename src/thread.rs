//! Threads: a Rust closure running in a new thread of this process (`CLONE_VM` and
//! the rest of a thread's sharing flags) on a [`Stack`] of its own, joined on its
//! ctid futex, with no heap: the closure and the slot for its result live at the top of
//! the thread's stack mapping, above what the entry uses.
//!
//! # Where threads are safe
//! A thread made here shares the caller's thread pointer: it has no thread control
//! block of a C library or of std. In a program that has one, code in the thread that
//! touches thread-locals corrupts the program. Measured in a std (glibc) program:
//! allocating ended in "double free detected in tcache 2", `println!` in "RefCell
//! already borrowed", every thread reported `ThreadId(1)`, and a panic was labelled
//! `'main'` and aborted. So the safe functions ([`spawn`], [`Builder::spawn`],
//! [`scope`]) take a [`Runtime`](crate::rt::Runtime), which only
//! [`entry!`](crate::entry) makes: it proves that freeclone's own `_start` runs the
//! program, with no C library and no std thread-locals. Everywhere else the same
//! functions are `unsafe` ([`Builder::spawn_unchecked`], [`scope_unchecked`]) and say
//! what the caller must guarantee.
//!
//! # Panics
//! A panic in a thread ends the whole process. Under `entry!` the panic handler prints
//! the message and calls `exit_group(101)`; in a std program unwinding cannot leave the
//! thread's `extern "C"` entry, so Rust aborts the process (SIGABRT).
//!
//! # Joining and dropping
//! [`JoinHandle::join`] waits until the kernel has cleared the thread's ctid
//! (`CLONE_CHILD_CLEARTID`: the thread has exited and will not touch its stack again),
//! returns the closure's value and unmaps the stack. Dropping a handle waits the same
//! way: a thread's stack must outlive it, and without a heap there is no one else to
//! free it later. There is no detach.


// The safe forms and `Runtime` exist with feature `rt` (docs.rs builds with it); docs
// built without it name them without a link.
#![cfg_attr(not(feature = "rt"), allow(rustdoc::broken_intra_doc_links))]

use core::cell::UnsafeCell;
use core::ffi::{c_int, c_void};
use core::marker::PhantomData;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::sync::atomic::{AtomicI32, Ordering};

use crate::flags::{
    CloneFlags,
    CLONE_CHILD_CLEARTID, CLONE_FILES, CLONE_FS, CLONE_SIGHAND, CLONE_SYSVSEM, CLONE_THREAD,
    CLONE_VM,
};
use crate::stack::{self, Stack};
use crate::clone_args::CloneArgs;
use crate::errno::Errno;
use crate::types::pid_t;
use crate::sys;

/// The flags of a thread, as glibc's `pthread_create` asks for them (without the TLS,
/// which freeclone's threads do not have).
pub const THREAD_FLAGS: CloneFlags = CLONE_VM
    .union(CLONE_FS)
    .union(CLONE_FILES)
    .union(CLONE_SIGHAND)
    .union(CLONE_THREAD)
    .union(CLONE_SYSVSEM)
    .union(CLONE_CHILD_CLEARTID);

/// What ctid holds while the thread runs: not a TID, never 0.
const RUNNING: pid_t = -1;

/// The top of a thread's stack mapping: what the parent hands over and the thread hands
/// back.
#[repr(C)]
struct Packet<F, T> {
    /// Cleared (and woken) by the kernel once the thread has exited.
    ctid: AtomicI32,
    /// Counts down the running threads of a [`Scope`]; null for an unscoped thread.
    scope_running: *const AtomicI32,
    closure: UnsafeCell<ManuallyDrop<F>>,
    result: UnsafeCell<MaybeUninit<T>>,
}

/// The thread's `fn(arg)`: takes the closure from the packet `arg` points to, runs it,
/// stores its value, and tells a scope that the thread is done with borrowed data.
unsafe extern "C" fn run<F: FnOnce() -> T, T>(arg: *mut c_void) -> c_int {
    let packet = arg.cast::<Packet<F, T>>();
    // SAFETY: the parent moved a closure into the packet before the clone and will not
    // touch closure or result until ctid is cleared; this thread takes it once.
    unsafe {
        let f = ManuallyDrop::take(&mut *(*packet).closure.get());
        (*(*packet).result.get()).write(f());
        let scope_running = (*packet).scope_running;
        if !scope_running.is_null() {
            // After this the scope may end: touch nothing of it but the futex word's
            // address, which the kernel only hashes.
            if (*scope_running).fetch_sub(1, Ordering::Release) == 1 {
                wake_all(scope_running);
            }
        }
    }
    0
}

/// FUTEX_WAKE on an address that may no longer hold a live `AtomicI32` (a scope that
/// has just ended): the kernel compares nothing there, and a waiter's wake may be
/// spurious anyway.
fn wake_all(word: *const AtomicI32) {
    let nr = linux_raw_sys::general::__NR_futex as usize;
    let op = linux_raw_sys::general::FUTEX_WAKE as usize;
    // SAFETY: FUTEX_WAKE reads no memory.
    unsafe { sys::syscall3(nr, word as usize, op, i32::MAX as usize) };
}

/// Sleeps until `word` holds 0.
fn wait_for_zero(word: &AtomicI32) {
    loop {
        let value = word.load(Ordering::Acquire);
        if value == 0 {
            return;
        }
        // EAGAIN (the value changed), EINTR and spurious wakes all mean: look again.
        let _ = sys::futex_wait(word, value);
    }
}

/// The stack a thread runs on: a [`Stack`] it owns, or an area borrowed for the rest of
/// the program (a `static`, for programs that cannot `mmap`; see
/// [`ThreadStack::from_static`]). A borrow shorter than `'static` is not enough: a
/// handle can be forgotten (`mem::forget` is safe), and the thread would go on running
/// on memory that its owner has taken back.
///
/// An area without a guard cannot come from safe code: nothing would stop a deep
/// recursion in the thread from writing below it.
///
/// ```compile_fail,E0277
/// static mut AREA: [core::mem::MaybeUninit<u8>; 4096] = [core::mem::MaybeUninit::uninit(); 4096];
/// let area: &'static mut [core::mem::MaybeUninit<u8>] = unsafe { &mut *(&raw mut AREA) };
/// let _ = freeclone::thread::ThreadStack::from(area);
/// ```
#[derive(Debug)]
pub struct ThreadStack(StackKind);

#[derive(Debug)]
enum StackKind {
    /// An owned mapping with a guard region; unmapped when the handle is done with it.
    Owned(Stack),
    /// An area borrowed for good; no guard.
    Static(&'static mut [MaybeUninit<u8>]),
}

impl ThreadStack {
    /// A stack in `area`, which has no guard below it.
    ///
    /// # Safety
    /// Every thread run on it must stay within it: at most `area.len()` bytes minus
    /// the closure and its result (which sit at its top) and the entry's
    /// [`stack::CHILD_FRAME_SIZE`]. An overflow writes below `area`, into whatever
    /// memory lies there.
    pub unsafe fn from_static(area: &'static mut [MaybeUninit<u8>]) -> Self {
        ThreadStack(StackKind::Static(area))
    }

    /// The owned stack, if this is one (to unmap it now, or to use it elsewhere).
    pub fn into_owned(self) -> Option<Stack> {
        match self.0 {
            StackKind::Owned(stack) => Some(stack),
            StackKind::Static(_) => None,
        }
    }

    fn area(&mut self) -> &mut [MaybeUninit<u8>] {
        match &mut self.0 {
            StackKind::Owned(stack) => stack.area(),
            StackKind::Static(area) => area,
        }
    }
}

impl From<Stack> for ThreadStack {
    fn from(stack: Stack) -> Self {
        ThreadStack(StackKind::Owned(stack))
    }
}

/// A thread's configuration: its stack's size and guard.
///
/// ```
/// # fn example(rt: &freeclone::rt::Runtime) {
/// use freeclone::thread::Builder;
///
/// let handle = Builder::new().stack_size(1 << 20).spawn(rt, || 6 * 7).expect("spawn");
/// assert_eq!(handle.join(), 42);
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Builder {
    stack_size: usize,
    guard_size: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// A [`Stack::DEFAULT_SIZE`] stack above a [`stack::DEFAULT_GUARD_SIZE`] guard
    /// (what it promises: [`Stack`]).
    pub const fn new() -> Self {
        Builder {
            stack_size: Stack::DEFAULT_SIZE,
            guard_size: stack::DEFAULT_GUARD_SIZE,
        }
    }

    /// The stack's usable size, which also holds the closure and its result.
    pub const fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = bytes;
        self
    }

    /// The guard region's size, rounded up to whole granules, at least one (see
    /// [`Stack::with_guard`]; where frames are not probed, a frame larger than the
    /// guard can step over it: [`Stack`]).
    pub const fn guard_size(mut self, bytes: usize) -> Self {
        self.guard_size = bytes;
        self
    }

    /// Runs `f` in a new thread, in a program whose `_start` is freeclone's.
    ///
    /// # Errors
    /// `EINVAL` if the closure and its result leave less than
    /// [`stack::MIN_SIZE`] bytes of the stack; [`Stack::with_guard`]'s errors; the
    /// clone's `Errno` as the kernel gives it (`EAGAIN` at the thread limit, ...).
    #[cfg(feature = "rt")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
    pub fn spawn<F, T>(self, rt: &crate::rt::Runtime, f: F) -> Result<JoinHandle<'static, T>, Errno>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let _ = rt;
        // SAFETY: the Runtime proves that freeclone's `_start` runs this program: no
        // C library or std thread state exists for the thread to share.
        unsafe { self.spawn_unchecked(f) }
    }

    /// Runs `f` in a new thread, in any program.
    ///
    /// # Safety
    /// The thread runs with the caller's thread pointer and no thread control block of
    /// its own. The caller guarantees that `f`, and everything it calls, touches no
    /// thread-local storage and no per-thread state of a C library or of std: no
    /// allocation through glibc's malloc, no `println!` or other std I/O, no
    /// `std::thread` functions, no `errno`, no panics that std would handle (they
    /// abort). In a program started by [`entry!`](crate::entry), use
    /// [`Builder::spawn`], which needs none of this.
    ///
    /// # Errors
    /// As [`Builder::spawn`].
    pub unsafe fn spawn_unchecked<F, T>(self, f: F) -> Result<JoinHandle<'static, T>, Errno>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // SAFETY: 'static closures and results outlive any thread; the rest is the
        // caller's promise.
        unsafe { self.spawn_with_scope(None, f, core::ptr::null()) }
    }

    /// Runs `f` in a new thread on `stack` (this builder's sizes are not used), in a
    /// program whose `_start` is freeclone's. [`JoinHandle::join_with_stack`] gives the
    /// stack back, to run the next thread on it without mapping another.
    ///
    /// ```
    /// # fn example(rt: &freeclone::rt::Runtime) -> Result<(), freeclone::Errno> {
    /// use freeclone::stack::Stack;
    /// use freeclone::thread::{Builder, ThreadStack};
    ///
    /// let mut stack = ThreadStack::from(Stack::new(64 * 1024)?);
    /// for round in 0..3 {
    ///     let handle = Builder::new().spawn_on(rt, stack, move || round * 2)?;
    ///     let value;
    ///     (value, stack) = handle.join_with_stack();
    ///     assert_eq!(value, round * 2);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Builder::spawn`]; on an error the stack is dropped (unmapped if owned).
    #[cfg(feature = "rt")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
    pub fn spawn_on<F, T>(
        self,
        rt: &crate::rt::Runtime,
        stack: impl Into<ThreadStack>,
        f: F,
    ) -> Result<JoinHandle<'static, T>, Errno>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let _ = rt;
        // SAFETY: as in spawn.
        unsafe { self.spawn_on_unchecked(stack, f) }
    }

    /// [`Builder::spawn_on`] in any program.
    ///
    /// # Safety
    /// As [`Builder::spawn_unchecked`].
    ///
    /// # Errors
    /// As [`Builder::spawn_on`].
    pub unsafe fn spawn_on_unchecked<F, T>(
        self,
        stack: impl Into<ThreadStack>,
        f: F,
    ) -> Result<JoinHandle<'static, T>, Errno>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // SAFETY: as spawn_unchecked.
        unsafe { self.spawn_with_scope(Some(stack.into()), f, core::ptr::null()) }
    }

    /// Moves `f` to the top of a new stack and starts a thread on what remains below.
    ///
    /// # Safety
    /// `f` and `T` must stay valid until the thread has finished with them (the handle
    /// is joined or dropped, or `scope_running`'s scope has waited for it); if
    /// `scope_running` is not null, it counts this thread already and stays valid until
    /// it reads 0; and the program is one where a thread sharing the caller's thread
    /// pointer is sound (see [`Builder::spawn_unchecked`]).
    unsafe fn spawn_with_scope<'scope, F, T>(
        self,
        stack: Option<ThreadStack>,
        f: F,
        scope_running: *const AtomicI32,
    ) -> Result<JoinHandle<'scope, T>, Errno>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let mut stack = match stack {
            Some(stack) => stack,
            None => ThreadStack::from(Stack::with_guard(self.stack_size, self.guard_size)?),
        };
        let area = stack.area();
        let (bottom_pointer, area_size) = (area.as_mut_ptr().cast::<u8>(), area.len());
        let packet_size = core::mem::size_of::<Packet<F, T>>();
        let packet_align = core::mem::align_of::<Packet<F, T>>().max(stack::ALIGNMENT);
        let bottom = bottom_pointer as usize;
        let packet_at = (bottom + area_size)
            .checked_sub(packet_size)
            .map(|at| at & !(packet_align - 1));
        let Some(packet_at) =
            packet_at.filter(|&at| at >= bottom)
        else {
            return Err(Errno::EINVAL);
        };
        let packet = bottom_pointer.wrapping_add(packet_at - bottom).cast::<Packet<F, T>>();
        // SAFETY: `packet` is inside the stack's writable area, aligned for Packet, and
        // no thread runs on this stack yet.
        unsafe {
            packet.write(Packet {
                ctid: AtomicI32::new(RUNNING),
                scope_running,
                closure: UnsafeCell::new(ManuallyDrop::new(f)),
                result: UnsafeCell::new(MaybeUninit::uninit()),
            });
        }
        let below_packet = packet_at - bottom;
        let tid = {
            // SAFETY: the area below the packet is the stack's own, unused, and the
            // thread is its only user until ctid is cleared.
            let area = unsafe { core::slice::from_raw_parts_mut(bottom_pointer.cast(), below_packet) };
            // SAFETY: ctid is written only by the kernel (CLONE_CHILD_CLEARTID) until
            // the parent reads it atomically after this borrow ends.
            let ctid = unsafe { &mut *(*packet).ctid.as_ptr() };
            let args = CloneArgs::new()
                .flags(THREAD_FLAGS)
                .child_tid(ctid)
                .stack(area);
            // SAFETY: `run::<F, T>` takes exactly the packet that `arg` points to; the
            // stack outlives the thread (the handle waits for ctid before unmapping); the
            // caller vouches for the program.
            unsafe { crate::clone::clone3(&args, run::<F, T>, packet.cast()) }
        };
        match tid {
            Ok(tid) => Ok(JoinHandle {
                tid,
                process: sys::getpid(),
                packet: packet.cast(),
                read_result: read_result::<F, T>,
                drop_result: drop_result::<F, T>,
                stack: Some(stack),
                joined: false,
                borrows: PhantomData,
            }),
            Err(errno) => {
                // No thread: the closure is still ours to drop.
                // SAFETY: written above and never taken.
                unsafe { ManuallyDrop::drop(&mut *(*packet).closure.get()) };
                Err(errno)
            }
        }
    }
}

/// Reads a finished thread's result out of its packet.
unsafe fn read_result<F, T>(packet: *mut c_void, out: *mut MaybeUninit<T>) {
    // SAFETY: the caller saw ctid cleared: `run` stored the result and is gone.
    unsafe { (*out).write((*(*packet.cast::<Packet<F, T>>()).result.get()).assume_init_read()) };
}

/// Drops a finished thread's result in its packet.
unsafe fn drop_result<F, T>(packet: *mut c_void) {
    // SAFETY: as read_result.
    unsafe { (*(*packet.cast::<Packet<F, T>>()).result.get()).assume_init_drop() };
}

/// A running thread, joined by [`JoinHandle::join`] or by dropping it. `'scope` is the
/// lifetime of the data the thread borrows (`'static` outside a [`scope`]).
pub struct JoinHandle<'scope, T> {
    tid: pid_t,
    /// The process that spawned the thread: in a fork-like copy of it the thread does
    /// not exist.
    process: pid_t,
    /// The Packet<F, T> at the top of `stack` (F erased).
    packet: *mut c_void,
    read_result: unsafe fn(*mut c_void, *mut MaybeUninit<T>),
    drop_result: unsafe fn(*mut c_void),
    /// Taken only by `join_with_stack`, after the wait.
    stack: Option<ThreadStack>,
    joined: bool,
    borrows: PhantomData<&'scope mut T>,
}

// SAFETY: the handle only waits on the packet's ctid and moves T out once; T: Send.
unsafe impl<T: Send> Send for JoinHandle<'_, T> {}
// SAFETY: `&JoinHandle` reads the TID only.
unsafe impl<T> Sync for JoinHandle<'_, T> {}

impl<T> JoinHandle<'_, T> {
    /// The thread's ID.
    pub fn tid(&self) -> pid_t {
        self.tid
    }

    /// Whether the thread has exited (the kernel has cleared its ctid).
    pub fn is_finished(&self) -> bool {
        self.ctid().load(Ordering::Acquire) == 0
    }

    /// Waits until the thread has exited and returns its closure's value; then unmaps
    /// its stack (an owned one).
    ///
    /// # Panics
    /// In a process other than the one that spawned the thread: a handle moved into a
    /// fork-like child ([`process::Builder`](crate::process::Builder)) refers to a thread
    /// that does not exist in that copy of memory, and would wait for ever. (Dropping
    /// such a handle there does not wait: it frees the copy's stack.)
    pub fn join(self) -> T {
        self.join_with_stack().0
    }

    /// Waits until the thread has exited and returns its closure's value and the stack
    /// it ran on, for the next thread.
    ///
    /// # Panics
    /// As [`JoinHandle::join`].
    pub fn join_with_stack(mut self) -> (T, ThreadStack) {
        let here = sys::getpid();
        if here != self.process {
            // No value to drop and no thread on the copy's stack.
            self.joined = true;
            panic!("JoinHandle::join in process {here}: thread {} belongs to process {}, not to this fork-like copy", self.tid, self.process);
        }
        wait_for_zero(self.ctid());
        let mut value = MaybeUninit::uninit();
        // SAFETY: ctid is clear: the result is stored and the thread is gone.
        unsafe { (self.read_result)(self.packet, &mut value) };
        self.joined = true;
        let stack = self.stack.take().expect("a handle keeps its stack until joined");
        // SAFETY: just written.
        (unsafe { value.assume_init() }, stack)
    }

    fn ctid(&self) -> &AtomicI32 {
        // SAFETY: the packet lives at the top of `self.stack`, which self keeps until
        // the thread is gone.
        unsafe { &*self.packet.cast::<AtomicI32>() }
    }
}

impl<T> Drop for JoinHandle<'_, T> {
    /// Waits for the thread (its stack cannot be freed earlier), drops its value, and
    /// unmaps the stack.
    fn drop(&mut self) {
        if !self.joined && sys::getpid() == self.process {
            wait_for_zero(self.ctid());
            // SAFETY: as in join; the value was not taken.
            unsafe { (self.drop_result)(self.packet) };
        }
    }
}

impl<T> core::fmt::Debug for JoinHandle<'_, T> {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter
            .debug_struct("JoinHandle")
            .field("tid", &self.tid)
            .field("stack", &self.stack)
            .finish_non_exhaustive()
    }
}

/// Runs `f` in a new thread on a [`Stack::DEFAULT_SIZE`] stack: [`Builder::spawn`]
/// with the defaults.
///
/// ```
/// # fn example(rt: &freeclone::rt::Runtime) {
/// let numbers = [1, 2, 3];
/// let handle = freeclone::thread::spawn(rt, move || numbers.iter().sum::<i32>()).expect("spawn");
/// assert_eq!(handle.join(), 6);
/// # }
/// ```
///
/// A closure that is not `Send` cannot reach another thread:
///
/// ```compile_fail,E0277
/// # fn example(rt: &freeclone::rt::Runtime) {
/// let shared = core::cell::Cell::new(1);
/// let local = &shared;
/// let _ = freeclone::thread::spawn(rt, move || local.set(2));
/// # }
/// ```
///
/// # Errors
/// As [`Builder::spawn`].
#[cfg(feature = "rt")]
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
pub fn spawn<F, T>(rt: &crate::rt::Runtime, f: F) -> Result<JoinHandle<'static, T>, Errno>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(rt, f)
}

/// Threads that may borrow from the caller's frame: every thread spawned on a scope
/// has finished before [`scope`] returns, whatever happened to its handle.
pub struct Scope<'scope, 'env: 'scope> {
    /// Threads spawned here that have not finished with borrowed data.
    running: AtomicI32,
    /// Invariant in 'scope and 'env, as std's scope.
    scope: PhantomData<&'scope mut &'scope ()>,
    env: PhantomData<&'env mut &'env ()>,
}

impl<'scope> Scope<'scope, '_> {
    /// Runs `f` in a new thread that may borrow anything that outlives the scope, on a
    /// stack made by `builder`.
    ///
    /// # Errors
    /// As [`Builder::spawn`].
    pub fn spawn_with<F, T>(
        &'scope self,
        builder: Builder,
        f: F,
    ) -> Result<JoinHandle<'scope, T>, Errno>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.running.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the scope waits until `running` reads 0 before its borrows end, and
        // the thread counts down only after its last use of `f` and `T`'s slot that
        // is not its own stack; a scope exists only where the program was vouched for
        // (a Runtime, or scope_unchecked's caller).
        let handle = unsafe { builder.spawn_with_scope(None, f, &self.running) };
        if handle.is_err() {
            self.running.fetch_sub(1, Ordering::Relaxed);
        }
        handle
    }

    /// [`Scope::spawn_with`] with a default [`Builder`].
    ///
    /// # Errors
    /// As [`Builder::spawn`].
    pub fn spawn<F, T>(&'scope self, f: F) -> Result<JoinHandle<'scope, T>, Errno>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.spawn_with(Builder::new(), f)
    }
}

impl core::fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, formatter: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        formatter
            .debug_struct("Scope")
            .field("running", &self.running.load(Ordering::Relaxed))
            .finish()
    }
}

/// Waits for a scope's threads, also when the scope's closure unwinds.
struct WaitForScope<'a>(&'a AtomicI32);

impl Drop for WaitForScope<'_> {
    fn drop(&mut self) {
        wait_for_zero(self.0);
    }
}

/// Creates a scope for threads that borrow from the caller, as `std::thread::scope`
/// does, in a program whose `_start` is freeclone's: `f` spawns them through the
/// [`Scope`], and `scope` returns only after every one of them has finished (joined or
/// not), so nothing they borrow can go away under them.
///
/// ```
/// # fn example(rt: &freeclone::rt::Runtime) {
/// let mut counts = [0u32; 4];
/// freeclone::thread::scope(rt, |scope| {
///     for (index, count) in counts.iter_mut().enumerate() {
///         scope.spawn(move || *count = index as u32 * 10).expect("spawn");
///     }
/// });
/// assert_eq!(counts, [0, 10, 20, 30]);
/// # }
/// ```
///
/// A scoped thread cannot outlive what it borrows:
///
/// ```compile_fail,E0597
/// # fn example(rt: &freeclone::rt::Runtime) {
/// let mut escaped = None;
/// freeclone::thread::scope(rt, |scope| {
///     let local = 5;
///     escaped = Some(scope.spawn(|| local + 1).expect("spawn"));
/// });
/// # }
/// ```
#[cfg(feature = "rt")]
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
pub fn scope<'env, F, R>(rt: &crate::rt::Runtime, f: F) -> R
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> R,
{
    let _ = rt;
    // SAFETY: the Runtime proves freeclone's `_start` runs the program.
    unsafe { scope_unchecked(f) }
}

/// [`scope`] in any program.
///
/// # Safety
/// As [`Builder::spawn_unchecked`], for every thread spawned on the scope.
pub unsafe fn scope_unchecked<'env, F, R>(f: F) -> R
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> R,
{
    let scope = Scope {
        running: AtomicI32::new(0),
        scope: PhantomData,
        env: PhantomData,
    };
    let wait = WaitForScope(&scope.running);
    let result = f(&scope);
    drop(wait);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_builder_asks_for_the_default_guard_and_passes_on_what_it_is_given() {
        assert_eq!(Builder::new().guard_size, stack::DEFAULT_GUARD_SIZE);
        assert_eq!(Builder::new().guard_size(0).guard_size, 0, "Stack::with_guard rounds 0 up to one granule");
        assert_eq!(Builder::new().stack_size, Stack::DEFAULT_SIZE);
    }

    // These run in libtest's std threads: the closures touch no thread-locals.

    #[test]
    fn join_returns_the_closures_value() {
        let values = [3u64, 4, 5];
        let handle = unsafe { Builder::new().spawn_unchecked(move || values.iter().product::<u64>()) }.unwrap();
        assert!(handle.tid() > 0);
        assert_eq!(handle.join(), 60);
    }

    #[test]
    fn scoped_threads_write_borrowed_data_before_the_scope_returns() {
        let mut slots = [0usize; 8];
        unsafe {
            scope_unchecked(|scope| {
                for (index, slot) in slots.iter_mut().enumerate() {
                    // A forgotten handle: the scope still waits for its thread.
                    core::mem::forget(scope.spawn_with(Builder::new().stack_size(64 * 1024), move || *slot = index + 1).unwrap());
                }
            });
        }
        assert_eq!(slots, [1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn a_closure_too_large_for_the_stack_is_einval_and_dropped() {
        struct Counted<'a>(&'a AtomicI32, [u8; 80 * 1024]);
        impl Drop for Counted<'_> {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::Relaxed);
            }
        }
        let drops = AtomicI32::new(0);
        let big = Counted(&drops, [0; 80 * 1024]);
        let result = unsafe {
            scope_unchecked(|scope| scope.spawn_with(Builder::new().stack_size(64 * 1024), move || { let whole = big; whole.1[0] }).map(drop))
        };
        assert_eq!(result, Err(Errno::EINVAL));
        assert_eq!(drops.load(Ordering::Relaxed), 1);
    }
}
