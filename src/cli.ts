// The command line. Nothing in Kubernetes passes arguments to pause, so the
// only job here is to answer people: `-v` (upstream's rule: any argument
// equal to -v, case-insensitively, wins over everything), `--help`, and a
// warning for anything else, which never stops pause from running.
import { defineCommand, renderUsage, runCommand, type ArgsDef } from "citty";
import { isatty } from "node:tty";
import { stripVTControlCharacters } from "node:util";
import { version } from "./version";

export type Request =
  | { action: "version" }
  | { action: "help" }
  | { action: "pause"; ignored: string[] };

const options = {
  version: { type: "boolean", alias: "v", description: "Print the version and exit." },
  help: { type: "boolean", alias: "h", description: "Show this help and exit." },
} as const satisfies ArgsDef;

export const command = defineCommand({
  meta: {
    name: "pause",
    version,
    description: "Hold a pod's namespaces and reap its orphans, as PID 1, until told to stop.",
  },
  args: options,
  // Whole arguments only, as upstream compares them: "-vh" or "--v" are not
  // requests for anything, so citty's clustering of short flags is not used.
  run({ rawArgs }): Request {
    if (rawArgs.some((arg) => asksForVersion(arg) || names("version", arg))) return { action: "version" };
    if (rawArgs.some((arg) => names("help", arg))) return { action: "help" };
    return { action: "pause", ignored: rawArgs.filter((arg) => !isKnownFlag(arg)) };
  },
});

/** Upstream pause.c: `strcasecmp(argv[i], "-v") == 0` for any i. */
export function asksForVersion(arg: string): boolean {
  return arg.toLowerCase() === "-v";
}

/** Whether ARG is exactly one of the spellings of option NAME. */
function names(name: keyof typeof options, arg: string): boolean {
  const aliases = [options[name].alias].flat();
  return arg === `--${name}` || aliases.some((alias) => arg === `-${alias}`);
}

function isKnownFlag(arg: string): boolean {
  return Object.keys(options).some((name) => names(name as keyof typeof options, arg));
}

export async function parseCommandLine(rawArgs: string[]): Promise<Request> {
  const { result } = await runCommand(command, { rawArgs });
  return result as Request;
}

export function versionLine(): string {
  return `pause.ts v${version}`;
}

/** Usage text, with citty's colours only when stdout is a terminal. */
export async function usage(): Promise<string> {
  const text = await renderUsage(command);
  return isatty(1) ? text : stripVTControlCharacters(text);
}
