// Memory and CPU cgroups made for one measurement, as a pod's would be: v2 where the
// machine has the unified hierarchy with the memory controller, v1
// otherwise. Each is made under the bench's own cgroup (so a machine that
// confines the bench confines them too) and removed when the measurement
// ends, or at exit if it fails half-way.
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readText } from "../../test/support/proc";

export interface MemoryCgroup {
  dir: string;
  version: 1 | 2;
  /** Highest charge seen, in bytes (v1 memory.max_usage_in_bytes, v2 memory.peak). */
  peakBytes(): number;
  /** OOM kills inside it. */
  oomKills(): number;
  remove(): void;
}

const made = new Set<string>();
process.on("exit", () => {
  for (const dir of made) removeDir(dir);
});

function removeDir(dir: string): void {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      rmdirSync(dir);
      made.delete(dir);
      return;
    } catch {
      Bun.sleepSync(20); // its last process is still being torn down
    }
  }
}

/** cgroup v2: makes CONTROLLER's files appear in DIR (a child of PARENT), or removes DIR and says why not. */
function enableController(parent: string, dir: string, controller: "memory" | "cpu"): void {
  const limitFile = join(dir, `${controller}.max`);
  if (!existsSync(limitFile)) {
    try {
      writeFileSync(join(parent, "cgroup.subtree_control"), `+${controller}`);
    } catch {}
  }
  if (!existsSync(limitFile)) {
    removeDir(dir);
    throw new Error(`the ${controller} controller is not enabled for ${parent}'s children (a cgroup v2 parent with processes of its own cannot enable it)`);
  }
}

/** Where memory cgroups can be made, or why not. */
export function memoryHierarchy(): { version: 1 | 2; parent: string } | { unavailable: string } {
  const own = readText("/proc/self/cgroup") ?? "";
  const unified = "/sys/fs/cgroup";
  if (existsSync(join(unified, "cgroup.controllers")) && (readText(join(unified, "cgroup.controllers")) ?? "").includes("memory")) {
    const path = own.split("\n").find((l) => l.startsWith("0::"))?.slice(3) ?? "/";
    return { version: 2, parent: join(unified, path) };
  }
  const line = own.split("\n").find((l) => l.split(":")[1]?.split(",").includes("memory"));
  const v1 = join(unified, "memory");
  if (line && existsSync(join(v1, "memory.limit_in_bytes"))) return { version: 1, parent: join(v1, line.split(":")[2]!) };
  return { unavailable: "no memory cgroup controller (neither v2 with memory nor v1 memory is mounted)" };
}

let counter = 0;

/** A new memory cgroup limited to LIMIT bytes (none if null). */
export function memoryCgroup(limitBytes: number | null): MemoryCgroup {
  const where = memoryHierarchy();
  if ("unavailable" in where) throw new Error(where.unavailable);
  const dir = join(where.parent, `pause-bench-${process.pid}-${counter++}`);
  mkdirSync(dir);
  made.add(dir);
  const file = (name: string) => join(dir, name);
  const number = (name: string) => Number((readText(file(name)) ?? "").trim());
  if (where.version === 2) {
    enableController(where.parent, dir, "memory");
    if (limitBytes !== null) writeFileSync(file("memory.max"), String(limitBytes));
    if (existsSync(file("memory.swap.max"))) writeFileSync(file("memory.swap.max"), "0");
  } else {
    if (limitBytes !== null) writeFileSync(file("memory.limit_in_bytes"), String(limitBytes));
  }
  return {
    dir,
    version: where.version,
    peakBytes: () => (where.version === 2 ? number("memory.peak") : number("memory.max_usage_in_bytes")),
    oomKills: () => {
      const text = readFileSync(file(where.version === 2 ? "memory.events" : "memory.oom_control"), "utf8");
      return Number(text.match(/oom_kill (\d+)/)?.[1] ?? 0);
    },
    remove: () => removeDir(dir),
  };
}

/** read_ahead_kb of the block device that holds PATH (the whole disk's, for a partition). */
export function readAheadKb(path: string): number | null {
  const dev = statSync(path).dev;
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  for (const candidate of [`/sys/dev/block/${major}:${minor}/queue/read_ahead_kb`, `/sys/dev/block/${major}:${minor}/../queue/read_ahead_kb`]) {
    const text = readText(candidate);
    if (text !== undefined) return Number(text.trim());
  }
  return null;
}

export interface CpuCgroup {
  dir: string;
  version: 1 | 2;
  /** Periods in which the quota ran out, and the time spent throttled (ms). */
  throttling(): { periods: number; ms: number };
  remove(): void;
}

/** Where CPU cgroups can be made: v2 with the cpu controller, else v1's cpu hierarchy. */
function cpuHierarchy(): { version: 1 | 2; parent: string } {
  const own = readText("/proc/self/cgroup") ?? "";
  const unified = "/sys/fs/cgroup";
  if ((readText(join(unified, "cgroup.controllers")) ?? "").split(/\s+/).includes("cpu")) {
    return { version: 2, parent: join(unified, own.split("\n").find((l) => l.startsWith("0::"))?.slice(3) ?? "/") };
  }
  const line = own.split("\n").find((l) => l.split(":")[1]?.split(",").includes("cpu"));
  if (!line) throw new Error("no cpu cgroup controller (neither v2 with cpu nor v1 cpu is mounted)");
  const mount = [join(unified, "cpu"), join(unified, "cpu,cpuacct")].find((dir) => existsSync(join(dir, "cpu.cfs_quota_us")));
  if (!mount) throw new Error("the v1 cpu hierarchy has no CFS quota (cpu.cfs_quota_us)");
  return { version: 1, parent: join(mount, line.split(":")[2]!) };
}

/**
 * A new CPU cgroup limited to QUOTA_US of CPU time per PERIOD_US, as a pod's
 * `resources.limits.cpu` becomes (10m: 1 ms per 100 ms); no limit if null.
 */
export function cpuCgroup(quotaUs: number | null, periodUs = 100_000): CpuCgroup {
  const where = cpuHierarchy();
  const dir = join(where.parent, `pause-bench-cpu-${process.pid}-${counter++}`);
  mkdirSync(dir);
  made.add(dir);
  const file = (name: string) => join(dir, name);
  if (where.version === 2) {
    enableController(where.parent, dir, "cpu");
    writeFileSync(file("cpu.max"), `${quotaUs ?? "max"} ${periodUs}`);
  } else {
    writeFileSync(file("cpu.cfs_period_us"), String(periodUs));
    writeFileSync(file("cpu.cfs_quota_us"), String(quotaUs ?? -1));
  }
  return {
    dir,
    version: where.version,
    throttling: () => {
      const stat = readText(file("cpu.stat")) ?? "";
      const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(stat)?.[1] ?? 0);
      return where.version === 2
        ? { periods: value("nr_throttled"), ms: value("throttled_usec") / 1000 }
        : { periods: value("nr_throttled"), ms: value("throttled_time") / 1e6 };
    },
    remove: () => removeDir(dir),
  };
}
