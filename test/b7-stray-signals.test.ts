// B7: no signal sent by another process ends or disturbs pause as PID 1,
// however it is sent: kill(2) from outside or inside the pod, or relayed by
// the kernel for a file's owner (F_SETOWN + F_SETSIG: si_code POLL_IN > 0),
// as root or as pause's own uid. That includes the signals the runtime
// catches itself (SEGV, ABRT, PWR, ...); a real fault still crashes with the
// runtime's report.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { asPid1, fixture, leaveOrphansAndAwaitReaping, PAUSE, tool, type Running } from "./support/pause";

const SIGRTMAX = 64;
const notStray = new Set([2 /* INT */, 9 /* KILL */, 15 /* TERM */, 17 /* CHLD */, 19 /* STOP */]);
const strays = Array.from({ length: SIGRTMAX }, (_, i) => i + 1).filter((signo) => !notStray.has(signo));

const asNobody = [tool("setpriv"), "--reuid=65535", "--regid=65535", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"];

/** Still reaping, and still stopping cleanly: a crash report or a death by signal would show here. */
async function expectUndisturbed(pause: Running): Promise<void> {
  await leaveOrphansAndAwaitReaping(pause, 3);
  process.kill(pause.pid, "SIGTERM");
  const result = await pause.finished;
  expect(result.stderr).toBe("Shutting down, got signal: Terminated\n");
  expect(result.signalCode).toBeNull();
  expect(result.exitCode).toBe(0);
}

// Copies that uid 65535 may execute wherever the checkout lives.
let shared: string;
let sharedPause: string;
let sharedRelay: string;
beforeAll(() => {
  shared = mkdtempSync("/tmp/pause-b7-");
  chmodSync(shared, 0o755);
  sharedPause = join(shared, "pause");
  sharedRelay = join(shared, "relay-signal");
  copyFileSync(PAUSE, sharedPause);
  copyFileSync(fixture("relay-signal"), sharedRelay);
  chmodSync(sharedPause, 0o755);
  chmodSync(sharedRelay, 0o755);
});
afterAll(() => rmSync(shared, { recursive: true, force: true }));

describe("B7 stray signals", () => {
  test.each(strays)("B7: signal %d, from outside, inside and relayed by the kernel, changes nothing", async (signo) => {
    const pause = await asPid1();
    process.kill(pause.pid, signo); // from an ancestor namespace: si_pid reads 0
    const inside = await pause.inNamespace(["kill", `-${signo}`, "1"]);
    expect(inside.exitCode).toBe(0);
    const relayed = await pause.inNamespace([fixture("relay-signal"), "1", String(signo)]);
    expect(relayed).toMatchObject({ stderr: "", exitCode: 0 });
    await expectUndisturbed(pause);
  });

  test.each(strays)("B7: signal %d relayed by the kernel for uid 65535, pause's own uid, changes nothing", async (signo) => {
    const pause = await asPid1([], { wrapper: asNobody, program: sharedPause });
    const relayed = await pause.inNamespace([...asNobody, sharedRelay, "1", String(signo)]);
    expect(relayed).toMatchObject({ stderr: "", exitCode: 0 });
    await expectUndisturbed(pause);
  });

  test("B7: the control: a relayed signal reaches a process in the pod that is not PID 1", async () => {
    const pause = await asPid1();
    const victim = await pause.inNamespace([
      "sh",
      "-c",
      `sleep 30 & ${fixture("relay-signal")} $! 10 || exit 99; wait $!; echo $?`,
    ]);
    expect(victim.stdout).toBe(`${128 + 10}\n`); // sleep died of SIGUSR1
    await expectUndisturbed(pause);
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
