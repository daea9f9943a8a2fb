// Storms: orphans made inside each reaping pod by test/fixtures/orphans.c,
// timed until no thread of the pod has a child left.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { childrenOf, cpuNs, hasChildren, isZombie, readText, threadsOf } from "../../test/support/proc";
import { NSENTER, plan, ROOT, say, sleep } from "../lib/common";
import { startPod, stopPod, type Pod } from "../lib/pods";
import type { Context, Section } from "../lib/section";
import { spread } from "../lib/stats";
import type { Subject } from "../lib/subjects";

function freePids(): number {
  const pidMax = Number(readText("/proc/sys/kernel/pid_max"));
  const used = readdirSync("/proc").filter((e) => /^\d+$/.test(e)).reduce((n, pid) => n + threadsOf(Number(pid)).length, 0);
  return pidMax - used;
}

interface StormRun {
  orphans: number;
  ms: number;
  tailMs: number;
  pauseCpuMs: number;
  childrenLeft: number;
  zombiesLeft: number;
  fixtureExit: number | null;
}

async function storm(pod: Pod, orphans: number): Promise<StormRun> {
  const cpuBefore = cpuNs(pod.pid);
  const start = performance.now();
  const fixture = Bun.spawn([NSENTER, "--target", String(pod.pid), "--pid", "--mount", "--", join(ROOT, "build", "fixtures", "orphans"), String(orphans)], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  const fixtureExit = await fixture.exited;
  const fixtureDone = performance.now();
  const deadline = fixtureDone + 60_000;
  while (hasChildren(pod.pid) && performance.now() < deadline) Bun.sleepSync(0.5);
  const end = performance.now();
  const left = childrenOf(pod.pid);
  return {
    orphans,
    ms: end - start,
    tailMs: end - fixtureDone,
    pauseCpuMs: (cpuNs(pod.pid) - cpuBefore) / 1e6,
    childrenLeft: left.length,
    zombiesLeft: left.filter(isZombie).length,
    fixtureExit,
  };
}

async function measure(subjects: Subject[]) {
  const reapers = subjects.filter((s) => s.handles);
  say(`storms: ${plan.storms.join(" and ")} orphans, ${plan.stormRounds} interleaved rounds, subjects ${reapers.map((s) => s.name).join(", ")}`);
  const runs = new Map<string, StormRun[]>(reapers.map((s) => [s.name, []]));
  const pods = new Map<string, Pod>();
  for (const subject of reapers) pods.set(subject.name, await startPod(subject));
  try {
    for (let round = 0; round < plan.stormRounds; round++) {
      for (const orphans of plan.storms) {
        for (const subject of reapers) {
          if (freePids() < orphans + 2_000) {
            say(`skipping a storm of ${orphans}: only ${freePids()} free pids`);
            continue;
          }
          runs.get(subject.name)!.push(await storm(pods.get(subject.name)!, orphans));
          await sleep(300);
        }
      }
    }
  } finally {
    for (const subject of reapers) await stopPod(subject, pods.get(subject.name)!);
  }
  const result: Record<string, unknown> = {};
  for (const subject of subjects) {
    if (!subject.handles) {
      result[subject.name] = null; // does not reap
      continue;
    }
    const list = runs.get(subject.name)!;
    result[subject.name] = Object.fromEntries(
      plan.storms.map((n) => {
        const of = list.filter((r) => r.orphans === n);
        return [
          String(n),
          {
            ms: spread(of.map((r) => r.ms)),
            tailMs: spread(of.map((r) => r.tailMs)),
            pauseCpuMs: spread(of.map((r) => r.pauseCpuMs)),
            zombiesLeft: Math.max(0, ...of.map((r) => r.zombiesLeft)),
            childrenLeft: Math.max(0, ...of.map((r) => r.childrenLeft)),
            fixtureFailures: of.filter((r) => r.fixtureExit !== 0).length,
          },
        ];
      }),
    );
  }
  return result;
}

export const storms: Section = {
  name: "storms",
  run: ({ subjects }: Context) => measure(subjects),
  rows(storms, add) {
    for (const orphans of plan.storms) {
      add(`storm ${orphans}: start -> no child`, "ms", (n) => storms[n]?.[orphans]?.ms);
      add(`storm ${orphans}: fixture exit -> no child`, "ms", (n) => storms[n]?.[orphans]?.tailMs);
      add(`storm ${orphans}: zombies left`, "n", (n) => (storms[n] ? storms[n][orphans]?.zombiesLeft : null));
    }
  },
};
