/* The same program as src/main.rs in C, for `cargo xtask bench`'s binary sizes:
   clone one child on a static stack, wait for it, exit with its status (0). */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#define STACK_SIZE 4096
static char stack[STACK_SIZE] __attribute__((aligned(16)));

static int child(void *arg) {
    (void)arg;
    return 0;
}

int main(void) {
    int pid = clone(child, stack + STACK_SIZE, SIGCHLD, 0);
    if (pid < 0) return 3;
    int status;
    if (waitpid(pid, &status, 0) != pid) return 2;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
