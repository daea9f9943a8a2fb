// B10: idle pause blocks in pause(): no timer, no polling, no wake-up on any
// thread, and on every path a pod can take, not only the PID-1 one: not PID 1
// (a hostPID pod's sandbox) and PID 1 after answering an argument end in the
// same state. Counted in context switches, which do not depend on machine
// speed; memory read from smaps_rollup.
import { describe, expect, test } from "bun:test";
import { inPause, kib, procFile, switchesByThread } from "./support/proc";
import { asPid1, notAsPid1, threadsOf, waitFor, type Running } from "./support/pause";

const WINDOW_MS = 60_000; // an observation window, not a wait for readiness

const paths = {
  "PID 1, no argument": () => asPid1(),
  "not PID 1": () => notAsPid1(),
  "PID 1, an unknown argument": () => asPid1(["--anything"]),
};

async function parked(start: () => Promise<Running>): Promise<Running> {
  const pause = await start();
  await waitFor("the main thread to block in pause()", () => inPause(pause.pid));
  return pause;
}

async function stop(pause: Running): Promise<void> {
  process.kill(pause.pid, "SIGTERM");
  expect((await pause.finished).exitCode).toBe(0);
}

function switches(pid: number): Record<number, number> {
  return Object.fromEntries([...switchesByThread(pid)].map(([tid, thread]) => [tid, thread.switches]));
}

describe("B10 idle", () => {
  test(
    `B10: on every path, once in pause(), one thread that does not wake up for ${WINDOW_MS / 1000} s`,
    async () => {
      const running = await Promise.all(Object.values(paths).map(parked));
      const before = running.map((pause) => switches(pause.pid));
      await Bun.sleep(WINDOW_MS);
      const after = running.map((pause) => switches(pause.pid));
      const names = Object.keys(paths);
      expect(Object.fromEntries(names.map((name, i) => [name, after[i]]))).toEqual(
        Object.fromEntries(names.map((name, i) => [name, before[i]])),
      );
      for (const pause of running) expect(threadsOf(pause.pid)).toEqual([pause.pid]);
      await Promise.all(running.map(stop));
    },
    WINDOW_MS + 30_000,
  );

  test("B10: the runtime keeps no thread that could wake later (JIT workers, allocator scavenger)", async () => {
    for (const start of Object.values(paths)) {
      const pause = await parked(start);
      expect(threadsOf(pause.pid)).toEqual([pause.pid]);
      await stop(pause);
    }
  });

  test("B10: off the PID-1 path, pause's private memory is within 10% of the PID-1 path's", async () => {
    const running = await Promise.all(Object.values(paths).map(parked));
    const privateDirty = running.map((pause) => kib(procFile(pause.pid, "smaps_rollup"), "Private_Dirty"));
    const [pid1, ...others] = privateDirty as [number, ...number[]];
    for (const kibs of others) expect(Math.abs(kibs - pid1) / pid1).toBeLessThanOrEqual(0.1);
    await Promise.all(running.map(stop));
  });
});
