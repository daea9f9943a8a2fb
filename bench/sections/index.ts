// The sections of `npm run bench`, in the order they run (but for one marked
// `last`) and their rows appear. Their names are the keys of dist/bench.json
// and what `--only` picks.
import type { Section } from "../lib/section";
import { budget } from "./budget";
import { idle } from "./idle";
import { image } from "./image";
import { lifetime } from "./lifetime";
import { node } from "./node";
import { paths } from "./paths";
import { preload } from "./preload";
import { quota } from "./quota";
import { signals } from "./signals";
import { sizes } from "./sizes";
import { startup } from "./startup";
import { steady } from "./steady";
import { storms } from "./storms";
import { version } from "./version";

export const sections: Section[] = [startup, idle, steady, storms, lifetime, version, signals, paths, budget, quota, preload, image, sizes, node];
