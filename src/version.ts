// The version `-v` prints. The build defines PAUSE_VERSION (package.json's
// version plus `git describe` when there is a repository); running the
// sources directly falls back to package.json.
import pkg from "../package.json" with { type: "json" };

declare const PAUSE_VERSION: string | undefined;

export const version: string = typeof PAUSE_VERSION === "string" ? PAUSE_VERSION : pkg.version;
