// The steady state: one sentinel pod per subject idles through the whole
// bench, counted from 20 s after it was ready to the end.
import { cpuByThread, cpuDeltaNs, switchDelta, switchesByThread, threadNames } from "../../test/support/proc";
import { say, sleep } from "../lib/common";
import { startPod, stopPod, type Pod } from "../lib/pods";
import type { Context, Section } from "../lib/section";
import type { Subject } from "../lib/subjects";

/**
 * Steady-state wake-ups: one pod per subject starts before the first section
 * and idles through all of them; its switches are counted from 20 s after
 * it was ready (past the runtime's start-up threads timing out) to the end
 * of the bench. Catches periodic wake-ups slower than the 10 s window.
 */
const SENTINEL_SETTLE_MS = 20_000;

interface Sentinel {
  subject: Subject;
  pod: Pod;
  from?: { at: number; switches: Map<number, { name: string; switches: number }>; cpu: Map<number, number> };
}

async function startSentinels(subjects: Subject[]): Promise<Sentinel[]> {
  const sentinels: Sentinel[] = [];
  for (const subject of subjects) {
    const sentinel: Sentinel = { subject, pod: await startPod(subject, subject.sentinelExe) };
    setTimeout(() => {
      sentinel.from = { at: performance.now(), switches: switchesByThread(sentinel.pod.pid), cpu: cpuByThread(sentinel.pod.pid) };
    }, SENTINEL_SETTLE_MS);
    sentinels.push(sentinel);
  }
  return sentinels;
}

async function finishSentinels(sentinels: Sentinel[]) {
  const result: Record<string, unknown> = {};
  for (const { subject, pod, from } of sentinels) {
    const threads = threadNames(pod.pid);
    const seconds = from ? (performance.now() - from.at) / 1000 : 0;
    result[subject.name] =
      from && seconds >= 10
        ? {
            seconds,
            wakeupsPerMinute: (switchDelta(from.switches, switchesByThread(pod.pid)) * 60) / seconds,
            cpuUsPerMinute: (cpuDeltaNs(from.cpu, cpuByThread(pod.pid)) / 1000) * (60 / seconds),
            threadsAtEnd: threads,
          }
        : { seconds, wakeupsPerMinute: null, threadsAtEnd: threads };
    await stopPod(subject, pod);
  }
  return result;
}

let running: Sentinel[] = [];

export const steady: Section = {
  name: "steady",
  follows: "idle",
  last: true,
  async begin({ subjects }: Context) {
    running = await startSentinels(subjects);
  },
  async run() {
    const settled = Math.max(...running.map((x) => x.pod.readyAt)) + SENTINEL_SETTLE_MS + 30_000;
    if (performance.now() < settled) {
      say(`steady state: waiting ${((settled - performance.now()) / 1000).toFixed(0)} s more for the sentinel pods`);
      await sleep(settled - performance.now());
    }
    return finishSentinels(running);
  },
  rows(steady, add) {
    add("wake-ups, steady state (sentinel)", "/min", (n) => steady[n]?.wakeupsPerMinute);
    add("threads, steady state (sentinel)", "n", (n) => steady[n]?.threadsAtEnd?.length);
  },
};
