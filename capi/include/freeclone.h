/* freeclone's C ABI: link with libfreeclone.a (`cargo xtask capi` packs cargo's
 * libfreeclone_capi.a into it; see the README, "The C ABI").
 *
 * The library defines glibc's clone wrappers with glibc's prototypes: link it before
 * the C library (`cc prog.c libfreeclone.a`) and the program's `clone` is
 * freeclone's. Errors: -1 with errno set (through the C library's __errno_location);
 * the freeclone_*_raw forms, for programs without a C library, return -errno instead.
 * A NULL fn is EINVAL before any system call, as is a NULL stack for clone/__clone2
 * and a NULL cl_args for the clone3 forms.
 *
 * Proof of which clone a program got: `nm prog | grep freeclone_capi_calls`, the
 * counter below, and FREECLONE_CAPI_TRACE=1 in the environment, which makes every
 * call write "freeclone-capi: <name> flags=0x<flags> -> <tid or -errno>" to stderr
 * (FREECLONE_CAPI_TRACE=/absolute/path: appended to that file instead).
 */
#ifndef FREECLONE_H
#define FREECLONE_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kernel's struct clone_args (<linux/sched.h>, Linux 5.3 and later): 11 __u64
 * fields, pointers widened to 64 bits. Only a pointer to it is needed here. */
struct clone_args;

/* glibc's clone, as <sched.h> declares it with _GNU_SOURCE (the same prototype, so
 * both declarations may be in scope in C). */
#if !defined(__cplusplus) || !defined(__GLIBC__)
int clone(int (*fn)(void *), void *child_stack, int flags, void *arg, ... /* pid_t *ptid, void *tls, pid_t *ctid */);
#else
}
#include <sched.h>
extern "C" {
#endif

/* ia64's form on every architecture: the stack is [stack_base, stack_base+stack_size). */
int __clone2(int (*fn)(void *), void *stack_base, size_t stack_size, int flags, void *arg,
             ... /* pid_t *ptid, void *tls, pid_t *ctid */);

/* glibc's internal __clone3: the clone3 system call, no fallback (ENOSYS as it is). */
int __clone3(struct clone_args *cl_args, size_t size, int (*fn)(void *), void *arg);

/* __clone3 that falls back to clone where the kernel answers ENOSYS. */
int clone3(struct clone_args *cl_args, size_t size, int (*fn)(void *), void *arg);

/* For programs without a C library: TID, or -errno; errno is not touched. */
int freeclone_clone_raw(int (*fn)(void *), void *child_stack, int flags, void *arg,
                        pid_t *ptid, void *tls, pid_t *ctid);
int freeclone_clone2_raw(int (*fn)(void *), void *stack_base, size_t stack_size, int flags,
                         void *arg, pid_t *ptid, void *tls, pid_t *ctid);
int freeclone_clone3_raw(struct clone_args *cl_args, size_t size, int (*fn)(void *), void *arg);

/* Calls to any function above, in this process (the runtime proof). */
extern volatile size_t freeclone_capi_calls;

#ifdef __cplusplus
}
#endif

#endif /* FREECLONE_H */
