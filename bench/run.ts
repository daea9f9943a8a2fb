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
// sections (startup, idle, storms, lifetime, version, sizes). A floor
// variant is another build of the floor (no handlers: not stopped, no storms).
import { createHash } from "node:crypto";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";

const ROOT = join(import.meta.dir, "..");
const BUILD = join(ROOT, "build", "bench");
const QUICK = Bun.env.BENCH_QUICK === "1";
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const UNSHARE = "/usr/bin/unshare";
const NSENTER = "/usr/bin/nsenter";
const POD_ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" };

const plan = {
  startupRuns: QUICK ? 8 : 30,
  pods: 20,
  memoryAfterReadyMs: 3_000,
  wakeStartMs: QUICK ? 2_000 : 5_000,
  wakeWindowMs: QUICK ? 5_000 : 10_000,
  storms: [5_000, 20_000],
  stormRounds: QUICK ? 1 : 3,
  lifetimeRuns: QUICK ? 1 : 3,
  versionRuns: QUICK ? 10 : 30,
};

// ---------------------------------------------------------------- subjects

type Kind = "pause" | "reference" | "floor" | "variant";
interface Subject {
  name: string;
  kind: Kind;
  /** A private copy, so that no other process on the machine shares its page cache. */
  exe: string;
  /** Another copy for the long-running sentinel pod, so that it does not share pages with the 20 pods. */
  sentinelExe: string;
  source: string;
  /** Installs SIGINT/SIGTERM/SIGCHLD handlers, so it can be stopped and it reaps. */
  handles: boolean;
  /** Added to the pod's environment (PATH only otherwise). */
  env: Record<string, string>;
}

interface Options {
  build: boolean;
  only: Set<string> | null;
  variants: { name: string; path: string; env: Record<string, string>; floor: boolean }[];
  out: string;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { build: true, only: null, variants: [], out: join(ROOT, "dist", "bench.json") };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--no-build") options.build = false;
    else if (arg === "--only") options.only = new Set(argv[++i]!.split(","));
    else if (arg === "--out") options.out = argv[++i]!;
    else if (arg === "--variant" || arg === "--floor-variant") {
      const [spec, ...variables] = argv[++i]!.split(";");
      const [name, path] = spec!.split("=");
      const env = Object.fromEntries(variables.map((v) => [v.slice(0, v.indexOf("=")), v.slice(v.indexOf("=") + 1)]));
      options.variants.push({ name: name!, path: path!, env, floor: arg === "--floor-variant" });
    } else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

function run(command: string[], what: string, env?: Record<string, string>): string {
  const result = Bun.spawnSync(command, { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: env ?? Bun.env });
  if (result.exitCode !== 0) {
    throw new Error(`${what} failed (${command.join(" ")}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout.toString();
}

function say(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

/**
 * The flags scripts/build-binary.sh gives `bun build` beyond entry, output,
 * version and runtime, so that the floor is compiled the same way (e.g.
 * --bytecode). Only literal `--flag` / `--flag=value` words are understood.
 */
function buildScriptFlags(): string[] {
  const script = readFileSync(join(ROOT, "scripts", "build-binary.sh"), "utf8");
  const call = script.slice(script.indexOf("build --compile"));
  const words = call.slice(0, call.indexOf(">/dev/null")).split(/[\s\\]+/);
  const own = ["--compile", "--outfile", "--define", "--compile-executable-path"];
  const flags = words.filter((w) => /^--[a-z-]+(=[^"'$]+)?$/.test(w) && !own.includes(w.split("=")[0]!));
  const unreadable = words.filter((w) => w.startsWith("--") && !flags.includes(w) && !own.some((o) => w.startsWith(o)));
  if (unreadable.length > 0) say(`WARNING: build-binary.sh passes ${unreadable.join(" ")}, which the floor build does not copy`);
  return flags;
}

function versionDefine(): string {
  return run(["bash", "-c", `v=$(node -p 'require("./package.json").version'); r=$(git describe --always --dirty --abbrev=12 --exclude='*' 2>/dev/null) && v="$v-g$r"; printf %s "$v"`], "version");
}

function buildFloor(out: string): void {
  const flags = buildScriptFlags();
  if (flags.length > 0) say(`the floor gets build-binary.sh's ${flags.join(" ")} too`);
  run([BUN, "build", "--compile", "bench/floor.ts", "--outfile", out, "--define", `PAUSE_VERSION="${versionDefine()}"`, ...flags], "floor build");
}

function buildAll(): void {
  mkdirSync(BUILD, { recursive: true });
  say("building dist/pause (scripts/build-binary.sh)");
  run(["bash", "scripts/build-binary.sh"], "scripts/build-binary.sh", { ...Bun.env, PATH: `${join(ROOT, "node_modules", ".bin")}:${Bun.env.PATH}` });
  say("building the C reference (gcc -Os -static, stripped)");
  run(["gcc", "-std=gnu11", "-Os", "-Wall", "-Wextra", "-Werror", "-static", "-s", "-o", join(BUILD, "pause-reference"), "bench/pause-reference.c"], "C reference");
  say("building the Bun floor (bun build --compile, the flags of build-binary.sh)");
  buildFloor(join(BUILD, "floor"));
  buildTools();
}

function buildTools(): void {
  mkdirSync(join(ROOT, "build", "fixtures"), { recursive: true });
  run(["gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", join(BUILD, "startup-probe"), "bench/startup-probe.c"], "startup probe");
  run(["gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", join(ROOT, "build", "fixtures", "orphans"), "test/fixtures/orphans.c"], "orphans fixture");
}

function subjectsFor(options: Options): Subject[] {
  const list: Omit<Subject, "exe" | "sentinelExe">[] = [
    { name: "dist/pause", kind: "pause", source: join(ROOT, "dist", "pause"), handles: true, env: {} },
    { name: "C", kind: "reference", source: join(BUILD, "pause-reference"), handles: true, env: {} },
    { name: "floor", kind: "floor", source: join(BUILD, "floor"), handles: false, env: {} },
    ...options.variants.map((v) => ({ name: v.name, kind: "variant" as const, source: v.path, handles: !v.floor, env: v.env })),
  ];
  return list.map((s, i) => {
    const copy = (dir: string) => {
      mkdirSync(dir, { recursive: true });
      const exe = join(dir, basename(s.source));
      copyFileSync(s.source, exe);
      return exe;
    };
    return { ...s, exe: copy(join(BUILD, "run", String(i))), sentinelExe: copy(join(BUILD, "run", `${i}-sentinel`)) };
  });
}

// ------------------------------------------------------------------- /proc

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function tasksOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
}

function statusField(text: string | undefined, field: string): string | undefined {
  const line = text?.split("\n").find((l) => l.startsWith(`${field}:`));
  return line?.slice(field.length + 1).trim();
}

function kb(text: string | undefined, field: string): number {
  return Number(statusField(text, field)?.split(/\s+/)[0] ?? NaN);
}

const STOP_SIGNALS = (1n << 1n) | (1n << 14n) | (1n << 16n); // INT, TERM, CHLD (bit signo-1)

function handlersInstalled(pid: number): boolean {
  const caught = statusField(readProc(`/proc/${pid}/status`), "SigCgt");
  return caught !== undefined && (BigInt(`0x${caught}`) & STOP_SIGNALS) === STOP_SIGNALS;
}

function inPause(pid: number): boolean {
  return readProc(`/proc/${pid}/syscall`)?.startsWith("34 ") ?? false; // __NR_pause on x86_64
}

/** Whether any thread of PID has a child; reads a few bytes only, as a storm can leave thousands. */
function hasChildren(pid: number): boolean {
  const buffer = Buffer.alloc(16);
  for (const tid of tasksOf(pid)) {
    try {
      const fd = openSync(`/proc/${pid}/task/${tid}/children`, "r");
      const n = readSync(fd, buffer, 0, 16, 0);
      closeSync(fd);
      if (n > 0) return true;
    } catch {}
  }
  return false;
}

function childrenOf(pid: number): number[] {
  return tasksOf(pid).flatMap((tid) => (readProc(`/proc/${pid}/task/${tid}/children`) ?? "").split(" ").filter(Boolean).map(Number));
}

function isZombie(pid: number): boolean {
  const stat = readProc(`/proc/${pid}/stat`);
  return stat !== undefined && stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
}

/** CPU time of each live thread, in ns (schedstat's first field), by tid. */
function cpuByThread(pid: number): Map<number, number> {
  return new Map(tasksOf(pid).map((tid) => [tid, Number(readProc(`/proc/${pid}/task/${tid}/schedstat`)?.split(" ")[0] ?? 0)]));
}

/** CPU time of all live threads, in ns. */
function cpuNs(pid: number): number {
  return [...cpuByThread(pid).values()].reduce((a, b) => a + b, 0);
}

/** CPU spent between two snapshots by the threads alive at the second (an exited thread's time is gone). */
function cpuDeltaNs(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [tid, ns] of after) sum += ns - (before.get(tid) ?? 0);
  return sum;
}

/** Context switches (voluntary + nonvoluntary) per live thread, by tid. */
function switchesByThread(pid: number): Map<number, { name: string; switches: number }> {
  const result = new Map<number, { name: string; switches: number }>();
  for (const tid of tasksOf(pid)) {
    const status = readProc(`/proc/${pid}/task/${tid}/status`);
    if (!status) continue;
    const switches = Number(statusField(status, "voluntary_ctxt_switches")) + Number(statusField(status, "nonvoluntary_ctxt_switches"));
    result.set(tid, { name: statusField(status, "Name") ?? "?", switches });
  }
  return result;
}

// -------------------------------------------------------------- statistics

interface Spread {
  n: number;
  median: number;
  p10: number;
  p90: number;
  min: number;
  max: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

function spread(values: number[]): Spread | null {
  const sorted = values.filter((v) => Number.isFinite(v) && v >= 0).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    p10: quantile(sorted, 0.1),
    p90: quantile(sorted, 0.9),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
  };
}

const sleep = (ms: number) => Bun.sleep(ms);

async function waitUntil(what: string, condition: () => boolean, timeoutMs = 20_000, stepMs = 2): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
}

// ------------------------------------------------------------------- pods

interface Pod {
  launcher: ReturnType<typeof Bun.spawn>;
  pid: number;
  readyAt: number;
}

/** Starts EXE as PID 1 of a new PID namespace and waits until it is parked (and has its handlers). */
async function startPod(subject: Subject, exe = subject.exe): Promise<Pod> {
  const launcher = Bun.spawn([UNSHARE, "--pid", "--fork", "--kill-child", "--mount-proc", exe], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
    env: { ...POD_ENV, ...subject.env },
  });
  let pid = 0;
  await waitUntil(`${subject.name} to start`, () => {
    const child = childrenOf(launcher.pid)[0];
    if (child && readProc(`/proc/${child}/comm`)?.trim() === basename(exe).slice(0, 15)) pid = child;
    if (launcher.exitCode !== null) throw new Error(`${subject.name} ended at start (${launcher.exitCode})`);
    return pid !== 0;
  });
  await waitUntil(`${subject.name} to be ready`, () => (!subject.handles || handlersInstalled(pid)) && inPause(pid));
  return { launcher, pid, readyAt: performance.now() };
}

async function stopPod(subject: Subject, pod: Pod): Promise<void> {
  try {
    process.kill(pod.pid, subject.handles ? "SIGTERM" : "SIGKILL");
  } catch {}
  const ended = await Promise.race([pod.launcher.exited.then(() => true), sleep(5_000).then(() => false)]);
  if (!ended) {
    try {
      process.kill(pod.pid, "SIGKILL");
    } catch {}
    await pod.launcher.exited;
  }
}

// --------------------------------------------------------------- sections

interface ProbeRun {
  spawn_to_exec_us: number;
  spawn_to_ready_us: number;
  spawn_to_paused_us: number;
  term_to_exit_us: number;
  turns: number;
  turn_ns: number;
  exit: number;
}

async function startupSection(subjects: Subject[]) {
  say(`start-up and SIGTERM: ${plan.startupRuns} interleaved runs each`);
  const runs = new Map<string, ProbeRun[]>(subjects.map((s) => [s.name, []]));
  for (let round = 0; round < plan.startupRuns; round++) {
    // Each round starts one subject further on (A B C, B C A, C A B ...): the
    // first run after the previous round's namespaces are torn down was
    // measured slower, and that must not fall on one subject every time.
    const order = subjects.map((_, i) => subjects[(i + round) % subjects.length]!);
    for (const subject of order) {
      const env = Object.entries(subject.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
      const args = [join(BUILD, "startup-probe"), ...(subject.handles ? ["--term"] : []), ...env, subject.exe];
      const line = run(args, `probe ${subject.name}`).trim();
      runs.get(subject.name)!.push(JSON.parse(line) as ProbeRun);
      await sleep(20);
    }
  }
  const result: Record<string, unknown> = {};
  for (const subject of subjects) {
    const list = runs.get(subject.name)!;
    const ms = (pick: (r: ProbeRun) => number) => spread(list.map(pick).filter((v) => v >= 0).map((v) => v / 1000));
    result[subject.name] = {
      spawnToHandlersMs: subject.handles ? ms((r) => r.spawn_to_ready_us) : null,
      spawnToPauseSyscallMs: ms((r) => r.spawn_to_paused_us),
      execToHandlersMs: subject.handles ? ms((r) => (r.spawn_to_ready_us >= 0 && r.spawn_to_exec_us >= 0 ? r.spawn_to_ready_us - r.spawn_to_exec_us : -1)) : null,
      spawnToExecMs: ms((r) => r.spawn_to_exec_us),
      sigtermToExitMs: subject.handles ? ms((r) => r.term_to_exit_us) : null,
      pollTurnUs: spread(list.map((r) => r.turn_ns / 1000)),
      exitCodes: [...new Set(list.map((r) => r.exit))],
      misses: list.filter((r) => r.spawn_to_paused_us < 0 || (subject.handles && r.spawn_to_ready_us < 0)).length,
    };
  }
  return result;
}

async function idleSection(subjects: Subject[]) {
  const result: Record<string, unknown> = {};
  for (const subject of subjects) {
    say(`idle: ${plan.pods} pods of ${subject.name} at once; memory ${plan.memoryAfterReadyMs / 1000} s after ready, switches over ${plan.wakeWindowMs / 1000} s from ${plan.wakeStartMs / 1000} s`);
    const pods = await Promise.all(Array.from({ length: plan.pods }, () => startPod(subject)));
    try {
      const lastReady = Math.max(...pods.map((p) => p.readyAt));
      await sleep(Math.max(0, lastReady + plan.memoryAfterReadyMs - performance.now()));
      const memory = pods.map((pod) => {
        const rollup = readProc(`/proc/${pod.pid}/smaps_rollup`);
        const status = readProc(`/proc/${pod.pid}/status`);
        return {
          rssKb: kb(rollup, "Rss"),
          pssKb: kb(rollup, "Pss"),
          privateDirtyKb: kb(rollup, "Private_Dirty"),
          privateCleanKb: kb(rollup, "Private_Clean"),
          sharedCleanKb: kb(rollup, "Shared_Clean"),
          anonymousKb: kb(rollup, "Anonymous"),
          threads: Number(statusField(status, "Threads")),
          threadNames: tasksOf(pod.pid).map((tid) => readProc(`/proc/${pod.pid}/task/${tid}/comm`)?.trim() ?? "?"),
          startupCpuMs: cpuNs(pod.pid) / 1e6,
        };
      });
      await sleep(Math.max(0, lastReady + plan.wakeStartMs - performance.now()));
      const before = pods.map((pod) => ({ switches: switchesByThread(pod.pid), cpu: cpuByThread(pod.pid) }));
      await sleep(plan.wakeWindowMs);
      const after = pods.map((pod) => ({ switches: switchesByThread(pod.pid), cpu: cpuByThread(pod.pid) }));
      const wakes = pods.map((_, i) => {
        const byName: Record<string, number> = {};
        let total = 0;
        for (const [tid, now] of after[i]!.switches) {
          const delta = now.switches - (before[i]!.switches.get(tid)?.switches ?? 0);
          total += delta;
          if (delta > 0) byName[now.name] = (byName[now.name] ?? 0) + delta;
        }
        const threadsGone = [...before[i]!.switches.keys()].filter((tid) => !after[i]!.switches.has(tid)).length;
        return { total, byName, threadsGone, cpuUs: cpuDeltaNs(before[i]!.cpu, after[i]!.cpu) / 1000 };
      });
      const threadSets = [...new Set(memory.map((m) => m.threadNames.slice().sort().join(",")))];
      const wakeNames: Record<string, number> = {};
      for (const w of wakes) for (const [name, n] of Object.entries(w.byName)) wakeNames[name] = (wakeNames[name] ?? 0) + n;
      result[subject.name] = {
        pods: pods.length,
        rssMb: spread(memory.map((m) => m.rssKb / 1024)),
        pssMb: spread(memory.map((m) => m.pssKb / 1024)),
        privateDirtyMb: spread(memory.map((m) => m.privateDirtyKb / 1024)),
        privateCleanMb: spread(memory.map((m) => m.privateCleanKb / 1024)),
        sharedCleanMb: spread(memory.map((m) => m.sharedCleanKb / 1024)),
        anonymousMb: spread(memory.map((m) => m.anonymousKb / 1024)),
        threads: spread(memory.map((m) => m.threads)),
        threadNames: threadSets,
        startupCpuMs: spread(memory.map((m) => m.startupCpuMs)),
        wakeupsPer10s: spread(wakes.map((w) => (w.total * 10_000) / plan.wakeWindowMs)),
        wakeupsByThread: wakeNames,
        threadsGoneInWindow: wakes.reduce((s, w) => s + w.threadsGone, 0),
        idleCpuUsPer10s: spread(wakes.map((w) => (w.cpuUs * 10_000) / plan.wakeWindowMs)),
      };
    } finally {
      await Promise.all(pods.map((pod) => stopPod(subject, pod)));
    }
  }
  return result;
}

/**
 * Steady-state wake-ups: one pod per subject starts before the first section
 * and idles through all of them; its switches are counted from 20 s after
 * it was ready (past the runtime's start-up threads timing out) to the end
 * of the bench. Catches periodic wake-ups slower than the 10 s window.
 */
const SENTINEL_SETTLE_MS = 20_000;

interface Sentinel {
  subject: Subject;
  pod: Pod;
  from?: { at: number; switches: Map<number, { name: string; switches: number }>; cpu: Map<number, number> };
}

async function startSentinels(subjects: Subject[]): Promise<Sentinel[]> {
  const sentinels: Sentinel[] = [];
  for (const subject of subjects) {
    const sentinel: Sentinel = { subject, pod: await startPod(subject, subject.sentinelExe) };
    setTimeout(() => {
      sentinel.from = { at: performance.now(), switches: switchesByThread(sentinel.pod.pid), cpu: cpuByThread(sentinel.pod.pid) };
    }, SENTINEL_SETTLE_MS);
    sentinels.push(sentinel);
  }
  return sentinels;
}

/** Switches between two snapshots of the threads alive at the second. */
function switchDelta(before: Map<number, { switches: number }>, after: Map<number, { switches: number }>): number {
  let sum = 0;
  for (const [tid, t] of after) sum += t.switches - (before.get(tid)?.switches ?? 0);
  return sum;
}

async function finishSentinels(sentinels: Sentinel[]) {
  const result: Record<string, unknown> = {};
  for (const { subject, pod, from } of sentinels) {
    const threads = tasksOf(pod.pid).map((tid) => readProc(`/proc/${pod.pid}/task/${tid}/comm`)?.trim() ?? "?");
    const seconds = from ? (performance.now() - from.at) / 1000 : 0;
    result[subject.name] =
      from && seconds >= 10
        ? {
            seconds,
            wakeupsPerMinute: (switchDelta(from.switches, switchesByThread(pod.pid)) * 60) / seconds,
            cpuUsPerMinute: (cpuDeltaNs(from.cpu, cpuByThread(pod.pid)) / 1000) * (60 / seconds),
            threadsAtEnd: threads,
          }
        : { seconds, wakeupsPerMinute: null, threadsAtEnd: threads };
    await stopPod(subject, pod);
  }
  return result;
}

function freePids(): number {
  const pidMax = Number(readProc("/proc/sys/kernel/pid_max"));
  const used = readdirSync("/proc").filter((e) => /^\d+$/.test(e)).reduce((n, pid) => n + tasksOf(Number(pid)).length, 0);
  return pidMax - used;
}

interface StormRun {
  orphans: number;
  ms: number;
  tailMs: number;
  pauseCpuMs: number;
  childrenLeft: number;
  zombiesLeft: number;
  fixtureExit: number | null;
}

async function storm(pod: Pod, orphans: number): Promise<StormRun> {
  const cpuBefore = cpuNs(pod.pid);
  const start = performance.now();
  const fixture = Bun.spawn([NSENTER, "--target", String(pod.pid), "--pid", "--mount", "--", join(ROOT, "build", "fixtures", "orphans"), String(orphans)], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  const fixtureExit = await fixture.exited;
  const fixtureDone = performance.now();
  const deadline = fixtureDone + 60_000;
  while (hasChildren(pod.pid) && performance.now() < deadline) Bun.sleepSync(0.5);
  const end = performance.now();
  const left = childrenOf(pod.pid);
  return {
    orphans,
    ms: end - start,
    tailMs: end - fixtureDone,
    pauseCpuMs: (cpuNs(pod.pid) - cpuBefore) / 1e6,
    childrenLeft: left.length,
    zombiesLeft: left.filter(isZombie).length,
    fixtureExit,
  };
}

async function stormSection(subjects: Subject[]) {
  const reapers = subjects.filter((s) => s.handles);
  say(`storms: ${plan.storms.join(" and ")} orphans, ${plan.stormRounds} interleaved rounds, subjects ${reapers.map((s) => s.name).join(", ")}`);
  const runs = new Map<string, StormRun[]>(reapers.map((s) => [s.name, []]));
  const pods = new Map<string, Pod>();
  for (const subject of reapers) pods.set(subject.name, await startPod(subject));
  try {
    for (let round = 0; round < plan.stormRounds; round++) {
      for (const orphans of plan.storms) {
        for (const subject of reapers) {
          if (freePids() < orphans + 2_000) {
            say(`skipping a storm of ${orphans}: only ${freePids()} free pids`);
            continue;
          }
          runs.get(subject.name)!.push(await storm(pods.get(subject.name)!, orphans));
          await sleep(300);
        }
      }
    }
  } finally {
    for (const subject of reapers) await stopPod(subject, pods.get(subject.name)!);
  }
  const result: Record<string, unknown> = {};
  for (const subject of subjects) {
    if (!subject.handles) {
      result[subject.name] = null; // does not reap
      continue;
    }
    const list = runs.get(subject.name)!;
    result[subject.name] = Object.fromEntries(
      plan.storms.map((n) => {
        const of = list.filter((r) => r.orphans === n);
        return [
          String(n),
          {
            ms: spread(of.map((r) => r.ms)),
            tailMs: spread(of.map((r) => r.tailMs)),
            pauseCpuMs: spread(of.map((r) => r.pauseCpuMs)),
            zombiesLeft: Math.max(0, ...of.map((r) => r.zombiesLeft)),
            childrenLeft: Math.max(0, ...of.map((r) => r.childrenLeft)),
            fixtureFailures: of.filter((r) => r.fixtureExit !== 0).length,
          },
        ];
      }),
    );
  }
  return result;
}

/** /usr/bin/time -v around a whole life: start, ready, 1 s idle, SIGTERM (the floor: SIGKILL). */
async function lifetimeSection(subjects: Subject[]) {
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
        if (child && readProc(`/proc/${child}/comm`)?.trim() === basename(subject.exe).slice(0, 15)) pid = child;
        return pid !== 0 && (!subject.handles || handlersInstalled(pid)) && inPause(pid);
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

/** hyperfine on `-v`: exec to exit of the smoke-test path (the floor has none). */
function versionSection(subjects: Subject[]) {
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

// ------------------------------------------------------------------ sizes

const sizeCachePath = join(BUILD, "size-cache.json");

function compressedSizes(what: string, produce: string): { bytes: number; gzip9: number; zstd19: number } | null {
  const cache: Record<string, { bytes: number; gzip9: number; zstd19: number }> = existsSync(sizeCachePath) ? JSON.parse(readFileSync(sizeCachePath, "utf8")) : {};
  const digest = createHash("sha256").update(Bun.spawnSync(["bash", "-c", produce], { cwd: ROOT, stdout: "pipe" }).stdout).digest("hex");
  const known = cache[digest];
  if (known) return known;
  if (QUICK) {
    say(`sizes: ${what} not cached; skipped in quick mode`);
    return null;
  }
  say(`sizes: compressing ${what} (gzip -9, zstd -19; cached by content)`);
  const count = (compressor: string) => Number(run(["bash", "-c", `set -o pipefail; ${produce} | ${compressor} | wc -c`], `compress ${what}`).trim());
  const sizes = { bytes: count("cat"), gzip9: count("gzip -9 -n"), zstd19: count("zstd -19 -T0 -q -c") };
  cache[digest] = sizes;
  writeFileSync(sizeCachePath, JSON.stringify(cache, null, 1));
  return sizes;
}

function bunSectionBytes(exe: string): number | null {
  const sections = run(["readelf", "-SW", exe], "readelf");
  const line = sections.split("\n").find((l) => /\s\.bun\s/.test(l));
  if (!line) return null;
  const fields = line.replace(/^.*\]\s+/, "").split(/\s+/);
  return parseInt(fields[4]!, 16);
}

function sizeSection(subjects: Subject[]) {
  const runtime = [join(ROOT, "node_modules", "bun", "bin", "bun.exe"), ...readdirSync(join(ROOT, "node_modules", "@oven")).map((d) => join(ROOT, "node_modules", "@oven", d, "bin", "bun"))].find((p) => existsSync(p))!;
  const files = Object.fromEntries(
    subjects.map((s) => [s.name, { bytes: statSync(s.exe).size, bunSectionBytes: s.kind === "reference" ? null : bunSectionBytes(s.exe) }]),
  );
  const result: Record<string, unknown> = {
    files,
    bunRuntime: { path: relative(ROOT, runtime), ...compressedSizes("the Bun runtime", `cat ${runtime}`) },
    cReference: compressedSizes("the C reference", `cat ${join(BUILD, "pause-reference")}`),
  };
  const rootfs = join(ROOT, "dist", "rootfs", "linux-amd64");
  if (existsSync(rootfs)) {
    const tar = `tar -C ${rootfs} --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - .`;
    result.rootfsAmd64 = compressedSizes("dist/rootfs/linux-amd64", tar);
  } else {
    result.rootfsAmd64 = "dist/rootfs/linux-amd64 not built yet";
  }
  result.image = existsSync(join(ROOT, "dist", "image")) ? imageLayers(join(ROOT, "dist", "image")) : "dist/image not built yet";
  return result;
}

/** Layer sizes of an OCI layout, per platform. */
function imageLayers(layout: string): unknown {
  const blob = (digest: string) => JSON.parse(readFileSync(join(layout, "blobs", ...digest.split(":")), "utf8"));
  try {
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
    const out: Record<string, number[]> = {};
    const visit = (descriptor: { digest: string; mediaType: string; platform?: { os: string; architecture: string } }, platform?: string) => {
      const doc = blob(descriptor.digest);
      const here = descriptor.platform ? `${descriptor.platform.os}/${descriptor.platform.architecture}` : platform ?? "?";
      if (doc.manifests) for (const m of doc.manifests) visit(m, here);
      if (doc.layers) out[here] = doc.layers.map((l: { size: number }) => l.size);
    };
    for (const m of index.manifests) visit(m);
    return out;
  } catch (error) {
    return `unreadable: ${(error as Error).message}`;
  }
}

// ------------------------------------------------------------------ report

type Row = { label: string; unit: string; values: Record<string, number | null | undefined>; spread?: Record<string, Spread | null | undefined> };

function fmt(value: number | null | undefined): string {
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

function render(header: string[], lines: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...lines.map(line)].join("\n");
}

function cell(row: Row, name: string): string {
  const s = row.spread?.[name];
  return s && s.n > 1 ? `${fmt(s.median)} [${fmt(s.p10)}-${fmt(s.p90)}]` : fmt(row.values[name]);
}

/** dist/pause, C and the floor side by side, one metric a line. */
function baseTable(subjects: Subject[], rows: Row[]): string {
  const base = subjects.filter((s) => s.kind !== "variant");
  const pause = base[0]!.name;
  const header = ["metric", ...base.map((s) => s.name), "pause/C", "pause/floor"];
  const lines = rows.map((row) => [`${row.label} (${row.unit})`, ...base.map((s) => cell(row, s.name)), ratio(row.values[pause], row.values.C), ratio(row.values[pause], row.values.floor)]);
  return render(header, lines);
}

/** One variant a line: each metric's median and its ratio to dist/pause. */
function variantTable(subjects: Subject[], rows: Row[]): string {
  const pause = subjects[0]!.name;
  const shown = rows.filter((r) => !r.label.includes("zombies"));
  const header = ["variant", ...shown.map((r) => `${r.label} (${r.unit})`)];
  const lines = subjects
    .filter((s) => s.kind === "variant" || s.kind === "pause")
    .map((s) => [s.name, ...shown.map((r) => (s.kind === "pause" ? fmt(r.values[s.name]) : `${fmt(r.values[s.name])} (${ratio(r.values[s.name], r.values[pause])})`))]);
  return render(header, lines);
}

function rowsFrom(subjects: Subject[], report: Record<string, any>): Row[] {
  const rows: Row[] = [];
  const add = (label: string, unit: string, pick: (name: string) => Spread | number | null | undefined) => {
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
  const { startup, idle, steady, storms, lifetime, version } = report;
  if (startup) {
    // The floor's "installed" is the moment it parks in pause().
    add("spawn -> handlers installed", "ms", (n) => startup[n]?.spawnToHandlersMs ?? startup[n]?.spawnToPauseSyscallMs);
    add("spawn -> main thread in pause()", "ms", (n) => startup[n]?.spawnToPauseSyscallMs);
    add("exec seen -> handlers", "ms", (n) => startup[n]?.execToHandlersMs);
    add("SIGTERM -> exit", "ms", (n) => startup[n]?.sigtermToExitMs);
  }
  if (idle) {
    add(`RSS, ${plan.pods} pods`, "MiB", (n) => idle[n]?.rssMb);
    add("Pss", "MiB", (n) => idle[n]?.pssMb);
    add("Private_Dirty", "MiB", (n) => idle[n]?.privateDirtyMb);
    add("threads", "n", (n) => idle[n]?.threads?.median);
    add("CPU to reach idle", "ms", (n) => idle[n]?.startupCpuMs);
    add("wake-ups while idle", "/10 s", (n) => idle[n]?.wakeupsPer10s);
    add("CPU while idle", "us/10 s", (n) => idle[n]?.idleCpuUsPer10s);
  }
  if (steady) {
    add("wake-ups, steady state (sentinel)", "/min", (n) => steady[n]?.wakeupsPerMinute);
    add("threads, steady state (sentinel)", "n", (n) => steady[n]?.threadsAtEnd?.length);
  }
  if (storms) {
    for (const orphans of plan.storms) {
      add(`storm ${orphans}: start -> no child`, "ms", (n) => storms[n]?.[orphans]?.ms);
      add(`storm ${orphans}: fixture exit -> no child`, "ms", (n) => storms[n]?.[orphans]?.tailMs);
      add(`storm ${orphans}: zombies left`, "n", (n) => (storms[n] ? storms[n][orphans]?.zombiesLeft : null));
    }
  }
  if (lifetime) add("peak RSS of a life (time -v)", "MiB", (n) => lifetime[n]?.peakRssMb);
  if (version) add("-v exec -> exit (hyperfine)", "ms", (n) => version[n]?.medianMs);
  return rows;
}

function goals(subjects: Subject[], report: Record<string, any>) {
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

// -------------------------------------------------------------------- main

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const wants = (section: string) => options.only === null || options.only.has(section);
  const began = performance.now();
  if (options.build) buildAll();
  else buildTools();
  const subjects = subjectsFor(options);
  const report: Record<string, any> = {
    meta: {
      date: new Date().toISOString(),
      quick: QUICK,
      plan,
      kernel: readProc("/proc/sys/kernel/osrelease")?.trim(),
      cpus: navigator.hardwareConcurrency,
      loadAverage: readProc("/proc/loadavg")?.trim(),
      bun: run([BUN, "--version"], "bun --version").trim(),
      pauseVersion: run([subjects[0]!.exe, "-v"], "pause -v").trim(),
      subjects: subjects.map((s) => ({ name: s.name, kind: s.kind, source: relative(ROOT, s.source), env: s.env })),
      timing: "CLOCK_MONOTONIC from just before fork() of unshare (bench/startup-probe.c, a C loop reading /proc/PID/status and /proc/PID/syscall with sched_yield() per turn; resolution = one turn, pollTurnUs)",
    },
  };
  const sentinels = wants("idle") ? await startSentinels(subjects) : [];
  if (wants("startup")) report.startup = await startupSection(subjects);
  if (wants("idle")) report.idle = await idleSection(subjects);
  if (wants("storms")) report.storms = await stormSection(subjects);
  if (wants("lifetime")) report.lifetime = await lifetimeSection(subjects);
  if (wants("version")) report.version = versionSection(subjects);
  if (wants("sizes")) report.sizes = sizeSection(subjects);
  if (sentinels.length > 0) {
    const settled = Math.max(...sentinels.map((x) => x.pod.readyAt)) + SENTINEL_SETTLE_MS + 30_000;
    if (performance.now() < settled) {
      say(`steady state: waiting ${((settled - performance.now()) / 1000).toFixed(0)} s more for the sentinel pods`);
      await sleep(settled - performance.now());
    }
    report.steady = await finishSentinels(sentinels);
  }
  report.goals = goals(subjects, report);
  report.meta.seconds = (performance.now() - began) / 1000;
  mkdirSync(join(options.out, ".."), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);

  const rows = rowsFrom(subjects, report);
  console.log(baseTable(subjects, rows));
  if (subjects.some((s) => s.kind === "variant")) console.log(`\nvariants (median, and ratio to dist/pause):\n${variantTable(subjects, rows)}`);
  console.log("\nvalues: median [p10-p90]; ratios of medians. 'handlers' for the floor = its main thread in pause().");
  if (report.idle) {
    for (const s of subjects) {
      const i = report.idle[s.name];
      const steadyThreads = report.steady?.[s.name]?.threadsAtEnd?.join(",") ?? "?";
      console.log(`threads ${s.name}: at 3 s ${i.threadNames.join(" | ")}; steady ${steadyThreads}; wake-ups in the 10 s window by thread: ${JSON.stringify(i.wakeupsByThread)}`);
    }
  }
  if (report.sizes) {
    const z = report.sizes;
    const mb = (n?: number) => (n ? (n / 1e6).toFixed(2) : "n/a");
    console.log(`sizes (MB = 10^6 bytes, raw/gzip-9/zstd-19): Bun runtime ${mb(z.bunRuntime?.bytes)}/${mb(z.bunRuntime?.gzip9)}/${mb(z.bunRuntime?.zstd19)}; C ${mb(z.cReference?.bytes)}/${mb(z.cReference?.gzip9)}/${mb(z.cReference?.zstd19)}; rootfs amd64 ${typeof z.rootfsAmd64 === "string" ? z.rootfsAmd64 : `${mb(z.rootfsAmd64?.bytes)}/${mb(z.rootfsAmd64?.gzip9)}/${mb(z.rootfsAmd64?.zstd19)}`}; image ${typeof z.image === "string" ? z.image : JSON.stringify(z.image)}`);
    console.log(`.bun section bytes: ${subjects.map((s) => `${s.name} ${z.files[s.name].bunSectionBytes ?? "-"}`).join(", ")}`);
  }
  console.log("\ngoals:");
  for (const [name, verdict] of Object.entries(report.goals as Record<string, Record<string, string>>)) {
    const measured = Object.entries(verdict).filter(([, v]) => !v.startsWith("n/a"));
    if (measured.length > 0) console.log(`  ${name}: ${measured.map(([goal, v]) => `${goal}: ${v}`).join("; ")}`);
  }
  console.log(`\nwrote ${relative(ROOT, options.out)} in ${report.meta.seconds.toFixed(0)} s${QUICK ? " (BENCH_QUICK=1)" : ""}`);
}

if (import.meta.main) await main();
