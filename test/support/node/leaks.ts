// What a node holds for its pods, counted from outside (/proc, the cgroup
// tree, the node's own state dir) and through crictl: the leak checks of the
// soak, the same for the CI tier (test/e2e/soak.sh) and the bench
// (bench/sections/node.ts). A count that is higher after the pods are gone
// than before they came is a leak; the node's memory must be back within noise.
import { existsSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { field, procFile, readText } from "../proc";
import { crictl, type Node } from "./cri";

const MiB = 1024 * 1024;
/** MemAvailable may drop this much over a soak and still be "back" (page cache, slab and other tenants move it). */
export const MEMORY_NOISE_MIB = Number(Bun.env.NODE_MEMORY_NOISE_MIB ?? 64);
/** Kernel memory no process owns (unreclaimable slab, per-CPU: network namespaces, cgroups, mounts) may grow this much. */
export const KERNEL_NOISE_MIB = Number(Bun.env.NODE_KERNEL_NOISE_MIB ?? 16);
/** Once the last pod is removed, shims and namespaces go asynchronously (the kernel frees a netns later still): polled this long. */
const SETTLE_MS = 30_000;

export interface NodeCounts {
  /** Sandboxes the CRI still lists. */
  pods: number;
  /** Containers the CRI still lists. */
  containers: number;
  /** Containers runc still knows under the node's runc root. */
  runcContainers: number;
  /** containerd-shim-runc-v2 processes serving this node's socket. */
  shims: number;
  /** Processes in the pods' cgroups. */
  podProcesses: number;
  /** Zombies that pods, shims or runc leave (by name: pause, sh, sleep, containerd-shim, runc). */
  zombies: number;
  /** Mount points under the node's dir: rootfs snapshots, /dev/shm, netns bind mounts. */
  mounts: number;
  /** Network namespaces held by a bind mount under the node's dir. */
  netns: number;
  /** Cgroups below the pods' cgroup parent, every hierarchy. */
  cgroups: number;
  /** Pod addresses host-local still holds. */
  addresses: number;
}

export interface NodeMemory {
  /** /proc/meminfo MemAvailable, bytes. */
  availableBytes: number;
  /** /proc/meminfo SUnreclaim + Percpu: what leaked namespaces, cgroups and mounts would hold. */
  kernelBytes: number;
  /** /proc/meminfo AnonPages: every process's, the node's other tenants' too. */
  anonPagesBytes: number;
  /** The pods' cgroup parent: all it is charged (memory.usage_in_bytes / memory.current) and anonymous memory alone. */
  podsBytes: number;
  podsAnonBytes: number;
}

export interface NodeSnapshot {
  counts: NodeCounts;
  memory: NodeMemory;
}

function pids(): number[] {
  return readdirSync("/proc").filter((n) => /^\d+$/.test(n)).map(Number);
}

const argv = (pid: number) => (procFile(pid, "cmdline") ?? "").split("\0");
const ZOMBIE_NAMES = /^(pause|sh|sleep|containerd-shim|runc)/;

function isNodeShim(node: Node, pid: number): boolean {
  const args = argv(pid);
  return (args[0] ?? "").includes("containerd-shim") && args[args.indexOf("-address") + 1] === node.sock;
}

/** The shims serving this node's pods. */
export function shimPids(node: Node): number[] {
  return pids().filter((pid) => isNodeShim(node, pid));
}

/** Where the pods' cgroup parent is, in each hierarchy that has one. */
export function podCgroupDirs(node: Node): string[] {
  const root = "/sys/fs/cgroup";
  if (existsSync(join(root, "cgroup.controllers"))) return [join(root, node.cgroupParent)];
  return readdirSync(root)
    .map((hierarchy) => join(root, hierarchy, node.cgroupParent))
    .filter((dir) => existsSync(dir));
}

/** The memory hierarchy's directory for the pods' cgroup parent (it may not exist yet). */
function memoryDir(node: Node): { dir: string; v2: boolean } {
  const root = "/sys/fs/cgroup";
  const v2 = existsSync(join(root, "cgroup.controllers"));
  return { dir: v2 ? join(root, node.cgroupParent) : join(root, "memory", node.cgroupParent), v2 };
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir).map((n) => join(dir, n)).filter((p) => statSync(p).isDirectory());
  } catch {
    return [];
  }
}

function cgroupsBelow(dir: string): string[] {
  return subdirs(dir).flatMap((d) => [d, ...cgroupsBelow(d)]);
}

/** The processes of the pods: every pid in a cgroup below the parent (memory hierarchy). */
export function podPids(node: Node): number[] {
  const { dir } = memoryDir(node);
  return cgroupsBelow(dir).flatMap((d) => (readText(join(d, "cgroup.procs")) ?? "").split("\n").filter(Boolean).map(Number));
}

export function nodeMemory(node: Node): NodeMemory {
  const meminfo = readText("/proc/meminfo");
  const bytes = (name: string) => Number(field(meminfo, name)?.split(/\s+/)[0] ?? NaN) * 1024;
  const { dir, v2 } = memoryDir(node);
  const number = (file: string) => Number((readText(join(dir, file)) ?? "0").trim());
  const stat = readText(join(dir, "memory.stat")) ?? "";
  const statField = (name: string) => Number(stat.match(new RegExp(`^${name} (\\d+)$`, "m"))?.[1] ?? 0);
  return {
    availableBytes: bytes("MemAvailable"),
    kernelBytes: bytes("SUnreclaim") + (bytes("Percpu") || 0),
    anonPagesBytes: bytes("AnonPages"),
    podsBytes: number(v2 ? "memory.current" : "memory.usage_in_bytes"),
    podsAnonBytes: v2 ? statField("anon") : statField("total_rss"),
  };
}

export async function nodeCounts(node: Node): Promise<NodeCounts> {
  const lines = async (...args: string[]) => (await crictl(node, ...args)).out.split("\n").filter(Boolean).length;
  const runc = Bun.spawnSync(["runc", "--root", join(node.dir, "runc", "k8s.io"), "list", "-q"], { stdout: "pipe", stderr: "pipe" });
  const all = pids();
  const mounts = (readText("/proc/self/mountinfo") ?? "").split("\n").filter((l) => l.split(" ")[4]?.startsWith(`${node.dir}/`));
  const ipam = join(node.dir, "cni-ipam");
  return {
    pods: await lines("pods", "-q"),
    containers: await lines("ps", "-a", "-q"),
    runcContainers: runc.stdout.toString().split("\n").filter(Boolean).length,
    shims: shimPids(node).length,
    podProcesses: podPids(node).length,
    zombies: all.filter((pid) => {
      const stat = procFile(pid, "stat");
      if (stat === undefined) return false;
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z") && ZOMBIE_NAMES.test(name);
    }).length,
    mounts: mounts.length,
    netns: mounts.filter((l) => l.split(" - ")[1]?.startsWith("nsfs ")).length,
    cgroups: podCgroupDirs(node).reduce((sum, dir) => sum + cgroupsBelow(dir).length, 0),
    addresses: subdirs(ipam).reduce((sum, net) => sum + readdirSync(net).filter((n) => /^[0-9a-f.:]+$/.test(n) && n.includes(".")).length, 0),
  };
}

export async function nodeSnapshot(node: Node): Promise<NodeSnapshot> {
  return { counts: await nodeCounts(node), memory: nodeMemory(node) };
}

/** What is left: each count above its value BEFORE (zero when nothing leaked). */
export function leftOver(before: NodeCounts, after: NodeCounts): Partial<NodeCounts> {
  const left: Partial<NodeCounts> = {};
  for (const key of Object.keys(before) as (keyof NodeCounts)[]) {
    if (after[key] > before[key]) left[key] = after[key] - before[key];
  }
  return left;
}

/**
 * Polls until no count is above BEFORE's and MemAvailable and kernel memory
 * are back within noise (shims, namespaces and their memory go after the
 * calls return), or SETTLE_MS pass; the last snapshot.
 */
export async function settled(node: Node, before: NodeSnapshot): Promise<{ snapshot: NodeSnapshot; settleMs: number }> {
  const began = performance.now();
  for (;;) {
    const snapshot = await nodeSnapshot(node);
    const done =
      Object.keys(leftOver(before.counts, snapshot.counts)).length === 0 &&
      memoryLostMib(before.memory, snapshot.memory) <= MEMORY_NOISE_MIB &&
      kernelGrowthMib(before.memory, snapshot.memory) <= KERNEL_NOISE_MIB;
    if (done || performance.now() - began > SETTLE_MS) return { snapshot, settleMs: performance.now() - began };
    await Bun.sleep(100);
  }
}

/** Kernel memory gained between two snapshots, MiB. */
export const kernelGrowthMib = (before: NodeMemory, after: NodeMemory) => (after.kernelBytes - before.kernelBytes) / MiB;

/** MemAvailable lost between two snapshots, MiB (negative: more available after). */
export const memoryLostMib = (before: NodeMemory, after: NodeMemory) => (before.availableBytes - after.availableBytes) / MiB;

/** Removes the pods' cgroup parent (runc makes it, nobody removes it); false if something is still in it. */
export function removeCgroupParent(node: Node): boolean {
  let ok = true;
  for (const dir of podCgroupDirs(node)) {
    try {
      rmdirSync(dir);
    } catch {
      ok = false;
    }
  }
  return ok;
}
