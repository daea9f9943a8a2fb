// Builds the experiment variants of dist/pause into build/bench-variants/,
// each differing from it in one thing, and prints the `--variant` arguments
// for bench/run.ts. Never touches src/ or the build script: flag variants
// compile src/main.ts with extra `bun build` flags; source variants compile
// a copy of src/main.ts, changed as described, from build/bench-variants/.
// Runtime options that cannot be compiled in (BUN_JSC_*) are variants of
// the environment only.
//
//   bun bench/variants.ts [NAME...]      (all when none given)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const OUT = join(ROOT, "build", "bench-variants");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const BASELINE = join(ROOT, "build", "runtimes", "node_modules", "@oven", "bun-linux-x64-baseline", "bin", "bun");

interface Variant {
  name: string;
  what: string;
  flags?: string[];
  /** Rewrites src/main.ts (already re-pointed at ../../../src/). */
  source?: (main: string) => string;
  /** A whole entry file instead of a rewrite of main.ts. */
  entry?: string;
  env?: Record<string, string>;
  /** --compile-executable-path: another runtime (the image's baseline x64 one). */
  runtime?: string;
  /** More files written beside the entry (e.g. a changed copy of native.ts). */
  files?: () => Record<string, string>;
  /** A floor: no -v to check, and the bench must not expect handlers. */
  isFloor?: boolean;
}

function replaceOnce(text: string, anchor: string, replacement: string): string {
  if (!text.includes(anchor)) throw new Error(`src/main.ts no longer contains ${JSON.stringify(anchor)}`);
  return text.replace(anchor, replacement);
}

/** Before parking: drop this process's page-table entries for file pages it never wrote (text, read-only
 * data; a mapping with any copy-on-write page is left alone), so they stop counting in its RSS and Pss.
 * The page cache keeps them; a thread that runs that code again faults them back in. */
const dropCleanFilePages = `
import { dlopen as dlopenForDrop, FFIType as DropType } from "bun:ffi";
import { readFileSync as readForDrop } from "node:fs";
function dropCleanFilePages(): void {
  const { symbols } = dlopenForDrop("libc.so.6", { madvise: { args: [DropType.ptr, DropType.u64, DropType.i32], returns: DropType.i32 } });
  const MADV_DONTNEED = 4;
  let range: [number, number] | null = null;
  for (const line of readForDrop("/proc/self/smaps", "utf8").split("\\n")) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\\S{4}) \\S+ \\S+ (\\d+)/.exec(line);
    if (header) {
      const fileBacked = header[4] !== "0" && header[3]![1] !== "w" && header[3]![3] === "p";
      range = fileBacked ? [parseInt(header[1]!, 16), parseInt(header[2]!, 16)] : null;
    } else if (range && line.startsWith("Anonymous:")) {
      if (/^Anonymous:\\s+0 kB/.test(line)) symbols.madvise(range[0] as never, BigInt(range[1] - range[0]), MADV_DONTNEED);
      range = null;
    }
  }
}
`;

/** native.ts whose hot path binds one libc symbol (memfd_create) instead of three: each bound symbol
 * is a trampoline bun:ffi compiles at start-up; errno and strerror are bound only on a failure. */
function leanNative(): string {
  const native = readFileSync(join(ROOT, "src", "native.ts"), "utf8").replace('"../build/', '"../../../build/');
  const lean = replaceOnce(
    replaceOnce(native, "    __errno_location: { args: [], returns: FFIType.ptr },\n    strerror: { args: [FFIType.i32], returns: FFIType.ptr },\n", ""),
    "function lastError(libc: Libc): string {\n",
    "function lastError(_: Libc): string {\n  const libc = dlopen(\"libc.so.6\", { __errno_location: { args: [], returns: FFIType.ptr }, strerror: { args: [FFIType.i32], returns: FFIType.ptr } }).symbols;\n",
  );
  return lean;
}

const gcBeforeParking = (main: string) => replaceOnce(main, "helper.waitForever();", "Bun.gc(true);\nhelper.waitForever();");

export const variants: Variant[] = [
  { name: "minify", what: "--minify", flags: ["--minify"] },
  { name: "bytecode-cjs", what: "--bytecode (its default format, cjs)", flags: ["--bytecode"] },
  { name: "bytecode-esm", what: "--bytecode --format=esm", flags: ["--bytecode", "--format=esm"] },
  { name: "smol", what: "--compile-exec-argv=--smol", flags: ["--compile-exec-argv=--smol"] },
  { name: "jit-policy", what: "--compile-jit-policy=1000", flags: ["--compile-jit-policy=1000"] },
  { name: "no-autoload", what: "--no-compile-autoload-dotenv --no-compile-autoload-bunfig", flags: ["--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig"] },
  { name: "env-no-conc-jit", what: "BUN_JSC_useConcurrentJIT=0 (environment)", env: { BUN_JSC_useConcurrentJIT: "0" } },
  { name: "env-no-warmup", what: "BUN_JSC_useWarmUpMarkedBlocks=0 (environment)", env: { BUN_JSC_useWarmUpMarkedBlocks: "0" } },
  { name: "env-no-scavenger", what: "MIMALLOC_SCAVENGER=0 (environment)", env: { MIMALLOC_SCAVENGER: "0" } },
  // BUN_JSC_useJIT=0 is not a variant: the helper cannot load ("bun:ffi requires the JIT"), pause exits 4.
  { name: "gc", what: "Bun.gc(true) before parking", source: gcBeforeParking },
  {
    name: "eager-cli",
    what: "citty and consola imported eagerly",
    source: (main) =>
      replaceOnce(main, "export const EXIT_HELPER_UNAVAILABLE", 'import { log as eagerLog } from "../../../src/log";\nimport { command as eagerCommand } from "../../../src/cli";\n(globalThis as Record<string, unknown>).eager = [eagerLog, eagerCommand];\nexport const EXIT_HELPER_UNAVAILABLE'),
  },
  // Combinations.
  // src/main.ts has had no top-level await since these were measured; "best" is what ships.
  { name: "best", what: "--bytecode + --compile-jit-policy=1000", flags: ["--bytecode", "--compile-jit-policy=1000"] },
  {
    name: "best-drop",
    what: "best + drop clean file pages before parking",
    source: (main) => replaceOnce(main, "  helper.waitForever();", "  dropCleanFilePages();\n  helper.waitForever();") + dropCleanFilePages,
    flags: ["--bytecode", "--compile-jit-policy=1000"],
  },
  // The image's amd64 executable is made from Bun's baseline runtime: does bytecode survive that?
  { name: "baseline", what: "dist/pause's build on the baseline x64 runtime", flags: [], runtime: BASELINE },
  { name: "best-baseline", what: "best, on the baseline x64 runtime", flags: ["--bytecode", "--compile-jit-policy=1000"], runtime: BASELINE },
  {
    name: "best-lean",
    what: "best + native.ts binding only memfd_create on the hot path",
    source: (main) => replaceOnce(main, 'from "../../../src/native"', 'from "./native"'),
    files: () => ({ "native.ts": leanNative() }),
    flags: ["--bytecode", "--compile-jit-policy=1000"],
  },
  { name: "floor-bytecode", what: "the floor itself with --bytecode", entry: readFileSync(join(ROOT, "bench", "floor.ts"), "utf8"), flags: ["--bytecode"], isFloor: true },
];

function versionDefine(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
  const git = Bun.spawnSync(["git", "describe", "--always", "--dirty", "--abbrev=12", "--exclude=*"], { cwd: ROOT });
  return git.exitCode === 0 ? `${pkg}-g${git.stdout.toString().trim()}` : pkg;
}

/** Builds VARIANT; returns the executable, or null with the reason when bun refuses. */
export function build(variant: Variant): { exe: string | null; log: string } {
  const dir = join(OUT, variant.name);
  mkdirSync(dir, { recursive: true });
  let entry = join(ROOT, "src", "main.ts");
  if (variant.source || variant.entry) {
    const main = readFileSync(entry, "utf8").replaceAll('from "./', 'from "../../../src/').replaceAll('import("./', 'import("../../../src/');
    entry = join(dir, "main.ts");
    writeFileSync(entry, variant.entry ?? variant.source!(main));
    for (const [name, text] of Object.entries(variant.files?.() ?? {})) writeFileSync(join(dir, name), text);
  }
  const exe = join(dir, "pause");
  const command = [BUN, "build", "--compile", entry, "--outfile", exe, "--define", `PAUSE_VERSION="${versionDefine()}"`, ...(variant.flags ?? []), ...(variant.runtime ? ["--compile-executable-path", variant.runtime] : [])];
  const result = Bun.spawnSync(command, { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const log = `${command.slice(1).join(" ")}\n${result.stdout}${result.stderr}`.trim();
  if (result.exitCode !== 0) return { exe: null, log };
  if (variant.isFloor) return { exe, log }; // no -v: it would pause for good
  const check = Bun.spawnSync([exe, "-v"], { stdout: "pipe", stderr: "pipe", env: { PATH: "/usr/bin:/bin", ...variant.env }, timeout: 10_000 });
  if (check.exitCode !== 0) return { exe: null, log: `${log}\n-v failed: ${check.stdout}${check.stderr}` };
  return { exe, log };
}

if (import.meta.main) {
  const wanted = process.argv.slice(2);
  const args: string[] = [];
  for (const variant of variants.filter((v) => wanted.length === 0 || wanted.includes(v.name))) {
    if (variant.runtime && !existsSync(variant.runtime)) {
      process.stderr.write(`variant ${variant.name}: skipped, no ${variant.runtime} (scripts/build-binaries.sh installs it)\n`);
      continue;
    }
    const { exe, log } = variant.flags || variant.source || variant.entry ? build(variant) : { exe: join(ROOT, "dist", "pause"), log: "(dist/pause itself)" };
    process.stderr.write(`variant ${variant.name} (${variant.what}): ${exe ? "built" : "FAILED"}\n  ${log.replaceAll("\n", "\n  ")}\n`);
    if (!exe) continue;
    const env = Object.entries(variant.env ?? {}).map(([k, v]) => `;${k}=${v}`).join("");
    args.push(variant.isFloor ? "--floor-variant" : "--variant", `${variant.name}=${exe}${env}`);
  }
  console.log(args.map((a) => `'${a}'`).join(" "));
}
