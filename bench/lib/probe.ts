// One start-up timed from outside by bench/startup-probe.c (see its header).
import { join } from "node:path";
import { BUILD, run } from "./common";
import type { Subject } from "./subjects";

export interface ProbeRun {
  spawn_to_exec_us: number;
  spawn_to_ready_us: number;
  spawn_to_paused_us: number;
  term_to_exit_us: number;
  turns: number;
  turn_ns: number;
  /** unshare's exit code (the pause's), 128+N when killed by signal N. */
  exit: number;
  /** With holdMs: 1 if still alive after it, 0 if not, -1 when never ready. */
  alive_after_hold: number;
  term_after_exec_us: number;
  /** With termAfterExecUs: 1 if the SIGTERM was lost. */
  term_lost: number;
}

export interface ProbeOptions {
  /** Not PID 1: run the executable directly, in the bench's PID namespace. */
  plain?: boolean;
  cgroup?: string;
  evict?: boolean;
  timeoutMs?: number;
  holdMs?: number;
  termAfterExecUs?: number;
  args?: string[];
  exe?: string;
}

export function probe(subject: Subject, options: ProbeOptions = {}): ProbeRun {
  const env = Object.entries(subject.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  const flags = [
    ...(subject.handles && options.termAfterExecUs === undefined ? ["--term"] : []),
    ...(options.plain ? ["--plain"] : []),
    ...(subject.root ? ["--root", subject.root] : []),
    ...(options.cgroup ? ["--cgroup", options.cgroup] : []),
    ...(options.evict ? ["--evict"] : []),
    ...(options.timeoutMs !== undefined ? ["--timeout-ms", String(options.timeoutMs)] : []),
    ...(options.holdMs !== undefined ? ["--hold-ms", String(options.holdMs)] : []),
    ...(options.termAfterExecUs !== undefined ? ["--term-after-exec-us", String(Math.round(options.termAfterExecUs))] : []),
  ];
  const line = run([join(BUILD, "startup-probe"), ...flags, ...env, options.exe ?? subject.exe, ...(options.args ?? [])], `probe ${subject.name}`).trim();
  return JSON.parse(line) as ProbeRun;
}
