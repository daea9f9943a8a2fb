// Messages, byte for byte as the spec gives them: consola's core with one
// reporter that writes each line as it is, with no prefix, colour or date.
// Errors and warnings go to stderr, everything else to stdout. A write that
// fails (closed descriptor, /dev/full, a reader gone) is dropped: pause's
// behaviour never depends on whether anyone is listening.
import { writeSync } from "node:fs";
import { createConsola, LogLevels, type ConsolaReporter, type LogObject } from "consola/core";

const STDOUT = 1;
const STDERR = 2;

export function writeLine(fd: number, text: string): void {
  try {
    const bytes = Buffer.from(`${text}\n`);
    for (let offset = 0; offset < bytes.length; ) {
      offset += writeSync(fd, bytes, offset);
    }
  } catch {
    // Nobody to tell.
  }
}

const plainLines: ConsolaReporter = {
  log(entry: LogObject) {
    const fd = entry.level <= LogLevels.warn ? STDERR : STDOUT;
    writeLine(fd, entry.args.map(String).join(" "));
  },
};

export const log = createConsola({
  level: LogLevels.info,
  reporters: [plainLines],
  // No throttling: it would hold repeated lines back behind a timer.
  throttle: 0,
});
