// Start-up order, and nothing else.
//
// Until the handlers exist, a SIGTERM to PID 1 is dropped by the kernel, so
// the path every pod takes (no arguments, PID 1) installs them first, in one
// synchronous run from the top of the program: no top-level await, which
// also lets the build precompile this file to bytecode. Arguments, help, the
// version and the warnings load only when they are needed.
//
// No path may create a thread, not even for a moment (SPEC B10): under a
// seccomp profile where clone3 fails with EPERM, glibc cannot create one and
// the runtime aborts. The runtime starts threads of its own when it is given
// the chance, so every path here obeys three rules until pause is parked:
//   - it never returns to the event loop: everything runs synchronously from
//     the top of this file (modules load with require, not import());
//   - it loads no node: module (node:fs, node:util, node:tty): their heap
//     alone pushes the runtime past the size at which its garbage collector
//     starts a helper thread (JSCWarmUp, which starts the allocator's
//     scavenger in turn). Messages are written with libc (src/native.ts) and
//     the usage text is rendered when the program is built (src/usage.ts);
//   - it allocates little: the no-argument path stays well under that size.
// test/b10-b2-no-thread.test.ts counts thread creations on every path.
import { HelperLoadError, loadHelper, type Helper } from "./native";

export const EXIT_HELPER_UNAVAILABLE = 4;
/** The handlers in the order of their exit codes when one cannot be installed (1, 2, 3: SPEC B8). */
const HANDLED = ["SIGINT", "SIGTERM", "SIGCHLD"] as const;
export const EXIT_LOOP_ENDED = 42;

const args = process.argv.slice(2);
if (args.length > 0 || process.pid !== 1) answerCommandLine(args);
pauseForever();

function pauseForever(): void {
  let helper: Helper;
  try {
    helper = loadHelper();
  } catch (error) {
    const reason = error instanceof HelperLoadError ? error.message : String(error);
    const { explainLoadFailure } = require("./diagnose") as typeof import("./diagnose");
    fail(EXIT_HELPER_UNAVAILABLE, explainLoadFailure(reason));
  }
  const status = helper.installHandlers();
  if (status !== 0) fail(status, `Error: cannot install the ${HANDLED[status - 1]} handler: ${helper.installError()}`); // upstream's codes
  helper.waitForever();
  fail(EXIT_LOOP_ENDED, "Error: infinite loop terminated");
}

/** -v and --help answer and exit; anything else gets its warnings and returns. */
function answerCommandLine(args: string[]): void {
  try {
    const { log } = require("./log") as typeof import("./log");
    const cli = require("./cli") as typeof import("./cli");
    const request = cli.parseCommandLine(args);
    switch (request.action) {
      case "version":
        log.log(cli.versionLine());
        process.exit(0);
      case "help":
        log.log(cli.usage());
        process.exit(0);
      case "pause":
        if (request.ignored.length > 0) {
          log.warn(`Warning: ignoring unknown arguments: ${request.ignored.join(" ")}`);
        }
    }
    // Not an error: pause sees use outside of pod sandboxes.
    if (process.pid !== 1) log.warn("Warning: pause should be the first process");
  } catch {
    // An argument never stops pause (B2): whatever went wrong answering it, pause runs.
  }
}

function fail(code: number, message: string): never {
  try {
    const { log } = require("./log") as typeof import("./log");
    log.error(message);
  } finally {
    process.exit(code);
  }
}
