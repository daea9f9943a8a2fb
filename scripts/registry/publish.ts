// Publishes an OCI image layout to a registry byte for byte: what is already
// there (same digest) is left alone, the rest is uploaded as the layout
// holds it, the tag is moved to the layout's image index, and each manifest
// that has referrers (the SBOMs) gets them listed under the spec's fallback
// tag when the registry has no referrers API. The registry then serves the
// index digest the build printed; a second run uploads nothing.
import type { RegistryClient } from "./client.ts";
import type { Layout, Manifest } from "./layout.ts";
import { INDEX } from "./layout.ts";
import { fallbackTag, mergeReferrers } from "./referrers.ts";

export interface PublishResult {
  digest: string;
  tag: string;
  uploadedBlobs: number;
  uploadedBytes: number;
  putManifests: number;
  /** per subject: the fallback tag and every artifact it lists ([] when the registry has the referrers API) */
  referrers: { subject: string; tag: string; artifacts: string[]; changed: boolean }[];
  referrersAPI: boolean;
}

export async function publishLayout(
  client: RegistryClient,
  layout: Layout,
  tag: string,
  log: (line: string) => void,
): Promise<PublishResult> {
  const result: PublishResult = {
    digest: layout.root.digest,
    tag,
    uploadedBlobs: 0,
    uploadedBytes: 0,
    putManifests: 0,
    referrers: [],
    referrersAPI: false,
  };
  await client.ping();

  for (const b of layout.blobs) {
    if (await client.hasBlob(b.digest)) continue;
    log(`blob ${b.digest} (${b.size} bytes): uploading`);
    await client.uploadBlob(b.digest, b.size, Bun.file(b.path));
    result.uploadedBlobs++;
    result.uploadedBytes += b.size;
  }

  const put = async (m: Manifest, reference: string) => {
    const headers = await client.putManifest(reference, m.mediaType, m.bytes);
    const served = headers.get("docker-content-digest");
    if (served && served !== m.digest) {
      throw new Error(`the registry stored ${reference} as ${served}, not ${m.digest}: it changed the bytes`);
    }
    result.putManifests++;
    return headers;
  };
  for (const m of layout.manifests) {
    if ((await client.manifestDigest(m.digest)) !== undefined) continue;
    log(`manifest ${m.digest} (${describe(m)}): putting`);
    const headers = await put(m, m.digest);
    // a registry with the referrers API says so when it takes a manifest with a subject
    if (m.subject && headers.get("oci-subject") === m.subject) result.referrersAPI = true;
  }
  if ((await client.manifestDigest(tag)) !== layout.root.digest) {
    log(`tag ${tag} -> ${layout.root.digest}`);
    await put(layout.root, tag);
  }

  const bySubject = new Map<string, Manifest[]>();
  for (const m of layout.manifests) if (m.subject) bySubject.set(m.subject, [...(bySubject.get(m.subject) ?? []), m]);
  const firstSubject = bySubject.keys().next().value;
  if (firstSubject !== undefined && !result.referrersAPI) result.referrersAPI = await client.hasReferrersAPI(firstSubject);
  if (result.referrersAPI) {
    log("the registry serves the referrers API: no fallback tags");
    return result;
  }
  for (const [subject, artifacts] of bySubject) {
    const t = fallbackTag(subject);
    const existing = await client.getManifest(t, INDEX);
    const merged = mergeReferrers(existing?.bytes, artifacts.map((a) => a.referrer!));
    if (merged.changed) {
      log(`referrers of ${subject}: tag ${t} lists ${merged.manifests.length} artifact(s)`);
      await client.putManifest(t, INDEX, merged.bytes);
      result.putManifests++;
    }
    result.referrers.push({ subject, tag: t, artifacts: merged.manifests.map((d) => d.digest), changed: merged.changed });
  }
  return result;
}

function describe(m: Manifest): string {
  if (m.referrer) return `${m.referrer.artifactType} for ${m.subject}`;
  if (m.platform) return `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ""}`;
  return m.mediaType;
}
