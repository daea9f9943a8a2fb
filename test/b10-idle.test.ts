// B10: idle pause blocks in pause(): no timer, no polling, no wake-up on any
// thread. Counted in context switches, which do not depend on machine speed.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { asPid1, threadsOf, waitFor } from "./support/pause";

function contextSwitches(pid: number): number {
  return threadsOf(pid)
    .map((tid) => readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8"))
    .flatMap((status) => [...status.matchAll(/ctxt_switches:\s+(\d+)/g)].map((match) => Number(match[1])))
    .reduce((sum, count) => sum + count, 0);
}

function mainThreadState(pid: number): { wchan: string; syscall: string } {
  return {
    wchan: readFileSync(`/proc/${pid}/wchan`, "utf8"),
    syscall: readFileSync(`/proc/${pid}/syscall`, "utf8").split(" ")[0] ?? "",
  };
}

describe("B10 idle", () => {
  test("B10: once settled, no thread wakes up", async () => {
    const pause = await asPid1();
    // Start-up work (JIT warm-up, allocator scavenging) ends on its own; wait
    // until the count holds still, then watch it hold still for longer.
    let last = contextSwitches(pause.pid);
    let stableSince = performance.now();
    await waitFor("start-up work to end", () => {
      const now = contextSwitches(pause.pid);
      if (now !== last) [last, stableSince] = [now, performance.now()];
      return performance.now() - stableSince > 1_000;
    }, 20_000);
    const before = contextSwitches(pause.pid);
    await Bun.sleep(3_000);
    expect(contextSwitches(pause.pid) - before).toBe(0);
    process.kill(pause.pid, "SIGTERM");
    expect((await pause.finished).exitCode).toBe(0);
  });

  test("B10: the main thread sleeps in pause()", async () => {
    const pause = await asPid1();
    const pauseSyscall = process.arch === "x64" ? "34" : "133"; // pause, or rt_sigsuspend on arm64
    await waitFor("the main thread to block in pause()", () => mainThreadState(pause.pid).syscall === pauseSyscall);
    process.kill(pause.pid, "SIGTERM");
    expect((await pause.finished).exitCode).toBe(0);
  });
});
