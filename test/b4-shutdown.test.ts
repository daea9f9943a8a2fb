// B4: SIGINT and SIGTERM print psignal's line on stderr and exit 0, whichever
// of the runtime's threads the signal lands on.
import { describe, expect, test } from "bun:test";
import { asPid1, fixture, notAsPid1, PLAIN_ENV, threadsAccepting } from "./support/pause";

const SIGTERM = 15;

const message = {
  SIGINT: "Shutting down, got signal: Interrupt\n",
  SIGTERM: "Shutting down, got signal: Terminated\n",
} as const;

describe("B4 shutdown", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    test(`B4: ${signal} to PID 1 prints "${message[signal].trim()}" and exits 0`, async () => {
      const pause = await asPid1();
      process.kill(pause.pid, signal);
      const result = await pause.finished;
      expect(result.stderr).toBe(message[signal]);
      expect(result.stdout).toBe("");
      expect(result.exitCode).toBe(0);
    });

    test(`B4: ${signal} not as PID 1 also exits 0`, async () => {
      const pause = await notAsPid1();
      process.kill(pause.pid, signal);
      const result = await pause.finished;
      expect(result.stderr).toEndWith(message[signal]);
      expect(result.exitCode).toBe(0);
    });
  }

  test("B4: SIGTERM sent from inside the pod (kill 1) exits 0", async () => {
    const pause = await asPid1();
    // The kill command may not outlive PID 1: when pause exits, the kernel
    // ends everything else in its namespace. pause's own output is the proof.
    await pause.inNamespace(["kill", "-TERM", "1"]);
    const result = await pause.finished;
    expect(result.stderr).toBe(message.SIGTERM);
    expect(result.exitCode).toBe(0);
  });

  // A process-directed signal goes to any thread that does not block it. The
  // build keeps the runtime's JIT threads from starting; with the JIT told to
  // compile at once they run again, and tgkill aims at each of them.
  const withRuntimeThreads = { env: { ...PLAIN_ENV, BUN_JSC_jitPolicyScale: "0" } };

  test("B4: SIGTERM to each runtime thread that accepts it exits 0", async () => {
    const probe = await asPid1([], withRuntimeThreads);
    const names = threadsAccepting(probe.pid, SIGTERM).map((thread) => thread.name);
    process.kill(probe.pid, "SIGTERM");
    await probe.finished;
    expect(names.length).toBeGreaterThan(0); // or this test proves nothing

    const hit: string[] = [];
    for (const name of new Set(names)) {
      const pause = await asPid1([], withRuntimeThreads);
      const thread = threadsAccepting(pause.pid, SIGTERM).find((candidate) => candidate.name === name);
      const sent = thread && Bun.spawnSync([fixture("tgkill"), String(pause.pid), String(thread.tid), String(SIGTERM)]);
      if (sent?.exitCode !== 0) {
        process.kill(pause.pid, "SIGTERM"); // the thread had already finished its work and gone
        await pause.finished;
        continue;
      }
      const result = await pause.finished;
      expect(result.stderr).toBe(message.SIGTERM);
      expect(result.exitCode).toBe(0);
      hit.push(name);
    }
    expect(hit.length).toBeGreaterThan(0);
  });
});
