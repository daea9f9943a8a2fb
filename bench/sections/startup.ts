// Start-up and SIGTERM: bench/startup-probe.c times one start-up from
// outside, interleaved and rotated across the subjects.
import { plan, say, sleep } from "../lib/common";
import { probe, type ProbeRun } from "../lib/probe";
import type { Context, Section } from "../lib/section";
import { spread } from "../lib/stats";
import type { Subject } from "../lib/subjects";

async function measure(subjects: Subject[]) {
  say(`start-up and SIGTERM: ${plan.startupRuns} interleaved runs each`);
  const runs = new Map<string, ProbeRun[]>(subjects.map((s) => [s.name, []]));
  for (let round = 0; round < plan.startupRuns; round++) {
    // Each round starts one subject further on (A B C, B C A, C A B ...): the
    // first run after the previous round's namespaces are torn down was
    // measured slower, and that must not fall on one subject every time.
    const order = subjects.map((_, i) => subjects[(i + round) % subjects.length]!);
    for (const subject of order) {
      runs.get(subject.name)!.push(probe(subject));
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

export const startup: Section = {
  name: "startup",
  run: ({ subjects }: Context) => measure(subjects),
  rows(startup, add) {
    // The floor's "installed" is the moment it parks in pause().
    add("spawn -> handlers installed", "ms", (n) => startup[n]?.spawnToHandlersMs ?? startup[n]?.spawnToPauseSyscallMs);
    add("spawn -> main thread in pause()", "ms", (n) => startup[n]?.spawnToPauseSyscallMs);
    add("exec seen -> handlers", "ms", (n) => startup[n]?.execToHandlersMs);
    add("SIGTERM -> exit", "ms", (n) => startup[n]?.sigtermToExitMs);
  },
};
