/*
 * startup-probe: one start-up of a pause as PID 1 of a new PID namespace,
 * timed from outside through /proc, and optionally its SIGTERM exit.
 *
 *   startup-probe [--term] [-e NAME=VALUE]... EXE [ARGS...]
 *
 * Runs `unshare --pid --fork --kill-child --mount-proc EXE ARGS` with an
 * environment of PATH (and the -e variables) only, all output to /dev/null. The clock
 * (CLOCK_MONOTONIC) starts just before fork(). Then a tight loop, with a
 * sched_yield() per turn so that the probe never keeps a runnable thread of
 * the pause off a CPU, reads /proc/PID/status and /proc/PID/syscall of
 * unshare's child and notes the first turn on which
 *   exec    its Name is EXE's (the exec happened),
 *   ready   SigCgt holds SIGINT, SIGTERM and SIGCHLD (handlers installed),
 *   paused  its main thread sits in pause(2) (/proc/PID/syscall starts
 *           with 34, __NR_pause on x86_64).
 * The resolution is one turn of the loop; the mean turn is printed.
 * With --term it then sends SIGTERM and times the pause's exit through a
 * pidfd (readable when the process has exited); without, it sends SIGKILL.
 * Prints one JSON object; times in microseconds, -1 when never seen.
 *
 * Options for the other sections:
 *   --plain            run EXE directly, not as PID 1 (no PID namespace).
 *   --cgroup DIR       the child joins the cgroup DIR (writes itself into
 *                      DIR/cgroup.procs) before it execs, so unshare and the
 *                      pause are charged there.
 *   --evict            drops EXE's pages from the page cache first
 *                      (posix_fadvise POSIX_FADV_DONTNEED): a cold start.
 *   --timeout-ms N     gives up waiting for ready after N ms (10 000).
 *   --hold-ms N        once ready, waits N ms and reports whether it is still
 *                      alive (under a memory limit: not OOM-killed).
 *   --term-after-exec-us N
 *                      sends SIGTERM N us after the exec was seen, instead of
 *                      after ready, and reports whether it was lost (the pause
 *                      went on to park in pause(2) with nothing pending).
 *   --root DIR         runs EXE (a path inside DIR) the way a runtime runs an
 *                      image, without unshare: a child of the probe enters new
 *                      PID and mount namespaces and forks the pause, which
 *                      mounts a fresh /proc on DIR/proc, chroots into DIR,
 *                      becomes uid/gid 65535 with no supplementary groups, and
 *                      writes its CLOCK_MONOTONIC stamp to memory shared with
 *                      the probe right before execve. That stamp is the exec
 *                      time (so /etc/ld.so.preload of DIR applies, and the
 *                      window is counted from the execve, not from when the
 *                      exec was seen), and SIGTERM comes from the probe, in
 *                      the parent namespace. DIR must have a proc directory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static ssize_t read_at_start(int fd, char *buffer, size_t size)
{
    ssize_t n = pread(fd, buffer, size - 1, 0);
    buffer[n > 0 ? n : 0] = '\0';
    return n;
}

static ssize_t read_path(const char *path, char *buffer, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read_at_start(fd, buffer, size);
    close(fd);
    return n;
}

/* The first child of unshare, or 0 while it has none. */
static pid_t child_of(pid_t parent)
{
    char path[64], text[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", parent, parent);
    if (read_path(path, text, sizeof text) <= 0)
        return 0;
    return (pid_t)atoi(text);
}

static const char *field(const char *status, const char *name)
{
    const char *at = strstr(status, name);
    return at ? at + strlen(name) : NULL;
}

static int catches_stop_signals(const char *status)
{
    const char *mask = field(status, "\nSigCgt:");
    if (!mask)
        return 0;
    unsigned long long bits = strtoull(mask, NULL, 16);
    unsigned long long want = (1ULL << (SIGINT - 1)) | (1ULL << (SIGTERM - 1)) | (1ULL << (SIGCHLD - 1));
    return (bits & want) == want;
}

static int named(const char *status, const char *comm)
{
    const char *name = field(status, "Name:\t");
    size_t length = strlen(comm);
    return name && strncmp(name, comm, length) == 0 && name[length] == '\n';
}

/* Drops every cached page of PATH that no process maps: the next start reads it from the disk. */
static int evict(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    /* Dirty pages (a file just copied) are not dropped: write them first. */
    int error = fdatasync(fd) != 0 ? errno : posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
    return error;
}

static int join_cgroup(const char *dir)
{
    char path[4096], pid[32];
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int length = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    ssize_t written = write(fd, pid, (size_t)length);
    close(fd);
    return written == length ? 0 : -1;
}

static int exited_within(int pidfd, int ms)
{
    struct pollfd wait_exit = {.fd = pidfd, .events = POLLIN};
    return pidfd >= 0 && poll(&wait_exit, 1, ms) == 1;
}

/*
 * After a SIGTERM: 1 if the kernel dropped it, 0 if the pause exited. Dropped
 * is known without a long wait once the pause is parked in pause(2) with its
 * handlers and no SIGTERM pending (a blocked one would still be pending), and
 * has not exited; or when 2 s have passed.
 */
static int term_was_dropped(pid_t pid, int pidfd, int status_fd, int syscall_fd)
{
    char status[4096], syscall_text[256];
    long long give_up = now_ns() + 2000LL * 1000 * 1000;
    (void)pid;
    while (now_ns() < give_up) {
        if (exited_within(pidfd, 1))
            return 0;
        if (read_at_start(status_fd, status, sizeof status) <= 0)
            return 0;
        const char *pending = field(status, "\nShdPnd:");
        const char *own = field(status, "\nSigPnd:");
        unsigned long long term_bit = 1ULL << (SIGTERM - 1);
        int term_pending = (pending && (strtoull(pending, NULL, 16) & term_bit)) || (own && (strtoull(own, NULL, 16) & term_bit));
        if (!term_pending && catches_stop_signals(status) && read_at_start(syscall_fd, syscall_text, sizeof syscall_text) > 0 &&
            strncmp(syscall_text, "34 ", 3) == 0)
            return !exited_within(pidfd, 2); /* parked, nothing pending: dropped */
    }
    return !exited_within(pidfd, 0);
}

/* Written by --root's children, read by the probe. */
struct root_start {
    volatile pid_t pid;             /* the pause, as the probe's namespace numbers it */
    volatile long long execve_at;   /* its stamp right before execve */
};

/* The pause of --root: PID 1 of the new namespaces, inside DIR, then EXE. */
static void exec_in_root(const char *root, char **argv, char **environment, struct root_start *shared)
{
    char proc[4096];
    snprintf(proc, sizeof proc, "%s/proc", root);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0 || chroot(root) != 0 ||
        chdir("/") != 0 || setgroups(0, NULL) != 0 || setgid(65535) != 0 || setuid(65535) != 0)
        _exit(125);
    shared->execve_at = now_ns();
    execve(argv[0], argv, environment);
    _exit(127);
}

/* The child of --root: forks the pause into new namespaces and ends as it does (unshare's codes). */
static void run_in_root(const char *root, char **argv, char **environment, struct root_start *shared)
{
    if (unshare(CLONE_NEWPID | CLONE_NEWNS) != 0)
        _exit(125);
    pid_t pause_pid = fork();
    if (pause_pid < 0)
        _exit(125);
    if (pause_pid == 0)
        exec_in_root(root, argv, environment, shared);
    shared->pid = pause_pid;
    int status;
    if (waitpid(pause_pid, &status, 0) != pause_pid)
        _exit(125);
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static double us(long long from, long long to)
{
    return to ? (double)(to - from) / 1000.0 : -1.0;
}

int main(int argc, char **argv)
{
    int term = 0, first = 1, plain = 0, evict_first = 0;
    const char *cgroup = NULL, *root = NULL;
    long long timeout_ns = 10LL * 1000 * 1000 * 1000, hold_ms = -1, term_after_exec_ns = -1;
    char *environment[16] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
    int variables = 1;
    for (; first < argc; first++) {
        if (strcmp(argv[first], "--term") == 0)
            term = 1;
        else if (strcmp(argv[first], "--plain") == 0)
            plain = 1;
        else if (strcmp(argv[first], "--evict") == 0)
            evict_first = 1;
        else if (strcmp(argv[first], "--root") == 0 && first + 1 < argc)
            root = argv[++first];
        else if (strcmp(argv[first], "--cgroup") == 0 && first + 1 < argc)
            cgroup = argv[++first];
        else if (strcmp(argv[first], "--timeout-ms") == 0 && first + 1 < argc)
            timeout_ns = atoll(argv[++first]) * 1000000LL;
        else if (strcmp(argv[first], "--hold-ms") == 0 && first + 1 < argc)
            hold_ms = atoll(argv[++first]);
        else if (strcmp(argv[first], "--term-after-exec-us") == 0 && first + 1 < argc)
            term_after_exec_ns = atoll(argv[++first]) * 1000LL;
        else if (strcmp(argv[first], "-e") == 0 && first + 1 < argc && variables < 15)
            environment[variables++] = argv[++first];
        else
            break;
    }
    environment[variables] = NULL;
    if (argc <= first) {
        fprintf(stderr, "usage: startup-probe [--term] [--plain] [--cgroup DIR] [--evict] [--timeout-ms N] "
                        "[--hold-ms N] [--term-after-exec-us N] [--root DIR] [-e NAME=VALUE]... EXE [ARGS...]\n");
        return 2;
    }
    const char *exe = argv[first];
    const char *base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
    char comm[16];
    snprintf(comm, sizeof comm, "%s", base); /* the kernel keeps 15 bytes */

    char *command[64] = {"unshare", "--pid", "--fork", "--kill-child", "--mount-proc"};
    int n = 5;
    for (int i = first; i < argc && n < 63; i++)
        command[n++] = argv[i];
    command[n] = NULL;

    char exe_file[4096]; /* EXE as the probe finds it */
    snprintf(exe_file, sizeof exe_file, "%s%s", root ? root : "", exe);
    struct root_start *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return 2;
    if (evict_first && evict(exe_file) != 0) {
        fprintf(stderr, "startup-probe: cannot evict %s\n", exe);
        return 2;
    }
    long long start = now_ns();
    pid_t unshare = fork();
    if (unshare < 0)
        return 2;
    if (unshare == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (cgroup && join_cgroup(cgroup) != 0)
            _exit(126);
        if (root)
            run_in_root(root, argv + first, environment, shared);
        if (plain)
            execve(exe, argv + first, environment);
        else
            execve("/usr/bin/unshare", command, environment);
        _exit(127);
    }

    /* --plain: the forked child is the pause itself. */
    pid_t pid = 0;
    int lost = -1, alive_after_hold = -1;
    long long term_at = 0;
    int status_fd = -1, syscall_fd = -1, pidfd = -1;
    long long exec_at = 0, ready_at = 0, paused_at = 0, exit_at = 0, kill_at = 0;
    long long turns = 0, loop_start = now_ns(), loop_end = 0;
    char status[4096], syscall_text[256];
    int unshare_status = -1, unshare_done = 0;
    /* --root with a SIGTERM after the execve: no sched_yield() while waiting
     * for the stamp, so that the signal leaves at the stamp plus the delay. */
    int spin = root && term_after_exec_ns >= 0;

    for (;;) {
        turns++;
        long long t = now_ns();
        if (t - start > timeout_ns)
            break;
        if (!pid) {
            pid = plain ? unshare : root ? shared->pid : child_of(unshare);
            if (pid) {
                char path[64];
                snprintf(path, sizeof path, "/proc/%d/status", pid);
                status_fd = open(path, O_RDONLY | O_CLOEXEC);
                snprintf(path, sizeof path, "/proc/%d/syscall", pid);
                syscall_fd = open(path, O_RDONLY | O_CLOEXEC);
                pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
            } else if (waitpid(unshare, &unshare_status, WNOHANG) == unshare) {
                unshare_done = 1;
                break;
            }
            if (!spin)
                sched_yield();
            continue;
        }
        if (spin && !shared->execve_at)
            continue;
        if (read_at_start(status_fd, status, sizeof status) <= 0)
            break; /* gone */
        long long seen = now_ns();
        if (!exec_at && root && shared->execve_at)
            exec_at = shared->execve_at;
        if (!exec_at && !root && named(status, comm))
            exec_at = seen;
        if (exec_at && term_after_exec_ns >= 0) {
            while (now_ns() < exec_at + term_after_exec_ns)
                ; /* at most a few ms: spin for the exact moment */
            term_at = now_ns();
            kill(pid, SIGTERM);
            break;
        }
        if (exec_at && !ready_at && catches_stop_signals(status))
            ready_at = seen;
        if (exec_at && !paused_at && read_at_start(syscall_fd, syscall_text, sizeof syscall_text) > 0 &&
            strncmp(syscall_text, "34 ", 3) == 0)
            paused_at = now_ns();
        if (paused_at && (ready_at || !term))
            break;
        sched_yield();
    }
    loop_end = now_ns();

    int exit_code = -1;
    if (term_at) {
        lost = term_was_dropped(pid, pidfd, status_fd, syscall_fd);
        if (lost)
            kill(pid, SIGKILL);
        else
            exit_at = now_ns();
    } else if (pid && !unshare_done && paused_at && hold_ms >= 0) {
        alive_after_hold = !exited_within(pidfd, (int)hold_ms);
    }
    if (pid && !unshare_done && !term_at) {
        kill_at = now_ns();
        kill(pid, term ? SIGTERM : SIGKILL);
        if (exited_within(pidfd, 5000))
            exit_at = now_ns();
        else
            kill(pid, SIGKILL);
    }
    if (!unshare_done)
        waitpid(unshare, &unshare_status, 0);
    if (WIFEXITED(unshare_status))
        exit_code = WEXITSTATUS(unshare_status);
    else if (WIFSIGNALED(unshare_status))
        exit_code = 128 + WTERMSIG(unshare_status);

    printf("{\"exe\":\"%s\",\"spawn_to_exec_us\":%.1f,\"spawn_to_ready_us\":%.1f,"
           "\"spawn_to_paused_us\":%.1f,\"term_to_exit_us\":%.1f,\"turns\":%lld,"
           "\"turn_ns\":%.0f,\"exit\":%d,\"alive_after_hold\":%d,\"term_after_exec_us\":%.1f,"
           "\"term_lost\":%d}\n",
           exe, us(start, exec_at), us(start, ready_at), us(start, paused_at),
           term ? us(kill_at, exit_at) : -1.0, turns,
           turns ? (double)(loop_end - loop_start) / (double)turns : 0.0, exit_code, alive_after_hold,
           term_at ? us(exec_at, term_at) : -1.0, lost);
    return 0;
}
