// B3: when pause is not PID 1 it warns on stderr and keeps running.
import { describe, expect, test } from "bun:test";
import { asPid1, notAsPid1 } from "./support/pause";

describe("B3 not the first process", () => {
  test("B3: not as PID 1, pause warns and keeps running until TERM", async () => {
    const pause = await notAsPid1();
    expect(pause.process.exitCode).toBeNull();
    process.kill(pause.pid, "SIGTERM");
    const result = await pause.finished;
    expect(result.stderr).toBe("Warning: pause should be the first process\nShutting down, got signal: Terminated\n");
    expect(result.stdout).toBe("");
    expect(result.exitCode).toBe(0);
  });

  test("B3: as PID 1, pause says nothing until it is told to stop", async () => {
    const pause = await asPid1();
    process.kill(pause.pid, "SIGTERM");
    const result = await pause.finished;
    expect(result.stderr).toBe("Shutting down, got signal: Terminated\n");
    expect(result.stdout).toBe("");
  });
});
