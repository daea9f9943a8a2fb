// The command line. Nothing in Kubernetes passes arguments to pause, so the
// only job here is to answer people: `-v` (upstream's rule: any argument
// equal to -v, case-insensitively, wins over everything), `--help`, and a
// warning for anything else, which never stops pause from running.
//
// Synchronous, and light on the heap: see src/main.ts for why no path may
// return to the event loop or grow the heap before pause is parked.
import { options, VERSION_PLACEHOLDER } from "./command";
import { renderedUsage } from "./usage" with { type: "macro" };
import { version } from "./version";

export type Request =
  | { action: "version" }
  | { action: "help" }
  | { action: "pause"; ignored: string[] };

type Option = keyof typeof options;

/**
 * Whole arguments only, as upstream compares them: "-vh" or "--v" ask for
 * nothing. Comparisons only, no string is made per argument: a long command
 * line must not grow the heap (see src/main.ts).
 */
export function parseCommandLine(rawArgs: string[]): Request {
  if (rawArgs.some((arg) => asksForVersion(arg) || spellings.version.includes(arg))) return { action: "version" };
  if (rawArgs.some((arg) => spellings.help.includes(arg))) return { action: "help" };
  return { action: "pause", ignored: rawArgs.filter((arg) => !knownFlags.includes(arg)) };
}

/** Upstream pause.c: `strcasecmp(argv[i], "-v") == 0` for any i. */
export function asksForVersion(arg: string): boolean {
  return arg === "-v" || arg === "-V";
}

/** Each option's exact spellings: --name and -alias. */
const spellings = Object.fromEntries(
  (Object.keys(options) as Option[]).map((name) => [name, [`--${name}`, `-${options[name].alias}`]]),
) as Record<Option, string[]>;
const knownFlags = Object.values(spellings).flat();

export function versionLine(): string {
  return `pause.ts v${version}`;
}

export function usage(): string {
  return renderedUsage().replace(VERSION_PLACEHOLDER, version);
}
