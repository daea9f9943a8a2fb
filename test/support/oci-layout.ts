// Reads an OCI image layout (dist/image, dist/image-zstd, or an unpacked
// dist/pause.oci.tar) the way a referrers-aware tool does: every manifest
// reachable from index.json, each platform's image manifest, and the
// artifacts whose subject is a given manifest.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface Manifest {
  mediaType: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  manifests?: Descriptor[];
  annotations?: Record<string, string>;
}

const INDEX = "application/vnd.oci.image.index.v1+json";

export class OciLayout {
  constructor(readonly dir: string) {}

  blobPath(digest: string): string {
    const [algorithm, hex] = digest.split(":");
    return join(this.dir, "blobs", algorithm!, hex!);
  }

  blob(digest: string): Buffer {
    return readFileSync(this.blobPath(digest));
  }

  json<T = Manifest>(digest: string): T {
    return JSON.parse(this.blob(digest).toString("utf8")) as T;
  }

  /** Every descriptor reachable from index.json through image indexes, index.json's own first. */
  descriptors(): Descriptor[] {
    const found: Descriptor[] = [];
    const visit = (manifests: Descriptor[]) => {
      for (const d of manifests) {
        found.push(d);
        if (d.mediaType === INDEX) visit(this.json(d.digest).manifests ?? []);
      }
    };
    visit(JSON.parse(readFileSync(join(this.dir, "index.json"), "utf8")).manifests);
    return found;
  }

  /** The descriptor of the linux/ARCH image manifest. */
  platform(arch: string): Descriptor {
    const matches = this.descriptors().filter((d) => d.platform?.os === "linux" && d.platform.architecture === arch);
    if (matches.length !== 1) throw new Error(`${this.dir}: ${matches.length} linux/${arch} manifests`);
    return matches[0]!;
  }

  /** The manifests whose subject is DIGEST (what a registry's referrers API answers). */
  referrers(digest: string): Descriptor[] {
    return this.descriptors().filter(
      (d) => d.mediaType !== INDEX && this.json(d.digest).subject?.digest === digest,
    );
  }
}
