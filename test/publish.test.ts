// npm run publish's modules (scripts/registry/), against a registry made
// here with Bun.serve that asks for a Bearer token, as Docker Hub, GHCR and
// Harbor do (the e2e registry tier covers Basic with docker-registry): the
// exact bytes arrive, a second publish sends nothing, and the fallback tag
// keeps what other tools listed there.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseChallenge, RegistryClient } from "../scripts/registry/client.ts";
import { authFiles, findCredentials } from "../scripts/registry/credentials.ts";
import { readLayout } from "../scripts/registry/layout.ts";
import { publishLayout } from "../scripts/registry/publish.ts";
import { canonicalJson, fallbackTag, mergeReferrers } from "../scripts/registry/referrers.ts";
import { parseReference } from "../scripts/registry/reference.ts";

const INDEX = "application/vnd.oci.image.index.v1+json";
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const CDX = "application/vnd.cyclonedx+json";
const sha = (b: string | Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

// A layout like dist/image, small: one platform, its SBOM artifact, the index.
function makeLayout(dir: string): { index: string; platform: string; artifact: string } {
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  const put = (content: string) => {
    writeFileSync(join(dir, "blobs", "sha256", sha(content).slice(7)), content);
    return { digest: sha(content), size: Buffer.byteLength(content) };
  };
  const config = put('{"architecture":"amd64","os":"linux"}');
  const layer = put("layer bytes");
  const platform = put(canonicalJson({ schemaVersion: 2, mediaType: MANIFEST, config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config }, layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...layer }] }));
  const empty = put("{}");
  const sbom = put('{"bomFormat":"CycloneDX"}');
  const artifact = put(canonicalJson({ schemaVersion: 2, mediaType: MANIFEST, artifactType: CDX, config: { mediaType: "application/vnd.oci.empty.v1+json", ...empty }, layers: [{ mediaType: CDX, ...sbom }], subject: { mediaType: MANIFEST, ...platform } }));
  const index = put(canonicalJson({ schemaVersion: 2, mediaType: INDEX, manifests: [{ mediaType: MANIFEST, ...platform, platform: { architecture: "amd64", os: "linux" } }, { mediaType: MANIFEST, ...artifact, artifactType: CDX }] }));
  writeFileSync(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: INDEX, ...index, annotations: { "org.opencontainers.image.ref.name": "pause.ts:9.9.9" } }] }));
  return { index: index.digest, platform: platform.digest, artifact: artifact.digest };
}

// A registry that wants `Bearer` tokens, which its /token realm hands out for Basic u:p.
function fakeRegistry() {
  const blobs = new Map<string, Uint8Array>();
  const manifests = new Map<string, { bytes: Uint8Array; type: string }>();
  const writes: string[] = [];
  const server = Bun.serve({
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/token") {
        const ok = req.headers.get("authorization") === `Basic ${btoa("u:p")}` && url.searchParams.getAll("scope").includes("repository:infra/pause.ts:pull,push");
        return ok ? Response.json({ token: "t0k3n" }) : new Response("no", { status: 401 });
      }
      if (req.headers.get("authorization") !== "Bearer t0k3n") {
        return new Response(null, { status: 401, headers: { "WWW-Authenticate": `Bearer realm="${url.origin}/token",service="fake",scope="repository:infra/pause.ts:pull"` } });
      }
      if (url.pathname === "/v2/") return new Response("{}");
      const m = url.pathname.match(/^\/v2\/infra\/pause\.ts\/(blobs\/uploads|blobs|manifests)\/?(.*)$/);
      if (!m) return new Response(null, { status: 404 });
      const [, kind, ref] = m as unknown as [string, string, string];
      if (kind === "blobs/uploads" && req.method === "POST") return new Response(null, { status: 202, headers: { Location: "/v2/infra/pause.ts/blobs/uploads/1?state=x" } });
      if (kind === "blobs/uploads" && req.method === "PUT") {
        const bytes = new Uint8Array(await req.arrayBuffer());
        const digest = url.searchParams.get("digest")!;
        if (sha(bytes) !== digest) return new Response(null, { status: 400 });
        blobs.set(digest, bytes);
        writes.push(digest);
        return new Response(null, { status: 201 });
      }
      if (kind === "blobs") return new Response(null, { status: blobs.has(ref) ? 200 : 404 });
      if (req.method === "PUT") {
        const bytes = new Uint8Array(await req.arrayBuffer());
        manifests.set(ref, { bytes, type: req.headers.get("content-type")! });
        if (!ref.startsWith("sha256:")) manifests.set(sha(bytes), { bytes, type: req.headers.get("content-type")! });
        writes.push(ref);
        return new Response(null, { status: 201, headers: { "Docker-Content-Digest": sha(bytes) } });
      }
      const found = manifests.get(ref);
      if (!found) return new Response(null, { status: 404 });
      const headers = { "Content-Type": found.type, "Docker-Content-Digest": sha(found.bytes) };
      return new Response(req.method === "HEAD" ? null : found.bytes, { headers });
    },
  });
  return { server, blobs, manifests, writes };
}

describe("publish to a Bearer-token registry", () => {
  const dir = mkdtempSync(join(tmpdir(), "pause-publish-"));
  const built = makeLayout(join(dir, "image"));
  let reg: ReturnType<typeof fakeRegistry>;
  const client = () =>
    new RegistryClient(`127.0.0.1:${reg.server.port}`, "infra/pause.ts", { insecure: true, credentials: { username: "u", password: "p", source: "test" } });
  beforeAll(() => {
    reg = fakeRegistry();
  });
  afterAll(() => {
    reg.server.stop(true);
    rmSync(dir, { recursive: true, force: true });
  });

  test("the registry gets the layout's bytes; the tag serves the built digest", async () => {
    const layout = readLayout(join(dir, "image"));
    expect(layout.refTag).toBe("9.9.9");
    const r = await publishLayout(client(), layout, "9.9.9", () => {});
    expect(r.digest).toBe(built.index);
    expect(sha(reg.manifests.get("9.9.9")!.bytes)).toBe(built.index);
    expect(r.uploadedBlobs).toBe(4);
    const fallback = JSON.parse(new TextDecoder().decode(reg.manifests.get(fallbackTag(built.platform))!.bytes));
    expect(fallback.manifests).toEqual([expect.objectContaining({ digest: built.artifact, artifactType: CDX })]);
  });

  test("a second publish writes nothing", async () => {
    const before = reg.writes.length;
    const r = await publishLayout(client(), readLayout(join(dir, "image")), "9.9.9", () => {});
    expect(r.uploadedBlobs + r.putManifests).toBe(0);
    expect(reg.writes.length).toBe(before);
  });

  test("wrong credentials: the token realm refuses, and the error says so", async () => {
    const bad = new RegistryClient(`127.0.0.1:${reg.server.port}`, "infra/pause.ts", { insecure: true, credentials: { username: "u", password: "x", source: "test" } });
    await expect(bad.ping()).rejects.toThrow(/token from .*: 401/);
  });
});

describe("the fallback tag's index", () => {
  const ours = { mediaType: MANIFEST, digest: sha("sbom"), size: 4, artifactType: CDX };
  const theirs = { mediaType: MANIFEST, digest: sha("sig"), size: 3, artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json" };

  test("is made when there is none, and then unchanged", () => {
    const first = mergeReferrers(undefined, [ours]);
    expect(first.changed).toBe(true);
    expect(JSON.parse(new TextDecoder().decode(first.bytes))).toEqual({ schemaVersion: 2, mediaType: INDEX, manifests: [ours] });
    expect(mergeReferrers(first.bytes, [ours]).changed).toBe(false);
  });

  test("keeps what others listed and adds ours after", () => {
    const existing = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [theirs] }));
    const merged = mergeReferrers(existing, [ours]);
    expect(merged.changed).toBe(true);
    expect(merged.manifests).toEqual([theirs, ours]);
  });
});

describe("references, challenges, credentials", () => {
  test("HOST[:PORT]/REPO[:TAG], never a digest, always a host", () => {
    expect(parseReference("127.0.0.1:5000/pause.ts:0.1.0")).toEqual({ host: "127.0.0.1:5000", repository: "pause.ts", tag: "0.1.0" });
    expect(parseReference("registry.example.com/infra/pause.ts")).toEqual({ host: "registry.example.com", repository: "infra/pause.ts" });
    expect(() => parseReference("pause.ts:0.1.0")).toThrow(/registry host/);
    expect(() => parseReference("r.example.com/pause.ts@sha256:00")).toThrow(/digest/);
  });

  test("WWW-Authenticate parameters, quoted or not", () => {
    expect(parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"')).toEqual({
      scheme: "bearer",
      params: { realm: "https://auth.example.com/token", service: "registry.example.com", scope: "repository:a/b:pull,push" },
    });
    expect(parseChallenge('Basic realm="pause"').scheme).toBe("basic");
  });

  test("the first auth file with an entry for the host wins; https:// keys count", () => {
    const dir = mkdtempSync(join(tmpdir(), "pause-auth-"));
    try {
      writeFileSync(join(dir, "a.json"), JSON.stringify({ auths: { "other.example.com": { auth: btoa("o:o") } } }));
      writeFileSync(join(dir, "b.json"), JSON.stringify({ auths: { "https://r.example.com/v1/": { auth: btoa("u:p:w") } } }));
      const files = authFiles(undefined, { REGISTRY_AUTH_FILE: join(dir, "a.json"), DOCKER_CONFIG: dir, HOME: dir });
      expect(files).toEqual([join(dir, "a.json"), join(dir, "config.json")]);
      const creds = findCredentials("r.example.com", [join(dir, "a.json"), join(dir, "b.json")], () => {});
      expect(creds).toEqual({ username: "u", password: "p:w", source: join(dir, "b.json") });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
