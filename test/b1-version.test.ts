// B1: any argument equal to -v, compared case-insensitively, in any position,
// prints one line "pause.ts v<version>" on stdout and exits 0 before anything else.
import { describe, expect, test } from "bun:test";
import pkg from "../package.json" with { type: "json" };
import { asPid1, runAsPid1, runPause } from "./support/pause";

const versionLine = new RegExp(`^pause\\.ts v${pkg.version.replaceAll(".", "\\.")}(-\\S+)?\\n$`);

describe("B1 version", () => {
  for (const args of [["-v"], ["-V"], ["--version"], ["foo", "-v"], ["--bar", "-V", "baz"], ["--help", "-v"], ["-v", "--help"]]) {
    test(`B1: ${args.join(" ")} prints the version on stdout and exits 0`, async () => {
      const result = await runPause(args);
      expect(result.stdout).toMatch(versionLine);
      expect(result.stderr).toBe(""); // not even the not-PID-1 warning: -v comes first
      expect(result.exitCode).toBe(0);
    });
  }

  test("B1: -v as PID 1 prints the version and exits 0", async () => {
    const result = await runAsPid1(["-v"]);
    expect(result.stdout).toMatch(versionLine);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
  });

  for (const arg of ["-vv", "--v", "v", "-version"]) {
    test(`B1: ${arg} is not -v (upstream compares whole arguments): pause runs`, async () => {
      const pause = await asPid1([arg]);
      process.kill(pause.pid, "SIGTERM");
      const result = await pause.finished;
      expect(result.stdout).toBe("");
      expect(result.exitCode).toBe(0);
    });
  }
});
