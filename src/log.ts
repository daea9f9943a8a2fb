// Messages, byte for byte as the spec gives them: consola's core with one
// reporter that writes each line as it is, with no prefix, colour or date.
// Errors and warnings go to stderr, everything else to stdout.
//
// The runtime's console does the writing. It needs nothing loaded: no
// bun:ffi (which is gone when the runtime has no JIT, and a message must
// still say why pause cannot run), no node: module (whose heap alone pushes
// the runtime past the point where it starts a thread of its own, SPEC B10).
// A write that fails (closed descriptor, /dev/full, a reader gone) is
// dropped: pause's behaviour never depends on whether anyone is listening.
import { createConsola, LogLevels, type ConsolaReporter, type LogObject } from "consola/core";

const plainLines: ConsolaReporter = {
  log(entry: LogObject) {
    const line = entry.args.map(String).join(" ");
    try {
      // One argument: the console prints it as it is, with no format directives.
      if (entry.level <= LogLevels.warn) console.error(line);
      else console.log(line);
    } catch {
      // nowhere to report it
    }
  },
};

export const log = createConsola({
  level: LogLevels.info,
  reporters: [plainLines],
  // No throttling: it would hold repeated lines back behind a timer.
  throttle: 0,
});
