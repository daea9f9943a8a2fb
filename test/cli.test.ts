// The command line as a function: argv in, a request out (B1, B2). These
// import src/cli.ts directly; it knows nothing of signals or the helper.
import { describe, expect, test } from "bun:test";
import { parseCommandLine, usage, versionLine } from "../src/cli";
import pkg from "../package.json" with { type: "json" };

describe("parseCommandLine", () => {
  test("B1: -v in any case and any position asks for the version", () => {
    for (const args of [["-v"], ["-V"], ["x", "-v"], ["--help", "-V"], ["--version"]]) {
      expect(parseCommandLine(args)).toEqual({ action: "version" });
    }
  });

  test("B1: only whole arguments count", () => {
    for (const arg of ["-vv", "--v", "-version", "v", "-v=1", "--VERSION"]) {
      expect(parseCommandLine([arg])).toEqual({ action: "pause", ignored: [arg] });
    }
  });

  test("B2: --help and -h ask for usage", () => {
    expect(parseCommandLine(["--help"])).toEqual({ action: "help" });
    expect(parseCommandLine(["x", "-h"])).toEqual({ action: "help" });
  });

  test("B2: anything else is ignored, in order, and pause runs", () => {
    expect(parseCommandLine([])).toEqual({ action: "pause", ignored: [] });
    expect(parseCommandLine(["--foo", "bar", "-x", "--", ""])).toEqual({
      action: "pause",
      ignored: ["--foo", "bar", "-x", "--", ""],
    });
  });

  test("B1: the version line is 'pause.ts v<version>'", () => {
    expect(versionLine()).toBe(`pause.ts v${pkg.version}`);
  });

  test("B2: usage names both options", () => {
    const text = usage();
    expect(text).toContain("-v, --version");
    expect(text).toContain("-h, --help");
  });
});
