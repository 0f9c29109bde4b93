/* The peer tier's differential fuzz: many random, safe-to-try clone() calls, each made
 * through freeclone's clone (libfreeclone.a, linked before the C library) and
 * through glibc's own (__clone, which libc.a still defines next to its weak clone), and
 * their results compared: -1 and errno, or that a child ran, what it saw (its PID and
 * TID against clone's return value, its parent), how it ended (wait status, or the
 * kernel clearing ctid for a thread), and what the kernel wrote to ptid and ctid.
 *
 *   fuzz [count [seed [first]]]      defaults: 10000, a seed from the clock, 0
 *
 * Combination i of seed s is drawn from its own generator (seeded with s and i), so
 * `fuzz 1 s i` replays exactly combination i. It ends with
 *   fuzz: N combinations compared with seed S: D differences
 * and exits 1 if D is not 0, after one `fuzz-difference ...` line per difference.
 *
 * "Safe": the child always gets a stack of its own (or clone refuses before any
 * system call: NULL fn, a NULL stack, or on x86_64 a stack that aligns down to NULL); a
 * CLONE_THREAD child is
 * always joined through CLONE_CHILD_CLEARTID; no CLONE_PARENT (its child could not be
 * waited for); CLONE_SETTLS only with the caller's own thread pointer (x86_64, i386);
 * the child itself only makes system calls and returns. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <asm/prctl.h>
#endif
#if defined(__i386__)
#include <asm/ldt.h>
#endif

#include "freeclone.h"

/* glibc's clone, under its own name (libc.a: clone.o, whose `clone` is weak). */
extern int __clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

#define STACK_SIZE (64 * 1024)

/* Memory both processes see (MAP_SHARED), whatever the flags. */
struct shared {
    volatile int ran, pid, tid, ppid, ctid_seen, exit_code;
    pid_t ptid, ctid;
};

static uint64_t state;
static uint64_t next(void) /* splitmix64 */
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static int chance(int percent) { return (int)(next() % 100) < percent; }

static int child(void *arg)
{
    struct shared *s = arg;
    s->pid = syscall(SYS_getpid);
    s->tid = syscall(SYS_gettid);
    s->ppid = syscall(SYS_getppid);
    s->ctid_seen = s->ctid;
    s->ran = 1;
    return s->exit_code;
}

/* One combination, as drawn. */
struct combination {
    int flags, null_fn, stack_kind, misalign, ptid_kind, ctid_kind, tls, exit_code;
};

/* What one call showed, with IDs made relative (they differ from call to call). */
struct observation {
    int ok, err, ran, status, thread_exited;
    int child_tid_is_ret, child_pid_is_tid, child_pid_is_one, ppid_is_caller, ppid_is_callers_parent;
    int ptid_rel, ctid_rel, ctid_seen_rel;
};

static char *stacks;
static struct shared *shared;
#if defined(__i386__)
static struct user_desc tls_desc;
#endif

static void draw(struct combination *c)
{
    static const int pool[] = {
        CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_THREAD, CLONE_SYSVSEM, CLONE_SETTLS,
        CLONE_PARENT_SETTID, CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID, CLONE_VFORK, CLONE_NEWNS,
        CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWUSER, CLONE_NEWCGROUP, CLONE_NEWNET,
        CLONE_IO, CLONE_UNTRACED, CLONE_DETACHED, CLONE_PIDFD, CLONE_PTRACE,
    };
    /* How likely each flag is, in percent: the namespaces less (they cost), and the
     * thread set often enough that whole threads come up. */
    static const int percent[] = { 35, 30, 30, 30, 25, 20, 10, 30, 30, 30, 10, 6, 8, 5, 6, 5, 4, 1, 5, 5, 5, 8, 3 };
    static const int signals[] = { 0, SIGCHLD, SIGCHLD, SIGCHLD, SIGUSR1, SIGUSR2, 64, 65, 0x7f };
    memset(c, 0, sizeof *c);
    for (unsigned i = 0; i < sizeof pool / sizeof pool[0]; i++)
        if (chance(percent[i])) c->flags |= pool[i];
    if (chance(20)) /* the whole thread set, as pthread_create asks */
        c->flags |= CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
    c->flags |= signals[next() % (sizeof signals / sizeof signals[0])];
#if !defined(__x86_64__) && !defined(__i386__)
    c->flags &= ~CLONE_SETTLS;
#endif
    c->null_fn = chance(2);
    /* 0: an aligned top, 1: a misaligned top, 2: NULL, 3: a pointer below 16 */
    int kind = (int)(next() % 100);
    c->stack_kind = kind < 70 ? 0 : kind < 94 ? 1 : kind < 97 ? 2 : 3;
    c->misalign = 1 + (int)(next() % 15);
#if !defined(__x86_64__)
    /* A stack below 16 aligns down to NULL: freeclone answers EINVAL everywhere, but
     * glibc 2.36 checks for NULL before it aligns on every architecture but x86_64,
     * and then writes fn and arg just below address 0 (measured on i386: SIGSEGV in
     * the caller). Not safe to try against it there: NULL instead. */
    if (c->stack_kind == 3) c->stack_kind = 2;
#endif
    /* 0: NULL, 1: a valid pid_t, 2: a bad address the kernel cannot write */
    c->ptid_kind = chance(75) ? 1 : chance(80) ? 0 : 2;
    c->ctid_kind = chance(75) ? 1 : chance(80) ? 0 : 2;
    if (c->flags & CLONE_THREAD) { /* joined through ctid */
        c->flags |= CLONE_CHILD_CLEARTID;
        c->ctid_kind = 1;
    }
    c->exit_code = (int)(next() % 256);
}

static void *stack_top(const struct combination *c, int which)
{
    /* 256 bytes of the area stay above the top: the child calls glibc's syscall(),
     * which on arm loads its 5th to 7th arguments from the caller's frame whether it
     * was given them or not, reading a few words above a child's first frame (measured
     * under the armmp kernel: with the top at the end of the mapping, SIGSEGV). */
    char *top = stacks + (size_t)(which + 1) * STACK_SIZE - 256;
    switch (c->stack_kind) {
    case 0: return top;
    case 1: return top - c->misalign;
    case 2: return NULL;
    default: return (void *)(uintptr_t)c->misalign;
    }
}

static pid_t *pointer(int kind, pid_t *valid)
{
    return kind == 1 ? valid : kind == 2 ? (pid_t *)(uintptr_t)8 : NULL;
}

static void *tls_value(void)
{
#if defined(__x86_64__)
    unsigned long base = 0;
    syscall(SYS_arch_prctl, ARCH_GET_FS, &base);
    return (void *)base;
#elif defined(__i386__)
    return &tls_desc;
#else
    return NULL;
#endif
}

static void observe(const struct combination *c, int which, struct observation *o)
{
    typedef int (*clone_fn)(int (*)(void *), void *, int, void *, ...);
    clone_fn impl = which == 0 ? (clone_fn)clone : (clone_fn)__clone;
    memset((void *)shared, 0, sizeof *shared);
    shared->exit_code = c->exit_code;
    shared->ptid = -7;
    shared->ctid = -7;
    memset(o, 0, sizeof *o);
    errno = 0;
    pid_t ret = impl(c->null_fn ? NULL : child, stack_top(c, which), c->flags, (void *)shared,
                     pointer(c->ptid_kind, &shared->ptid), tls_value(), pointer(c->ctid_kind, &shared->ctid));
    if (ret == -1) {
        o->err = errno;
        return;
    }
    o->ok = 1;
    if (c->flags & CLONE_THREAD) {
        /* Joined as pthread_join does: the kernel clears ctid and wakes it. No time
         * limit (a loaded machine may take any time, and the next combination reuses
         * this memory): a thread that never ends is the run's time limit's to catch. */
        int seen;
        while ((seen = __atomic_load_n(&shared->ctid, __ATOMIC_ACQUIRE)) != 0)
            syscall(SYS_futex, &shared->ctid, FUTEX_WAIT, seen, NULL, NULL, 0);
        o->thread_exited = shared->ctid == 0;
        o->status = -1;
    } else {
        int status = 0;
        if (waitpid(ret, &status, __WALL) != ret) status = -2;
        o->status = status;
    }
    o->ran = shared->ran;
    o->child_tid_is_ret = shared->tid == ret;
    o->child_pid_is_tid = shared->pid == shared->tid;
    o->child_pid_is_one = shared->pid == 1;
    o->ppid_is_caller = shared->ppid == getpid();
    o->ppid_is_callers_parent = shared->ppid == getppid();
    o->ptid_rel = shared->ptid == -7 ? 0 : shared->ptid == ret ? 1 : shared->ptid >= 0 ? 2 : 3;
    if ((c->flags & CLONE_PIDFD) && shared->ptid >= 0 && shared->ptid != -7) close(shared->ptid);
    o->ctid_rel = shared->ctid == -7 ? 0 : shared->ctid == 0 ? 1 : shared->ctid == ret ? 2 : shared->ctid == shared->tid ? 3 : 4;
    o->ctid_seen_rel = shared->ctid_seen == -7 ? 0 : shared->ctid_seen == shared->tid ? 1 : 2;
}

static void describe(char *out, size_t size, const struct observation *o)
{
    if (!o->ok) {
        snprintf(out, size, "-1 errno %d (%s)", o->err, strerror(o->err));
        return;
    }
    snprintf(out, size,
             "child ran=%d status=%#x thread_exited=%d tid_is_ret=%d pid_is_tid=%d pid_is_1=%d ppid_is_caller=%d "
             "ppid_is_callers_parent=%d ptid=%d ctid=%d ctid_seen=%d",
             o->ran, (unsigned)o->status, o->thread_exited, o->child_tid_is_ret, o->child_pid_is_tid, o->child_pid_is_one,
             o->ppid_is_caller, o->ppid_is_callers_parent, o->ptid_rel, o->ctid_rel, o->ctid_seen_rel);
}

int main(int argc, char **argv)
{
    long count = argc > 1 ? strtol(argv[1], NULL, 0) : 10000;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)time(NULL);
    long first = argc > 3 ? strtol(argv[3], NULL, 0) : 0;
    stacks = mmap(NULL, 2 * STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (stacks == MAP_FAILED || shared == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    /* Exit signals other than SIGCHLD must not end the fuzz. */
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, SIG_IGN);
    signal(64, SIG_IGN);
    signal(65, SIG_IGN);   /* mips has 128 signals: 65 and 0x7f are valid exit signals */
    signal(0x7f, SIG_IGN);
#if defined(__i386__)
    unsigned short gs;
    __asm__("mov %%gs, %0" : "=r"(gs));
    tls_desc.entry_number = gs >> 3;
    syscall(SYS_get_thread_area, &tls_desc);
#endif
    size_t calls_before = freeclone_capi_calls;
    long differences = 0, children = 0;
    for (long i = first; i < first + count; i++) {
        struct combination c;
        struct observation mine, theirs;
        state = seed ^ ((uint64_t)i * 0xd1b54a32d192ed03ull);
        draw(&c);
        observe(&c, 0, &mine);
        observe(&c, 1, &theirs);
        children += mine.ok;
        if (memcmp(&mine, &theirs, sizeof mine) != 0) {
            char a[512], b[512];
            describe(a, sizeof a, &mine);
            describe(b, sizeof b, &theirs);
            printf("fuzz-difference seed=%llu index=%ld flags=%#x null_fn=%d stack=%d/%d ptid=%d ctid=%d: freeclone: %s; glibc: %s "
                   "(replay: fuzz 1 %llu %ld)\n",
                   (unsigned long long)seed, i, (unsigned)c.flags, c.null_fn, c.stack_kind, c.misalign, c.ptid_kind, c.ctid_kind,
                   a, b, (unsigned long long)seed, i);
            differences++;
        }
    }
    if (freeclone_capi_calls - calls_before != (size_t)count) {
        printf("fuzz: freeclone_capi_calls counted %zu calls, not %ld: the program's clone is not freeclone's\n",
               freeclone_capi_calls - calls_before, count);
        differences++;
    }
    printf("fuzz: %ld combinations compared with seed %llu: %ld differences (%ld created a child)\n", count,
           (unsigned long long)seed, differences, children);
    return differences != 0;
}
