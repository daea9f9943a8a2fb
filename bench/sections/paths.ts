// The three ways a sandbox starts dist/pause, and the idle state each ends
// in: PID 1 with no argument (every pod), not PID 1 (a hostPID pod: no PID
// namespace of its own) and PID 1 with an argument it does not know
// (`docker run IMAGE --anything`, podman's --infra-command). Start-up as in
// the startup section; then a few pods of each path at once: memory 3 s after
// ready, threads, and the wake-ups of the idle section's window.
import { field, kib, procFile, switchDelta, switchesByThread, threadNames } from "../../test/support/proc";
import { plan, QUICK, say, sleep } from "../lib/common";
import { startPod, startProcess, stopPod, type Pod } from "../lib/pods";
import { probe } from "../lib/probe";
import type { Context, Section } from "../lib/section";
import { spread } from "../lib/stats";
import type { Subject } from "../lib/subjects";

interface Path {
  name: string;
  plain: boolean;
  args: string[];
}

export const PATHS: Path[] = [
  { name: "PID 1", plain: false, args: [] },
  { name: "not PID 1", plain: true, args: [] },
  { name: "PID 1 --anything", plain: false, args: ["--anything"] },
];
const STARTS = QUICK ? 5 : 15;
const PODS = 3;

async function measure(subject: Subject) {
  say(`paths of ${subject.name}: ${PATHS.map((p) => p.name).join(", ")}; ${STARTS} start-ups each, then ${PODS} idle pods each`);
  const starts = new Map<string, number[]>(PATHS.map((p) => [p.name, []]));
  for (let round = 0; round < STARTS; round++) {
    for (const path of PATHS) {
      const r = probe(subject, { plain: path.plain, args: path.args });
      starts.get(path.name)!.push(r.spawn_to_ready_us >= 0 ? r.spawn_to_ready_us / 1000 : NaN);
      await sleep(20);
    }
  }
  const pods = new Map<string, Pod[]>();
  try {
    for (const path of PATHS) {
      const start = () => (path.plain ? startProcess(subject, subject.exe, path.args) : startPod(subject, subject.exe, path.args));
      pods.set(path.name, await Promise.all(Array.from({ length: PODS }, start)));
    }
    const lastReady = Math.max(...[...pods.values()].flat().map((p) => p.readyAt));
    await sleep(Math.max(0, lastReady + plan.memoryAfterReadyMs - performance.now()));
    const memory = new Map(
      PATHS.map((path) => [
        path.name,
        pods.get(path.name)!.map((pod) => {
          const rollup = procFile(pod.pid, "smaps_rollup");
          return { pd: kib(rollup, "Private_Dirty") / 1024, pss: kib(rollup, "Pss") / 1024, rss: kib(rollup, "Rss") / 1024, threads: threadNames(pod.pid) };
        }),
      ]),
    );
    await sleep(Math.max(0, lastReady + plan.wakeStartMs - performance.now()));
    const before = new Map(PATHS.map((path) => [path.name, pods.get(path.name)!.map((pod) => switchesByThread(pod.pid))]));
    await sleep(plan.wakeWindowMs);
    const result: Record<string, unknown> = {};
    for (const path of PATHS) {
      const list = pods.get(path.name)!;
      const wakes = list.map((pod, i) => (switchDelta(before.get(path.name)![i]!, switchesByThread(pod.pid)) * 10_000) / plan.wakeWindowMs);
      const m = memory.get(path.name)!;
      result[path.name] = {
        args: path.args,
        pid1: !path.plain,
        spawnToHandlersMs: spread(starts.get(path.name)!),
        privateDirtyMb: spread(m.map((x) => x.pd)),
        pssMb: spread(m.map((x) => x.pss)),
        rssMb: spread(m.map((x) => x.rss)),
        threadsAt3s: spread(m.map((x) => x.threads.length)),
        threadNamesAt3s: [...new Set(m.map((x) => x.threads.join(",")))],
        threadsAfterWindow: spread(list.map((pod) => Number(field(procFile(pod.pid, "status"), "Threads")))),
        threadNamesAfterWindow: [...new Set(list.map((pod) => threadNames(pod.pid).join(",")))],
        wakeupsPer10s: spread(wakes),
      };
    }
    return result;
  } finally {
    for (const list of pods.values()) await Promise.all(list.map((pod) => stopPod(subject, pod)));
  }
}

export const paths: Section = {
  name: "paths",
  run: ({ subjects }: Context) => measure(subjects.find((s) => s.kind === "pause")!),
  lines(data) {
    const f = (s: { median: number } | null | undefined, digits = 2) => (s ? s.median.toFixed(digits) : "n/a");
    const header = "path                 ready ms  threads@3s  threads@end  wake/10s  Private_Dirty MiB  Pss MiB  thread names (3 s -> end)";
    return [
      `\ndist/pause by start path (medians; ${PODS} pods each; wake-ups from ${plan.wakeStartMs / 1000} s for ${plan.wakeWindowMs / 1000} s):`,
      header,
      ...PATHS.map((p) => {
        const r = data[p.name];
        return `${p.name.padEnd(20)} ${f(r.spawnToHandlersMs).padStart(8)}  ${f(r.threadsAt3s, 0).padStart(10)}  ${f(r.threadsAfterWindow, 0).padStart(11)}  ${f(r.wakeupsPer10s, 1).padStart(8)}  ${f(r.privateDirtyMb).padStart(17)}  ${f(r.pssMb).padStart(7)}  ${r.threadNamesAt3s.join("|")} -> ${r.threadNamesAfterWindow.join("|")}`;
      }),
    ];
  },
};
