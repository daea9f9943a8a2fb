// The report: the side-by-side table, the variants' table and the goals.
import { plan } from "./common";
import type { AddRow } from "./section";
import type { Spread } from "./stats";
import type { Subject } from "./subjects";

export type Row = { label: string; unit: string; values: Record<string, number | null | undefined>; spread?: Record<string, Spread | null | undefined> };

export function fmt(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "n/a";
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function ratio(a: number | null | undefined, b: number | null | undefined): string {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b)) return "n/a";
  if (b === 0) return a === 0 ? "1.00x" : "inf";
  return `${(a / b).toFixed(2)}x`;
}

export function render(header: string[], lines: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...lines.map(line)].join("\n");
}

function cell(row: Row, name: string): string {
  const s = row.spread?.[name];
  return s && s.n > 1 ? `${fmt(s.median)} [${fmt(s.p10)}-${fmt(s.p90)}]` : fmt(row.values[name]);
}

/** dist/pause, C and the floor side by side, one metric a line. */
export function baseTable(subjects: Subject[], rows: Row[]): string {
  const base = subjects.filter((s) => s.kind !== "variant");
  const pause = base[0]!.name;
  const header = ["metric", ...base.map((s) => s.name), "pause/C", "pause/floor"];
  const lines = rows.map((row) => [`${row.label} (${row.unit})`, ...base.map((s) => cell(row, s.name)), ratio(row.values[pause], row.values.C), ratio(row.values[pause], row.values.floor)]);
  return render(header, lines);
}

/** One variant a line: each metric's median and its ratio to dist/pause. */
export function variantTable(subjects: Subject[], rows: Row[]): string {
  const pause = subjects[0]!.name;
  const shown = rows.filter((r) => !r.label.includes("zombies"));
  const header = ["variant", ...shown.map((r) => `${r.label} (${r.unit})`)];
  const lines = subjects
    .filter((s) => s.kind === "variant" || s.kind === "pause")
    .map((s) => [s.name, ...shown.map((r) => (s.kind === "pause" ? fmt(r.values[s.name]) : `${fmt(r.values[s.name])} (${ratio(r.values[s.name], r.values[pause])})`))]);
  return render(header, lines);
}

export function goals(subjects: Subject[], report: Record<string, any>) {
  const verdicts: Record<string, Record<string, string>> = {};
  const floorReady = report.startup?.floor?.spawnToPauseSyscallMs?.median;
  const cStorm = (n: number) => report.storms?.C?.[n]?.ms?.median;
  for (const s of subjects.filter((x) => x.kind === "pause" || x.kind === "variant")) {
    const check = (ok: boolean | undefined, detail: string) => (ok === undefined ? `n/a (${detail})` : `${ok ? "PASS" : "FAIL"} (${detail})`);
    const ready = report.startup?.[s.name]?.spawnToHandlersMs?.median;
    const idle = report.idle?.[s.name];
    verdicts[s.name] = {
      "handlers <= 1.2x floor": check(ready && floorReady ? ready <= 1.2 * floorReady : undefined, `${fmt(ready)} vs ${fmt(floorReady)} ms`),
      "Private_Dirty <= 3 MB": check(idle ? idle.privateDirtyMb.median <= 3 : undefined, `${fmt(idle?.privateDirtyMb?.median)} MB`),
      "Pss <= 5 MB": check(idle ? idle.pssMb.median <= 5 : undefined, `${fmt(idle?.pssMb?.median)} MB`),
      "RSS <= 20 MB": check(idle ? idle.rssMb.median <= 20 : undefined, `${fmt(idle?.rssMb?.median)} MB`),
      "0 wake-ups idle": check(idle ? idle.wakeupsPer10s.max === 0 : undefined, `max ${fmt(idle?.wakeupsPer10s?.max)}/10 s per pod`),
      "0 wake-ups steady": check(report.steady?.[s.name]?.wakeupsPerMinute == null ? undefined : report.steady[s.name].wakeupsPerMinute === 0, `${fmt(report.steady?.[s.name]?.wakeupsPerMinute)}/min`),
      ...Object.fromEntries(
        plan.storms.map((n) => {
          const mine = report.storms?.[s.name]?.[n]?.ms?.median;
          return [`storm ${n} <= 1.2x C`, check(mine && cStorm(n) ? mine <= 1.2 * cStorm(n) : undefined, `${fmt(mine)} vs ${fmt(cStorm(n))} ms`)];
        }),
      ),
    };
  }
  return verdicts;
}


/** A collector of rows and the AddRow that fills it. */
export function rowCollector(subjects: Subject[]): { rows: Row[]; add: AddRow } {
  const rows: Row[] = [];
  const add: AddRow = (label, unit, pick) => {
    const values: Row["values"] = {};
    const spreads: Row["spread"] = {};
    for (const s of subjects) {
      const v = pick(s.name);
      if (v !== null && typeof v === "object") {
        values[s.name] = v.median;
        spreads[s.name] = v;
      } else values[s.name] = v ?? null;
    }
    rows.push({ label, unit, values, spread: spreads });
  };
  return { rows, add };
}
