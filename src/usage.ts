// The --help text, rendered by citty when the program is built: src/cli.ts
// imports this as a Bun macro, so the executable holds the finished text and
// never loads citty. Plain text: there is no terminal to colour at build
// time. The version stays a placeholder (src/command.ts).
import { renderUsage } from "citty";
import { stripVTControlCharacters } from "node:util";
import { command } from "./command";

/** Typed as what the caller gets: Bun awaits a macro's promise and inlines the string. */
export function renderedUsage(): string {
  return renderUsage(command).then(stripVTControlCharacters) as unknown as string;
}
