// The /etc/ld.so.preload experiment (bench/preload.c): dist/pause with a
// library loaded before the runtime that installs the INT/TERM/CHLD handlers
// at once and advises MADV_RANDOM on the executable's mappings. Here it is
// loaded through LD_PRELOAD (the loader treats both lists alike), so
// dist/pause itself is not changed. Measured in one run against dist/pause
// and C:
//   - the window: the latest delay after the exec at which a SIGTERM is
//     still lost (20 tries per delay, 0.5 ms steps);
//   - the charge of a cold start with no limit, at the disk's read_ahead_kb;
//   - the warm start-up (spawn -> main thread in pause()).
// and the verdict of the adoption rule: window <= C's + 0.5 ms, cold charge
// <= 25 MiB, warm start-up <= 1.05x dist/pause's.
import { copyFileSync, mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { BUILD, QUICK, say } from "../lib/common";
import { readAheadKb } from "../lib/cgroup";
import type { Context, Section } from "../lib/section";
import { PRELOAD, PRELOAD_HANDLERS_ONLY, type Subject } from "../lib/subjects";
import { coldStarts, termWindows, warmStarts } from "../lib/window";

const TRIES = QUICK ? 5 : 20;
const STEP_US = 500;
/** A subject's scan ends this far past its last lost SIGTERM. */
const CLEAN_US = 2_000;
const MAX_US = 30_000;
const COLD_RUNS = QUICK ? 1 : 3;
const WARM_RUNS = QUICK ? 8 : 30;

function withPreload(pause: Subject, name: string, library: string): Subject {
  const dir = join(BUILD, "run", name);
  mkdirSync(dir, { recursive: true });
  const exe = join(dir, basename(pause.exe));
  copyFileSync(pause.source, exe); // its own copy: its own page cache to evict
  return { ...pause, name, kind: "variant", exe, sentinelExe: exe, env: { ...pause.env, LD_PRELOAD: library } };
}

async function measure(all: Subject[]) {
  const pause = all.find((s) => s.kind === "pause")!;
  const c = all.find((s) => s.kind === "reference")!;
  const preloaded = withPreload(pause, "pause+preload", PRELOAD);
  const handlersOnly = withPreload(pause, "pause+preload handlers only", PRELOAD_HANDLERS_ONLY);
  const subjects = [c, pause, preloaded, handlersOnly];
  say(`preload experiment: SIGTERM window (${TRIES} tries per ${STEP_US / 1000} ms step), cold charge (${COLD_RUNS} each), warm start-up (${WARM_RUNS} each)`);
  const window = termWindows(subjects, { tries: TRIES, stepUs: STEP_US, cleanUs: CLEAN_US, maxUs: MAX_US });
  const cold = coldStarts(subjects, COLD_RUNS);
  const warm = await warmStarts(subjects, WARM_RUNS);
  const result: Record<string, any> = { readAheadKb: readAheadKb(pause.exe), tries: TRIES, stepMs: STEP_US / 1000 };
  for (const s of subjects) {
    result[s.name] = { window: window[s.name], cold: cold[s.name], warm: warm[s.name] };
  }
  const windowC = result.C.window.latestLostMs ?? 0;
  const verdict = (name: string) => {
    const p = result[name];
    const windowP = p.window.latestLostMs ?? 0;
    const charge = p.cold.chargeMib?.median;
    const warmRatio = p.warm.spawnToPauseSyscallMs.median / result[pause.name].warm.spawnToPauseSyscallMs.median;
    const v: Record<string, any> = {
      window: { ok: windowP <= windowC + 0.5, detail: `${windowP} ms vs C's ${windowC} ms + 0.5` },
      coldCharge: { ok: charge !== undefined && charge <= 25, detail: `${charge?.toFixed(1)} MiB (<= 25) at read_ahead_kb ${result.readAheadKb}` },
      warmStartup: { ok: warmRatio <= 1.05, detail: `${warmRatio.toFixed(3)}x dist/pause's spawn -> pause() (<= 1.05x)` },
    };
    v.measuredCriteriaMet = v.window.ok && v.coldCharge.ok && v.warmStartup.ok;
    return v;
  };
  result.verdict = verdict(preloaded.name);
  result.verdictHandlersOnly = verdict(handlersOnly.name);
  return result;
}

export const preload: Section = {
  name: "preload",
  run: ({ subjects }: Context) => measure(subjects),
  lines(data) {
    const f = (x: number | null | undefined) => (x === null || x === undefined ? "n/a" : x.toFixed(2));
    const names = ["C", "dist/pause", "pause+preload", "pause+preload handlers only"];
    const line = (label: string, v: any) =>
      `verdict ${label}: window ${v.window.ok ? "PASS" : "FAIL"} (${v.window.detail}); cold charge ${v.coldCharge.ok ? "PASS" : "FAIL"} (${v.coldCharge.detail}); warm ${v.warmStartup.ok ? "PASS" : "FAIL"} (${v.warmStartup.detail})`;
    return [
      `\n/etc/ld.so.preload experiment (bench/preload.c, via LD_PRELOAD; medians):`,
      "subject                      TERM lost up to (ms after exec)  cold charge MiB (read_ahead_kb " + data.readAheadKb + ")  cold ready ms  warm spawn->pause() ms  warm spawn->handlers ms",
      ...names.map((n) => {
        const r = data[n];
        return `${n.padEnd(28)} ${f(r.window.latestLostMs).padStart(31)}  ${f(r.cold.chargeMib?.median).padStart(36)}  ${f(r.cold.readyMs?.median).padStart(13)}  ${f(r.warm.spawnToPauseSyscallMs?.median).padStart(22)}  ${f(r.warm.spawnToHandlersMs?.median).padStart(23)}`;
      }),
      line("pause+preload", data.verdict),
      line("handlers only", data.verdictHandlersOnly),
    ];
  },
};
