// Idle: 20 pods of each subject at once; their memory, threads and the
// wake-ups of a 10 s window.
import { cpuByThread, cpuDeltaNs, cpuNs, field, kib, procFile, switchesByThread, threadNames } from "../../test/support/proc";
import { plan, say, sleep } from "../lib/common";
import { startPod, stopPod } from "../lib/pods";
import type { Context, Section } from "../lib/section";
import { spread } from "../lib/stats";
import type { Subject } from "../lib/subjects";

async function measure(subjects: Subject[]) {
  const result: Record<string, unknown> = {};
  for (const subject of subjects) {
    say(`idle: ${plan.pods} pods of ${subject.name} at once; memory ${plan.memoryAfterReadyMs / 1000} s after ready, switches over ${plan.wakeWindowMs / 1000} s from ${plan.wakeStartMs / 1000} s`);
    const pods = await Promise.all(Array.from({ length: plan.pods }, () => startPod(subject)));
    try {
      const lastReady = Math.max(...pods.map((p) => p.readyAt));
      await sleep(Math.max(0, lastReady + plan.memoryAfterReadyMs - performance.now()));
      const memory = pods.map((pod) => {
        const rollup = procFile(pod.pid, "smaps_rollup");
        const status = procFile(pod.pid, "status");
        return {
          rssKb: kib(rollup, "Rss"),
          pssKb: kib(rollup, "Pss"),
          privateDirtyKb: kib(rollup, "Private_Dirty"),
          privateCleanKb: kib(rollup, "Private_Clean"),
          sharedCleanKb: kib(rollup, "Shared_Clean"),
          anonymousKb: kib(rollup, "Anonymous"),
          threads: Number(field(status, "Threads")),
          threadNames: threadNames(pod.pid),
          startupCpuMs: cpuNs(pod.pid) / 1e6,
        };
      });
      await sleep(Math.max(0, lastReady + plan.wakeStartMs - performance.now()));
      const before = pods.map((pod) => ({ switches: switchesByThread(pod.pid), cpu: cpuByThread(pod.pid) }));
      await sleep(plan.wakeWindowMs);
      const after = pods.map((pod) => ({ switches: switchesByThread(pod.pid), cpu: cpuByThread(pod.pid) }));
      const wakes = pods.map((_, i) => {
        const byName: Record<string, number> = {};
        let total = 0;
        for (const [tid, now] of after[i]!.switches) {
          const delta = now.switches - (before[i]!.switches.get(tid)?.switches ?? 0);
          total += delta;
          if (delta > 0) byName[now.name] = (byName[now.name] ?? 0) + delta;
        }
        const threadsGone = [...before[i]!.switches.keys()].filter((tid) => !after[i]!.switches.has(tid)).length;
        return { total, byName, threadsGone, cpuUs: cpuDeltaNs(before[i]!.cpu, after[i]!.cpu) / 1000 };
      });
      const threadSets = [...new Set(memory.map((m) => m.threadNames.slice().sort().join(",")))];
      const wakeNames: Record<string, number> = {};
      for (const w of wakes) for (const [name, n] of Object.entries(w.byName)) wakeNames[name] = (wakeNames[name] ?? 0) + n;
      result[subject.name] = {
        pods: pods.length,
        rssMb: spread(memory.map((m) => m.rssKb / 1024)),
        pssMb: spread(memory.map((m) => m.pssKb / 1024)),
        privateDirtyMb: spread(memory.map((m) => m.privateDirtyKb / 1024)),
        privateCleanMb: spread(memory.map((m) => m.privateCleanKb / 1024)),
        sharedCleanMb: spread(memory.map((m) => m.sharedCleanKb / 1024)),
        anonymousMb: spread(memory.map((m) => m.anonymousKb / 1024)),
        threads: spread(memory.map((m) => m.threads)),
        threadNames: threadSets,
        startupCpuMs: spread(memory.map((m) => m.startupCpuMs)),
        wakeupsPer10s: spread(wakes.map((w) => (w.total * 10_000) / plan.wakeWindowMs)),
        wakeupsByThread: wakeNames,
        threadsGoneInWindow: wakes.reduce((s, w) => s + w.threadsGone, 0),
        idleCpuUsPer10s: spread(wakes.map((w) => (w.cpuUs * 10_000) / plan.wakeWindowMs)),
      };
    } finally {
      await Promise.all(pods.map((pod) => stopPod(subject, pod)));
    }
  }
  return result;
}

export const idle: Section = {
  name: "idle",
  run: ({ subjects }: Context) => measure(subjects),
  rows(idle, add) {
    add(`RSS, ${plan.pods} pods`, "MiB", (n) => idle[n]?.rssMb);
    add("Pss", "MiB", (n) => idle[n]?.pssMb);
    add("Private_Dirty", "MiB", (n) => idle[n]?.privateDirtyMb);
    add("threads", "n", (n) => idle[n]?.threads?.median);
    add("CPU to reach idle", "ms", (n) => idle[n]?.startupCpuMs);
    add("wake-ups while idle", "/10 s", (n) => idle[n]?.wakeupsPer10s);
    add("CPU while idle", "us/10 s", (n) => idle[n]?.idleCpuUsPer10s);
  },
  lines: (idle, { report, subjects }) =>
    subjects.map((s) => {
      const i = idle[s.name];
      const steadyThreads = report.steady?.[s.name]?.threadsAtEnd?.join(",") ?? "?";
      return `threads ${s.name}: at 3 s ${i.threadNames.join(" | ")}; steady ${steadyThreads}; wake-ups in the 10 s window by thread: ${JSON.stringify(i.wakeupsByThread)}`;
    }),
};
