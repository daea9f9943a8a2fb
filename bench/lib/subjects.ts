// The subjects (dist/pause, the C reference, the Bun floor, any variant) and
// their builds. Each subject runs from a private copy of its file, so that no
// other process on the machine shares its page cache.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { BUILD, BUN, ROOT, run, say } from "./common";

/** The /etc/ld.so.preload library of the preload experiment (bench/preload.c). */
export const PRELOAD = join(BUILD, "libpause-preload.so");
/** The same, built to install the handlers and advise nothing. */
export const PRELOAD_HANDLERS_ONLY = join(BUILD, "libpause-preload-handlers.so");

export type Kind = "pause" | "reference" | "floor" | "variant";
export interface Subject {
  name: string;
  kind: Kind;
  /** A private copy, so that no other process on the machine shares its page cache. */
  exe: string;
  /** Another copy for the long-running sentinel pod, so that it does not share pages with the 20 pods. */
  sentinelExe: string;
  source: string;
  /** Installs SIGINT/SIGTERM/SIGCHLD handlers, so it can be stopped and it reaps. */
  handles: boolean;
  /** Added to the pod's environment (PATH only otherwise). */
  env: Record<string, string>;
  /** Run inside this root filesystem as an image's container (exe is a path inside it; startup-probe --root). */
  root?: string;
}

export interface Options {
  build: boolean;
  only: Set<string> | null;
  variants: { name: string; path: string; env: Record<string, string>; floor: boolean }[];
  out: string;
}

export function parseOptions(argv: string[]): Options {
  const options: Options = { build: true, only: null, variants: [], out: join(ROOT, "dist", "bench.json") };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--no-build") options.build = false;
    else if (arg === "--only") options.only = new Set(argv[++i]!.split(","));
    else if (arg === "--out") options.out = argv[++i]!;
    else if (arg === "--variant" || arg === "--floor-variant") {
      const [spec, ...variables] = argv[++i]!.split(";");
      const [name, path] = spec!.split("=");
      const env = Object.fromEntries(variables.map((v) => [v.slice(0, v.indexOf("=")), v.slice(v.indexOf("=") + 1)]));
      options.variants.push({ name: name!, path: path!, env, floor: arg === "--floor-variant" });
    } else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

/**
 * The flags scripts/build-binary.sh gives `bun build` beyond entry, output,
 * version and runtime, so that the floor is compiled the same way (e.g.
 * --bytecode). Only literal `--flag` / `--flag=value` words are understood.
 */
function buildScriptFlags(): string[] {
  const script = readFileSync(join(ROOT, "scripts", "build-binary.sh"), "utf8");
  const call = script.slice(script.indexOf("build --compile"));
  const words = call.slice(0, call.indexOf(">/dev/null")).split(/[\s\\]+/);
  const own = ["--compile", "--outfile", "--define", "--compile-executable-path"];
  const flags = words.filter((w) => /^--[a-z-]+(=[^"'$]+)?$/.test(w) && !own.includes(w.split("=")[0]!));
  const unreadable = words.filter((w) => w.startsWith("--") && !flags.includes(w) && !own.some((o) => w.startsWith(o)));
  if (unreadable.length > 0) say(`WARNING: build-binary.sh passes ${unreadable.join(" ")}, which the floor build does not copy`);
  return flags;
}

function versionDefine(): string {
  return run(["bash", "-c", `v=$(node -p 'require("./package.json").version'); r=$(git describe --always --dirty --abbrev=12 --exclude='*' 2>/dev/null) && v="$v-g$r"; printf %s "$v"`], "version");
}

function buildFloor(out: string): void {
  const flags = buildScriptFlags();
  if (flags.length > 0) say(`the floor gets build-binary.sh's ${flags.join(" ")} too`);
  run([BUN, "build", "--compile", "bench/floor.ts", "--outfile", out, "--define", `PAUSE_VERSION="${versionDefine()}"`, ...flags], "floor build");
}

export function buildAll(): void {
  mkdirSync(BUILD, { recursive: true });
  say("building dist/pause (scripts/build-binary.sh)");
  run(["bash", "scripts/build-binary.sh"], "scripts/build-binary.sh", { ...Bun.env, PATH: `${join(ROOT, "node_modules", ".bin")}:${Bun.env.PATH}` });
  say("building the C reference (gcc -Os -static, stripped)");
  run(["gcc", "-std=gnu11", "-Os", "-Wall", "-Wextra", "-Werror", "-static", "-s", "-o", join(BUILD, "pause-reference"), "bench/pause-reference.c"], "C reference");
  say("building the Bun floor (bun build --compile, the flags of build-binary.sh)");
  buildFloor(join(BUILD, "floor"));
  buildTools();
}

export function buildTools(): void {
  mkdirSync(join(ROOT, "build", "fixtures"), { recursive: true });
  run(["gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", join(BUILD, "startup-probe"), "bench/startup-probe.c"], "startup probe");
  run(["gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-static", "-o", join(BUILD, "signal-flood"), "bench/signal-flood.c"], "signal flood");
  // -fno-plt and -z now: its IFUNC resolver runs while the loader relocates
  // it, and calls libc through GOT entries that are filled in by then.
  const preload = ["gcc", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-fno-plt", "-Wl,-z,now"];
  run([...preload, "-o", PRELOAD, "bench/preload.c"], "preload library");
  run([...preload, "-DHANDLERS_ONLY", "-o", PRELOAD_HANDLERS_ONLY, "bench/preload.c"], "preload library, handlers only");
  run(["gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", join(ROOT, "build", "fixtures", "orphans"), "test/fixtures/orphans.c"], "orphans fixture");
}

export function subjectsFor(options: Options): Subject[] {
  const list: Omit<Subject, "exe" | "sentinelExe">[] = [
    { name: "dist/pause", kind: "pause", source: join(ROOT, "dist", "pause"), handles: true, env: {} },
    { name: "C", kind: "reference", source: join(BUILD, "pause-reference"), handles: true, env: {} },
    { name: "floor", kind: "floor", source: join(BUILD, "floor"), handles: false, env: {} },
    ...options.variants.map((v) => ({ name: v.name, kind: "variant" as const, source: v.path, handles: !v.floor, env: v.env })),
  ];
  return list.map((s, i) => {
    const copy = (dir: string) => {
      mkdirSync(dir, { recursive: true });
      const exe = join(dir, basename(s.source));
      copyFileSync(s.source, exe);
      return exe;
    };
    return { ...s, exe: copy(join(BUILD, "run", String(i))), sentinelExe: copy(join(BUILD, "run", `${i}-sentinel`)) };
  });
}

