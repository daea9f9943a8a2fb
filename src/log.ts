// Messages, byte for byte as the spec gives them: consola's core with one
// reporter that writes each line as it is, with no prefix, colour or date.
// Errors and warnings go to stderr, everything else to stdout. A write that
// fails (closed descriptor, /dev/full, a reader gone) is dropped: pause's
// behaviour never depends on whether anyone is listening.
import { createConsola, LogLevels, type ConsolaReporter, type LogObject } from "consola/core";
import { writeText } from "./native";

const STDOUT = 1;
const STDERR = 2;

const plainLines: ConsolaReporter = {
  log(entry: LogObject) {
    const fd = entry.level <= LogLevels.warn ? STDERR : STDOUT;
    writeText(fd, `${entry.args.map(String).join(" ")}\n`);
  },
};

export const log = createConsola({
  level: LogLevels.info,
  reporters: [plainLines],
  // No throttling: it would hold repeated lines back behind a timer.
  throttle: 0,
});
