// B8: a handler that cannot be installed exits 1 (INT), 2 (TERM), 3 (CHLD);
// upstream says nothing, pause.ts says which handler and why (never a silent exit).
// B9: if the wait ever ends, "Error: infinite loop terminated" and exit 42.
// And a helper that cannot be loaded: one line on stderr, exit 4.
// The system's "no" comes from a seccomp filter set up by the deny fixture.
import { describe, expect, test } from "bun:test";
import { fixture, runAsPid1 } from "./support/pause";

describe("B8 handlers that cannot be installed", () => {
  for (const [signo, name, code] of [[2, "SIGINT", 1], [15, "SIGTERM", 2], [17, "SIGCHLD", 3]] as const) {
    test(`B8: sigaction(${name}) failing exits ${code}, with one line that says so`, async () => {
      const result = await runAsPid1([], { wrapper: [fixture("deny"), `sigaction:${signo}`] });
      expect(result.exitCode).toBe(code);
      expect(result.stderr).toBe(`Error: cannot install the ${name} handler: Operation not permitted\n`);
      expect(result.stdout).toBe("");
    });
  }
});

describe("B9 the wait loop ending", () => {
  test("B9: pause() failing ends the loop with exit 42", async () => {
    const result = await runAsPid1([], { wrapper: [fixture("deny"), "pause"] });
    expect(result.stderr).toBe("Error: infinite loop terminated\n");
    expect(result.exitCode).toBe(42);
  });
});

describe("loading the helper", () => {
  test("a helper that cannot be loaded gives one line and exit 4", async () => {
    const result = await runAsPid1([], { wrapper: [fixture("deny"), "memfd"] });
    expect(result.stderr).toBe("Error: cannot load the signal helper: memfd_create: Operation not permitted\n");
    expect(result.exitCode).toBe(4);
  });
});
