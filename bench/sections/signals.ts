// A signal flood from inside the pod: what a process of the pod costs the
// sandbox by sending it, over and over, the signals the runtime claims
// (those dist/pause catches besides INT, TERM and CHLD, read from its SigCgt,
// and ABRT). C leaves them at SIG_DFL, so the kernel drops them for a PID 1
// in the sender's own call; pause.ts has handlers for them (the runtime's,
// behind the helper's filter), so each one is delivered and dropped there.
// The figure is the sandbox's CPU per 1,000,000 signals sent.
import { join } from "node:path";
import { cpuNs, field, hasBit, inPause, procFile, SIGCHLD, SIGINT, SIGTERM } from "../../test/support/proc";
import { BUILD, NSENTER, QUICK, run, say, sleep } from "../lib/common";
import { startPod, stopPod } from "../lib/pods";
import type { Context, Section } from "../lib/section";
import { spread } from "../lib/stats";
import type { Subject } from "../lib/subjects";

const SIGABRT = 6;
const COUNT = QUICK ? 50_000 : 200_000;
const ROUNDS = QUICK ? 1 : 3;

function claimedSignals(pid: number): number[] {
  const caught = field(procFile(pid, "status"), "SigCgt");
  const claimed = [];
  for (let signo = 1; signo <= 64; signo++) {
    if (hasBit(caught, signo) && ![SIGINT, SIGTERM, SIGCHLD].includes(signo)) claimed.push(signo);
  }
  return [...new Set([...claimed, SIGABRT])].sort((a, b) => a - b);
}

async function measure(subjects: Subject[]) {
  const targets = subjects.filter((s) => s.handles);
  const pods = new Map<string, Awaited<ReturnType<typeof startPod>>>();
  try {
    for (const subject of targets) pods.set(subject.name, await startPod(subject));
    const signals = claimedSignals(pods.get(targets[0]!.name)!.pid);
    say(`signal flood: ${COUNT} signals (${signals.join(",")}) sent to PID 1 from inside each pod, ${ROUNDS} round(s)`);
    const runs = new Map<string, { cpuPerMillionS: number; senderCpuPerMillionS: number; alive: boolean }[]>(targets.map((s) => [s.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const subject of targets) {
        const pod = pods.get(subject.name)!;
        const before = cpuNs(pod.pid);
        const out = run([NSENTER, "--target", String(pod.pid), "--pid", "--mount", "--", join(BUILD, "signal-flood"), String(COUNT), signals.join(",")], "signal flood");
        await sleep(50); // the last deliveries
        const spent = cpuNs(pod.pid) - before;
        const flood = JSON.parse(out) as { sent: number; failed: number; sender_cpu_us: number };
        runs.get(subject.name)!.push({
          cpuPerMillionS: (spent / 1e9) * (1e6 / COUNT),
          senderCpuPerMillionS: (flood.sender_cpu_us / 1e6) * (1e6 / COUNT),
          alive: procFile(pod.pid, "stat") !== undefined && inPause(pod.pid),
        });
      }
    }
    const result: Record<string, unknown> = { signals, count: COUNT, rounds: ROUNDS };
    for (const subject of subjects) {
      const list = runs.get(subject.name);
      result[subject.name] = list
        ? {
            cpuPerMillionS: spread(list.map((r) => r.cpuPerMillionS)),
            senderCpuPerMillionS: spread(list.map((r) => r.senderCpuPerMillionS)),
            aliveAfter: list.every((r) => r.alive),
          }
        : null;
    }
    return result;
  } finally {
    for (const subject of targets) {
      const pod = pods.get(subject.name);
      if (pod) await stopPod(subject, pod);
    }
  }
}

export const signals: Section = {
  name: "signals",
  run: ({ subjects }: Context) => measure(subjects),
  rows(data, add) {
    add("signal flood: sandbox CPU per 1M signals", "s", (n) => data[n]?.cpuPerMillionS);
    add("signal flood: sender CPU per 1M signals", "s", (n) => data[n]?.senderCpuPerMillionS);
  },
  lines: (data, { subjects }) => [
    `signal flood: ${data.count} x signals ${data.signals.join(",")} from inside the pod, normalised per 1,000,000; alive and parked after: ${subjects
      .filter((s) => data[s.name])
      .map((s) => `${s.name} ${data[s.name].aliveAfter ? "yes" : "NO"}`)
      .join(", ")}`,
  ],
};
