/* The peer tier's /init under a real kernel: runs every program in /peer (sorted by
 * name) one at a time, each with FREECLONE_CAPI_TRACE=1, its arguments from
 * /peer/<name>.args if that file exists (one per line), and a time limit, between
 * marker lines that the xtask reads from the console:
 *     peer-run <name>
 *     ...what the program printed...
 *     peer-exit <name> <wait status in hex>
 * then powers the machine off, and only when it is PID 1 (run anywhere else it just
 * exits: reboot(2) would reach the host). It mounts /proc (tst-close_range lists
 * /proc/self/fd) and makes /dev/null and /tmp, which glibc's test driver uses. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIMIT_SECONDS 120
#define MAX_PROGRAMS 64
#define MAX_ARGS 16

static void say(const char *text) { (void)!write(1, text, strlen(text)); }

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void run(const char *name)
{
    char path[256], args_path[256], line[256];
    static char argument_text[MAX_ARGS][128];
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    snprintf(path, sizeof path, "/peer/%s", name);
    argv[argc++] = path;
    snprintf(args_path, sizeof args_path, "/peer/%s.args", name);
    FILE *args = fopen(args_path, "r");
    if (args) {
        while (argc <= MAX_ARGS && fgets(line, sizeof line, args)) {
            line[strcspn(line, "\n")] = 0;
            snprintf(argument_text[argc - 1], sizeof argument_text[0], "%s", line);
            argv[argc] = argument_text[argc - 1];
            argc++;
        }
        fclose(args);
    }
    argv[argc] = NULL;
    /* The fuzz counts freeclone's calls itself: 2,000 trace lines would only slow the
     * console down. */
    char *envp[] = { "FREECLONE_CAPI_TRACE=1", "PATH=/peer", "TMPDIR=/tmp", NULL };
    char **environment = strcmp(name, "fuzz") == 0 ? envp + 1 : envp;
    snprintf(line, sizeof line, "peer-run %s\n", name);
    say(line);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(LIMIT_SECONDS); /* survives execve: SIGALRM ends a hung program */
        execve(path, argv, environment);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) status = 0x7f00; /* exit 127 */
    snprintf(line, sizeof line, "peer-exit %s 0x%x\n", name, (unsigned)status);
    say(line);
}

int main(void)
{
    mkdir("/proc", 0555);
    mount("proc", "/proc", "proc", 0, NULL);
    mkdir("/tmp", 01777);
    mknod("/dev/null", S_IFCHR | 0666, makedev(1, 3));
    char *names[MAX_PROGRAMS];
    int count = 0;
    DIR *dir = opendir("/peer");
    struct dirent *entry;
    while (dir && (entry = readdir(dir)) && count < MAX_PROGRAMS) {
        if (entry->d_name[0] == '.' || strstr(entry->d_name, ".args")) continue;
        names[count++] = strdup(entry->d_name);
    }
    qsort(names, count, sizeof names[0], by_name);
    for (int i = 0; i < count; i++) run(names[i]);
    /* Reap whatever a program left behind (a CLONE_PARENT child is init's now). */
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
    say("peer-done\n");
    if (getpid() == 1) {
        sync();
        reboot(RB_POWER_OFF);
    }
    return 0;
}
