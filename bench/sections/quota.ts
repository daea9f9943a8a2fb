// Start-up under a pod's CPU limit. A pod with `resources.limits.cpu: 10m`
// gets a CFS quota of 1 ms of CPU per 100 ms period, and its sandbox is
// charged to the pod's cgroup: a start-up that needs a few ms of CPU then
// takes a period for each, and until the handlers are installed a SIGTERM to
// PID 1 is lost. Each start runs in a CPU cgroup made for it with the quota
// of 10m, 50m, 100m, or none; ready = handlers installed (the floor: in
// pause()). Warm starts: the executable is in the page cache.
import { QUICK, say, sleep } from "../lib/common";
import { cpuCgroup } from "../lib/cgroup";
import { probe } from "../lib/probe";
import type { Context, Section } from "../lib/section";
import { spread } from "../lib/stats";
import type { Subject } from "../lib/subjects";

const PERIOD_US = 100_000;
/** Pod CPU limits, in millicores; null: no limit. */
const LIMITS: (number | null)[] = [null, 100, 50, 10];
const STARTS = QUICK ? 3 : 7;
const TIMEOUT_MS = 20_000;

const label = (millicores: number | null) => (millicores === null ? "none" : `${millicores}m`);

function measure(subject: Subject, millicores: number | null) {
  const readyMs: number[] = [];
  let throttledPeriods = 0;
  let failures = 0;
  for (let i = 0; i < STARTS; i++) {
    const cgroup = cpuCgroup(millicores === null ? null : (millicores * PERIOD_US) / 1000, PERIOD_US);
    try {
      const run = probe(subject, { cgroup: cgroup.dir, timeoutMs: TIMEOUT_MS });
      const readyUs = subject.handles ? run.spawn_to_ready_us : run.spawn_to_paused_us;
      if (readyUs >= 0 && (!subject.handles || run.exit === 0)) readyMs.push(readyUs / 1000);
      else failures++;
      throttledPeriods += cgroup.throttling().periods;
    } finally {
      cgroup.remove();
    }
  }
  return { readyMs: spread(readyMs), throttledPeriodsPerStart: throttledPeriods / STARTS, failures };
}

async function run({ subjects }: Context) {
  say(`quota: CFS period ${PERIOD_US / 1000} ms; pod CPU limits ${LIMITS.map(label).join(", ")}; ${STARTS} starts each, interleaved`);
  const result: Record<string, Record<string, ReturnType<typeof measure>>> = {};
  for (const subject of subjects) result[subject.name] = {};
  for (const millicores of LIMITS) {
    // Interleaved, and the order rotated per limit, as in the startup section.
    const order = subjects.map((_, i) => subjects[(i + LIMITS.indexOf(millicores)) % subjects.length]!);
    for (const subject of order) {
      result[subject.name]![label(millicores)] = measure(subject, millicores);
      await sleep(50);
    }
  }
  return { periodMs: PERIOD_US / 1000, starts: STARTS, limits: LIMITS.map(label), bySubject: result };
}

export const quota: Section = {
  name: "quota",
  run,
  rows(data, add) {
    for (const limit of data.limits as string[]) {
      add(`ready under cpu: ${limit}`, "ms", (name) => data.bySubject[name]?.[limit]?.readyMs);
    }
  },
  lines: (data) => [
    `quota: a pod CPU limit of Nm is a CFS quota of N/1000 of each ${data.periodMs} ms period; ready = handlers installed (floor: in pause()), ${data.starts} warm starts each; throttled periods per start: ` +
      Object.entries(data.bySubject as Record<string, Record<string, { throttledPeriodsPerStart: number; failures: number }>>)
        .map(([name, byLimit]) => `${name} ${Object.entries(byLimit).map(([limit, m]) => `${limit}=${m.throttledPeriodsPerStart.toFixed(1)}${m.failures ? ` (${m.failures} failed)` : ""}`).join(" ")}`)
        .join("; "),
  ],
};
