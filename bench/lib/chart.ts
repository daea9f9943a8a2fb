// The bench's figures as Mermaid charts (xychart-beta), which the forges
// render where the README is read: start-up and memory for C, the Bun floor
// and dist/pause, and a node's memory per sandbox against the number of pods.
// Written beside dist/bench.json as a Markdown file to paste.
import type { Subject } from "./subjects";

/** An xychart-beta with categories XS and one `bar` or `line` series per entry of SERIES (a miss is drawn as 0). */
function xychart(title: string, unit: string, xs: (string | number)[], kind: "bar" | "line", series: (number | undefined)[][]): string {
  const known = series.map((values) => values.map((v) => (v === undefined || !Number.isFinite(v) ? 0 : Number(v.toFixed(2)))));
  const top = Math.max(...known.flat(), 0.01) * 1.15;
  return [
    "```mermaid",
    "xychart-beta",
    `  title "${title}"`,
    `  x-axis [${xs.map((x) => `"${x}"`).join(", ")}]`,
    `  y-axis "${unit}" 0 --> ${Number(top.toPrecision(2))}`,
    ...known.map((values) => `  ${kind} [${values.join(", ")}]`),
    "```",
  ].join("\n");
}

const bar = (title: string, unit: string, names: string[], values: (number | undefined)[]) => xychart(title, unit, names, "bar", [values]);

export function charts(subjects: Subject[], report: Record<string, any>): string {
  const base = ["reference", "floor", "pause"].map((kind) => subjects.find((s) => s.kind === kind)).filter((s): s is Subject => s !== undefined);
  const label = (s: Subject) => (s.kind === "reference" ? "C" : s.kind === "floor" ? "Bun floor" : "pause.ts");
  const names = base.map(label);
  const parts: string[] = [`<!-- written by npm run bench, ${report.meta.date} -->`];
  if (report.startup) {
    parts.push(bar("spawn -> ready (ms, median)", "ms", names, base.map((s) => report.startup[s.name]?.spawnToHandlersMs?.median ?? report.startup[s.name]?.spawnToPauseSyscallMs?.median)));
  }
  if (report.idle) {
    parts.push(bar("Private_Dirty per pod, 20 pods (MiB)", "MiB", names, base.map((s) => report.idle[s.name]?.privateDirtyMb?.median)));
    parts.push(bar("Pss per pod, 20 pods (MiB)", "MiB", names, base.map((s) => report.idle[s.name]?.pssMb?.median)));
  }
  if (report.budget && !report.budget.unavailable) {
    parts.push(bar(`cold start: memory charged to the pod (MiB, read_ahead_kb ${report.budget.readAheadKb})`, "MiB", names, base.map((s) => report.budget[s.name]?.cold?.chargeMib)));
  }
  if (report.node?.density) {
    // pause + shim Pss + kernel memory: MemAvailable moves with the node's other tenants, too much to draw at 10 pods
    const perPod = (name: string) => report.node.density[name].densities.map((d: any) => d.perPodMib.accounted);
    const xs = report.node.density.C.densities.map((d: any) => d.n);
    // xychart-beta draws no legend: the title names the lines, top to bottom
    parts.push(xychart("memory per sandbox vs pods (MiB: pause + shim Pss, kernel): pause.ts (top), C (bottom)", "MiB", xs, "line", [perPod("dist/pause"), perPod("C")]));
  }
  return `${parts.join("\n\n")}\n`;
}

// `bun bench/lib/chart.ts [dist/bench.json]`: the charts of an earlier run.
if (import.meta.main) {
  const file = process.argv[2] ?? "dist/bench.json";
  const report = JSON.parse(await Bun.file(file).text());
  process.stdout.write(charts(report.meta.subjects, report));
}
