// A node full of pods: containerd 1.6's CRI driven with crictl, as the
// containerd e2e tier drives it (test/e2e/node-containerd.sh starts it the
// same way), once with the C pause as sandbox_image and once with
// dist/pause.oci.tar: density, RunPodSandbox and Stop+RemovePodSandbox
// latency (bench/node-density.ts), then the churn soak with its leak checks
// (test/support/node/soak.ts, which the e2e tier soak.sh runs short).
// Off by default (about half an hour): `npm run bench -- --only node`, as root.
// Env: NODE_COUNTS (default 10,50,110,250), NODE_SOAK_CYCLES (default 2000),
//      E2E_POD_SUBNET (default 10.251.84.0/22: 250 pods and more fit).
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BUILD, BUN, QUICK, ROOT, say } from "../lib/common";
import { fmt } from "../lib/report";
import type { Section } from "../lib/section";
import type { DensityResult } from "../node-density";
import { verdicts, type SoakResult } from "../../test/support/node/soak";

const WORK = join(BUILD, "node");
/** The name test/e2e/c-pause-image.sh gives the C pause (lib.sh's C_PAUSE_REF). */
const C_PAUSE_REF = "pause-c:3.10";
const COUNTS = Bun.env.NODE_COUNTS ?? (QUICK ? "10,50,110" : "10,50,110,250");
const SOAK_CYCLES = Number(Bun.env.NODE_SOAK_CYCLES ?? (QUICK ? 200 : 2000));
/** The goals of bench/NOTES.md. */
const GOAL_MEMORY_MIB = 2.5;
const GOAL_START_MS = 10;
const GOAL_AT = 110;

interface Image {
  /** The bench's subject it stands for (a key of the table). */
  subject: string;
  tar: string;
  ref: string;
}

function images(): Image[] {
  const pauseTs = join(ROOT, "dist", "pause.oci.tar");
  if (!existsSync(pauseTs)) throw new Error("dist/pause.oci.tar is missing: npm run image first");
  const index = JSON.parse(readFileSync(join(ROOT, "dist", "image", "index.json"), "utf8"));
  const ref = index.manifests[0].annotations["org.opencontainers.image.ref.name"];
  return [
    { subject: "C", tar: join(WORK, "cpause", "image.tar"), ref: C_PAUSE_REF },
    { subject: "dist/pause", tar: pauseTs, ref },
  ];
}

/** Runs bash SCRIPT ARGS... in test/e2e; its output to the bench's stderr. */
async function e2e(script: string, ...args: string[]): Promise<void> {
  const child = Bun.spawn(["bash", join(ROOT, "test", "e2e", script), ...args], {
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
    env: { ...Bun.env, BUSYBOX_IMAGE_OUT: join(WORK, "busybox"), E2E_POD_SUBNET: Bun.env.E2E_POD_SUBNET ?? "10.251.84.0/22" },
  });
  if ((await child.exited) !== 0) throw new Error(`test/e2e/${script} ${args.join(" ")} exited ${child.exitCode}`);
}

/** COMMAND run on a node whose sandbox image is IMAGE. */
const onNode = (image: Image, ...command: string[]) => e2e("node-containerd.sh", image.subject === "C" ? "C" : "pause.ts", image.tar, image.ref, ...command);

export interface NodeReport {
  counts: string;
  soakCycles: number;
  density: Record<string, DensityResult>;
  soak: Record<string, SoakResult>;
  goals: Record<string, string>;
}

function goals(report: Omit<NodeReport, "goals">): Record<string, string> {
  const at = (s: string) => report.density[s]?.densities.find((d) => d.n === GOAL_AT);
  const c = at("C");
  const ts = at("dist/pause");
  const verdict = (ok: boolean | undefined, detail: string) => (ok === undefined ? `n/a (${detail})` : `${ok ? "PASS" : "FAIL"} (${detail})`);
  const leaks = (s: string) => report.soak[s] && verdicts(report.soak[s]!).filter((v) => !v.ok).length;
  return {
    [`memory per sandbox at ${GOAL_AT} <= C + ${GOAL_MEMORY_MIB} MiB`]: verdict(
      c && ts ? ts.perPodMib.available <= c.perPodMib.available + GOAL_MEMORY_MIB : undefined,
      `${fmt(ts?.perPodMib.available)} vs ${fmt(c?.perPodMib.available)} MiB`,
    ),
    [`RunPodSandbox p50 <= C + ${GOAL_START_MS} ms`]: verdict(c && ts ? ts.start.p50 <= c.start.p50 + GOAL_START_MS : undefined, `${fmt(ts?.start.p50)} vs ${fmt(c?.start.p50)} ms at ${GOAL_AT} pods`),
    "0 leaks after the soak": verdict(
      report.soak["dist/pause"] ? leaks("dist/pause") === 0 : undefined,
      `pause.ts ${leaks("dist/pause") ?? "n/a"}, C ${leaks("C") ?? "n/a"} failed checks over ${report.soakCycles} pods`,
    ),
  };
}

export const node: Section = {
  name: "node",
  optIn: true,
  async run() {
    if (process.getuid?.() !== 0) {
      say("node: skipped, containerd's CRI needs root");
      return { unavailable: "not root" };
    }
    mkdirSync(WORK, { recursive: true });
    await e2e("busybox-image.sh", join(WORK, "busybox"));
    await e2e("c-pause-image.sh", join(WORK, "cpause"));
    const list = images();
    const report: Omit<NodeReport, "goals"> = { counts: COUNTS, soakCycles: SOAK_CYCLES, density: {}, soak: {} };
    for (const image of list) {
      say(`node: density ${COUNTS} with ${image.subject} as sandbox_image`);
      const out = join(WORK, `density-${image.subject.replace("/", "-")}.json`);
      await onNode(image, BUN, join(ROOT, "bench", "node-density.ts"), "--counts", COUNTS, "--out", out);
      report.density[image.subject] = JSON.parse(readFileSync(out, "utf8"));
    }
    for (const image of list) {
      say(`node: soak, ${SOAK_CYCLES} pods with ${image.subject} as sandbox_image`);
      const out = join(WORK, `soak-${image.subject.replace("/", "-")}.json`);
      // a failed leak check fails the soak's exit status: the figures are still written
      await onNode(image, BUN, join(ROOT, "test", "support", "node", "soak.ts"), "--cycles", String(SOAK_CYCLES), "--json", out).catch((e: Error) => say(`node: ${e.message}`));
      if (existsSync(out)) report.soak[image.subject] = JSON.parse(readFileSync(out, "utf8"));
    }
    return { ...report, goals: goals(report) };
  },
  rows(data: NodeReport, add) {
    if (!data.density) return;
    const at = (name: string, n: number) => data.density[name]?.densities.find((d) => d.n === n);
    const ns = data.density.C?.densities.map((d) => d.n) ?? [];
    for (const n of ns) {
      add(`node ${n} pods: memory per pod (MemAvailable)`, "MiB", (s) => at(s, n)?.perPodMib.available);
      add(`node ${n} pods: memory per pod (pause+shim Pss+kernel)`, "MiB", (s) => at(s, n)?.perPodMib.accounted);
      add(`node ${n} pods: pause Pss per pod`, "MiB", (s) => at(s, n)?.perPodMib.pausePss);
      add(`node ${n} pods: pause Pss_Anon per pod`, "MiB", (s) => at(s, n)?.perPodMib.pausePssAnon);
      add(`node ${n} pods: rest per pod`, "MiB", (s) => at(s, n)?.perPodMib.rest);
      add(`node ${n} pods: shim Pss per pod`, "MiB", (s) => at(s, n)?.perPodMib.shimPss);
      add(`node ${n} pods: kernel (SUnreclaim+Percpu) per pod`, "MiB", (s) => at(s, n)?.perPodMib.kernel);
      add(`node ${n} pods: pods' cgroup per pod`, "MiB", (s) => at(s, n)?.perPodMib.podsCgroup);
      add(`node ${n} pods: RunPodSandbox p50`, "ms", (s) => at(s, n)?.start.p50);
      add(`node ${n} pods: RunPodSandbox p95`, "ms", (s) => at(s, n)?.start.p95);
      add(`node ${n} pods: start all`, "s", (s) => at(s, n)?.startAllS);
      add(`node ${n} pods: Stop+RemovePodSandbox p50`, "ms", (s) => at(s, n)?.stop.p50);
      add(`node ${n} pods: Stop+RemovePodSandbox p95`, "ms", (s) => at(s, n)?.stop.p95);
    }
    const p = (s: string) => data.density[s]?.parallel;
    add(`node ${p("C")?.width} at once: RunPodSandbox p50`, "ms", (s) => p(s)?.start.p50);
    add(`node ${p("C")?.width} at once: RunPodSandbox p95`, "ms", (s) => p(s)?.start.p95);
    add(`node ${p("C")?.width} at once: start all ${p("C")?.n}`, "s", (s) => p(s)?.startAllS);
    add(`node ${p("C")?.width} at once: Stop+RemovePodSandbox p50`, "ms", (s) => p(s)?.stop.p50);
    add(`node ${p("C")?.width} at once: Stop+RemovePodSandbox p95`, "ms", (s) => p(s)?.stop.p95);
    add(`node soak: ms per pod`, "ms", (s) => data.soak[s]?.cycleMs);
    add(`node soak: failed leak checks`, "count", (s) => (data.soak[s] ? verdicts(data.soak[s]!).filter((v) => !v.ok).length : null));
    add(`node soak: MemAvailable lost`, "MiB", (s) => data.soak[s]?.memoryLostMib);
  },
  lines(data: NodeReport) {
    if (!data.density) return [`node: ${(data as { unavailable?: string }).unavailable}`];
    return [
      `node: containerd CRI via crictl (latencies include crictl's own start), load average ${data.density["dist/pause"]?.loadAverage}; soak ${data.soakCycles} pods each`,
      ...Object.values(data.soak).flatMap((r) => verdicts(r).map((v) => `  ${v.ok ? "ok" : "not ok"} - ${v.line}`)),
      ...Object.entries(data.goals).map(([goal, v]) => `  node goal ${goal}: ${v}`),
    ];
  },
};
