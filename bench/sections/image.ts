// The image as it ships: /pause run from a copy of dist/rootfs/linux-amd64 (so
// its /etc/ld.so.preload applies), PID 1 of its own namespaces, chroot, uid
// 65535, a fresh /proc (bench/startup-probe.c --root). Against the C
// reference in a root of its own and against the same rootfs without the
// preload (the image before it carried one), and with the IFUNC variant of
// the library (bench/preload.c built handlers-only, in the shipped one's
// place) to compare the two moments the loader can run it. Measured:
//   - the window: the latest delay after the stamp taken right before execve
//     at which a SIGTERM from the parent namespace was still lost;
//   - warm start-up (spawn -> handlers, spawn -> main thread in pause());
//   - the charge of a cold start with no limit, at the disk's read_ahead_kb.
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BUILD, QUICK, ROOT, run, say } from "../lib/common";
import { readAheadKb } from "../lib/cgroup";
import type { Context, Section } from "../lib/section";
import { PRELOAD_HANDLERS_ONLY, type Subject } from "../lib/subjects";
import { coldStarts, termWindows, warmStarts } from "../lib/window";

const ROOTFS = join(ROOT, "dist", "rootfs", "linux-amd64");
const LIBRARY = "lib/x86_64-linux-gnu/libpause-preload.so";
const TRIES = QUICK ? 4 : 10;
const STEP_US = 250;
/** A subject's scan ends this far past its last lost SIGTERM. */
const CLEAN_US = 1_500;
const MAX_US = 30_000;
const COLD_RUNS = QUICK ? 1 : 3;
const WARM_RUNS = QUICK ? 8 : 30;

export const SHIPPED = "image";
export const WITHOUT_PRELOAD = "image without preload";
export const IFUNC = "image, IFUNC preload";
export const C_ROOT = "C in a root";

/** A private copy of the rootfs (its own page cache to evict), with a /proc mount point; CHANGE edits it. */
function rootfsCopy(name: string, change: (root: string) => void = () => {}): string {
  const root = join(BUILD, "run", "roots", name.replace(/[^a-z0-9]+/gi, "-"));
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, ".."), { recursive: true });
  run(["cp", "-a", ROOTFS, root], `copy of ${ROOTFS}`);
  mkdirSync(join(root, "proc"));
  change(root);
  return root;
}

function rootSubject(name: string, root: string, handles = true): Subject {
  const exe = "/pause";
  return { name, kind: "variant", exe, sentinelExe: exe, source: join(root, "pause"), handles, env: {}, root };
}

function subjectsFor(c: Subject): Subject[] {
  const cRoot = join(BUILD, "run", "roots", "c");
  rmSync(cRoot, { recursive: true, force: true });
  mkdirSync(join(cRoot, "proc"), { recursive: true });
  copyFileSync(c.source, join(cRoot, "pause"));
  return [
    rootSubject(C_ROOT, cRoot),
    rootSubject(WITHOUT_PRELOAD, rootfsCopy(WITHOUT_PRELOAD, (root) => rmSync(join(root, "etc", "ld.so.preload")))),
    rootSubject(SHIPPED, rootfsCopy(SHIPPED)),
    rootSubject(IFUNC, rootfsCopy(IFUNC, (root) => copyFileSync(PRELOAD_HANDLERS_ONLY, join(root, LIBRARY)))),
  ];
}

async function measure(all: Subject[]) {
  if (!existsSync(join(ROOTFS, "etc", "ld.so.preload"))) {
    say(`image: skipped, no ${ROOTFS}/etc/ld.so.preload (npm run image)`);
    return { unavailable: `no ${ROOTFS} with /etc/ld.so.preload (npm run image)` };
  }
  const subjects = subjectsFor(all.find((s) => s.kind === "reference")!);
  say(`image as shipped: SIGTERM window (${TRIES} tries per ${STEP_US} us step), warm start-up (${WARM_RUNS} each), cold charge (${COLD_RUNS} each)`);
  // The subjects that install handlers early are compared at the same delays; the image before, on its own.
  const plan = { tries: TRIES, stepUs: STEP_US, cleanUs: CLEAN_US, maxUs: MAX_US };
  const early = subjects.filter((s) => s.name !== WITHOUT_PRELOAD);
  const window = { ...termWindows(early, { ...plan, together: true }), ...termWindows(subjects.filter((s) => !early.includes(s)), plan) };
  const warm = await warmStarts(subjects, WARM_RUNS);
  const cold = coldStarts(subjects, COLD_RUNS);
  const result: Record<string, any> = { readAheadKb: readAheadKb(ROOTFS), tries: TRIES, stepUs: STEP_US, loadAverage: run(["cat", "/proc/loadavg"], "loadavg").trim() };
  for (const s of subjects) {
    result[s.name] = { window: window[s.name], warm: warm[s.name], cold: cold[s.name] };
  }
  return result;
}

export const image: Section = {
  name: "image",
  run: ({ subjects }: Context) => measure(subjects),
  rows(data, add) {
    if (data.unavailable) return;
    // In the table's dist/pause column: the image as it ships; in C's: the C pause run the same way.
    const from = (name: string) => (name === "dist/pause" ? data[SHIPPED] : name === "C" ? data[C_ROOT] : undefined);
    add("image: SIGTERM lost up to (after execve)", "ms", (n) => from(n)?.window.latestLostMs ?? (from(n) ? 0 : undefined));
    add("image: SIGTERM lost if sent >= 1 ms after execve", "%", (n) => {
      const w = from(n)?.window.from1Ms;
      return w && w.sent > 0 ? (100 * w.lost) / w.sent : undefined;
    });
  },
  lines(data) {
    if (data.unavailable) return [`\nimage as shipped: ${data.unavailable}`];
    const f = (x: number | null | undefined) => (x === null || x === undefined ? "n/a" : x.toFixed(2));
    return [
      `\nthe image as shipped (rootfs copy, chroot, uid 65535, fresh /proc; medians; load ${data.loadAverage}):`,
      `subject                  TERM lost up to (ms after execve)  warm spawn->handlers ms  warm spawn->pause() ms  cold charge MiB (read_ahead_kb ${data.readAheadKb})  cold spawn->handlers ms`,
      ...[C_ROOT, WITHOUT_PRELOAD, SHIPPED, IFUNC].map((n) => {
        const r = data[n];
        const window = r.window.latestLostMs === null ? "none lost" : f(r.window.latestLostMs);
        return `${n.padEnd(24)} ${window.padStart(33)}  ${f(r.warm.spawnToHandlersMs?.median).padStart(23)}  ${f(r.warm.spawnToPauseSyscallMs?.median).padStart(22)}  ${f(r.cold.chargeMib?.median).padStart(36)}  ${f(r.cold.readyMs?.median).padStart(23)}`;
      }),
      ...[C_ROOT, WITHOUT_PRELOAD, SHIPPED, IFUNC].map((n) => {
        const w = data[n].window;
        return `  ${n}: lost ${w.from1Ms.lost} of ${w.from1Ms.sent} sent 1 ms or more after execve; lost per delay (us: count of ${data.tries}) ${JSON.stringify(w.lostByDelayUs)}`;
      }),
    ];
  },
};
