// -v under hyperfine.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BUILD, plan, run, say } from "../lib/common";
import type { Context, Section } from "../lib/section";
import type { Subject } from "../lib/subjects";

/** hyperfine on `-v`: exec to exit of the smoke-test path (the floor has none). */
function measure(subjects: Subject[]) {
  const answering = subjects.filter((s) => s.handles); // a floor has no -v: it would pause for good
  say(`-v under hyperfine: ${plan.versionRuns} runs each`);
  const out = join(BUILD, "hyperfine.json");
  run(["hyperfine", "-N", "--style", "none", "--warmup", "3", "--runs", String(plan.versionRuns), "--export-json", out, ...answering.map((s) => `${s.exe} -v`)], "hyperfine");
  const results = JSON.parse(readFileSync(out, "utf8")).results as { mean: number; stddev: number; median: number; min: number; max: number }[];
  return Object.fromEntries(
    subjects.map((s) => {
      const i = answering.indexOf(s);
      if (i < 0) return [s.name, null];
      const r = results[i]!;
      return [s.name, { meanMs: r.mean * 1000, stddevMs: r.stddev * 1000, medianMs: r.median * 1000, minMs: r.min * 1000, maxMs: r.max * 1000 }];
    }),
  );
}

export const version: Section = {
  name: "version",
  run: ({ subjects }: Context) => measure(subjects),
  rows(version, add) {
    add("-v exec -> exit (hyperfine)", "ms", (n) => version[n]?.medianMs);
  },
};
