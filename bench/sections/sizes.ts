// Sizes: the files, and compressed sizes of the runtime, the C reference,
// the root file system and the image's layers.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { BUILD, QUICK, ROOT, run, say } from "../lib/common";
import type { Context, Section } from "../lib/section";
import type { Subject } from "../lib/subjects";

const sizeCachePath = join(BUILD, "size-cache.json");

function compressedSizes(what: string, produce: string): { bytes: number; gzip9: number; zstd19: number } | null {
  const cache: Record<string, { bytes: number; gzip9: number; zstd19: number }> = existsSync(sizeCachePath) ? JSON.parse(readFileSync(sizeCachePath, "utf8")) : {};
  const digest = createHash("sha256").update(Bun.spawnSync(["bash", "-c", produce], { cwd: ROOT, stdout: "pipe" }).stdout).digest("hex");
  const known = cache[digest];
  if (known) return known;
  if (QUICK) {
    say(`sizes: ${what} not cached; skipped in quick mode`);
    return null;
  }
  say(`sizes: compressing ${what} (gzip -9, zstd -19; cached by content)`);
  const count = (compressor: string) => Number(run(["bash", "-c", `set -o pipefail; ${produce} | ${compressor} | wc -c`], `compress ${what}`).trim());
  const sizes = { bytes: count("cat"), gzip9: count("gzip -9 -n"), zstd19: count("zstd -19 -T0 -q -c") };
  cache[digest] = sizes;
  writeFileSync(sizeCachePath, JSON.stringify(cache, null, 1));
  return sizes;
}

function bunSectionBytes(exe: string): number | null {
  const sections = run(["readelf", "-SW", exe], "readelf");
  const line = sections.split("\n").find((l) => /\s\.bun\s/.test(l));
  if (!line) return null;
  const fields = line.replace(/^.*\]\s+/, "").split(/\s+/);
  return parseInt(fields[4]!, 16);
}

function measure(subjects: Subject[]) {
  const runtime = [join(ROOT, "node_modules", "bun", "bin", "bun.exe"), ...readdirSync(join(ROOT, "node_modules", "@oven")).map((d) => join(ROOT, "node_modules", "@oven", d, "bin", "bun"))].find((p) => existsSync(p))!;
  const files = Object.fromEntries(
    subjects.map((s) => [s.name, { bytes: statSync(s.exe).size, bunSectionBytes: s.kind === "reference" ? null : bunSectionBytes(s.exe) }]),
  );
  const result: Record<string, unknown> = {
    files,
    bunRuntime: { path: relative(ROOT, runtime), ...compressedSizes("the Bun runtime", `cat ${runtime}`) },
    cReference: compressedSizes("the C reference", `cat ${join(BUILD, "pause-reference")}`),
  };
  const rootfs = join(ROOT, "dist", "rootfs", "linux-amd64");
  if (existsSync(rootfs)) {
    const tar = `tar -C ${rootfs} --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - .`;
    result.rootfsAmd64 = compressedSizes("dist/rootfs/linux-amd64", tar);
  } else {
    result.rootfsAmd64 = "dist/rootfs/linux-amd64 not built yet";
  }
  result.image = existsSync(join(ROOT, "dist", "image")) ? imageLayers(join(ROOT, "dist", "image")) : "dist/image not built yet";
  return result;
}

/** Layer sizes of an OCI layout, per platform. */
function imageLayers(layout: string): unknown {
  const blob = (digest: string) => JSON.parse(readFileSync(join(layout, "blobs", ...digest.split(":")), "utf8"));
  try {
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
    const out: Record<string, number[]> = {};
    const visit = (descriptor: { digest: string; mediaType: string; platform?: { os: string; architecture: string } }, platform?: string) => {
      const doc = blob(descriptor.digest);
      const here = descriptor.platform ? `${descriptor.platform.os}/${descriptor.platform.architecture}` : platform ?? "?";
      if (doc.manifests) for (const m of doc.manifests) visit(m, here);
      if (doc.layers) out[here] = doc.layers.map((l: { size: number }) => l.size);
    };
    for (const m of index.manifests) visit(m);
    return out;
  } catch (error) {
    return `unreadable: ${(error as Error).message}`;
  }
}

export const sizes: Section = {
  name: "sizes",
  run: ({ subjects }: Context) => measure(subjects),
  lines(z, { subjects }) {
    const mb = (n?: number) => (n ? (n / 1e6).toFixed(2) : "n/a");
    const triple = (x: any) => `${mb(x?.bytes)}/${mb(x?.gzip9)}/${mb(x?.zstd19)}`;
    return [
      `sizes (MB = 10^6 bytes, raw/gzip-9/zstd-19): Bun runtime ${triple(z.bunRuntime)}; C ${triple(z.cReference)}; rootfs amd64 ${typeof z.rootfsAmd64 === "string" ? z.rootfsAmd64 : triple(z.rootfsAmd64)}; image ${typeof z.image === "string" ? z.image : JSON.stringify(z.image)}`,
      `.bun section bytes: ${subjects.map((s) => `${s.name} ${z.files[s.name].bunSectionBytes ?? "-"}`).join(", ")}`,
    ];
  },
};
