// Reads an OCI image layout as a registry must receive it: every blob and
// manifest reachable from the one image index.json names, each checked
// against its digest and size, in an order a registry accepts (blobs before
// the manifests that use them, platform manifests before the artifacts
// that refer to them, children before the index that lists them).
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export const INDEX = "application/vnd.oci.image.index.v1+json";
const MANIFEST_LISTS = [INDEX, "application/vnd.docker.distribution.manifest.list.v2+json"];

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

export interface Blob {
  digest: string;
  size: number;
  path: string;
}

export interface Manifest {
  digest: string;
  mediaType: string;
  bytes: Uint8Array;
  /** the platform its parent index gives it */
  platform?: Descriptor["platform"];
  /** the manifest it refers to (an artifact such as an SBOM) */
  subject?: string;
  /** how the referrers API (and the fallback tag) lists it */
  referrer?: Descriptor;
}

export interface Layout {
  dir: string;
  /** the image index.json names: its digest is what the registry must serve */
  root: Manifest;
  /** the tag of its org.opencontainers.image.ref.name ("pause.ts:0.1.0" -> "0.1.0") */
  refTag?: string;
  blobs: Blob[];
  /** in push order; the root last */
  manifests: Manifest[];
}

function blobPath(dir: string, digest: string): string {
  const [algorithm, hex] = digest.split(":");
  if (algorithm !== "sha256" || !/^[0-9a-f]{64}$/.test(hex ?? "")) throw new Error(`${dir}: unsupported digest ${digest}`);
  return join(dir, "blobs", algorithm, hex!);
}

/** The blob's bytes, checked: a layout whose bytes differ from their names is not published. */
function readVerified(dir: string, d: Descriptor): Uint8Array {
  const bytes = readFileSync(blobPath(dir, d.digest));
  const actual = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  if (actual !== d.digest || bytes.length !== d.size) {
    throw new Error(`${dir}: blob ${d.digest} (${d.size} bytes) holds ${actual} (${bytes.length} bytes)`);
  }
  return bytes;
}

function checkSize(dir: string, d: Descriptor): Blob {
  const path = blobPath(dir, d.digest);
  const size = statSync(path).size;
  if (size !== d.size) throw new Error(`${dir}: blob ${d.digest} is ${size} bytes, its descriptor says ${d.size}`);
  return { digest: d.digest, size, path };
}

export function readLayout(dir: string): Layout {
  const top = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as { manifests?: Descriptor[] };
  if (top.manifests?.length !== 1) {
    throw new Error(`${dir}/index.json lists ${top.manifests?.length ?? 0} images; publish takes a layout of one (its image index)`);
  }
  const rootDescriptor = top.manifests[0]!;
  const blobs = new Map<string, Blob>();
  const manifests = new Map<string, Manifest>();

  const visit = (d: Descriptor): Manifest => {
    const seen = manifests.get(d.digest);
    if (seen) return seen;
    const bytes = readVerified(dir, d);
    const doc = JSON.parse(new TextDecoder().decode(bytes)) as {
      mediaType?: string;
      artifactType?: string;
      manifests?: Descriptor[];
      config?: Descriptor;
      layers?: Descriptor[];
      subject?: Descriptor;
      annotations?: Record<string, string>;
    };
    const mediaType = doc.mediaType ?? d.mediaType;
    const m: Manifest = { digest: d.digest, mediaType, bytes };
    if (MANIFEST_LISTS.includes(mediaType)) {
      // images before the artifacts that refer to them
      const children = [...(doc.manifests ?? [])];
      for (const c of children.filter((c) => !c.artifactType)) {
        const child = visit(c);
        if (c.platform) child.platform = c.platform;
      }
      for (const c of children.filter((c) => c.artifactType)) visit(c);
    } else {
      for (const b of [doc.config, ...(doc.layers ?? [])]) {
        if (b && !blobs.has(b.digest)) blobs.set(b.digest, checkSize(dir, b));
      }
      if (doc.subject) {
        m.subject = doc.subject.digest;
        m.referrer = {
          mediaType,
          digest: d.digest,
          size: d.size,
          artifactType: doc.artifactType ?? doc.config?.mediaType ?? mediaType,
          ...(doc.annotations ? { annotations: doc.annotations } : {}),
        };
      }
    }
    manifests.set(d.digest, m);
    return m;
  };

  const root = visit(rootDescriptor);
  const refName = rootDescriptor.annotations?.["org.opencontainers.image.ref.name"];
  const refTag = refName?.includes(":") ? refName.slice(refName.lastIndexOf(":") + 1) : refName;
  return { dir, root, ...(refTag ? { refTag } : {}), blobs: [...blobs.values()], manifests: [...manifests.values()] };
}
