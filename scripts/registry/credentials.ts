// Registry credentials from where the container tools keep them, in the
// order podman, skopeo and buildah read them: an explicit file, then
// $REGISTRY_AUTH_FILE, then containers' auth.json, then Docker's config.json.
// The first file with an entry for the host wins. Credential helpers
// (credsStore, credHelpers) are programs of their own and are not run here.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface Credentials {
  username: string;
  password: string;
  /** where they came from, for the log */
  source: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
}
interface AuthFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The files searched, in order; `explicit` (a flag) replaces the environment's. */
export function authFiles(explicit?: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (explicit) return [explicit];
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, "containers", "auth.json"));
  files.push(join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), ".docker"), "config.json"));
  return files;
}

/** "user:password" from a flag. */
export function credentialsFromFlag(text: string): Credentials {
  const colon = text.indexOf(":");
  if (colon <= 0) throw new Error("--creds takes USER:PASSWORD");
  return { username: text.slice(0, colon), password: text.slice(colon + 1), source: "--creds" };
}

// An auths key may be "host", "host:port", "https://host/v1/" or "host/repo".
function keyHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//, "").split("/")[0] ?? "";
}

function fromEntry(entry: AuthEntry, source: string): Credentials | undefined {
  if (entry.username && entry.password !== undefined) {
    return { username: entry.username, password: entry.password, source };
  }
  if (!entry.auth) return undefined;
  const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) throw new Error(`${source}: the "auth" entry is not base64 of USER:PASSWORD`);
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source };
}

/**
 * Credentials for `host` from the first file that has an entry for it;
 * undefined when none does (the push then goes anonymously). Warns through
 * `warn` when a file names a credential helper for the host instead.
 */
export function findCredentials(host: string, files: string[], warn: (m: string) => void): Credentials | undefined {
  for (const file of files) {
    if (!existsSync(file)) continue;
    let parsed: AuthFile;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8")) as AuthFile;
    } catch (e) {
      throw new Error(`${file}: not JSON (${(e as Error).message})`);
    }
    for (const [key, entry] of Object.entries(parsed.auths ?? {})) {
      if (keyHost(key) !== host) continue;
      const creds = fromEntry(entry, file);
      if (creds) return creds;
    }
    const helper = parsed.credHelpers?.[host] ?? parsed.credsStore;
    if (helper) warn(`${file} names the credential helper "${helper}", which is not run: use --creds or an auth file`);
  }
  return undefined;
}
