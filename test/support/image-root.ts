// Copies of the image's amd64 root (dist/rootfs/linux-amd64, as `npm run
// image` leaves it), for tests that run /pause as a runtime runs the image.
// Hard links: nothing in a root is written. Each copy has a /proc mount point.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tool } from "./pause";

export const IMAGE_ROOTFS = join(import.meta.dir, "..", "..", "dist", "rootfs", "linux-amd64");
const roots = join(import.meta.dir, "..", "..", "build", "test-roots");

/** A folder of root copies for one test file: `open()` in beforeAll, `close()` in afterAll. */
export function imageRoots(prefix: string) {
  let work = "";
  return {
    open(): void {
      if (!existsSync(join(IMAGE_ROOTFS, "etc", "ld.so.preload"))) {
        throw new Error(`no ${IMAGE_ROOTFS}/etc/ld.so.preload: run npm run image first`);
      }
      mkdirSync(roots, { recursive: true });
      work = mkdtempSync(join(roots, `${prefix}-`));
    },
    close(): void {
      if (work) rmSync(work, { recursive: true, force: true });
    },
    /** A new copy named NAME; CHANGE edits it. */
    copy(name: string, change: (root: string) => void = () => {}): string {
      const root = join(work, name);
      const copied = Bun.spawnSync([tool("cp"), "-al", IMAGE_ROOTFS, root], { stderr: "pipe" });
      if (copied.exitCode !== 0) throw new Error(`cannot copy ${IMAGE_ROOTFS}: ${copied.stderr}`);
      mkdirSync(join(root, "proc"));
      change(root);
      return root;
    },
  };
}
