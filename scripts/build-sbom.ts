// bun scripts/build-sbom.ts ARCH...: the CycloneDX 1.6 SBOM of each platform's
// root filesystem (dist/rootfs/linux-ARCH/), as dist/sbom/pause.ts-<version>-linux-ARCH.cdx.json.
// Run by scripts/build-sbom.sh, which exports the IMAGE_* values of
// scripts/image-metadata.sh. scripts/build-image.sh attaches each file to its
// platform's manifest.
//
// The document is built as models of @cyclonedx/cyclonedx-library and
// written by its serializer with sorted lists; its timestamp is the commit's
// and its serial number a UUID derived from its own content, so two builds
// of one commit write the same bytes.
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Enums, Models, Serialize, Spec } from "@cyclonedx/cyclonedx-library";
import { PackageURL } from "packageurl-js";

const { ComponentType, ExternalReferenceType, HashAlgorithm } = Enums;
const { Component, ExternalReference, Property, SpdxLicense } = Models;
type Component = InstanceType<typeof Component>;

// The npm package each platform's Bun runtime comes from (scripts/build-binaries.sh).
const RUNTIME_PACKAGES: Record<string, string> = {
  amd64: "@oven/bun-linux-x64-baseline",
  arm64: "@oven/bun-linux-aarch64",
};

// Where each platform's libraries are (scripts/build-rootfs.sh).
const TRIPLETS: Record<string, string> = {
  amd64: "x86_64-linux-gnu",
  arm64: "aarch64-linux-gnu",
};

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`sbom: ${name} is not set (run scripts/build-sbom.sh)`);
  return value;
}

const image = {
  version: env("IMAGE_VERSION"),
  revision: env("IMAGE_REVISION"),
  source: env("IMAGE_SOURCE"),
  created: new Date(env("IMAGE_CREATED")),
};
const project = readJson("package.json");

function readJson(path: string): any {
  return JSON.parse(readFileSync(path, "utf8"));
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** npm's integrity ("sha512-<base64>") as CycloneDX's SHA-512 (hex). */
function integrityToSha512(integrity: string): string {
  const [algorithm, digest] = integrity.split("-", 2);
  if (algorithm !== "sha512" || digest === undefined) throw new Error(`sbom: unexpected integrity ${integrity}`);
  return Buffer.from(digest, "base64").toString("hex");
}

/** An npm package as package-lock.json LOCK pins it. */
function npmComponent(lockPath: string, name: string, type = ComponentType.Library): Component {
  const entry = readJson(lockPath).packages[`node_modules/${name}`];
  if (!entry) throw new Error(`sbom: ${name} is not in ${lockPath}`);
  const [group, bare] = name.startsWith("@") ? (name.split("/", 2) as [string, string]) : [undefined, name];
  const component = new Component(type, bare, {
    group,
    version: entry.version,
    bomRef: `npm:${name}@${entry.version}`,
    purl: new PackageURL("npm", group, bare, entry.version, undefined, undefined).toString(),
  });
  component.hashes.set(HashAlgorithm["SHA-512"], integrityToSha512(entry.integrity));
  if (entry.license) component.licenses.add(new SpdxLicense(entry.license));
  if (entry.resolved) {
    component.externalReferences.add(
      new ExternalReference(entry.resolved, ExternalReferenceType.Distribution, {
        comment: `npm integrity ${entry.integrity}`,
      }),
    );
  }
  component.properties.add(new Property("pause.ts:npm-integrity", entry.integrity));
  return component;
}

/** The fields of one dpkg stanza (continuation lines joined with "\n"). */
function parseStanza(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last = "";
  for (const line of text.split("\n")) {
    if (/^[ \t]/.test(line)) fields.set(last, `${fields.get(last)}\n${line.slice(1)}`);
    else if (line.includes(":")) {
      last = line.slice(0, line.indexOf(":"));
      fields.set(last, line.slice(line.indexOf(":") + 1).trim());
    }
  }
  return fields;
}

function osRelease(root: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of readFileSync(join(root, "etc/os-release"), "utf8").split("\n")) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line);
    if (match) fields.set(match[1]!, match[2]!.replace(/^"(.*)"$/, "$1"));
  }
  return fields;
}

/** Every regular file under ROOT, as absolute paths inside it, sorted. */
function filesOf(root: string, dir = ""): string[] {
  const paths: string[] = [];
  for (const name of readdirSync(join(root, dir)).sort()) {
    const path = `${dir}/${name}`;
    const stat = lstatSync(join(root, path));
    if (stat.isDirectory()) paths.push(...filesOf(root, path));
    else if (stat.isFile()) paths.push(path);
    else throw new Error(`sbom: ${path} is neither a file nor a directory`);
  }
  return paths;
}

/** A name-based UUID (RFC 9562 version 5) of NAME in the URL namespace. */
function uuidV5(name: string): string {
  const namespace = Buffer.from("6ba7b8119dad11d180b400c04fd430c8", "hex");
  const bytes = createHash("sha1").update(namespace).update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function buildBom(arch: string): InstanceType<typeof Models.Bom> {
  const root = `dist/rootfs/linux-${arch}`;
  const bom = new Models.Bom();
  const vcs = image.source ? `git+${image.source}@${image.revision}` : undefined;

  const container = new Component(ComponentType.Container, "pause.ts", {
    bomRef: "image",
    version: image.version,
    description: `${project.description}: linux/${arch} image`,
  });
  container.licenses.add(new SpdxLicense(project.license));
  bom.metadata.component = container;
  bom.metadata.timestamp = image.created;
  const library = readJson("node_modules/@cyclonedx/cyclonedx-library/package.json");
  bom.metadata.tools.components.add(
    new Component(ComponentType.Library, "cyclonedx-library", { group: "@cyclonedx", version: library.version }),
  );
  bom.metadata.properties.add(new Property("pause.ts:platform", `linux/${arch}`));

  // The program and what is compiled into it.
  const pause = new Component(ComponentType.Application, "pause.ts", {
    bomRef: "pause",
    version: image.version,
    description: "/pause: the program, a Bun executable",
    purl: new PackageURL("generic", undefined, "pause.ts", image.version, vcs ? { vcs_url: vcs } : undefined, undefined).toString(),
  });
  pause.licenses.add(new SpdxLicense(project.license));
  pause.hashes.set(HashAlgorithm["SHA-256"], sha256(join(root, "pause")));
  pause.properties.add(new Property("pause.ts:source-revision", image.revision));
  if (image.source) {
    pause.externalReferences.add(
      new ExternalReference(image.source, ExternalReferenceType.VCS, { comment: `revision ${image.revision}` }),
    );
  }
  const runtime = npmComponent("scripts/runtimes/package-lock.json", RUNTIME_PACKAGES[arch]!, ComponentType.Platform);
  runtime.description = "the Bun runtime /pause is made from (bun build --compile)";
  runtime.externalReferences.add(new ExternalReference("https://github.com/oven-sh/bun", ExternalReferenceType.VCS));
  const citty = npmComponent("package-lock.json", "citty");
  const consola = npmComponent("package-lock.json", "consola");
  const helper = new Component(ComponentType.Library, "pause-helper", {
    bomRef: "pause-helper",
    version: image.version,
    description: "c/pause-helper.c, compiled into /pause and loaded from memory",
  });
  helper.licenses.add(new SpdxLicense(project.license));
  helper.hashes.set(HashAlgorithm["SHA-256"], sha256(`build/linux-${arch}/libpause-helper.so`));
  for (const c of [runtime, citty, consola, helper]) {
    bom.components.add(c);
    pause.dependencies.add(c.bomRef);
  }
  bom.components.add(pause);
  container.dependencies.add(pause.bomRef);

  // The /etc/ld.so.preload library: the helper's handlers, before the runtime runs.
  const preload = new Component(ComponentType.Library, "pause-preload", {
    bomRef: "pause-preload",
    version: image.version,
    description: `c/pause-preload.c (c/pause-helper.c's handlers), /lib/${TRIPLETS[arch]}/libpause-preload.so, named by /etc/ld.so.preload`,
  });
  preload.licenses.add(new SpdxLicense(project.license));
  preload.hashes.set(HashAlgorithm["SHA-256"], sha256(`build/linux-${arch}/libpause-preload.so`));
  bom.components.add(preload);
  container.dependencies.add(preload.bomRef);

  // The Debian packages whose files the image carries, and the release.
  const release = osRelease(root);
  const debianVersion = readFileSync(join(root, "etc/debian_version"), "utf8").trim();
  const os = new Component(ComponentType.OperatingSystem, release.get("ID") ?? "debian", {
    bomRef: "os",
    version: debianVersion,
    description: release.get("PRETTY_NAME"),
  });
  bom.components.add(os);
  container.dependencies.add(os.bomRef);
  for (const name of readdirSync(join(root, "var/lib/dpkg/status.d")).sort()) {
    const fields = parseStanza(readFileSync(join(root, "var/lib/dpkg/status.d", name), "utf8"));
    const [pkg, version, debArch] = [fields.get("Package")!, fields.get("Version")!, fields.get("Architecture")!];
    const deb = new Component(ComponentType.Library, pkg, {
      bomRef: `deb:${pkg}@${version}?arch=${debArch}`,
      version,
      publisher: fields.get("Maintainer"),
      description: fields.get("Description")?.split("\n")[0],
      purl: new PackageURL("deb", release.get("ID") ?? "debian", pkg, version, {
        arch: debArch,
        distro: `${release.get("ID") ?? "debian"}-${debianVersion}`,
      }, undefined).toString(),
    });
    if (pkg === "libc6") deb.licenses.add(new SpdxLicense("LGPL-2.1-or-later"));
    if (fields.get("Source")) deb.properties.add(new Property("pause.ts:debian-source", fields.get("Source")!));
    deb.properties.add(new Property("pause.ts:copyright", `/usr/share/doc/${pkg}/copyright`));
    if (fields.get("Homepage")) {
      deb.externalReferences.add(new ExternalReference(fields.get("Homepage")!, ExternalReferenceType.Website));
    }
    bom.components.add(deb);
    container.dependencies.add(deb.bomRef);
    runtime.dependencies.add(deb.bomRef);
    helper.dependencies.add(deb.bomRef);
    preload.dependencies.add(deb.bomRef);
  }

  // Each file of the layer.
  for (const path of filesOf(root)) {
    const file = new Component(ComponentType.File, path, { bomRef: `file:${path}` });
    file.hashes.set(HashAlgorithm["SHA-256"], sha256(join(root, path)));
    bom.components.add(file);
  }
  return bom;
}

const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
mkdirSync("dist/sbom", { recursive: true });
for (const arch of process.argv.slice(2)) {
  const bom = buildBom(arch);
  const unnumbered = serializer.serialize(bom, { sortLists: true });
  bom.serialNumber = `urn:uuid:${uuidV5(createHash("sha256").update(unnumbered).digest("hex"))}`;
  const out = `dist/sbom/pause.ts-${image.version}-linux-${arch}.cdx.json`;
  writeFileSync(out, `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`);
  console.log(`sbom: ${out} (${bom.components.size} components, serial ${bom.serialNumber})`);
}
