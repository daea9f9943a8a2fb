// The density run of the bench's node section (bench/sections/node.ts), on a
// node of test/e2e/node-containerd.sh: for each N, N pods started one at a
// time (RunPodSandbox latency, time to start all N), the node's memory before
// and after divided by N and split into pause's share (the Pss of the pause
// processes) and the rest (shims, cgroups, network namespaces), then every pod
// stopped and removed (StopPodSandbox + RemovePodSandbox latency). Then WIDTH
// pods at once, for the largest N. Writes JSON to --out.
//   bun bench/node-density.ts --out FILE [--counts 10,50,110,250] [--width 8] [--parallel-pods N]
import { writeFileSync } from "node:fs";
import { catchesStopSignals, kib, procFile, readText } from "../test/support/proc";
import { inParallel, nodeFromEnv, removePod, runPod, type Node } from "../test/support/node/cri";
import { nodeMemory, nodeSnapshot, podPids, removeCgroupParent, settled, shimPids, type NodeMemory } from "../test/support/node/leaks";
import { quantile } from "./lib/stats";

const MiB = 1024 * 1024;
/** Memory is read this long after the last pause is ready (the bench's idle section waits the same). */
const MEMORY_AFTER_READY_MS = 3_000;
/** MemAvailable moves with everything else on the node: the median of this many readings. */
const MEMORY_READINGS = 5;

export interface Latency {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export interface Density {
  n: number;
  start: Latency;
  startAllS: number;
  stop: Latency;
  /**
   * MemAvailable lost ÷ N = pause's Pss (its anonymous part beside) + the
   * rest. The rest's parts beside: the shims' Pss and kernel memory
   * (SUnreclaim + Percpu: namespaces, cgroups). `accounted` = pause + shims +
   * kernel, which other tenants of the node do not move as they move MemAvailable.
   */
  perPodMib: { available: number; accounted: number; podsCgroup: number; pausePss: number; pausePssAnon: number; rest: number; shimPss: number; kernel: number };
  pauseRssMib: number;
}

export interface DensityResult {
  label: string;
  loadAverage: string;
  densities: Density[];
  parallel: { n: number; width: number; start: Latency; startAllS: number; stop: Latency; stopAllS: number };
}

function latency(ms: number[]): Latency {
  const sorted = [...ms].sort((a, b) => a - b);
  return { n: sorted.length, p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted[sorted.length - 1] ?? NaN };
}

async function memoryReading(node: Node): Promise<NodeMemory> {
  const readings: NodeMemory[] = [];
  for (let i = 0; i < MEMORY_READINGS; i++) {
    readings.push(nodeMemory(node));
    await Bun.sleep(100);
  }
  const median = (pick: (m: NodeMemory) => number) => quantile(readings.map(pick).sort((a, b) => a - b), 0.5);
  return {
    availableBytes: median((m) => m.availableBytes),
    kernelBytes: median((m) => m.kernelBytes),
    anonPagesBytes: median((m) => m.anonPagesBytes),
    podsBytes: median((m) => m.podsBytes),
    podsAnonBytes: median((m) => m.podsAnonBytes),
  };
}

async function waitForPauses(node: Node, n: number): Promise<number[]> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    const pids = podPids(node);
    if (pids.length === n && pids.every(catchesStopSignals)) return pids;
    if (performance.now() > deadline) throw new Error(`${n} pauses with their handlers: ${pids.length} pods' processes after 60 s`);
    await Bun.sleep(20);
  }
}

async function density(node: Node, n: number): Promise<Density> {
  const baseline = await nodeSnapshot(node);
  const before = await memoryReading(node);
  const began = performance.now();
  const pods: { id: string; ms: number }[] = [];
  for (let i = 0; i < n; i++) pods.push(await runPod(node, `density-${n}-${i}`));
  const startAllS = (performance.now() - began) / 1000;
  const pids = await waitForPauses(node, n);
  await Bun.sleep(MEMORY_AFTER_READY_MS);
  const after = await memoryReading(node);
  const rollups = pids.map((pid) => procFile(pid, "smaps_rollup"));
  const pss = rollups.reduce((sum, r) => sum + kib(r, "Pss"), 0) / 1024;
  const shimPss = shimPids(node).reduce((sum, pid) => sum + kib(procFile(pid, "smaps_rollup"), "Pss"), 0) / 1024;
  const pssAnon = rollups.reduce((sum, r) => sum + kib(r, "Pss_Anon"), 0) / 1024;
  const rss = rollups.reduce((sum, r) => sum + kib(r, "Rss"), 0) / 1024;
  const stops: number[] = [];
  for (const pod of pods) stops.push((await removePod(node, pod.id)).ms);
  await settled(node, baseline);
  const available = (before.availableBytes - after.availableBytes) / MiB / n;
  const kernel = (after.kernelBytes - before.kernelBytes) / MiB / n;
  return {
    n,
    start: latency(pods.map((p) => p.ms)),
    startAllS,
    stop: latency(stops),
    perPodMib: {
      available,
      accounted: (pss + shimPss) / n + kernel,
      podsCgroup: (after.podsBytes - before.podsBytes) / MiB / n,
      pausePss: pss / n,
      pausePssAnon: pssAnon / n,
      rest: available - pss / n,
      shimPss: shimPss / n,
      kernel,
    },
    pauseRssMib: rss / n,
  };
}

async function parallel(node: Node, n: number, width: number): Promise<DensityResult["parallel"]> {
  const baseline = await nodeSnapshot(node);
  const began = performance.now();
  const pods = await inParallel([...Array(n).keys()], width, (i) => runPod(node, `parallel-${i}`));
  const startAllS = (performance.now() - began) / 1000;
  await waitForPauses(node, n);
  const stopBegan = performance.now();
  const stops = await inParallel(pods, width, (pod) => removePod(node, pod.id));
  const stopAllS = (performance.now() - stopBegan) / 1000;
  await settled(node, baseline);
  return { n, width, start: latency(pods.map((p) => p.ms)), startAllS, stop: latency(stops.map((r) => r.ms)), stopAllS };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1]! : fallback;
  };
  const out = option("--out", "");
  if (!out) throw new Error("usage: bun bench/node-density.ts --out FILE [--counts 10,50,110,250] [--width 8] [--parallel-pods N]");
  const node = nodeFromEnv();
  const counts = option("--counts", "10,50,110,250").split(",").map(Number);
  const width = Number(option("--width", "8"));
  const densities: Density[] = [];
  try {
    for (const n of counts) {
      densities.push(await density(node, n));
      const d = densities[densities.length - 1]!;
      console.error(`# ${node.label}: ${n} pods: ${d.perPodMib.available.toFixed(2)} MiB each (accounted ${d.perPodMib.accounted.toFixed(2)}, pause ${d.perPodMib.pausePss.toFixed(2)}), runp p50 ${d.start.p50.toFixed(0)} ms`);
    }
    const result: DensityResult = {
      label: node.label,
      loadAverage: readText("/proc/loadavg")?.trim() ?? "",
      densities,
      parallel: await parallel(node, Number(option("--parallel-pods", String(Math.max(...counts.filter((n) => n <= 110))))), width),
    };
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    removeCgroupParent(node);
  }
}
