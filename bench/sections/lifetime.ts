// A whole life under /usr/bin/time -v: its peak RSS.
import { basename } from "node:path";
import { catchesStopSignals, childrenOf, inPause, procFile } from "../../test/support/proc";
import { plan, POD_ENV, say, sleep, UNSHARE, waitUntil } from "../lib/common";
import type { Context, Section } from "../lib/section";
import { spread } from "../lib/stats";
import type { Subject } from "../lib/subjects";

/** /usr/bin/time -v around a whole life: start, ready, 1 s idle, SIGTERM (the floor: SIGKILL). */
async function measure(subjects: Subject[]) {
  say(`lifetime under /usr/bin/time -v: ${plan.lifetimeRuns} run(s) each`);
  const runs = new Map<string, { maxRssKb: number; cpuMs: number; switches: number }[]>(subjects.map((s) => [s.name, []]));
  for (let round = 0; round < plan.lifetimeRuns; round++) {
    for (const subject of subjects) {
      const launcher = Bun.spawn(["/usr/bin/time", "-v", UNSHARE, "--pid", "--fork", "--kill-child", "--mount-proc", subject.exe], {
        stdin: "ignore",
        stdout: "ignore",
        stderr: "pipe",
        env: { ...POD_ENV, ...subject.env },
      });
      const report = new Response(launcher.stderr).text();
      let pid = 0;
      await waitUntil(`${subject.name} under time`, () => {
        const unshare = childrenOf(launcher.pid)[0];
        const child = unshare ? childrenOf(unshare)[0] : undefined;
        if (child && procFile(child, "comm")?.trim() === basename(subject.exe).slice(0, 15)) pid = child;
        return pid !== 0 && (!subject.handles || catchesStopSignals(pid)) && inPause(pid);
      });
      await sleep(1_000);
      process.kill(pid, subject.handles ? "SIGTERM" : "SIGKILL");
      await launcher.exited;
      const text = await report;
      const field = (label: string) => Number(text.match(new RegExp(`${label}: ([0-9.]+)`))?.[1] ?? NaN);
      runs.get(subject.name)!.push({
        maxRssKb: field("Maximum resident set size \\(kbytes\\)"),
        cpuMs: (field("User time \\(seconds\\)") + field("System time \\(seconds\\)")) * 1000,
        switches: field("Voluntary context switches") + field("Involuntary context switches"),
      });
    }
  }
  return Object.fromEntries(
    subjects.map((s) => {
      const list = runs.get(s.name)!;
      return [s.name, { peakRssMb: spread(list.map((r) => r.maxRssKb / 1024)), cpuMs: spread(list.map((r) => r.cpuMs)), switches: spread(list.map((r) => r.switches)) }];
    }),
  );
}

export const lifetime: Section = {
  name: "lifetime",
  run: ({ subjects }: Context) => measure(subjects),
  rows(lifetime, add) {
    add("peak RSS of a life (time -v)", "MiB", (n) => lifetime[n]?.peakRssMb);
  },
};
