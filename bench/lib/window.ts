// What the preload experiment and the image section measure alike, for a list
// of subjects run interleaved: the SIGTERM window, warm start-ups and the
// charge of cold starts.
import { sleep } from "./common";
import { probe } from "./probe";
import { spread } from "./stats";
import type { Subject } from "./subjects";
import { attempt } from "../sections/budget";

export interface WindowPlan {
  tries: number;
  stepUs: number;
  /** A subject's scan ends this far past its last lost SIGTERM. */
  cleanUs: number;
  maxUs: number;
  /** Every subject is tried at every delay until all are clean (so that their figures compare). */
  together?: boolean;
}

/**
 * The latest delay after the exec at which a SIGTERM was still lost, per subject: every step from 0, TRIES
 * sends each (the subjects' order rotating), until a subject (or, together, every subject) has lost none for CLEAN. A send that a busy machine
 * made late counts at the delay it was made with, rounded down to the step.
 */
export function termWindows(subjects: Subject[], plan: WindowPlan) {
  const lost = new Map<string, Record<number, number>>(subjects.map((s) => [s.name, {}]));
  const lastLost = new Map<string, number>(subjects.map((s) => [s.name, -1]));
  const sends = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
  for (let delay = 0; delay <= plan.maxUs; delay += plan.stepUs) {
    const unclean = subjects.filter((s) => delay <= lastLost.get(s.name)! + plan.cleanUs || delay < plan.cleanUs);
    if (unclean.length === 0) break;
    const active = plan.together ? subjects : unclean;
    for (let t = 0; t < plan.tries; t++) {
      for (let i = 0; i < active.length; i++) {
        const subject = active[(i + t) % active.length]!;
        const r = probe(subject, { termAfterExecUs: delay });
        const sent = Math.max(delay, Math.floor(r.term_after_exec_us / plan.stepUs) * plan.stepUs);
        sends.get(subject.name)!.push(sent);
        if (r.term_lost !== 1) continue;
        const counts = lost.get(subject.name)!;
        counts[sent] = (counts[sent] ?? 0) + 1;
        lastLost.set(subject.name, Math.max(lastLost.get(subject.name)!, sent));
      }
    }
  }
  return Object.fromEntries(
    subjects.map((s) => {
      const fromMs = (counts: number[]) => counts.filter((d) => d >= 1000).length;
      const lostFrom1Ms = Object.entries(lost.get(s.name)!).reduce((n, [d, c]) => n + (Number(d) >= 1000 ? c : 0), 0);
      return [s.name, {
        latestLostMs: lastLost.get(s.name)! < 0 ? null : lastLost.get(s.name)! / 1000,
        lostByDelayUs: lost.get(s.name)!,
        /** Sent at 1 ms or later, and of those lost: how often a late loss happens, less sensitive to one outlier. */
        from1Ms: { sent: fromMs(sends.get(s.name)!), lost: lostFrom1Ms },
      }];
    }),
  );
}

/** RUNS warm start-ups of each subject, the order rotating each round: spawn -> handlers and -> pause(). */
export async function warmStarts(subjects: Subject[], runs: number) {
  const warm = Object.fromEntries(subjects.map((s) => [s.name, { paused: [] as number[], handlers: [] as number[] }]));
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < subjects.length; i++) {
      const subject = subjects[(i + round) % subjects.length]!;
      const r = probe(subject);
      warm[subject.name]!.paused.push(r.spawn_to_paused_us / 1000);
      warm[subject.name]!.handlers.push(r.spawn_to_ready_us / 1000);
      await sleep(20);
    }
  }
  return Object.fromEntries(
    subjects.map((s) => [s.name, { spawnToHandlersMs: spread(warm[s.name]!.handlers), spawnToPauseSyscallMs: spread(warm[s.name]!.paused) }]),
  );
}

/** RUNS cold starts of each subject with no memory limit: the charge, and spawn -> ready. */
export function coldStarts(subjects: Subject[], runs: number) {
  const cold = Object.fromEntries(subjects.map((s) => [s.name, { chargeMib: [] as number[], readyMs: [] as number[] }]));
  for (let i = 0; i < runs; i++) {
    for (const subject of subjects) {
      const a = attempt(subject, null, true);
      cold[subject.name]!.chargeMib.push(a.peakMib);
      if (a.readyMs !== null) cold[subject.name]!.readyMs.push(a.readyMs);
    }
  }
  return Object.fromEntries(subjects.map((s) => [s.name, { chargeMib: spread(cold[s.name]!.chargeMib), readyMs: spread(cold[s.name]!.readyMs) }]));
}
