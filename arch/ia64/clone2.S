// freeclone: __clone2 for Linux/ia64 (Itanium), LP64, little-endian.
//
// There is no Rust target for ia64, so this architecture is delivered as
// hand-written assembly.  The file uses no C preprocessor directive: it
// assembles with plain `ia64-linux-gnu-as -x` (dependency-violation checking
// on) as well as through a C compiler driver.
//
// Entry points (both take glibc's __clone2 arguments):
//
//   int  __clone2(int (*fn)(void *), void *child_stack_base,
//                 size_t stack_size, int flags, void *arg,
//                 pid_t *ptid, void *tls, pid_t *ctid);
//        glibc contract.  Parent: the child's TID, or -1 with errno set.
//        errno is reached through the C library's __errno_location(),
//        called through its official function descriptor; a program using
//        this entry must therefore be linked with something that defines
//        __errno_location (any C library does).
//
//   long freeclone_clone2_raw(same eight arguments);
//        For callers without a C library.  Parent: the child's TID, or the
//        negative errno value (-EINVAL, -EAGAIN, ...).  errno is not touched
//        and no external symbol is needed.
//
// Both: fn == NULL or child_stack_base == NULL fails with EINVAL before any
// system call.  The child starts on the new stack, calls fn(arg) through
// fn's function descriptor and ends with SYS_exit (never exit_group) taking
// fn's return value as its status.  The child never returns.
//
// Kernel facts relied on (arch/ia64, glibc's ia64 sysdeps):
//  * System calls are made with `break 0x100000` (__BREAK_SYSCALL); the
//    number goes in r15, the arguments in out0..out5.  The light-weight epc
//    gate (__kernel_syscall_via_epc) is never used: it returns with br.ret
//    into the caller's frame, which the child does not have.
//  * Errors: r10 == -1 and r8 holds the positive errno; on success r10 == 0
//    and r8 holds the result (0 in the child).
//  * clone2 (1213) takes flags, stack_base, stack_size, ptid, ctid, tls.
//    For a non-NULL stack the kernel starts the child with
//    sp = stack_base + stack_size - 16 and ar.bspstore = stack_base: the
//    memory stack grows down from the top, the register backing store grows
//    up from the base.
//  * The child resumes right after the break in the very register frame it
//    had at the syscall (in/local registers of this frame are reloaded from
//    the kernel's copy), but everything older than that frame is gone: a
//    br.ret would fetch the caller's frame from below stack_base.
//  * Across the break, out registers (they are the kernel's inputs), r2-r3,
//    r8-r11 and r14-r31 are treated as scratch; in/local registers of the
//    current frame, r1 (gp), r4-r7, r12 (sp) and b0 survive.  With
//    CLONE_SETTLS the child's r13 (thread pointer) is tls.
//  * exit is 1025 (exit_group 1236 must not be used: with CLONE_THREAD it
//    would end the whole process).
//
// Unwind info: every procedure has .prologue/.body directives, so the
// .IA_64.unwind table covers all of them.  The chain is terminated with
// `.save rp, r0` (return pointer "saved in r0", i.e. 0), which the kernel
// unwinder, libunwind and libgcc all treat as the outermost frame.

	.equ	SYS_exit,	1025
	.equ	SYS_clone2,	1213
	.equ	BREAK_SYSCALL,	0x100000	// __BREAK_SYSCALL, Linux/ia64 syscall gate
	.equ	EINVAL,		22

	.text

// ---------------------------------------------------------------------------
// long freeclone_clone2_raw(fn, stack_base, stack_size, flags, arg,
//                           ptid, tls, ctid)
//   in0 = fn (function descriptor)   in4 = arg
//   in1 = child_stack_base           in5 = ptid
//   in2 = stack_size                 in6 = tls
//   in3 = flags                      in7 = ctid
// ---------------------------------------------------------------------------
	.global	freeclone_clone2_raw#
	.type	freeclone_clone2_raw#, @function
	.align	32
	.proc	freeclone_clone2_raw#
freeclone_clone2_raw:
.Lraw_entry:		// local alias: __clone2 calls here without a PLT stub
	.prologue
	// ar.pfs is left in ar.pfs (the parent path makes no call), so there is
	// no `.save ar.pfs`: r2 merely receives the copy alloc must write.
	// Frame: 8 inputs, no locals, 6 outputs for the syscall arguments.
	// alloc must open an instruction group; instructions after it in the
	// same group already see the new frame (in0/in1).  The stop is needed
	// because alloc writes CFM and a br.ret in the same group would too
	// (WAW on CFM, reported by `as -x`).
	{ .mii
	  alloc r2 = ar.pfs, 8, 0, 6, 0
	  cmp.eq p6, p0 = 0, in0		// fn == NULL?
	  cmp.eq p7, p0 = 0, in1		// stack base == NULL?
	  ;;
	}
	// r8 is only read by the caller, after the taken branch has ended the
	// group, so it may be set in the group of the returns.
	{ .mbb
	  mov r8 = -EINVAL
	  (p6) br.ret.spnt.many rp		// EINVAL before any syscall
	  (p7) br.ret.spnt.many rp
	  ;;
	}
	// Round the base up to 8 bytes: the RSE spills 8-byte slots and
	// ignores bspstore{2:0}, so a misaligned base would make the first
	// spill land below the caller's area.  The size shrinks by the same
	// amount, which keeps the kernel's top (base + size) unchanged.
	{ .mii
	  adds r16 = 7, in1
	  mov out0 = in3			// kernel argument 1: flags
	  mov out3 = in5			// kernel argument 4: ptid
	  ;;
	}
	{ .mii
	  and r16 = -8, r16			// r16 = aligned base
	  mov out4 = in7			// kernel argument 5: ctid (before tls:
	  mov out5 = in6			// kernel argument 6: tls   ia64 order)
	  ;;
	}
	{ .mii
	  sub r17 = r16, in1			// bytes skipped at the bottom
	  mov out1 = r16			// kernel argument 2: stack base
	  mov r15 = SYS_clone2			// syscall number goes in r15
	  ;;
	}
	// Template M;MI: the stop after slot 0 separates the write of out2
	// from the break, which is where the kernel reads it.
	{ .mmi
	  sub out2 = in2, r17			// kernel argument 3: stack size
	  ;;
	  // From the break on, pretend this is the outermost frame: the child
	  // comes back from the break with no caller frame at all, and a signal
	  // can be delivered to it right at the next slot.  The parent's
	  // backtrace is cut short for the two bundles until it returns
	  // (glibc makes the same trade).
	  .save rp, r0
	  break.m BREAK_SYSCALL			// the break gate, never epc
	  nop.i 0
	  ;;					// r8/r10 are written by the kernel:
	}					// read them in a new group only
	.body
	// Child: r8 == 0 (an error always has errno != 0 in r8), so one compare
	// decides; its branch sits in the same group (compare->branch exception)
	// so the child leaves this procedure after a single bundle.
	{ .mib
	  cmp.eq p6, p0 = -1, r10		// parent: did the syscall fail?
	  cmp.eq p7, p0 = 0, r8			// child?
	  (p7) br.cond.spnt.many freeclone_clone2_child#
	  ;;
	}
	// Parent.  ar.pfs still holds the caller's frame marker (no call was
	// made), so br.ret restores the caller's frame.
	{ .mib
	  (p6) sub r8 = r0, r8			// error: return -errno
	  nop.i 0
	  br.ret.sptk.many rp			// success: return the TID
	  ;;
	}
	.endp	freeclone_clone2_raw#
	.size	freeclone_clone2_raw#, . - freeclone_clone2_raw

// ---------------------------------------------------------------------------
// The child's path.  Not a callable function: it is entered by a branch from
// freeclone_clone2_raw right after the syscall and runs in that procedure's
// register frame (in0 = fn descriptor, in4 = arg).  A procedure of its own
// gives it unwind info that says "outermost frame" from its first slot on:
// the empty prologue region below ends before the first instruction, so the
// `.save rp, r0` is already in effect there and during the call of fn.
// ---------------------------------------------------------------------------
	.type	freeclone_clone2_child#, @function
	.align	32
	.proc	freeclone_clone2_child#
freeclone_clone2_child:
	.prologue
	.save rp, r0				// no return address: end of chain
	.body
	// fn is a function descriptor: [fn] = entry point, [fn+8] = its gp.
	// The kernel put sp at base + size - 16; rounding it down to 16 keeps
	// the ABI's 16-byte alignment for any size while leaving the callee's
	// 16-byte scratch area at [sp, sp+16) inside the caller's area.
	{ .mii
	  ld8 r16 = [in0], 8			// entry point; in0 -> gp slot
	  mov out0 = in4			// fn's only argument: arg
	  and sp = -16, sp
	  ;;
	}
	// Loading gp and branching in one group is fine: fn reads gp only after
	// the taken branch, and mov-to-b6 -> br.call through b6 is allowed in
	// one group.
	{ .mib
	  ld8 gp = [in0]			// fn's gp (r1)
	  mov b6 = r16
	  br.call.sptk.many rp = b6		// r8 = fn(arg)
	  ;;
	}
	// fn's br.ret restored this frame from the new backing store.  gp is
	// now fn's; nothing below needs ours.  fn's status is kept in in1 (no
	// longer needed): stacked in/local registers survive a syscall, out
	// registers and r15 do not.
	{ .mii
	  mov in1 = r8				// fn's return value
	  nop.i 0
	  nop.i 0
	  ;;
	}
.Lchild_exit:
	{ .mii
	  mov out0 = in1			// exit status
	  mov r15 = SYS_exit			// SYS_exit ends this thread only
	  nop.i 0
	  ;;
	}
	// exit does not return.  Should it ever, issue it again rather than
	// fall into whatever follows; never br.ret: there is no frame to
	// return to.
	{ .mib
	  break.m BREAK_SYSCALL
	  nop.i 0
	  br.cond.sptk.few .Lchild_exit
	  ;;
	}
	.endp	freeclone_clone2_child#
	.size	freeclone_clone2_child#, . - freeclone_clone2_child

// ---------------------------------------------------------------------------
// int __clone2(fn, stack_base, stack_size, flags, arg, ptid, tls, ctid)
// glibc-compatible entry: calls freeclone_clone2_raw, then turns a negative
// result into errno = -result and a return value of -1.
// ---------------------------------------------------------------------------
	.global	__clone2#
	.type	__clone2#, @function
	.global	__errno_location#		// external: from the C library
	.type	__errno_location#, @function
	.align	32
	.proc	__clone2#
__clone2:
	.prologue
	// Frame: in0-in7 = r32-r39, loc0 = r40 (ar.pfs), loc1 = r41 (rp),
	// loc2 = r42 (our gp), loc3 = r43 (errno value), out0-out7 = r44-r51.
	// Both ar.pfs and rp change when we call, so both are kept in locals.
	{ .mii
	  .save ar.pfs, r40
	  alloc r40 = ar.pfs, 8, 4, 8, 0
	  .save rp, r41
	  mov r41 = rp
	  mov r42 = gp				// gp is not preserved by calls
	  ;;					// alloc writes CFM, so does br.call
	}
	.body
	{ .mii
	  mov out0 = in0
	  mov out1 = in1
	  mov out2 = in2
	}
	{ .mii
	  mov out3 = in3
	  mov out4 = in4
	  mov out5 = in5
	}
	// A direct, IP-relative call to the local label: it never goes through
	// a PLT stub, so gp stays ours (same module).
	{ .mmb
	  mov out6 = in6
	  mov out7 = in7
	  br.call.sptk.many rp = .Lraw_entry	// the child never comes back here
	  ;;
	}
	// r8 < 0 is an error (a TID is always positive).  The compare feeds the
	// branch of the same group (allowed); -r8 is computed unconditionally
	// because it is harmless on success.
	{ .mib
	  cmp.gt p6, p0 = r0, r8		// 0 > r8 ?
	  sub loc3 = r0, r8			// errno value if it is an error
	  (p6) br.cond.spnt.few .Lset_errno
	  ;;
	}
.Lreturn:
	// Restoring ar.pfs and rp in the group of br.ret: mov-to-ar.pfs ->
	// br.ret and mov-to-b0 -> br.ret are both permitted in one group.
	{ .mii
	  nop.m 0
	  mov ar.pfs = loc0
	  mov rp = loc1
	}
	{ .mib
	  nop.m 0
	  nop.i 0
	  br.ret.sptk.many rp
	  ;;
	}
.Lset_errno:
	// Indirect call per the ia64 software conventions: the linkage table
	// entry holds the address of __errno_location's official function
	// descriptor {entry, gp}; load both, switch gp, call through b6.
	{ .mii
	  addl r14 = @ltoff(@fptr(__errno_location#)), gp
	  nop.i 0
	  nop.i 0
	  ;;
	}
	{ .mmi
	  ld8 r14 = [r14]			// r14 = &descriptor
	  ;;					// M;MI: the address is needed next
	  ld8 r15 = [r14], 8			// entry point; r14 -> gp slot
	  nop.i 0
	  ;;
	}
	{ .mmi
	  ld8 gp = [r14]			// the callee's gp
	  nop.m 0
	  mov b6 = r15
	}
	{ .mib
	  nop.m 0
	  nop.i 0
	  br.call.sptk.many rp = b6		// r8 = &errno
	  ;;
	}
	{ .mii
	  st4 [r8] = loc3			// errno = -result (errno is an int)
	  mov gp = loc2				// back to our gp
	  mov ar.pfs = loc0
	}
	{ .mib
	  mov r8 = -1				// WAR on r8 in one group is allowed
	  mov rp = loc1
	  br.ret.sptk.many rp
	  ;;
	}
	.endp	__clone2#
	.size	__clone2#, . - __clone2
