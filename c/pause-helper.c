/*
 * pause-helper: the part of pause.ts that runs in signal context.
 *
 * Design. The Bun runtime that hosts pause.ts runs several threads, and a
 * process-directed signal is delivered to whichever thread does not block it.
 * JavaScript cannot run in a signal handler, and waking the main thread to do
 * the work (a flag checked around pause(), or sigwaitinfo) loses signals that
 * land elsewhere. So every handler here does its whole job itself, using only
 * async-signal-safe calls, and is therefore correct on any thread:
 *
 *   SIGINT, SIGTERM  write "Shutting down, got signal: <psignal text>" to
 *                    stderr and _exit(0). _exit ends every thread at once.
 *   SIGCHLD          waitpid(-1, WNOHANG) until nothing is left; errno is
 *                    preserved for the interrupted code. SA_NOCLDSTOP as
 *                    upstream; SA_RESTART so that a runtime thread blocked
 *                    in a system call does not see EINTR because an orphan
 *                    died.
 *
 * Signals the runtime claims. Bun installs handlers of its own (crash
 * reporting for SEGV, ILL, BUS, FPE, ABRT, TRAP, SYS; thread suspension for
 * its garbage collector). As PID 1 of a namespace the kernel only protects
 * signals left at SIG_DFL, so a `kill -SEGV 1` from a container in the pod
 * would reach the crash reporter and end the pod. Each such handler is
 * wrapped, and a signal reaches it only when it is one of these two:
 *
 *   a real fault    SEGV, BUS, ILL, FPE, TRAP or SYS with si_code > 0. Only
 *                   the kernel sets a positive si_code (rt_sigqueueinfo
 *                   refuses one from another process), and for these six
 *                   signals it never relays another process's request with
 *                   one: a signal relayed for a file (fcntl F_SETOWN +
 *                   F_SETSIG) arrives with SI_SIGIO (< 0) instead of POLL_*.
 *   our own signal  SI_USER or SI_TKILL from our own pid: the runtime's
 *                   thread-to-thread signals and abort(). The kernel fills
 *                   in si_pid for both; no other process can pose as us.
 *
 * Everything else is dropped. That includes a positive si_code on any other
 * signal: a process that owns a file can make the kernel send pause, say,
 * SIGABRT with si_code POLL_IN (1), so for those a positive code proves
 * nothing. Signals nobody claims keep SIG_DFL, exactly as upstream pause:
 * the kernel drops them for a namespace's PID 1.
 *
 * The wrappers are installed before INT, TERM and CHLD, so that a caller who
 * sees those three in /proc/PID/status SigCgt knows the whole set is in place.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* c/pause-preload.c builds these same functions unexported. */
#ifndef EXPORT
#define EXPORT __attribute__((visibility("default")))
#endif

enum install_status {
    INSTALLED = 0,
    INT_FAILED = 1,  /* exit codes of upstream pause.c */
    TERM_FAILED = 2,
    CHLD_FAILED = 3,
};

static struct sigaction runtime_actions[NSIG];
static pid_t own_pid; /* pause never forks: set once, read in handlers */

static void write_all(int fd, const char *text, size_t length)
{
    while (length > 0) {
        ssize_t written = write(fd, text, length);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return; /* stderr closed or gone: nothing to report to */
        text += written;
        length -= (size_t)written;
    }
}

static void shut_down(int signo)
{
    /* The exact bytes of psignal(signo, "Shutting down, got signal"). */
    static const char interrupt[] = "Shutting down, got signal: Interrupt\n";
    static const char terminated[] = "Shutting down, got signal: Terminated\n";

    if (signo == SIGINT)
        write_all(STDERR_FILENO, interrupt, sizeof interrupt - 1);
    else
        write_all(STDERR_FILENO, terminated, sizeof terminated - 1);
    _exit(0);
}

static void reap_zombies(void)
{
    int saved_errno = errno;

    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    errno = saved_errno;
}

static void on_child_exit(int signo)
{
    (void)signo;
    reap_zombies();
}

static int is_fault_signal(int signo)
{
    return signo == SIGSEGV || signo == SIGBUS || signo == SIGILL ||
           signo == SIGFPE || signo == SIGTRAP || signo == SIGSYS;
}

static int meant_for_runtime(int signo, const siginfo_t *info)
{
    if (info->si_code > 0)
        return is_fault_signal(signo); /* raised by the kernel for a fault */
    if (info->si_code == SI_USER || info->si_code == SI_TKILL)
        return info->si_pid == own_pid; /* one of our threads, or abort() */
    return 0;
}

static void filter_runtime_signal(int signo, siginfo_t *info, void *context)
{
    const struct sigaction *runtime = &runtime_actions[signo];

    if (!meant_for_runtime(signo, info))
        return;
    if (runtime->sa_flags & SA_RESETHAND) {
        /* Emulate the one-shot handler the runtime asked for. */
        struct sigaction fallback = {.sa_handler = SIG_DFL};
        sigaction(signo, &fallback, NULL);
    }
    if (runtime->sa_flags & SA_SIGINFO)
        runtime->sa_sigaction(signo, info, context);
    else
        runtime->sa_handler(signo);
}

static int is_ours(int signo)
{
    return signo == SIGINT || signo == SIGTERM || signo == SIGCHLD ||
           signo == SIGKILL || signo == SIGSTOP;
}

static void filter_runtime_signals(void)
{
    for (int signo = 1; signo < NSIG; signo++) {
        struct sigaction current, filter;

        if (is_ours(signo) || sigaction(signo, NULL, &current) != 0)
            continue; /* glibc's internal signals refuse to be queried */
        if (current.sa_handler == SIG_DFL || current.sa_handler == SIG_IGN ||
            (current.sa_flags & SA_SIGINFO && current.sa_sigaction == filter_runtime_signal))
            continue;
        runtime_actions[signo] = current;
        filter = current;
        filter.sa_sigaction = filter_runtime_signal;
        filter.sa_flags = (current.sa_flags | SA_SIGINFO) & ~SA_RESETHAND;
        sigaction(signo, &filter, NULL);
    }
}

static int install_errno; /* why the last pause_install_handlers() failed */

static enum install_status install_failed(enum install_status status)
{
    install_errno = errno;
    return status;
}

/* The errno of the sigaction() that made pause_install_handlers() fail:
 * read here, not from libc's errno, which the runtime may have reused since. */
EXPORT int pause_install_error(void)
{
    return install_errno;
}

EXPORT int pause_install_handlers(void)
{
    struct sigaction down = {.sa_handler = shut_down};
    struct sigaction reap = {.sa_handler = on_child_exit, .sa_flags = SA_NOCLDSTOP | SA_RESTART};

    own_pid = getpid();
    filter_runtime_signals();
    if (sigaction(SIGINT, &down, NULL) != 0)
        return install_failed(INT_FAILED);
    if (sigaction(SIGTERM, &down, NULL) != 0)
        return install_failed(TERM_FAILED);
    if (sigaction(SIGCHLD, &reap, NULL) != 0)
        return install_failed(CHLD_FAILED);
    /* Zombies that exited before the handler existed sent their SIGCHLD to
     * nobody: reap them now rather than at the next child's death. */
    reap_zombies();
    return INSTALLED;
}

/* Blocks for good. Returns only if pause() fails for another reason than a
 * handled signal, which means the process can no longer wait: the caller
 * reports that instead of spinning. */
EXPORT int pause_wait_forever(void)
{
    for (;;) {
        pause();
        if (errno != EINTR)
            return errno;
    }
}
