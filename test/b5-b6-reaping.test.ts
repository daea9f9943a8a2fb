// B5: SIGCHLD reaps until nothing is left, through storms of orphans.
// B6: zombies that exist before the handler is installed are reaped right after.
import { describe, expect, test } from "bun:test";
import { asPid1, childrenOf, fixture, isZombie, leaveOrphansAndAwaitReaping, waitFor } from "./support/pause";

describe("B5 reaping orphans", () => {
  for (const count of [1, 50, 5000]) {
    test(`B5: ${count} orphan(s) re-parented to PID 1 are all reaped`, async () => {
      const pause = await asPid1();
      await leaveOrphansAndAwaitReaping(pause, count, 60_000);
      process.kill(pause.pid, "SIGTERM");
      const result = await pause.finished;
      expect(result.exitCode).toBe(0);
      expect(result.stderr).toBe("Shutting down, got signal: Terminated\n");
    }, 90_000);
  }

  test("B5: four storms at once leave no zombie", async () => {
    const pause = await asPid1();
    const storms = await Promise.all([1, 2, 3, 4].map(() => pause.inNamespace([fixture("orphans"), "1000"])));
    expect(storms.map((storm) => storm.exitCode)).toEqual([0, 0, 0, 0]);
    await waitFor("every orphan to be reaped", () => childrenOf(pause.pid).length === 0, 60_000);
    process.kill(pause.pid, "SIGTERM");
    expect((await pause.finished).exitCode).toBe(0);
  }, 90_000);
});

describe("B6 zombies from before", () => {
  test("B6: a zombie inherited at start is reaped once the handlers are installed", async () => {
    const pause = await asPid1([], { wrapper: [fixture("zombie-at-start")] });
    // The fixture became pause with a zombie child and no SIGCHLD to come.
    await waitFor("the inherited zombie to be reaped", () => childrenOf(pause.pid).filter(isZombie).length === 0);
    expect(childrenOf(pause.pid)).toEqual([]);
    process.kill(pause.pid, "SIGTERM");
    expect((await pause.finished).exitCode).toBe(0);
  });
});
