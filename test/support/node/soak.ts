// The churn soak: CYCLES pods created, started, stopped and removed one after
// the other on a node of test/e2e/node-containerd.sh; every ORPHAN_EVERY-th
// pod shares its PID namespace with a busybox container whose shell leaves
// orphans to pause and exits, and the cycle waits until pause has reaped them.
// Then nothing the pods had may be left (leaks.ts) and the node's memory must
// be back within noise. Prints `ok - ` / `not ok - ` lines (the e2e tiers'
// format); --json writes the figures for the bench.
//   bun test/support/node/soak.ts [--cycles N] [--orphan-every K] [--json FILE]
import { writeFileSync } from "node:fs";
import { childrenOf } from "../proc";
import { crictl, nodeFromEnv, removePod, runBusybox, runPod, type Node } from "./cri";
import { kernelGrowthMib, KERNEL_NOISE_MIB, leftOver, MEMORY_NOISE_MIB, memoryLostMib, nodeSnapshot, removeCgroupParent, settled, type NodeCounts, type NodeSnapshot } from "./leaks";

export const ORPHANS = 5;
/** A cycle's orphans must be reaped within this. */
const REAP_TIMEOUT_MS = 10_000;

export interface SoakResult {
  label: string;
  cycles: number;
  orphanCycles: number;
  /** Cycles whose pause still had a child (an orphan, or its zombie) after REAP_TIMEOUT_MS. */
  unreaped: number;
  /** Cycles that failed (a CRI call that kept failing), with the first errors. */
  failed: number;
  errors: string[];
  /** StopPodSandbox calls that failed and succeeded when called again (kubelet retries too). */
  stopRetries: number;
  seconds: number;
  cycleMs: number;
  before: NodeSnapshot;
  after: NodeSnapshot;
  settleMs: number;
  left: Partial<NodeCounts>;
  memoryLostMib: number;
  kernelGrowthMib: number;
  /** AnonPages gained, MiB: a drop of MemAvailable that this explains is another tenant's. */
  anonGrowthMib: number;
  podsAnonAfterMib: number;
  cgroupParentRemoved: boolean;
}

async function pausePid(node: Node, podId: string): Promise<number> {
  return Number(JSON.parse((await crictl(node, "inspectp", "-o", "json", podId)).out).info.pid);
}

async function reaped(pid: number): Promise<boolean> {
  const deadline = performance.now() + REAP_TIMEOUT_MS;
  while (childrenOf(pid).length > 0) {
    if (performance.now() > deadline) return false;
    await Bun.sleep(5);
  }
  return true;
}

/** One pod's life; with ORPHANS, a busybox container that leaves them to pause. */
async function cycle(node: Node, n: number, orphans: boolean): Promise<{ reaped: boolean; stopErrors: string[] }> {
  const name = `soak-${n}`;
  const { id } = await runPod(node, name, { sharedPid: orphans });
  let reapedAll = true;
  if (orphans) {
    const pid = await pausePid(node, id);
    // the shell exits at once: its children are re-parented to pause, and exit soon after
    await runBusybox(node, id, name, `i=0; while [ $i -lt ${ORPHANS} ]; do sleep 0.2 </dev/null >/dev/null 2>&1 & i=$((i+1)); done`);
    // the busybox shell is pause's child too, until it exits and pause reaps it
    reapedAll = await reaped(pid);
  }
  const { stopErrors } = await removePod(node, id);
  return { reaped: reapedAll, stopErrors };
}

export async function soak(node: Node, cycles: number, orphanEvery: number, progress: (line: string) => void): Promise<SoakResult> {
  const before = await nodeSnapshot(node);
  const began = performance.now();
  let unreaped = 0;
  let orphanCycles = 0;
  let failed = 0;
  let stopRetries = 0;
  const errors: string[] = [];
  for (let n = 0; n < cycles; n++) {
    const orphans = orphanEvery > 0 && n % orphanEvery === orphanEvery - 1;
    if (orphans) orphanCycles++;
    try {
      const result = await cycle(node, n, orphans);
      if (!result.reaped) unreaped++;
      stopRetries += result.stopErrors.length;
      for (const e of result.stopErrors) if (errors.length < 5) errors.push(`cycle ${n} (retried): ${e}`);
    } catch (error) {
      failed++;
      if (errors.length < 5) errors.push(`cycle ${n}: ${(error as Error).message}`);
    }
    if ((n + 1) % 100 === 0) progress(`${node.label}: ${n + 1}/${cycles} cycles, ${((performance.now() - began) / (n + 1)).toFixed(0)} ms each`);
  }
  // a failed cycle may have left its pod: remove what the CRI still lists, so that the leak checks see the rest
  if (failed > 0) {
    for (const id of (await crictl(node, "pods", "-q")).out.split("\n").filter(Boolean)) await removePod(node, id).catch(() => {});
  }
  const seconds = (performance.now() - began) / 1000;
  const { snapshot: after, settleMs } = await settled(node, before);
  return {
    label: node.label,
    cycles,
    orphanCycles,
    unreaped,
    failed,
    errors,
    stopRetries,
    seconds,
    cycleMs: (seconds * 1000) / cycles,
    before,
    after,
    settleMs,
    left: leftOver(before.counts, after.counts),
    memoryLostMib: memoryLostMib(before.memory, after.memory),
    kernelGrowthMib: kernelGrowthMib(before.memory, after.memory),
    anonGrowthMib: (after.memory.anonPagesBytes - before.memory.anonPagesBytes) / 1024 / 1024,
    podsAnonAfterMib: after.memory.podsAnonBytes / 1024 / 1024,
    cgroupParentRemoved: removeCgroupParent(node),
  };
}

const signed = (mib: number) => `${mib >= 0 ? "+" : ""}${mib.toFixed(1)}`;

/** The soak's verdicts, one line each, as the e2e tiers print them. */
export function verdicts(r: SoakResult): { ok: boolean; line: string }[] {
  const what = `${r.label}, ${r.cycles} pods (${r.orphanCycles} with orphans)`;
  const counts = Object.keys(r.after.counts) as (keyof NodeCounts)[];
  return [
    { ok: r.failed === 0, line: `${what}: every pod ran, stopped and removed (${r.failed} failed; StopPodSandbox called again ${r.stopRetries} times)` },
    { ok: r.unreaped === 0, line: `${what}: pause reaped every orphan (${r.unreaped} cycles left one)` },
    ...counts.map((key) => ({
      ok: r.left[key] === undefined,
      line: `${what}: no ${key} left (${r.before.counts[key]} before, ${r.after.counts[key]} after${r.settleMs > 100 ? `, settled in ${(r.settleMs / 1000).toFixed(1)} s` : ""})`,
    })),
    { ok: r.podsAnonAfterMib < 1, line: `${what}: the pods' cgroup holds no anonymous memory after (${r.podsAnonAfterMib.toFixed(2)} MiB)` },
    { ok: r.cgroupParentRemoved, line: `${what}: the pods' cgroup parent is empty and removed` },
    {
      ok: r.memoryLostMib <= MEMORY_NOISE_MIB,
      line: `${what}: node MemAvailable back within ${MEMORY_NOISE_MIB} MiB (${Math.abs(r.memoryLostMib).toFixed(1)} MiB ${r.memoryLostMib >= 0 ? "lower" : "higher"} than before; AnonPages of all processes ${signed(r.anonGrowthMib)} MiB)`,
    },
    {
      ok: r.kernelGrowthMib <= KERNEL_NOISE_MIB,
      line: `${what}: kernel memory (SUnreclaim + Percpu) back within ${KERNEL_NOISE_MIB} MiB (${signed(r.kernelGrowthMib)} MiB)`,
    },
  ];
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1]! : fallback;
  };
  const node = nodeFromEnv();
  const result = await soak(node, Number(option("--cycles", "100")), Number(option("--orphan-every", "4")), (line) => console.log(`# ${line}`));
  console.log(`# ${node.label}: ${result.cycles} cycles in ${result.seconds.toFixed(0)} s (${result.cycleMs.toFixed(0)} ms each)`);
  for (const e of result.errors) console.log(`# ${e.split("\n")[0]}`);
  const lines = verdicts(result);
  for (const v of lines) console.log(`${v.ok ? "ok" : "not ok"} - ${v.line}`);
  const json = option("--json", "");
  if (json) writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  process.exit(lines.every((v) => v.ok) ? 0 : 1);
}
