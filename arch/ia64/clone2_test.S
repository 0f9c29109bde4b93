// freeclone: freestanding conformance test for the ia64 __clone2.
//
// A static Linux/ia64 program with its own _start and no C library.  It
// exercises freeclone_clone2_raw the way the conformance program does on
// the other architectures, plus the errno-reporting __clone2 entry, for
// which it supplies its own __errno_location (standing in for libc's).
//
// Tests, one output line each ("ok NAME" or "FAIL NAME", via write(2)):
//   raw_null_fn_einval            raw(NULL fn, stack)  == -EINVAL
//   raw_null_stack_einval         raw(fn, NULL stack)  == -EINVAL
//   errno_null_fn_einval          __clone2(NULL fn)    == -1, errno EINVAL
//   errno_null_stack_einval       __clone2(NULL stack) == -1, errno EINVAL
//   einval_made_no_syscall        no child exists: wait4(-1, WNOHANG|__WALL)
//                                 fails with ECHILD (a clone2 issued despite
//                                 the NULL argument would have made one)
//   fork_like_clone_returns_tid   raw(child_fn, 64 KiB static stack,
//                                 SIGCHLD, arg 2) > 0
//   wait4_reaps_child             wait4(tid, &status, 0, NULL) == tid
//   child_exit_status_42          status == 42 << 8 (WIFEXITED, WEXITSTATUS
//                                 42).  child_fn returns 40 + arg only if it
//                                 finds gp, sp and ar.bsp as expected, else 1.
// Exit status (exit_group): 0 if every test passed, 1 otherwise.
//
// It cannot run on the build machine (no ia64 emulator exists); it is
// complete and runs unchanged on an ia64 Linux machine:
//   ia64-linux-gnu-as -x clone2.S -o clone2.o
//   ia64-linux-gnu-as -x clone2_test.S -o clone2_test.o
//   ia64-linux-gnu-ld -static clone2.o clone2_test.o -o clone2_test

	.equ	SYS_write,	1026
	.equ	SYS_wait4,	1230
	.equ	SYS_exit_group,	1236
	.equ	BREAK_SYSCALL,	0x100000
	.equ	EINVAL,		22
	.equ	ECHILD,		10
	.equ	SIGCHLD,	17
	.equ	WNOHANG,	1
	.equ	__WALL,		0x40000000
	.equ	CHILD_STACK_SIZE, 65536
	.equ	CHILD_ARG,	2
	.equ	CHILD_BASE,	40		// child_fn returns CHILD_BASE + arg

// ---------------------------------------------------------------------------
// Read-only strings.  Defined before the code so that every length
// (end - start) is a constant when the instructions using it are assembled.
// ---------------------------------------------------------------------------
	.section .rodata
	.macro	defstr sym, text
\sym:	.ascii	"\text"
\sym\()_end:
	.endm

	defstr	s_ok, "ok "
	defstr	s_fail, "FAIL "
	defstr	s_nl, "\n"
	defstr	n_raw_null_fn, "raw_null_fn_einval"
	defstr	n_raw_null_stack, "raw_null_stack_einval"
	defstr	n_errno_null_fn, "errno_null_fn_einval"
	defstr	n_errno_null_stack, "errno_null_stack_einval"
	defstr	n_no_syscall, "einval_made_no_syscall"
	defstr	n_fork_tid, "fork_like_clone_returns_tid"
	defstr	n_wait_reaps, "wait4_reaps_child"
	defstr	n_exit_status, "child_exit_status_42"

	.data
	.align	8
child_base:	data4 CHILD_BASE	// read by child_fn through its gp

	.bss
	.align	16
child_stack:	.skip CHILD_STACK_SIZE	// the child's memory and RSE stack
	.align	8
test_errno:	.skip 4			// "errno" of this libc-free program
	.align	8
wait_status:	.skip 4

	.text

// ---------------------------------------------------------------------------
// Macros used by _start.
// ---------------------------------------------------------------------------

// Report the outcome held in p6 (pass) / p7 (fail, its complement) under
// the test name \name, and count a failure in loc0.
	.macro	report name
	(p6) mov out0 = 1
	(p7) mov out0 = 0		// complementary predicates of one compare
	addl out1 = @ltoff(\name), gp
	mov out2 = \name\()_end - \name
	;;
	ld8 out1 = [out1]
	;;
	br.call.sptk.many rp = report#
	;;
	add loc0 = loc0, r8
	;;				// loc0 may be read by the next instruction
	.endm

// Load the eight clone arguments: fn (register), stack (0 or child_stack),
// flags, arg.  ptid, tls and ctid are NULL.
	.macro	clone_args fn_reg, with_stack
	mov out0 = \fn_reg
	.if \with_stack
	addl out1 = @ltoff(child_stack#), gp
	;;
	ld8 out1 = [out1]
	.else
	mov out1 = 0
	.endif
	movl out2 = CHILD_STACK_SIZE
	mov out3 = SIGCHLD
	mov out4 = CHILD_ARG
	mov out5 = 0
	mov out6 = 0
	mov out7 = 0
	;;
	.endm

// test_errno = 0, so that a stale value cannot make a check pass.
	.macro	clear_errno
	addl r14 = @ltoff(test_errno#), gp
	;;
	ld8 r14 = [r14]
	;;
	st4 [r14] = r0
	;;
	.endm

// p6 = (r8 as int == -1 && test_errno == EINVAL), p7 = !p6.
	.macro	check_errno_einval
	addl r14 = @ltoff(test_errno#), gp
	cmp4.eq p6, p7 = -1, r8
	;;
	ld8 r14 = [r14]
	;;
	ld4 r15 = [r14]
	;;
	(p6) cmp4.eq p6, p7 = EINVAL, r15	// not executed: p6/p7 stay as they are
	;;
	.endm

// ---------------------------------------------------------------------------
// _start: process entry.  The kernel passes sp -> argc; gp is ours to set.
// Locals: loc0 = failures, loc1 = fn descriptor address, loc2 = child TID.
// ---------------------------------------------------------------------------
	.global	_start#
	.type	_start#, @function
	.align	32
	.proc	_start#
_start:
	.prologue
	.save rp, r0			// outermost frame: no return address
	.body
	// gp = (address of .Lgp_anchor) - (.Lgp_anchor - gp): position
	// independent, from the bundle address `mov r2 = ip` yields.
	{ .mlx
	  alloc r2 = ar.pfs, 0, 3, 8, 0
	  movl r3 = @gprel(.Lgp_anchor)
	  ;;
	}
.Lgp_anchor:
	{ .mii
	  nop.m 0
	  mov r2 = ip
	  nop.i 0
	  ;;
	}
	sub gp = r2, r3
	// Keep argc/argv intact and give callees their 16-byte scratch area.
	and sp = -16, sp
	;;
	adds sp = -16, sp
	mov loc0 = 0
	;;
	// loc1 = &child_fn's official function descriptor {entry, gp}, made by
	// the linker, exactly what a C compiler produces for `child_fn`.
	addl loc1 = @ltoff(@fptr(child_fn#)), gp
	;;
	ld8 loc1 = [loc1]
	;;

	// (1) raw entry, NULL fn: -EINVAL.
	clone_args r0, 1
	br.call.sptk.many rp = freeclone_clone2_raw#
	;;
	cmp.eq p6, p7 = -EINVAL, r8
	;;
	report n_raw_null_fn

	// (2) raw entry, NULL stack: -EINVAL.
	clone_args loc1, 0
	br.call.sptk.many rp = freeclone_clone2_raw#
	;;
	cmp.eq p6, p7 = -EINVAL, r8
	;;
	report n_raw_null_stack

	// (3) errno entry, NULL fn: -1 and errno == EINVAL.
	clear_errno
	clone_args r0, 1
	br.call.sptk.many rp = __clone2#
	;;
	check_errno_einval
	report n_errno_null_fn

	// (4) errno entry, NULL stack: -1 and errno == EINVAL.
	clear_errno
	clone_args loc1, 0
	br.call.sptk.many rp = __clone2#
	;;
	check_errno_einval
	report n_errno_null_stack

	// (5) None of the above made a child: wait4(-1, NULL, WNOHANG|__WALL,
	// NULL) must fail with ECHILD (r10 == -1, r8 == ECHILD).
	mov out0 = -1
	mov out1 = 0
	movl out2 = WNOHANG | __WALL
	mov out3 = 0
	mov r15 = SYS_wait4
	;;
	break.m BREAK_SYSCALL
	;;
	cmp.eq p6, p7 = -1, r10
	;;
	(p6) cmp.eq p6, p7 = ECHILD, r8
	;;
	report n_no_syscall

	// (6) Fork-like child (exit signal SIGCHLD only) on child_stack.
	clone_args loc1, 1
	br.call.sptk.many rp = freeclone_clone2_raw#
	;;
	mov loc2 = r8
	cmp.lt p6, p7 = 0, r8			// a TID is > 0
	;;
	report n_fork_tid
	cmp.ge p8, p0 = 0, loc2			// no child: nothing to wait for
	(p8) br.cond.spnt.few .Lno_child
	;;

	// (7) wait4(tid, &wait_status, 0, NULL) == tid.  No signal handler is
	// installed, so EINTR cannot happen.
	mov out0 = loc2
	addl out1 = @ltoff(wait_status#), gp
	mov out2 = 0
	mov out3 = 0
	mov r15 = SYS_wait4
	;;
	ld8 out1 = [out1]
	;;
	break.m BREAK_SYSCALL
	;;
	cmp.ne p6, p7 = -1, r10
	;;
	(p6) cmp.eq p6, p7 = r8, loc2
	;;
	report n_wait_reaps

	// (8) status == 42 << 8: exited (low 7 bits 0), exit status 42.
	addl r14 = @ltoff(wait_status#), gp
	;;
	ld8 r14 = [r14]
	;;
	ld4 r15 = [r14]
	mov r16 = (CHILD_BASE + CHILD_ARG) << 8
	;;
	cmp4.eq p6, p7 = r15, r16
	;;
	report n_exit_status
	br.cond.sptk.few .Ldone
	;;

.Lno_child:
	// The clone failed: the two tests that need its child fail too.
	cmp.eq p7, p6 = r0, r0			// p6 = false, p7 = true
	;;
	report n_wait_reaps
	cmp.eq p7, p6 = r0, r0
	;;
	report n_exit_status

.Ldone:
	// exit_group(failures ? 1 : 0)
	cmp.eq p6, p7 = 0, loc0
	mov r15 = SYS_exit_group
	;;
	(p6) mov out0 = 0
	(p7) mov out0 = 1
	;;
	break.m BREAK_SYSCALL
	;;
	break.m 0				// not reached
	;;
	.endp	_start#
	.size	_start#, . - _start

// ---------------------------------------------------------------------------
// long report(long pass, const char *name, long len)
// Writes "ok NAME\n" or "FAIL NAME\n" to fd 1; returns 0 if pass, else 1.
// Makes no call, so rp and ar.pfs stay in b0 and ar.pfs.  Out registers are
// scratch across a syscall, so they are reloaded before each break; the
// locals survive it.  Writes to a terminal or pipe of a few bytes are not
// split, so short writes are not retried.
// ---------------------------------------------------------------------------
	.type	report#, @function
	.align	32
	.proc	report#
report:
	.prologue
	.body
	alloc r2 = ar.pfs, 3, 1, 3, 0		// loc0 = return value
	;;
	cmp.ne p6, p7 = 0, in0
	;;
	(p6) addl r14 = @ltoff(s_ok), gp
	(p7) addl r14 = @ltoff(s_fail), gp
	(p6) mov out2 = s_ok_end - s_ok
	(p7) mov out2 = s_fail_end - s_fail
	(p6) mov loc0 = 0
	(p7) mov loc0 = 1
	mov out0 = 1
	mov r15 = SYS_write
	;;
	ld8 out1 = [r14]
	;;
	break.m BREAK_SYSCALL
	;;
	mov out0 = 1
	mov out1 = in1
	mov out2 = in2
	mov r15 = SYS_write
	;;
	break.m BREAK_SYSCALL
	;;
	addl r14 = @ltoff(s_nl), gp
	mov out0 = 1
	mov out2 = s_nl_end - s_nl
	mov r15 = SYS_write
	;;
	ld8 out1 = [r14]
	;;
	break.m BREAK_SYSCALL
	;;
	mov r8 = loc0
	br.ret.sptk.many rp
	;;
	.endp	report#
	.size	report#, . - report

// ---------------------------------------------------------------------------
// int child_fn(void *arg): the fn given to clone2.  A real C-ABI function
// called through its descriptor.  Returns CHILD_BASE + arg when
//  - gp is right (child_base is read through it),
//  - 16 <= sp - child_stack < CHILD_STACK_SIZE and sp is 16-byte aligned,
//  - child_stack <= ar.bsp < child_stack + CHILD_STACK_SIZE (the register
//    backing store starts at the stack base),
// and 1 otherwise, which the parent reports as a wrong exit status.
// ---------------------------------------------------------------------------
	.type	child_fn#, @function
	.align	32
	.proc	child_fn#
child_fn:
	.prologue
	.body
	alloc r2 = ar.pfs, 1, 0, 0, 0		// leaf; ar.pfs is not changed
	addl r14 = @ltoff(child_base#), gp
	addl r16 = @ltoff(child_stack#), gp
	;;
	ld8 r14 = [r14]
	ld8 r16 = [r16]				// r16 = stack base
	mov r17 = ar.bsp
	;;
	ld4 r15 = [r14]
	movl r18 = CHILD_STACK_SIZE
	and r19 = 15, sp
	;;
	add r18 = r16, r18			// r18 = stack top
	adds r20 = 16, r16			// lowest valid sp
	add r8 = r15, in0			// CHILD_BASE + arg
	;;
	cmp.ltu p6, p0 = sp, r20
	cmp.geu p7, p0 = sp, r18
	cmp.ne p8, p0 = 0, r19
	cmp.ltu p9, p0 = r17, r16
	cmp.geu p10, p0 = r17, r18
	;;
	(p6) br.cond.spnt.few .Lbad
	(p7) br.cond.spnt.few .Lbad
	(p8) br.cond.spnt.few .Lbad
	(p9) br.cond.spnt.few .Lbad
	(p10) br.cond.spnt.few .Lbad
	br.ret.sptk.many rp
	;;
.Lbad:
	mov r8 = 1
	br.ret.sptk.many rp
	;;
	.endp	child_fn#
	.size	child_fn#, . - child_fn

// ---------------------------------------------------------------------------
// int *__errno_location(void): what __clone2 calls to report errors; the
// C library's in a normal program, this program's own here.
// ---------------------------------------------------------------------------
	.global	__errno_location#
	.type	__errno_location#, @function
	.align	32
	.proc	__errno_location#
__errno_location:
	.prologue
	.body
	addl r8 = @ltoff(test_errno#), gp
	;;
	ld8 r8 = [r8]
	br.ret.sptk.many rp
	;;
	.endp	__errno_location#
	.size	__errno_location#, . - __errno_location
