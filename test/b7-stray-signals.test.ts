// B7: no signal sent by another process ends or disturbs pause as PID 1,
// including those the runtime catches itself (SEGV, ABRT, PWR, ...); a real
// fault still crashes with the runtime's report.
import { describe, expect, test } from "bun:test";
import { asPid1, fixture, leaveOrphansAndAwaitReaping } from "./support/pause";

const SIGRTMAX = 64;
const notStray = new Set([2 /* INT */, 9 /* KILL */, 15 /* TERM */, 17 /* CHLD */, 19 /* STOP */]);
const strays = Array.from({ length: SIGRTMAX }, (_, i) => i + 1).filter((signo) => !notStray.has(signo));

describe("B7 stray signals", () => {
  test.each(strays)("B7: signal %d, from outside and inside the pod, changes nothing", async (signo) => {
    const pause = await asPid1();
    process.kill(pause.pid, signo); // from an ancestor namespace: si_pid reads 0
    const inside = await pause.inNamespace(["kill", `-${signo}`, "1"]);
    expect(inside.exitCode).toBe(0);
    // Still reaping, and still stopping cleanly: a crash report or a death
    // by signal would show in what follows.
    await leaveOrphansAndAwaitReaping(pause, 3);
    process.kill(pause.pid, "SIGTERM");
    const result = await pause.finished;
    expect(result.stderr).toBe("Shutting down, got signal: Terminated\n");
    expect(result.signalCode).toBeNull();
    expect(result.exitCode).toBe(0);
  });

  test("B7: a real fault (kernel siginfo, si_code > 0) still crashes with the runtime's report", async () => {
    const pause = await asPid1();
    const injected = Bun.spawnSync([fixture("inject-fault"), String(pause.pid)], { stderr: "pipe" });
    expect(injected.stderr.toString()).toBe("");
    expect(injected.exitCode).toBe(0);
    const result = await pause.finished;
    expect(result.stderr).toContain("Segmentation fault at address 0x0");
    expect(result.exitCode === 0).toBe(false);
  });
});
