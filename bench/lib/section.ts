// What a section of the bench is. A section measures one thing for every
// subject and returns its part of dist/bench.json (the key is its name); it
// may add rows to the side-by-side table and lines under it. Adding a section
// is adding a file in bench/sections/ and naming it in sections/index.ts.
import type { Spread } from "./stats";
import type { Options, Subject } from "./subjects";

export interface Context {
  subjects: Subject[];
  options: Options;
  /** dist/bench.json as far as it is filled in: the sections before this one. */
  report: Record<string, any>;
}

/** Adds a table row: one value (or spread) per subject name. */
export type AddRow = (label: string, unit: string, pick: (name: string) => Spread | number | null | undefined) => void;

export interface Section {
  name: string;
  /** Runs also when `--only` names this other section (the steady state follows idle). */
  follows?: string;
  /** Runs after every other section, whatever its place in the list (it spans them). */
  last?: boolean;
  /** Runs only when `--only` names it (it takes long, or needs what a plain run lacks). */
  optIn?: boolean;
  /** Called before the first section runs (e.g. to start something that spans the whole bench). */
  begin?(context: Context): Promise<void>;
  run(context: Context): Promise<unknown> | unknown;
  rows?(data: any, add: AddRow): void;
  /** Lines printed under the table. */
  lines?(data: any, context: Context): string[];
}
