// The --help text, rendered by citty when the program is built: src/cli.ts
// imports this as a Bun macro, so the executable holds the finished text and
// never loads citty. Plain text: there is no terminal to colour at build
// time. The version is left as a placeholder for src/cli.ts to fill in, since
// the build defines it for the program, not for its macros.
import { renderUsage } from "citty";
import { stripVTControlCharacters } from "node:util";
import { command, VERSION_PLACEHOLDER } from "./command";

/** Typed as what the caller gets: Bun awaits a macro's promise and inlines the string. */
export function renderedUsage(): string {
  const described = { ...command, meta: { ...command.meta, version: VERSION_PLACEHOLDER } };
  return renderUsage(described).then(stripVTControlCharacters) as unknown as string;
}
