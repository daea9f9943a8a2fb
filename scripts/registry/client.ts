// A client for the parts of the OCI distribution API a push needs: blobs
// (HEAD, monolithic upload), manifests (HEAD, GET, PUT, with the exact bytes
// given), and the referrers API probe. Authentication follows the
// registry's WWW-Authenticate challenge: Basic with the credentials, or
// Bearer with a token fetched from the realm it names (with the
// credentials, or anonymously).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Credentials } from "./credentials.ts";

export const ACCEPT_MANIFESTS = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

export interface ClientOptions {
  /** plain HTTP instead of HTTPS (a local registry) */
  insecure?: boolean;
  /** PEM file(s) of the CAs to trust instead of the system's */
  caFiles?: string[];
  credentials?: Credentials;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (or `Basic realm="…"`). */
export function parseChallenge(header: string): Challenge {
  const space = header.indexOf(" ");
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /([A-Za-z]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const m of (space < 0 ? "" : header.slice(space + 1)).matchAll(re)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "");
  }
  return { scheme, params };
}

/**
 * The CA files for `host` when none are given: the certs.d directories
 * containers' tools and Docker read (`*.crt` there are CAs).
 */
export function certsDirCAs(host: string): string[] {
  const found: string[] = [];
  for (const dir of ["/etc/containers/certs.d", "/etc/docker/certs.d"]) {
    const d = join(dir, host);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) if (f.endsWith(".crt")) found.push(join(d, f));
  }
  return found;
}

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class RegistryClient {
  readonly base: string;
  private authorization?: string;
  private readonly tls?: { ca: string[] };

  constructor(
    readonly host: string,
    readonly repository: string,
    private readonly options: ClientOptions = {},
  ) {
    this.base = `${options.insecure ? "http" : "https"}://${host}`;
    const cas = options.caFiles?.length ? options.caFiles : options.insecure ? [] : certsDirCAs(host);
    if (cas.length) this.tls = { ca: cas.map((f) => readFileSync(f, "utf8")) };
  }

  /** A request to the registry; on 401 answers the challenge once and retries. */
  async request(method: string, path: string, init: { headers?: Record<string, string>; body?: RequestInit["body"] } = {}): Promise<Response> {
    const url = path.startsWith("http") ? path : `${this.base}${path}`;
    const send = () =>
      fetch(url, {
        method,
        headers: { ...init.headers, ...(this.authorization ? { Authorization: this.authorization } : {}) },
        body: init.body,
        redirect: "follow",
        ...(this.tls ? { tls: this.tls } : {}),
      });
    let res = await send();
    if (res.status === 401) {
      const header = res.headers.get("www-authenticate");
      await res.arrayBuffer();
      if (!header) throw new RegistryError(`${method} ${url}: 401 without a WWW-Authenticate challenge`, 401);
      const before = this.authorization;
      await this.answer(parseChallenge(header));
      if (this.authorization === before) throw new RegistryError(`${method} ${url}: 401 Unauthorized (${this.whoami()})`, 401);
      res = await send();
      if (res.status === 401) {
        await res.arrayBuffer();
        throw new RegistryError(`${method} ${url}: 401 Unauthorized (${this.whoami()})`, 401);
      }
    }
    return res;
  }

  private whoami(): string {
    const c = this.options.credentials;
    return c ? `as ${c.username}, credentials from ${c.source}` : "no credentials found for " + this.host;
  }

  private async answer(challenge: Challenge): Promise<void> {
    const c = this.options.credentials;
    const basic = c ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}` : undefined;
    if (challenge.scheme === "basic") {
      this.authorization = basic;
      return;
    }
    if (challenge.scheme !== "bearer") throw new Error(`${this.host}: unsupported authentication scheme ${challenge.scheme}`);
    const realm = challenge.params.realm;
    if (!realm) throw new Error(`${this.host}: Bearer challenge without a realm`);
    const url = new URL(realm);
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    const scopes = new Set([`repository:${this.repository}:pull,push`]);
    if (challenge.params.scope) for (const s of challenge.params.scope.split(" ")) scopes.add(s);
    for (const s of scopes) url.searchParams.append("scope", s);
    const res = await fetch(url, {
      headers: basic ? { Authorization: basic } : {},
      ...(this.tls ? { tls: this.tls } : {}),
    });
    if (!res.ok) throw new RegistryError(`token from ${url.origin}${url.pathname}: ${res.status} ${res.statusText} (${this.whoami()})`, res.status);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new Error(`token from ${url.origin}${url.pathname}: no token in the answer`);
    this.authorization = `Bearer ${token}`;
  }

  private async fail(res: Response, what: string): Promise<never> {
    let detail = "";
    try {
      const body = (await res.json()) as { errors?: { code?: string; message?: string }[] };
      detail = (body.errors ?? []).map((e) => `${e.code ?? ""} ${e.message ?? ""}`.trim()).join("; ");
    } catch {
      // not the API's JSON error body
    }
    throw new RegistryError(`${what}: ${res.status} ${res.statusText}${detail ? ` (${detail})` : ""}`, res.status);
  }

  /** GET /v2/: the registry answers the API (and accepts our credentials). */
  async ping(): Promise<void> {
    const res = await this.request("GET", "/v2/");
    if (!res.ok) await this.fail(res, `GET ${this.base}/v2/`);
    await res.arrayBuffer();
  }

  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.request("HEAD", `/v2/${this.repository}/blobs/${digest}`);
    if (res.status === 404) return false;
    if (!res.ok) await this.fail(res, `HEAD blob ${digest}`);
    return true;
  }

  /** One monolithic upload: POST a session, PUT the bytes with their digest. */
  async uploadBlob(digest: string, size: number, body: RequestInit["body"]): Promise<void> {
    const start = await this.request("POST", `/v2/${this.repository}/blobs/uploads/`, { headers: { "Content-Length": "0" } });
    if (start.status !== 202) await this.fail(start, `POST upload of ${digest}`);
    await start.arrayBuffer();
    const location = start.headers.get("location");
    if (!location) throw new Error(`POST upload of ${digest}: no Location in the answer`);
    const url = new URL(location, this.base);
    url.searchParams.set("digest", digest);
    const put = await this.request("PUT", url.toString(), {
      headers: { "Content-Type": "application/octet-stream", "Content-Length": String(size) },
      body,
    });
    if (put.status !== 201) await this.fail(put, `PUT blob ${digest}`);
    await put.arrayBuffer();
  }

  /** The digest the registry serves for a manifest reference, or undefined on 404. */
  async manifestDigest(reference: string): Promise<string | undefined> {
    const res = await this.request("HEAD", `/v2/${this.repository}/manifests/${reference}`, { headers: { Accept: ACCEPT_MANIFESTS } });
    if (res.status === 404) return undefined;
    if (!res.ok) await this.fail(res, `HEAD manifest ${reference}`);
    return res.headers.get("docker-content-digest") ?? (reference.startsWith("sha256:") ? reference : "");
  }

  async getManifest(reference: string, accept = ACCEPT_MANIFESTS): Promise<{ bytes: Uint8Array; mediaType: string } | undefined> {
    const res = await this.request("GET", `/v2/${this.repository}/manifests/${reference}`, { headers: { Accept: accept } });
    if (res.status === 404) return undefined;
    if (!res.ok) await this.fail(res, `GET manifest ${reference}`);
    return { bytes: new Uint8Array(await res.arrayBuffer()), mediaType: res.headers.get("content-type") ?? "" };
  }

  /** PUT the manifest's exact bytes under `reference` (a digest or a tag); returns the response headers. */
  async putManifest(reference: string, mediaType: string, bytes: Uint8Array): Promise<Headers> {
    const res = await this.request("PUT", `/v2/${this.repository}/manifests/${reference}`, {
      headers: { "Content-Type": mediaType },
      body: bytes,
    });
    if (res.status !== 201) await this.fail(res, `PUT manifest ${reference}`);
    await res.arrayBuffer();
    return res.headers;
  }

  /** Whether the registry serves the referrers API (distribution spec 1.1). */
  async hasReferrersAPI(subject: string): Promise<boolean> {
    const res = await this.request("GET", `/v2/${this.repository}/referrers/${subject}`, {
      headers: { Accept: "application/vnd.oci.image.index.v1+json" },
    });
    await res.arrayBuffer();
    return res.ok && (res.headers.get("content-type") ?? "").startsWith("application/vnd.oci.image.index.v1+json");
  }
}
