// Why the helper could not be loaded, in one line a person can act on.
//
// Runs once, on the way to exit 4, so it may cost what the idle paths may
// not; but it must not need what has just failed. When the runtime has no
// JIT there is no bun:ffi, so the limits are read through the runtime's own
// report (getrlimit inside the runtime), not through libc.
//
// The runtime turns its JIT off, and with it bun:ffi, in two situations
// (measured with Bun 1.4.5, the figures in README "Limits"):
//   - it cannot reserve its executable pool (1 GiB by default) and its
//     allocator's first arena (1 GiB) within RLIMIT_AS or RLIMIT_DATA
//     (measured: it needs 2286 MiB and 2181 MiB; 320 and 215 with RUNTIME_ENV).
//     BUN_JSC_jitMemoryReservationSize and MIMALLOC_ARENA_RESERVE shrink
//     both; the image's config sets them (RUNTIME_ENV);
//   - the kernel refuses it executable memory: prctl(PR_SET_MDWE), which
//     systemd's MemoryDenyWriteExecute= sets. /proc shows no trace of it, so
//     it is named when the limits are not to blame.

/** The runtime settings the image's config gives pause (scripts/build-image.sh reads them here). */
export const RUNTIME_ENV = {
  BUN_JSC_jitMemoryReservationSize: "16777216",
  MIMALLOC_ARENA_RESERVE: "16MiB",
} as const;

/** RUNTIME_ENV as an environment list, NAME=VALUE each: the image config's Env. */
export const RUNTIME_ENV_LIST = Object.entries(RUNTIME_ENV).map(([name, value]) => `${name}=${value}`);

const MiB = 1024 * 1024;
/** RLIMIT_AS and RLIMIT_DATA at which pause.ts runs, without and with RUNTIME_ENV (with room to spare). */
export const MEMORY_LIMIT_NEEDED = { plain: 3072 * MiB, tuned: 512 * MiB };
/** Descriptors 0-2, the runtime's epoll and eventfd, the memory file and the loader's own open of it. */
export const NOFILE_NEEDED = 7;

type Limit = { soft: number | "unlimited" };
interface UserLimits {
  virtual_memory_kbytes?: Limit; // the runtime reports bytes under these names
  data_seg_size_kbytes?: Limit;
  open_files?: Limit;
}

function userLimits(): UserLimits {
  try {
    return (process.report.getReport() as { userLimits?: UserLimits }).userLimits ?? {};
  } catch {
    return {};
  }
}

function soft(limit: Limit | undefined): number {
  return limit === undefined || limit.soft === "unlimited" ? Infinity : Number(limit.soft);
}

function mib(bytes: number): string {
  return `${Math.floor(bytes / MiB)} MiB`;
}

function isTuned(env: Record<string, string | undefined>): boolean {
  return Object.keys(RUNTIME_ENV).every((name) => env[name] !== undefined);
}

const tuning = RUNTIME_ENV_LIST.join(" ");

function explainMissingJit(limits: UserLimits, tuned: boolean): string {
  const needed = tuned ? MEMORY_LIMIT_NEEDED.tuned : MEMORY_LIMIT_NEEDED.plain;
  const small = (
    [
      ["RLIMIT_AS", soft(limits.virtual_memory_kbytes)],
      ["RLIMIT_DATA", soft(limits.data_seg_size_kbytes)],
    ] as const
  ).filter(([, value]) => value < needed);
  if (small.length > 0) {
    const named = small.map(([name, value]) => `${name} ${mib(value)}`).join(" and ");
    const leave = small.length > 1 ? "leave" : "leaves";
    const remedy = tuned
      ? `pause.ts needs ${mib(needed)}`
      : `pause.ts needs ${mib(needed)}, or ${mib(MEMORY_LIMIT_NEEDED.tuned)} with ${tuning} in its environment (the image sets them)`;
    return `${named} ${leave} the runtime no room for its JIT, which bun:ffi needs: ${remedy}`;
  }
  return "the runtime has no JIT, which bun:ffi needs: the kernel refuses this process executable memory (prctl PR_SET_MDWE, systemd's MemoryDenyWriteExecute=); pause.ts cannot run with it";
}

/** The one line pause prints before exit 4, given what loading the helper threw. */
export function explainLoadFailure(reason: string, env: Record<string, string | undefined> = process.env): string {
  if (reason.includes("requires the JIT")) {
    return `Error: cannot load the signal helper: ${explainMissingJit(userLimits(), isTuned(env))}`;
  }
  if (reason.includes("Too many open files")) {
    const limit = soft(userLimits().open_files);
    return `Error: cannot load the signal helper: ${reason}: RLIMIT_NOFILE ${limit}; pause.ts needs ${NOFILE_NEEDED}`;
  }
  return `Error: cannot load the signal helper: ${reason}`;
}
