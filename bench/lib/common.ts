// What every part of the bench shares: where things are, the plan of a run,
// running a command, and waiting for a condition.
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");
export const BUILD = join(ROOT, "build", "bench");
export const QUICK = Bun.env.BENCH_QUICK === "1";
export const BUN = join(ROOT, "node_modules", ".bin", "bun");
export const UNSHARE = "/usr/bin/unshare";
export const NSENTER = "/usr/bin/nsenter";
export const POD_ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" };

export const plan = {
  startupRuns: QUICK ? 8 : 30,
  pods: 20,
  memoryAfterReadyMs: 3_000,
  wakeStartMs: QUICK ? 2_000 : 5_000,
  wakeWindowMs: QUICK ? 5_000 : 10_000,
  storms: [5_000, 20_000],
  stormRounds: QUICK ? 1 : 3,
  lifetimeRuns: QUICK ? 1 : 3,
  versionRuns: QUICK ? 10 : 30,
};

/** Runs COMMAND to completion in the repository; its stdout, or an error with all its output. */
export function run(command: string[], what: string, env?: Record<string, string>): string {
  const result = Bun.spawnSync(command, { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: env ?? Bun.env });
  if (result.exitCode !== 0) {
    throw new Error(`${what} failed (${command.join(" ")}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout.toString();
}

export function say(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

export const sleep = (ms: number) => Bun.sleep(ms);

export async function waitUntil(what: string, condition: () => boolean, timeoutMs = 20_000, stepMs = 2): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
}
