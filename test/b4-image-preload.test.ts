// B4 in the image, from the very start: a SIGTERM that reaches /pause before
// the runtime has run a single instruction is honoured. The image's
// /etc/ld.so.preload names c/pause-preload.c, whose constructor installs the
// helper's handlers while the loader runs. test/fixtures/term-at-entry.c runs
// /pause in a copy of the image's amd64 root as a runtime does (PID 1 of new
// namespaces, fresh /proc, chroot, uid 65535), stops it at the executable's
// entry point, sends SIGTERM from the parent namespace and lets it go.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { imageRoots } from "./support/image-root";
import { fixture } from "./support/pause";

const roots = imageRoots("b4");

function termAtEntry(root: string) {
  const run = Bun.spawnSync([fixture("term-at-entry"), root, "/pause"], { stdout: "pipe", stderr: "pipe" });
  return { report: run.stdout.toString().trim(), stderr: run.stderr.toString(), exitCode: run.exitCode };
}

describe("B4 in the image: handlers before the runtime", () => {
  beforeAll(() => roots.open());
  afterAll(() => roots.close());

  test("B4: a SIGTERM at /pause's entry point, before the runtime runs, exits 0 with upstream's message", () => {
    const result = termAtEntry(roots.copy("image"));
    expect(result.report).toBe("handlers_at_entry=1 outcome=exit status=0");
    expect(result.stderr).toBe("Shutting down, got signal: Terminated\n");
    expect(result.exitCode).toBe(0);
  });

  test("B4: the same root without /etc/ld.so.preload loses that SIGTERM (what the library is for)", () => {
    const result = termAtEntry(roots.copy("no-preload", (root) => rmSync(join(root, "etc", "ld.so.preload"))));
    expect(result.report).toBe("handlers_at_entry=0 outcome=lost status=137");
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
  });
});
