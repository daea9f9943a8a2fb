// B11: writes that fail (closed descriptors, /dev/full, containerd's empty
// I/O) never change what pause does; nor does an empty environment.
import { describe, expect, test } from "bun:test";
import { asPid1, leaveOrphansAndAwaitReaping, notAsPid1, runPause } from "./support/pause";

describe("B11 output that goes nowhere", () => {
  for (const [what, redirect] of [["closed", ">&-"], ["full", ">/dev/full"]] as const) {
    test(`B11: -v with stdout ${what} still exits 0`, async () => {
      const result = await runPause(["-v"], { shell: `exec "$@" ${redirect}` });
      expect(result.exitCode).toBe(0);
    });

    test(`B11: --help with stdout ${what} still exits 0`, async () => {
      const result = await runPause(["--help"], { shell: `exec "$@" ${redirect}` });
      expect(result.exitCode).toBe(0);
    });

    test(`B11: stderr ${what}: warnings, reaping and TERM behave the same`, async () => {
      const pause = await asPid1(["--unknown"], {
        wrapper: ["sh", "-c", `exec "$@" 2${redirect}`, "sh"],
      });
      await leaveOrphansAndAwaitReaping(pause, 10);
      process.kill(pause.pid, "SIGTERM");
      const result = await pause.finished;
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(0);
    });
  }

  test("B11: stdout and stderr both closed, not as PID 1: TERM still exits 0", async () => {
    const pause = await notAsPid1([], { wrapper: ["sh", "-c", 'exec "$@" >&- 2>&-', "sh"] });
    process.kill(pause.pid, "SIGTERM");
    const result = await pause.finished;
    expect(result.stdout + result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
  });

  test("an empty environment changes nothing", async () => {
    const pause = await asPid1([], { env: {} });
    await leaveOrphansAndAwaitReaping(pause, 10);
    process.kill(pause.pid, "SIGTERM");
    const result = await pause.finished;
    expect(result.stderr).toBe("Shutting down, got signal: Terminated\n");
    expect(result.exitCode).toBe(0);
  });

  test("an empty environment: -v still prints the version", async () => {
    const result = await runPause(["-v"], { env: {} });
    expect(result.stdout).toStartWith("pause.ts v");
    expect(result.exitCode).toBe(0);
  });
});
