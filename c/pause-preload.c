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

__attribute__((constructor)) static void install_handlers_before_the_runtime(void)
{
    /* A failure here leaves the signals as they were; start-up installs the
     * helper's handlers anyway and exits 1, 2 or 3 if it cannot. */
    (void)pause_install_handlers();
}
