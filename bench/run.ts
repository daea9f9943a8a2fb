// The pause.ts bench: dist/pause against a C pause built like upstream's and
// against the Bun floor (a Bun executable that only blocks in pause()), each
// run as PID 1 of its own PID namespace and watched from outside through
// /proc. `npm run bench`; BENCH_QUICK=1 for fewer runs. See bench/NOTES.md
// for what each figure means and the numbers of past runs.
//
//   bun bench/run.ts [--no-build] [--only a,b] [--variant NAME=PATH[;VAR=VALUE...]]...
//                    [--floor-variant NAME=PATH]... [--out FILE]
//
// --variant adds an executable (built by bench/variants.ts) as one more
// subject, compared with dist/pause, optionally run with extra environment
// variables (for runtime options that cannot be compiled in); --only picks
// sections (their list: bench/sections/index.ts; `node` runs only when named). A floor
// variant is another build of the floor (no handlers: not stopped, no storms).
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { readText } from "../test/support/proc";
import { BUN, plan, QUICK, ROOT, run } from "./lib/common";
import { charts } from "./lib/chart";
import { baseTable, goals, rowCollector, variantTable } from "./lib/report";
import type { Context } from "./lib/section";
import { buildAll, buildTools, parseOptions, subjectsFor } from "./lib/subjects";
import { sections } from "./sections";

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const wanted = sections.filter((s) => (options.only === null ? !s.optIn : options.only.has(s.name) || (s.follows !== undefined && options.only.has(s.follows))));
  const began = performance.now();
  if (options.build) buildAll();
  else buildTools();
  const subjects = subjectsFor(options);
  const report: Record<string, any> = {
    meta: {
      date: new Date().toISOString(),
      quick: QUICK,
      plan,
      kernel: readText("/proc/sys/kernel/osrelease")?.trim(),
      cpus: navigator.hardwareConcurrency,
      loadAverage: readText("/proc/loadavg")?.trim(),
      bun: run([BUN, "--version"], "bun --version").trim(),
      pauseVersion: run([subjects[0]!.exe, "-v"], "pause -v").trim(),
      subjects: subjects.map((s) => ({ name: s.name, kind: s.kind, source: relative(ROOT, s.source), env: s.env })),
      sections: wanted.map((s) => s.name),
      timing: "CLOCK_MONOTONIC from just before fork() of unshare (bench/startup-probe.c, a C loop reading /proc/PID/status and /proc/PID/syscall with sched_yield() per turn; resolution = one turn, pollTurnUs)",
    },
  };
  const context: Context = { subjects, options, report };
  for (const section of wanted) await section.begin?.(context);
  for (const section of [...wanted.filter((s) => !s.last), ...wanted.filter((s) => s.last)]) {
    report[section.name] = await section.run(context);
  }
  report.goals = goals(subjects, report);
  report.meta.seconds = (performance.now() - began) / 1000;
  mkdirSync(join(options.out, ".."), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  const chartFile = options.out.replace(/\.json$/, "") + "-charts.md";
  writeFileSync(chartFile, charts(subjects, report));

  const { rows, add } = rowCollector(subjects);
  for (const section of wanted) if (report[section.name] != null) section.rows?.(report[section.name], add);
  if (rows.length > 0) console.log(baseTable(subjects, rows));
  if (subjects.some((s) => s.kind === "variant")) console.log(`\nvariants (median, and ratio to dist/pause):\n${variantTable(subjects, rows)}`);
  console.log("\nvalues: median [p10-p90]; ratios of medians. 'handlers' for the floor = its main thread in pause().");
  for (const section of wanted) {
    const lines = report[section.name] != null ? section.lines?.(report[section.name], context) ?? [] : [];
    if (lines.length > 0) console.log(lines.join("\n"));
  }
  console.log("\ngoals:");
  for (const [name, verdict] of Object.entries(report.goals as Record<string, Record<string, string>>)) {
    const measured = Object.entries(verdict).filter(([, v]) => !v.startsWith("n/a"));
    if (measured.length > 0) console.log(`  ${name}: ${measured.map(([goal, v]) => `${goal}: ${v}`).join("; ")}`);
  }
  console.log(`\nwrote ${relative(ROOT, options.out)} and ${relative(ROOT, chartFile)} in ${report.meta.seconds.toFixed(0)} s${QUICK ? " (BENCH_QUICK=1)" : ""}`);
}

if (import.meta.main) await main();
