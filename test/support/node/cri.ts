// A containerd node as the CRI sees it, through crictl: the node that
// test/e2e/node-containerd.sh started (its environment says where), pods run
// and removed one call at a time, each call timed. The soak (soak.ts) and the
// bench's node section (bench/node-density.ts) drive the node only through here.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Node {
  crictl: string[];
  dir: string;
  sock: string;
  busybox: string;
  image: string;
  label: string;
  /** The cgroup parent of every pod this process runs (cgroupfs path, as CRI's linux.cgroup_parent). */
  cgroupParent: string;
}

/** The node of test/e2e/node-containerd.sh, from the environment it gives its COMMAND. */
export function nodeFromEnv(): Node {
  const need = (name: string) => {
    const value = Bun.env[name];
    if (!value) throw new Error(`${name} is not set: run this under test/e2e/node-containerd.sh`);
    return value;
  };
  return {
    crictl: need("NODE_CRICTL").split("\t"),
    dir: need("NODE_DIR"),
    sock: need("NODE_SOCK"),
    busybox: need("NODE_BUSYBOX"),
    image: need("NODE_IMAGE"),
    label: need("NODE_LABEL"),
    cgroupParent: need("NODE_CGROUP_PARENT"),
  };
}

/** One crictl call: its stdout, trimmed, and how long it took (ms); throws with its output on failure. */
export async function crictl(node: Node, ...args: string[]): Promise<{ out: string; ms: number }> {
  const began = performance.now();
  const child = Bun.spawn([...node.crictl, ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  const ms = performance.now() - began;
  if (code !== 0) throw new Error(`crictl ${args.join(" ")} exited ${code}: ${err.trim() || out.trim()}`);
  return { out: out.trim(), ms };
}

export interface PodOptions {
  /** Containers of the pod share its PID namespace, so their orphans go to pause (namespace mode 0 = POD). */
  sharedPid?: boolean;
}

let serial = 0;

/** Writes the pod's config (the CRI's snake_case JSON, as crictl reads it); its path. */
export function podConfig(node: Node, name: string, options: PodOptions = {}): string {
  const logs = join(node.dir, "logs", name);
  mkdirSync(logs, { recursive: true });
  const file = join(node.dir, `pod-${name}.json`);
  const config = {
    metadata: { name, uid: `uid-${name}-${serial++}`, namespace: "pause-node", attempt: 0 },
    hostname: name,
    log_directory: logs,
    linux: { cgroup_parent: node.cgroupParent, security_context: { namespace_options: { network: 0, pid: options.sharedPid ? 0 : 1, ipc: 0 } } },
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** RunPodSandbox: the pod's id and the call's latency. */
export async function runPod(node: Node, name: string, options: PodOptions = {}): Promise<{ id: string; ms: number }> {
  const { out, ms } = await crictl(node, "runp", podConfig(node, name, options));
  return { id: out, ms };
}

/** StopPodSandbox attempts before a pod counts as not stopped (kubelet, too, calls it again until it succeeds). */
const STOP_ATTEMPTS = 3;

export interface Removal {
  /** StopPodSandbox (every attempt) then RemovePodSandbox. */
  ms: number;
  /** Failed StopPodSandbox calls before the one that succeeded, and what they said. */
  stopErrors: string[];
}

/**
 * StopPodSandbox then RemovePodSandbox. A failed StopPodSandbox is called
 * again, as kubelet does: containerd 1.6 now and then answers "failed to kill
 * container ...: ttrpc: closed" when an app container exited just before.
 */
export async function removePod(node: Node, id: string): Promise<Removal> {
  const began = performance.now();
  const stopErrors: string[] = [];
  for (;;) {
    try {
      await crictl(node, "stopp", id);
      break;
    } catch (error) {
      stopErrors.push((error as Error).message);
      if (stopErrors.length === STOP_ATTEMPTS) throw error;
    }
  }
  await crictl(node, "rmp", id);
  return { ms: performance.now() - began, stopErrors };
}

/** Creates and starts a busybox container running `sh -c SCRIPT` in pod ID (made with podConfig NAME). */
export async function runBusybox(node: Node, podId: string, podName: string, script: string): Promise<string> {
  const file = join(node.dir, `container-${podName}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      metadata: { name: "busybox", attempt: 0 },
      image: { image: node.busybox },
      command: ["sh", "-c", script],
      log_path: "busybox.log",
      linux: { security_context: { namespace_options: { network: 0, pid: 0, ipc: 0 } } },
    }),
  );
  const { out: id } = await crictl(node, "create", podId, file, join(node.dir, `pod-${podName}.json`));
  await crictl(node, "start", id);
  return id;
}

/** Runs TASK for each of ITEMS, at most WIDTH at a time; the results in order. */
export async function inParallel<T, R>(items: T[], width: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      results[at] = await task(items[at]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}
