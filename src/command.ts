// The command line's definition, in citty's terms: what -v and --help mean
// and how the usage text describes them. A plain object, typed by citty but
// not importing it at run time: citty loads node:util, whose heap pushes the
// runtime past the point where it starts a thread of its own (SPEC B10), so
// citty runs only when the program is built (src/usage.ts).
import type { ArgsDef, CommandDef } from "citty";

/**
 * Stands for the version in the usage text, which is rendered when the
 * program is built: the build defines the version for the program, not for
 * its macros, so src/cli.ts fills it in.
 */
export const VERSION_PLACEHOLDER = "{version}";

export const options = {
  version: { type: "boolean", alias: "v", description: "Print the version and exit." },
  help: { type: "boolean", alias: "h", description: "Show this help and exit." },
} as const satisfies ArgsDef;

export const command = {
  meta: {
    name: "pause",
    version: VERSION_PLACEHOLDER,
    description: "Hold a pod's namespaces and reap its orphans, as PID 1, until told to stop.",
  },
  args: options,
} satisfies CommandDef<typeof options>;
