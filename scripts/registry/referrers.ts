// The distribution spec's referrers tag schema, for registries without the
// referrers API: the artifacts that refer to a manifest are listed in an
// image index tagged `<alg>-<hex of the manifest's digest>`. That index is
// shared: other tools add their artifacts (signatures, attestations) to it,
// so ours are merged in and theirs are kept.
import { INDEX, type Descriptor } from "./layout.ts";

export function fallbackTag(subject: string): string {
  return subject.replace(":", "-");
}

// Keys sorted at every level, no spaces: the bytes depend on the content only
// (as scripts/build-image.sh writes the image's own JSON).
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export interface ReferrersIndex {
  /** the bytes to PUT under the fallback tag */
  bytes: Uint8Array;
  /** false when the existing index already lists every referrer as given */
  changed: boolean;
  /** every artifact the index lists, ours and others' */
  manifests: Descriptor[];
}

/**
 * The fallback index listing `referrers` in addition to what `existing`
 * (the index now under the tag, if any) lists. A descriptor of the same
 * digest is replaced by ours; the order of the others is kept.
 */
export function mergeReferrers(existing: Uint8Array | undefined, referrers: Descriptor[]): ReferrersIndex {
  const base = existing
    ? (JSON.parse(new TextDecoder().decode(existing)) as { manifests?: Descriptor[] } & Record<string, unknown>)
    : { schemaVersion: 2, mediaType: INDEX, manifests: [] };
  const manifests = [...(base.manifests ?? [])];
  let changed = !existing;
  for (const r of referrers) {
    const i = manifests.findIndex((m) => m.digest === r.digest);
    if (i < 0) {
      manifests.push(r);
      changed = true;
    } else if (canonicalJson(manifests[i]) !== canonicalJson(r)) {
      manifests[i] = r;
      changed = true;
    }
  }
  const bytes = changed ? new TextEncoder().encode(canonicalJson({ ...base, manifests })) : existing!;
  return { bytes, changed, manifests };
}
