// The memory a pod must budget for its sandbox. Each start runs in a memory
// cgroup made for it, as a pod's: the smallest limit at which each subject
// becomes ready and survives, warm (its file already in the page cache, so
// charged elsewhere) and cold (evicted first with POSIX_FADV_DONTNEED, as for
// the first pod after a node boots: the start reads the file and the page
// cache it fills is charged to the pod). Also the whole charge of a cold
// start with no limit, the disk's read_ahead_kb that sizes it, and how long a
// cold start takes under 64, 32 and 16 MiB.
import { QUICK, say } from "../lib/common";
import { memoryCgroup, memoryHierarchy, readAheadKb } from "../lib/cgroup";
import { probe, type ProbeRun } from "../lib/probe";
import type { Context, Section } from "../lib/section";
import type { Subject } from "../lib/subjects";

const MiB = 1024 * 1024;
/** Limits tried, from the top down; the scan stops at the first that fails. */
const WARM_LIMITS_MIB = [16, 12, 8, 6, 4, 3, 2, 1];
const COLD_LIMITS_MIB = [64, 32, 16, 12, 8, 6, 4, 3, 2, 1];
/** Ready within this, or the limit fails (a cold start under a tight limit thrashes for minutes). */
const WARM_TIMEOUT_MS = 5_000;
const COLD_TIMEOUT_MS = QUICK ? 8_000 : 20_000;
/** Then alive this long after ready, and (for a subject with handlers) SIGTERM -> exit 0. */
const HOLD_MS = 1_000;

export interface Attempt {
  limitMib: number | null;
  ready: boolean;
  readyMs: number | null;
  survived: boolean;
  exit: number;
  peakMib: number;
  oomKills: number;
}

export function attempt(subject: Subject, limitMib: number | null, cold: boolean): Attempt {
  const cgroup = memoryCgroup(limitMib === null ? null : limitMib * MiB);
  try {
    const result: ProbeRun = probe(subject, { cgroup: cgroup.dir, evict: cold, holdMs: HOLD_MS, timeoutMs: cold ? COLD_TIMEOUT_MS : WARM_TIMEOUT_MS });
    const readyUs = subject.handles ? result.spawn_to_ready_us : result.spawn_to_paused_us;
    const ready = readyUs >= 0 && result.spawn_to_paused_us >= 0;
    const survived = ready && result.alive_after_hold === 1 && (!subject.handles || result.exit === 0);
    return { limitMib, ready, readyMs: ready ? readyUs / 1000 : null, survived, exit: result.exit, peakMib: cgroup.peakBytes() / MiB, oomKills: cgroup.oomKills() };
  } finally {
    cgroup.remove();
  }
}

/** Down the list until a limit fails: the smallest that passed, and every attempt. */
function scan(subject: Subject, limits: number[], cold: boolean) {
  const attempts: Attempt[] = [];
  for (const limit of limits) {
    const a = attempt(subject, limit, cold);
    attempts.push(a);
    if (!a.survived) break;
  }
  const passed = attempts.filter((a) => a.survived).map((a) => a.limitMib!);
  return { smallestMib: passed.length > 0 ? Math.min(...passed) : null, attempts };
}

async function measure(subjects: Subject[]) {
  const where = memoryHierarchy();
  if (!("unavailable" in where)) {
    try {
      memoryCgroup(null).remove();
    } catch (error) {
      say(`budget: skipped, ${(error as Error).message}`);
      return { unavailable: (error as Error).message };
    }
  }
  if ("unavailable" in where) {
    say(`budget: skipped, ${where.unavailable}`);
    return { unavailable: where.unavailable };
  }
  const readAhead = readAheadKb(subjects[0]!.exe);
  say(`budget: memory cgroup v${where.version}; read_ahead_kb ${readAhead}; limits warm ${WARM_LIMITS_MIB.join("/")} MiB, cold ${COLD_LIMITS_MIB.join("/")} MiB (ready within ${COLD_TIMEOUT_MS / 1000} s)`);
  const result: Record<string, unknown> = { cgroupVersion: where.version, readAheadKb: readAhead, holdMs: HOLD_MS, warmTimeoutMs: WARM_TIMEOUT_MS, coldTimeoutMs: COLD_TIMEOUT_MS };
  for (const subject of subjects.filter((s) => s.kind !== "variant")) {
    probe(subject); // warm: its pages are in the page cache, charged to the bench
    const warmCharge = attempt(subject, null, false);
    const warm = scan(subject, WARM_LIMITS_MIB, false);
    const coldCharge = attempt(subject, null, true);
    const cold = scan(subject, COLD_LIMITS_MIB, true);
    const readyColdAt = (mib: number) => cold.attempts.find((a) => a.limitMib === mib)?.readyMs ?? null;
    result[subject.name] = {
      warm: { smallestLimitMib: warm.smallestMib, chargeMib: warmCharge.peakMib, attempts: warm.attempts },
      cold: {
        smallestLimitMib: cold.smallestMib,
        chargeMib: coldCharge.peakMib,
        readyMsUnlimited: coldCharge.readyMs,
        readyMsAt: { 64: readyColdAt(64), 32: readyColdAt(32), 16: readyColdAt(16) },
        attempts: cold.attempts,
      },
    };
    say(`budget: ${subject.name}: warm ${warm.smallestMib} MiB (charge ${warmCharge.peakMib.toFixed(1)}), cold ${cold.smallestMib} MiB (charge ${coldCharge.peakMib.toFixed(1)})`);
  }
  return result;
}

export const budget: Section = {
  name: "budget",
  run: ({ subjects }: Context) => measure(subjects),
  rows(budget, add) {
    if (budget.unavailable) return;
    const at = (n: string) => budget[n];
    add("budget warm: smallest limit", "MiB", (n) => at(n)?.warm?.smallestLimitMib);
    add("budget warm: charge, no limit", "MiB", (n) => at(n)?.warm?.chargeMib);
    add(`budget cold: smallest limit (ready < ${budget.coldTimeoutMs / 1000} s)`, "MiB", (n) => at(n)?.cold?.smallestLimitMib);
    add(`budget cold: charge, read_ahead_kb ${budget.readAheadKb}`, "MiB", (n) => at(n)?.cold?.chargeMib);
    add("budget cold: ready, no limit", "ms", (n) => at(n)?.cold?.readyMsUnlimited);
    for (const mib of [64, 32, 16]) add(`budget cold: ready at ${mib} MiB`, "ms", (n) => at(n)?.cold?.readyMsAt?.[mib]);
  },
  lines: (budget) => (budget.unavailable ? [`budget: ${budget.unavailable}`] : [`budget: memory cgroup v${budget.cgroupVersion}, one per start; ready = handlers (floor: in pause()), survived = alive ${budget.holdMs} ms later and SIGTERM -> exit 0; n/a = failed or not reached by the scan (it stops at the first limit that fails)`]),
};

