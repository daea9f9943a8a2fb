// B2: arguments other than -v never stop pause; --help/-h prints usage and
// exits 0; anything unknown gets a one-line warning on stderr and pause runs.
import { describe, expect, test } from "bun:test";
import { asPid1, leaveOrphansAndAwaitReaping, runPause } from "./support/pause";

describe("B2 other arguments", () => {
  for (const flag of ["--help", "-h"]) {
    test(`B2: ${flag} prints usage on stdout and exits 0`, async () => {
      const result = await runPause([flag]);
      expect(result.stdout).toContain("USAGE");
      expect(result.stdout).toContain("-v, --version");
      expect(result.stdout).toContain("-h, --help");
      expect(result.stdout).not.toContain("\u001b["); // no colour codes into a pipe
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(0);
    });
  }

  test("B2: unknown arguments get one warning line and pause runs as usual", async () => {
    const pause = await asPid1(["--foo", "bar", "--baz=1"]);
    await leaveOrphansAndAwaitReaping(pause, 3);
    process.kill(pause.pid, "SIGTERM");
    const result = await pause.finished;
    expect(result.stderr).toBe(
      "Warning: ignoring unknown arguments: --foo bar --baz=1\nShutting down, got signal: Terminated\n",
    );
    expect(result.stdout).toBe("");
    expect(result.exitCode).toBe(0);
  });

  test("B2: an empty-string argument is unknown, not fatal", async () => {
    const pause = await asPid1([""]);
    process.kill(pause.pid, "SIGTERM");
    const result = await pause.finished;
    expect(result.stderr).toBe("Warning: ignoring unknown arguments: \nShutting down, got signal: Terminated\n");
    expect(result.exitCode).toBe(0);
  });
});
