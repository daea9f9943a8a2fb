// Start-up order, and nothing else.
//
// Until the handlers exist, a SIGTERM to PID 1 is dropped by the kernel, so
// the path every pod takes (no arguments, PID 1) installs them first, in one
// synchronous run from the top of the program: no top-level await, which
// also lets the build precompile this file to bytecode. Arguments, help, the
// version and the warnings load only when they are needed.
import { HelperLoadError, loadHelper, type Helper } from "./native";

export const EXIT_HELPER_UNAVAILABLE = 4;
export const EXIT_LOOP_ENDED = 42;

const args = process.argv.slice(2);
if (args.length === 0 && process.pid === 1) {
  pauseForever();
} else {
  // An argument never stops pause (B2): whatever happens answering it, pause runs.
  answerCommandLine(args).then(pauseForever, pauseForever);
}

function pauseForever(): void {
  let helper: Helper;
  try {
    helper = loadHelper();
  } catch (error) {
    const reason = error instanceof HelperLoadError ? error.message : String(error);
    void fail(EXIT_HELPER_UNAVAILABLE, `Error: cannot load the signal helper: ${reason}`);
    return;
  }
  const status = helper.installHandlers();
  if (status !== 0) process.exit(status); // upstream's codes, without a word
  helper.waitForever();
  void fail(EXIT_LOOP_ENDED, "Error: infinite loop terminated");
}

async function answerCommandLine(args: string[]): Promise<void> {
  const { log } = await import("./log");
  const cli = await import("./cli");
  const request = await cli.parseCommandLine(args);
  switch (request.action) {
    case "version":
      log.log(cli.versionLine());
      process.exit(0);
    case "help":
      log.log(await cli.usage());
      process.exit(0);
    case "pause":
      if (request.ignored.length > 0) {
        log.warn(`Warning: ignoring unknown arguments: ${request.ignored.join(" ")}`);
      }
  }
  // Not an error: pause sees use outside of pod sandboxes.
  if (process.pid !== 1) log.warn("Warning: pause should be the first process");
}

async function fail(code: number, message: string): Promise<never> {
  const { log } = await import("./log");
  log.error(message);
  process.exit(code);
}
