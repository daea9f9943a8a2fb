// The image contract's limits: wherever a runtime or a node sets a resource
// limit or a hardening flag under which the C pause runs, pause.ts either
// lives a normal life (ready, reaps, exit 0 on TERM) or prints the one line
// that names the cause, and exits 4. Never a silent exit. The limit is set
// on pause itself, as PID 1: prlimit execs it inside the new namespace.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MEMORY_LIMIT_NEEDED, NOFILE_NEEDED, RUNTIME_ENV, RUNTIME_ENV_LIST } from "../src/diagnose";
import { imageRoots } from "./support/image-root";
import {
  asPid1,
  runCommand,
  fixture,
  leaveOrphansAndAwaitReaping,
  PLAIN_ENV,
  runAsPid1,
  runPause,
  tool,
  type StartOptions,
} from "./support/pause";

/** The documented exit code when the helper cannot be loaded (README "Limits"). */
const EXIT_HELPER_UNAVAILABLE = 4;
const PRLIMIT = tool("prlimit");
const SH = tool("sh");
const UNSHARE = tool("unshare");
const MiB = 1024 * 1024;
const withRuntimeEnv = { ...PLAIN_ENV, ...RUNTIME_ENV };
const tuning = RUNTIME_ENV_LIST.join(" ");

const limited = (...limits: string[]): string[] => [PRLIMIT, ...limits, "--"];

/** Ready, reaps what it is given, and ends with exit 0 and upstream's words on TERM. */
async function livesNormally(options: StartOptions): Promise<void> {
  const pause = await asPid1([], options);
  await leaveOrphansAndAwaitReaping(pause, 10);
  process.kill(pause.pid, "SIGTERM");
  const result = await pause.finished;
  expect(result.stderr).toBe("Shutting down, got signal: Terminated\n");
  expect(result.exitCode).toBe(0);
}

const jitLine = (limits: string) =>
  `Error: cannot load the signal helper: ${limits} the runtime no room for its JIT, which bun:ffi needs: ` +
  `pause.ts needs ${MEMORY_LIMIT_NEEDED.plain / MiB} MiB, or ${MEMORY_LIMIT_NEEDED.tuned / MiB} MiB with ${tuning} ` +
  "in its environment (the image sets them)\n";

describe("address space and data (RLIMIT_AS, RLIMIT_DATA)", () => {
  const cases = [
    ["RLIMIT_AS 2048 MiB", [`--as=${2048 * MiB}`], "RLIMIT_AS 2048 MiB leaves"],
    ["RLIMIT_DATA 1024 MiB", [`--data=${1024 * MiB}`], "RLIMIT_DATA 1024 MiB leaves"],
    ["both", [`--as=${2048 * MiB}`, `--data=${1024 * MiB}`], "RLIMIT_AS 2048 MiB and RLIMIT_DATA 1024 MiB leave"],
  ] as const;
  for (const [name, limits, named] of cases) {
    test(`${name}, no runtime settings: one line naming it and what would work, exit 4`, async () => {
      const result = await runAsPid1([], { wrapper: limited(...limits) });
      expect(result.stderr).toBe(jitLine(named));
      expect(result.stdout).toBe("");
      expect(result.exitCode).toBe(EXIT_HELPER_UNAVAILABLE);
    });
  }

  test("at the limit the line names, without runtime settings, pause lives", () =>
    livesNormally({ wrapper: limited(`--as=${MEMORY_LIMIT_NEEDED.plain}`, `--data=${MEMORY_LIMIT_NEEDED.plain}`) }));

  test("RLIMIT_AS and RLIMIT_DATA of 512 MiB with the image's runtime settings: pause lives", () =>
    livesNormally({
      wrapper: limited(`--as=${MEMORY_LIMIT_NEEDED.tuned}`, `--data=${MEMORY_LIMIT_NEEDED.tuned}`),
      env: withRuntimeEnv,
    }));

  for (const args of [["-v"], ["--help"]]) {
    test(`${args[0]} answers under RLIMIT_AS 2048 MiB: it needs no JIT`, async () => {
      const result = await runPause(args, { wrapper: limited(`--as=${2048 * MiB}`) });
      expect(result.stdout).toContain("pause");
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(0);
    });
  }
});

describe("descriptors (RLIMIT_NOFILE)", () => {
  test(`RLIMIT_NOFILE ${NOFILE_NEEDED}: pause lives`, () => livesNormally({ wrapper: limited(`--nofile=${NOFILE_NEEDED}`) }));

  test(`RLIMIT_NOFILE ${NOFILE_NEEDED - 1}: one line naming it, exit 4`, async () => {
    const result = await runAsPid1([], { wrapper: limited(`--nofile=${NOFILE_NEEDED - 1}`) });
    expect(result.stderr).toEndWith(`: Too many open files: RLIMIT_NOFILE ${NOFILE_NEEDED - 1}; pause.ts needs ${NOFILE_NEEDED}\n`);
    expect(result.stderr.split("\n")).toHaveLength(2);
    expect(result.exitCode).toBe(EXIT_HELPER_UNAVAILABLE);
  });
});

describe("stack (RLIMIT_STACK)", () => {
  test("RLIMIT_STACK 256 KiB: pause lives", () => livesNormally({ wrapper: limited(`--stack=${256 * 1024}`) }));
});

describe("no executable memory (PR_SET_MDWE, MemoryDenyWriteExecute=)", () => {
  test("pause says it cannot run there in one line, exit 4", async () => {
    const result = await runAsPid1([], { wrapper: [fixture("deny"), "exec-memory"], env: withRuntimeEnv });
    expect(result.stderr).toBe(
      "Error: cannot load the signal helper: the runtime has no JIT, which bun:ffi needs: the kernel refuses this " +
        "process executable memory (prctl PR_SET_MDWE, systemd's MemoryDenyWriteExecute=); pause.ts cannot run with it\n",
    );
    expect(result.exitCode).toBe(EXIT_HELPER_UNAVAILABLE);
  });

  test("the same where threads cannot be created: the failure path needs none", async () => {
    const result = await runAsPid1([], { wrapper: [fixture("deny"), "threads", fixture("deny"), "exec-memory"] });
    expect(result.stderr).toStartWith("Error: cannot load the signal helper: the runtime has no JIT");
    expect(result.exitCode).toBe(EXIT_HELPER_UNAVAILABLE);
  });

  for (const args of [["-v"], ["--help"]]) {
    test(`${args[0]} still answers`, async () => {
      const result = await runPause(args, { wrapper: [fixture("deny"), "exec-memory"] });
      expect(result.stdout).toContain("pause");
      expect(result.exitCode).toBe(0);
    });
  }
});

describe("memory files on hardened kernels (vm.memfd_noexec)", () => {
  test("Linux 6.3-6.5 with vm.memfd_noexec=2 refuse a memory file that may become executable: pause lives", () =>
    livesNormally({ wrapper: [fixture("deny"), "memfd-unsealed"] }));

  test("a kernel before 6.3 does not know MFD_NOEXEC_SEAL: pause lives", () =>
    livesNormally({ wrapper: [fixture("deny"), "memfd-sealed"] }));

  test("vm.memfd_noexec=2 set in pause's own PID namespace: pause lives", () =>
    livesNormally({ wrapper: [SH, "-c", 'echo 2 >/proc/sys/vm/memfd_noexec && exec "$@"', "sh"] }));
});

describe("the image's root: limits that stop the runtime before pause.ts runs", () => {
  // Run as a runtime runs the image: PID 1 of new namespaces, chrooted into a
  // copy of its root, with its config's Env; the limit set from outside.
  const roots = imageRoots("limits");
  let root = "";
  beforeAll(() => {
    roots.open();
    root = roots.copy("image");
  });
  afterAll(() => roots.close());

  const inImage = (limit: string, args: string[]) =>
    runCommand(
      [PRLIMIT, limit, "--", UNSHARE, "--pid", "--fork", "--kill-child", "--mount", "--mount-proc=/proc", `--root=${root}`, "/pause", ...args],
      { ...RUNTIME_ENV },
    );

  const cases = [
    [`--stack=${128 * 1024}`, "Warning: RLIMIT_STACK 128 KiB stops the runtime before pause.ts starts: pause.ts needs 144 KiB"],
    ["--nofile=4", `Warning: RLIMIT_NOFILE 4 stops the runtime before pause.ts starts: pause.ts needs ${NOFILE_NEEDED}`],
    [`--as=${256 * MiB}`, `Warning: RLIMIT_AS 256 MiB stops the runtime before pause.ts starts: pause.ts needs ${MEMORY_LIMIT_NEEDED.tuned / MiB} MiB`],
    [`--data=${128 * MiB}`, `Warning: RLIMIT_DATA 128 MiB stops the runtime before pause.ts starts: pause.ts needs ${MEMORY_LIMIT_NEEDED.tuned / MiB} MiB`],
  ] as const;
  for (const [limit, line] of cases) {
    test(`${limit}: the preloaded library names it before the runtime fails`, async () => {
      const result = await inImage(limit, ["-v"]);
      expect(result.stderr.split("\n")[0]).toBe(line);
      expect(result.exitCode).not.toBe(0);
    });
  }

  test("at the values those lines name, the image answers without a word on stderr", async () => {
    for (const limit of [`--stack=${144 * 1024}`, `--nofile=${NOFILE_NEEDED}`, `--as=${MEMORY_LIMIT_NEEDED.tuned}`, `--data=${MEMORY_LIMIT_NEEDED.tuned}`]) {
      const result = await inImage(limit, ["-v"]);
      expect({ limit, stderr: result.stderr, exitCode: result.exitCode }).toEqual({ limit, stderr: "", exitCode: 0 });
    }
  });
});
