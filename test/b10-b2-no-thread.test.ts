// B10, B2: no path ever creates a thread, not even for a moment. Under a
// seccomp profile in which clone3 fails with EPERM (the OCI runtime-tools
// default, older Docker and containerd defaults) glibc cannot create one and
// the runtime would abort, so on every path pause must say and do exactly
// what it does without that profile. Threads are counted with strace.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  asPid1,
  fixture,
  leaveOrphansAndAwaitReaping,
  notAsPid1,
  runPause,
  tool,
  type Finished,
  type StartOptions,
} from "./support/pause";

const STRACE = tool("strace");

const manyArguments = Array.from({ length: 1000 }, (_, i) => `--argument-${i}`);

/** Paths on which pause runs until told to stop: it reaps (as PID 1), then gets a SIGTERM. */
const running: Record<string, (options: StartOptions) => Promise<Finished>> = {
  "PID 1, no argument": (options) => untilStopped(asPid1([], options), true),
  "PID 1, an unknown argument": (options) => untilStopped(asPid1(["--anything"], options), true),
  "PID 1, a thousand unknown arguments": (options) => untilStopped(asPid1(manyArguments, options), true),
  "not PID 1": (options) => untilStopped(notAsPid1([], options), false),
  "not PID 1, an unknown argument": (options) => untilStopped(notAsPid1(["x"], options), false),
};

/** Paths that answer and exit. */
const answering: Record<string, (options: StartOptions) => Promise<Finished>> = Object.fromEntries(
  [["-v"], ["-V"], ["--version"], ["--help"], ["-h"], ["x", "-v", "--help"]].map((args) => [
    args.join(" "),
    (options: StartOptions) => runPause(args, options),
  ]),
);

const everyPath = { ...running, ...answering };

async function untilStopped(started: Promise<Awaited<ReturnType<typeof asPid1>>>, reaps: boolean): Promise<Finished> {
  const pause = await started;
  if (reaps) await leaveOrphansAndAwaitReaping(pause, 3);
  process.kill(pause.pid, "SIGTERM");
  return pause.finished;
}

const withoutThreads = (): StartOptions => ({ wrapper: [fixture("deny"), "threads"] });

/** Runs PATH under strace; returns what pause did and the thread creations strace saw. */
async function traced(path: (options: StartOptions) => Promise<Finished>) {
  const folder = mkdtempSync(join(tmpdir(), "pause-strace-"));
  const log = join(folder, "trace");
  const tracer = [STRACE, "-f", "-qq", "-e", "trace=clone,clone3", "-e", "signal=none", "-o", log];
  try {
    const result = await path({ tracer });
    const creations = readFileSync(log, "utf8")
      .split("\n")
      .filter((line) => /\bclone3?\(/.test(line) && line.includes("CLONE_THREAD"));
    return { result, creations };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

describe("B10 no thread, ever", () => {
  test("B10: the controls: strace sees a thread created, and the filter stops one", async () => {
    const { result, creations } = await traced((options) =>
      runPause([], { ...options, shell: `exec ${fixture("start-thread")}` }),
    );
    expect(result.exitCode).toBe(0);
    expect(creations).toHaveLength(1);
    const denied = Bun.spawnSync([fixture("deny"), "threads", fixture("start-thread")], { stderr: "pipe" });
    expect(denied.stderr.toString()).toStartWith("pthread_create: ");
    expect(denied.exitCode).toBe(1);
  });

  test.each(Object.keys(everyPath))("B10: %s creates no thread", async (name) => {
    const { result, creations } = await traced(everyPath[name]!);
    expect(result.signalCode).toBeNull();
    expect(creations).toEqual([]);
  });

  test.each(Object.keys(everyPath))(
    "B10, B2: %s says and does byte for byte the same where threads cannot be created",
    async (name) => {
      const path = everyPath[name]!;
      const free = await path({});
      const confined = await path(withoutThreads());
      expect(confined).toEqual(free);
      expect(free.signalCode).toBeNull();
      expect(free.exitCode).toBe(0);
    },
  );
});
