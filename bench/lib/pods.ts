// A pod, as the bench makes one: a subject as PID 1 of a new PID namespace
// (unshare --pid --fork --kill-child --mount-proc), environment PATH only.
import { basename } from "node:path";
import { catchesStopSignals, childrenOf, inPause, procFile } from "../../test/support/proc";
import { POD_ENV, sleep, UNSHARE, waitUntil } from "./common";
import type { Subject } from "./subjects";

export interface Pod {
  launcher: ReturnType<typeof Bun.spawn>;
  pid: number;
  readyAt: number;
}

/** Starts EXE as PID 1 of a new PID namespace and waits until it is parked (and has its handlers). */
export async function startPod(subject: Subject, exe = subject.exe, args: string[] = []): Promise<Pod> {
  const launcher = Bun.spawn([UNSHARE, "--pid", "--fork", "--kill-child", "--mount-proc", exe, ...args], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
    env: { ...POD_ENV, ...subject.env },
  });
  const pid = await execOf(subject, launcher, exe);
  return { launcher, pid, readyAt: await readyAt(subject, pid) };
}

/** Starts EXE as an ordinary process (not PID 1, no namespace of its own) and waits until it is parked. */
export async function startProcess(subject: Subject, exe = subject.exe, args: string[] = []): Promise<Pod> {
  const launcher = Bun.spawn([exe, ...args], { stdin: "ignore", stdout: "ignore", stderr: "ignore", env: { ...POD_ENV, ...subject.env } });
  return { launcher, pid: launcher.pid, readyAt: await readyAt(subject, launcher.pid) };
}

async function execOf(subject: Subject, launcher: Pod["launcher"], exe: string): Promise<number> {
  let pid = 0;
  await waitUntil(`${subject.name} to start`, () => {
    const child = childrenOf(launcher.pid)[0];
    if (child && procFile(child, "comm")?.trim() === basename(exe).slice(0, 15)) pid = child;
    if (launcher.exitCode !== null) throw new Error(`${subject.name} ended at start (${launcher.exitCode})`);
    return pid !== 0;
  });
  return pid;
}

async function readyAt(subject: Subject, pid: number): Promise<number> {
  await waitUntil(`${subject.name} to be ready`, () => (!subject.handles || catchesStopSignals(pid)) && inPause(pid));
  return performance.now();
}

export async function stopPod(subject: Subject, pod: Pod): Promise<void> {
  try {
    process.kill(pod.pid, subject.handles ? "SIGTERM" : "SIGKILL");
  } catch {}
  const ended = await Promise.race([pod.launcher.exited.then(() => true), sleep(5_000).then(() => false)]);
  if (!ended) {
    try {
      process.kill(pod.pid, "SIGKILL");
    } catch {}
    await pod.launcher.exited;
  }
}
