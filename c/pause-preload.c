/*
 * pause-preload: the image's /etc/ld.so.preload library. It installs the
 * helper's SIGINT, SIGTERM and SIGCHLD handlers before the runtime runs.
 *
 * Why. Until a PID 1 has a handler for SIGTERM the kernel drops that signal,
 * and the Bun runtime takes milliseconds (seconds, on a cold start under a
 * tight memory limit) before pause.ts's start-up installs the helper's
 * handlers. The loader runs this library's constructor before the executable's
 * first instruction, so a stop request is honoured from as early after exec
 * as with the C pause.
 *
 * It also warns, in one line each, of the resource limits that would stop
 * the runtime before pause.ts could say so itself.
 *
 * What. c/pause-helper.c itself, compiled in (its functions are not exported
 * from here: EXPORT is empty and the build hides everything), and one call to
 * its pause_install_handlers(). The same handlers, the same flags and the same
 * reaping of zombies present at start; its filtering of the runtime's handlers
 * finds none to wrap, since the runtime has not run. pause.ts's start-up later
 * installs the embedded helper's handlers over these and wraps the runtime's,
 * as it does without this library: nothing after that changes.
 *
 * Why a constructor, and why it is safe there. The loader calls it after it
 * has mapped and relocated every object (libc included) and initialised libc,
 * and before the executable's own constructors and entry point: one thread,
 * libc usable, nothing of the runtime's yet. A handler that fires from then on
 * calls only write, _exit and waitpid, which are bound already. An IFUNC
 * resolver runs earlier, while the loader relocates, but needs -fno-plt and
 * -z now to call libc at all there, and with libc not yet initialised; the
 * executable has few relocations, so the resolver gains about 0.06 ms, under
 * the window method's 0.25 ms step (bench/NOTES.md gives both windows).
 *
 * Without this library (a bare ./pause outside the image) pause.ts works as
 * before, only with the runtime's start-up window.
 */
#define EXPORT /* hidden: the library exports nothing */
#include "pause-helper.c"

#include <stdio.h>
#include <sys/resource.h>

/*
 * Limits under which the runtime stops before any of pause.ts's own code can
 * say why (README "Limits": measured with Bun 1.4.5 on x86-64, with the
 * image's Env). Between these and what pause.ts needs, its start-up names the
 * limit itself (src/diagnose.ts); below them only this library can. It warns
 * and lets the runtime try: a figure that is off for another architecture
 * costs a needless line, never a refusal.
 */
static const struct {
    int resource;
    const char *name;
    rlim_t stops_below; /* the runtime's own need */
    rlim_t works_from;  /* pause.ts's: what the line names */
    rlim_t unit;
    const char *unit_name;
} runtime_needs[] = {
    {RLIMIT_STACK, "RLIMIT_STACK", 144 * 1024, 144 * 1024, 1024, " KiB"},
    {RLIMIT_AS, "RLIMIT_AS", 320 * 1024 * 1024, 512 * 1024 * 1024, 1024 * 1024, " MiB"},
    {RLIMIT_DATA, "RLIMIT_DATA", 215 * 1024 * 1024, 512 * 1024 * 1024, 1024 * 1024, " MiB"},
    {RLIMIT_NOFILE, "RLIMIT_NOFILE", 5, 7, 1, ""},
};

static void warn_about_limits(void)
{
    for (size_t i = 0; i < sizeof runtime_needs / sizeof runtime_needs[0]; i++) {
        struct rlimit limit;
        char line[160];
        int length;

        if (getrlimit(runtime_needs[i].resource, &limit) != 0 || limit.rlim_cur >= runtime_needs[i].stops_below)
            continue;
        length = snprintf(line, sizeof line, "Warning: %s %llu%s stops the runtime before pause.ts starts: pause.ts needs %llu%s\n",
                          runtime_needs[i].name, (unsigned long long)(limit.rlim_cur / runtime_needs[i].unit),
                          runtime_needs[i].unit_name,
                          (unsigned long long)(runtime_needs[i].works_from / runtime_needs[i].unit),
                          runtime_needs[i].unit_name);
        if (length > 0)
            write_all(STDERR_FILENO, line, (size_t)length < sizeof line ? (size_t)length : sizeof line - 1);
    }
}

__attribute__((constructor)) static void install_handlers_before_the_runtime(void)
{
    /* A failure here leaves the signals as they were; start-up installs the
     * helper's handlers anyway and exits 1, 2 or 3 if it cannot. */
    (void)pause_install_handlers();
    warn_about_limits();
}
