// Reading a process from outside, through /proc: the one place the tests and
// the bench (bench/) look at a pause they did not load into themselves.
// Every reader returns "nothing" (undefined, [], false) for a process that is
// gone, since the processes watched come and go.
import { closeSync, openSync, readFileSync, readSync, readdirSync } from "node:fs";

export const SIGINT = 2;
export const SIGTERM = 15;
export const SIGCHLD = 17;

/** The text of /proc/PID/FILE, or undefined once the process is gone. */
export function procFile(pid: number, file: string): string | undefined {
  return readText(`/proc/${pid}/${file}`);
}

/** The text of any file under /proc or /sys, or undefined if it cannot be read. */
export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

export function threadsOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
}

/** The value of `Field:` in a status-like text (status, smaps_rollup), trimmed. */
export function field(text: string | undefined, name: string): string | undefined {
  const line = text?.split("\n").find((l) => l.startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}

/** A `Field:   123 kB` value in KiB (NaN when absent). */
export function kib(text: string | undefined, name: string): number {
  return Number(field(text, name)?.split(/\s+/)[0] ?? NaN);
}

export function hasBit(hexMask: string | undefined, signo: number): boolean {
  return hexMask !== undefined && ((BigInt(`0x${hexMask}`) >> BigInt(signo - 1)) & 1n) === 1n;
}

/** Whether PID (or one of its threads, with FILE = task/TID/status) has handlers for every signal given. */
export function catches(pid: number, signals: number[], file = "status"): boolean {
  const caught = field(procFile(pid, file), "SigCgt");
  return signals.every((signo) => hasBit(caught, signo));
}

/** Handlers for INT, TERM and CHLD: what makes a pause stoppable and a reaper. */
export function catchesStopSignals(pid: number): boolean {
  return catches(pid, [SIGINT, SIGTERM, SIGCHLD]);
}

/** The system call number the main thread is blocked in, as /proc/PID/syscall gives it. */
export const PAUSE_SYSCALL = process.arch === "x64" ? "34" : "133"; // pause, or rt_sigsuspend on arm64

export function inPause(pid: number): boolean {
  return procFile(pid, "syscall")?.split(" ")[0] === PAUSE_SYSCALL;
}

/** Children of any thread of PID, zombies included. */
export function childrenOf(pid: number): number[] {
  return threadsOf(pid).flatMap((tid) =>
    (procFile(pid, `task/${tid}/children`) ?? "").split(" ").filter(Boolean).map(Number),
  );
}

/** Whether any thread of PID has a child; reads a few bytes only, as a storm can leave thousands. */
export function hasChildren(pid: number): boolean {
  const buffer = Buffer.alloc(16);
  for (const tid of threadsOf(pid)) {
    try {
      const fd = openSync(`/proc/${pid}/task/${tid}/children`, "r");
      const n = readSync(fd, buffer, 0, 16, 0);
      closeSync(fd);
      if (n > 0) return true;
    } catch {}
  }
  return false;
}

export function isZombie(pid: number): boolean {
  const stat = procFile(pid, "stat");
  return stat !== undefined && stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
}

/** The names (comm) of PID's live threads. */
export function threadNames(pid: number): string[] {
  return threadsOf(pid).map((tid) => procFile(pid, `task/${tid}/comm`)?.trim() ?? "?");
}

/** CPU time of each live thread, in ns (schedstat's first field), by tid. */
export function cpuByThread(pid: number): Map<number, number> {
  return new Map(threadsOf(pid).map((tid) => [tid, Number(procFile(pid, `task/${tid}/schedstat`)?.split(" ")[0] ?? 0)]));
}

/** CPU time of all live threads, in ns. */
export function cpuNs(pid: number): number {
  return [...cpuByThread(pid).values()].reduce((a, b) => a + b, 0);
}

/** CPU spent between two snapshots by the threads alive at the second (an exited thread's time is gone). */
export function cpuDeltaNs(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [tid, ns] of after) sum += ns - (before.get(tid) ?? 0);
  return sum;
}

/** Context switches (voluntary + nonvoluntary) per live thread, by tid. */
export function switchesByThread(pid: number): Map<number, { name: string; switches: number }> {
  const result = new Map<number, { name: string; switches: number }>();
  for (const tid of threadsOf(pid)) {
    const status = procFile(pid, `task/${tid}/status`);
    if (!status) continue;
    const switches = Number(field(status, "voluntary_ctxt_switches")) + Number(field(status, "nonvoluntary_ctxt_switches"));
    result.set(tid, { name: field(status, "Name") ?? "?", switches });
  }
  return result;
}

/** Switches between two snapshots, over the threads alive at the second. */
export function switchDelta(before: Map<number, { switches: number }>, after: Map<number, { switches: number }>): number {
  let sum = 0;
  for (const [tid, t] of after) sum += t.switches - (before.get(tid)?.switches ?? 0);
  return sum;
}
