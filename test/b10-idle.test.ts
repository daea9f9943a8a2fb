// B10: idle pause blocks in pause(): no timer, no polling, no wake-up on any
// thread. Counted in context switches, which do not depend on machine speed.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { asPid1, threadsOf, waitFor, type Running } from "./support/pause";

const PAUSE_SYSCALL = process.arch === "x64" ? "34" : "133"; // pause, or rt_sigsuspend on arm64

/** Each thread's voluntary + involuntary context switches, by thread id. */
function contextSwitches(pid: number): Record<number, number> {
  return Object.fromEntries(
    threadsOf(pid).map((tid) => {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8");
      const counts = [...status.matchAll(/ctxt_switches:\s+(\d+)/g)].map((match) => Number(match[1]));
      return [tid, counts.reduce((sum, count) => sum + count, 0)];
    }),
  );
}

async function parked(): Promise<Running> {
  const pause = await asPid1();
  await waitFor("the main thread to block in pause()", () => {
    return readFileSync(`/proc/${pause.pid}/syscall`, "utf8").split(" ")[0] === PAUSE_SYSCALL;
  });
  return pause;
}

async function stop(pause: Running): Promise<void> {
  process.kill(pause.pid, "SIGTERM");
  expect((await pause.finished).exitCode).toBe(0);
}

describe("B10 idle", () => {
  test("B10: once in pause(), no thread wakes up, starts or ends for 3 s", async () => {
    const pause = await parked();
    const before = contextSwitches(pause.pid);
    await Bun.sleep(3_000); // an observation window, not a wait for readiness
    expect(contextSwitches(pause.pid)).toEqual(before);
    await stop(pause);
  });

  test("B10: the runtime keeps no thread that could wake later (JIT workers, allocator scavenger)", async () => {
    const pause = await parked();
    expect(threadsOf(pause.pid)).toEqual([pause.pid]);
    await stop(pause);
  });
});
