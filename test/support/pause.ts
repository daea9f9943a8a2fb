// Runs dist/pause as a black box: as PID 1 of its own PID namespace or as an
// ordinary process, watched through /proc from outside. Nothing here loads
// the helper into the test process: its reaper would take bun's children.
import { mkdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { catchesStopSignals, childrenOf, field, hasBit, procFile, SIGINT, SIGTERM, threadsOf } from "./proc";

export { childrenOf, isZombie, threadsOf } from "./proc";

const root = join(import.meta.dir, "..", "..");
export const PAUSE = join(root, "dist", "pause");
const fixtureSources = join(root, "test", "fixtures");
const fixtureBinaries = join(root, "build", "fixtures");

// Found once, so that pause can be started with an empty environment.
const UNSHARE = tool("unshare");
const NSENTER = tool("nsenter");
const SH = tool("sh");

/** The absolute path of command NAME, found once; throws if it is not installed. */
export function tool(name: string): string {
  const path = Bun.which(name, { PATH: `${Bun.env.PATH ?? ""}:/usr/sbin:/usr/bin:/sbin:/bin` });
  if (!path) throw new Error(`${name} is not installed`);
  return path;
}

/** Compiles test/fixtures/NAME.c once per test run; returns the binary's path. */
const compiled = new Map<string, string>();
export function fixture(name: string): string {
  const known = compiled.get(name);
  if (known) return known;
  const output = join(fixtureBinaries, name);
  mkdirSync(fixtureBinaries, { recursive: true });
  const cc = Bun.spawnSync(
    ["gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", output, join(fixtureSources, `${name}.c`)],
    { stderr: "pipe" },
  );
  if (cc.exitCode !== 0) throw new Error(`cannot compile fixture ${name}: ${cc.stderr.toString()}`);
  compiled.set(name, output);
  return output;
}

/** Polls `condition` every few milliseconds until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

function isPause(pid: number, program = PAUSE): boolean {
  try {
    return readlinkSync(`/proc/${pid}/exe`) === program;
  } catch {
    return false;
  }
}

/** Whether PID is pause with handlers for INT, TERM and CHLD: the helper's last step before reaping. */
export function handlersInstalled(pid: number, program = PAUSE): boolean {
  return isPause(pid, program) && catchesStopSignals(pid); // not a wrapper, nor a pause not yet exec'd
}

/** The runtime's threads (not the main one) that do not block SIGNO, with their names. */
export function threadsAccepting(pid: number, signo: number): { tid: number; name: string }[] {
  return threadsOf(pid)
    .filter((tid) => tid !== pid && !hasBit(field(procFile(pid, `task/${tid}/status`), "SigBlk"), signo))
    .map((tid) => ({ tid, name: (procFile(pid, `task/${tid}/comm`) ?? "").trim() }));
}

export interface Finished {
  exitCode: number | null;
  signalCode: Subprocess["signalCode"];
  stdout: string;
  stderr: string;
}

export interface Running {
  /** pause's pid as this test process sees it. */
  pid: number;
  process: Subprocess<"ignore", "pipe", "pipe">;
  finished: Promise<Finished>;
  /** Runs a command inside pause's PID namespace (only for `asPid1`). */
  inNamespace(command: string[]): Promise<Finished>;
}

export interface StartOptions {
  /** Runs pause through a wrapper, e.g. [fixture("deny"), "pause"]; PAUSE is appended. */
  wrapper?: string[];
  /** Runs the whole command (unshare included) under a tracer, e.g. ["strace", "-f", ...]. */
  tracer?: string[];
  /** Another copy of dist/pause to run, e.g. one that uid 65535 may execute. */
  program?: string;
  env?: Record<string, string>;
}

function collect(process: Subprocess<"ignore", "pipe", "pipe">): Promise<Finished> {
  return Promise.all([
    new Response(process.stdout).text(),
    new Response(process.stderr).text(),
    process.exited,
  ]).then(([stdout, stderr]) => ({
    exitCode: process.exitCode,
    signalCode: process.signalCode,
    stdout,
    stderr,
  }));
}

// Every process a test starts, until it ends: a test that fails half-way
// must not leave a PID namespace (and its zombies) behind.
const launched = new Set<Subprocess>();

/** Kills whatever tests left running; unshare's --kill-child takes its namespace with it. */
export function killLeftovers(): void {
  for (const process of launched) process.kill("SIGKILL");
  launched.clear();
}

/** The environment pause gets unless a test says otherwise: PATH only. */
export const PLAIN_ENV: Record<string, string> = { PATH: Bun.env.PATH ?? "/usr/bin:/bin" };

/** Spawns COMMAND with no stdin and its output piped, and tracks it until it exits. */
function spawn(command: string[], env: Record<string, string> = PLAIN_ENV): Subprocess<"ignore", "pipe", "pipe"> {
  const process = Bun.spawn(command, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env });
  launched.add(process);
  void process.exited.then(() => launched.delete(process));
  return process;
}

/** Spawns COMMAND as a test asks: under its tracer, with its environment. */
function launch(command: string[], options: StartOptions): Subprocess<"ignore", "pipe", "pipe"> {
  return spawn([...(options.tracer ?? []), ...command], options.env);
}

/** pause itself with ARGS, behind the test's wrapper. */
function pauseCommand(args: string[], options: StartOptions): string[] {
  return [...(options.wrapper ?? []), options.program ?? PAUSE, ...args];
}

/** The first process at or below LAUNCHER that runs dist/pause (wrappers exec it, unshare and tracers fork it). */
function findPause(launcher: number, program: string): number | undefined {
  if (isPause(launcher, program)) return launcher;
  for (const child of childrenOf(launcher)) {
    const found = findPause(child, program);
    if (found !== undefined) return found;
  }
  return undefined;
}

async function start(command: string[], options: StartOptions) {
  const program = options.program ?? PAUSE;
  const process = launch(command, options);
  const finished = collect(process);
  let pid: number | undefined;
  await waitFor("pause to start", () => (pid = findPause(process.pid, program)) !== undefined || process.exitCode !== null);
  if (pid === undefined) {
    const result = await finished;
    throw new Error(`pause ended before it started: ${JSON.stringify(result)}`);
  }
  const pausePid = pid;
  await waitFor("the handlers", () => handlersInstalled(pausePid, program) || process.exitCode !== null);
  return { pid: pausePid, process, finished };
}

function pid1Command(args: string[], options: StartOptions): string[] {
  return [UNSHARE, "--pid", "--fork", "--kill-child", "--mount-proc", ...pauseCommand(args, options)];
}

/** Starts pause as PID 1 of a new PID namespace, as a pod sandbox runs it, and waits for its handlers. */
export async function asPid1(args: string[] = [], options: StartOptions = {}): Promise<Running> {
  // unshare forks once; its only child is the namespace's PID 1.
  const running = await start(pid1Command(args, options), options);
  return {
    ...running,
    inNamespace: (inside) => collect(spawn([NSENTER, `--target=${running.pid}`, "--pid", "--mount", "--", ...inside])),
  };
}

/** Starts pause as an ordinary process of this PID namespace. */
export async function notAsPid1(args: string[] = [], options: StartOptions = {}): Promise<Running> {
  const running = await start(pauseCommand(args, options), options);
  return {
    ...running,
    inNamespace: () => Promise.reject(new Error("pause is not in a namespace of its own")),
  };
}

/** Runs COMMAND to completion with ENV (PATH only by default): for commands that run pause some other way. */
export function runCommand(command: string[], env?: Record<string, string>): Promise<Finished> {
  return collect(spawn(command, env));
}

/** Runs pause as PID 1 to completion (for -v and failures at start-up). */
export function runAsPid1(args: string[], options: StartOptions = {}): Promise<Finished> {
  return collect(launch(pid1Command(args, options), options));
}

/** Runs pause, not as PID 1, to completion (for -v, --help); `shell` wraps it as `sh -c SHELL sh pause ARGS...`. */
export function runPause(args: string[], options: StartOptions & { shell?: string } = {}): Promise<Finished> {
  const command = options.shell ? [SH, "-c", options.shell, "sh", PAUSE, ...args] : pauseCommand(args, options);
  return collect(launch(command, options));
}

/** Makes `count` orphans inside pause's namespace and waits until pause has reaped them all. */
export async function leaveOrphansAndAwaitReaping(pause: Running, count: number, timeoutMs = 20_000): Promise<void> {
  const made = await pause.inNamespace([fixture("orphans"), String(count)]);
  if (made.exitCode !== 0) throw new Error(`orphans fixture failed: ${JSON.stringify(made)}`);
  await waitFor(`pause to reap ${count} orphans`, () => childrenOf(pause.pid).length === 0, timeoutMs);
}

export const stopRequest = { SIGTERM, SIGINT };
