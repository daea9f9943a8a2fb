// Image references as the publish command takes them: HOST[:PORT]/REPO[:TAG].
// Only what a push needs: the registry host is always written out (no
// docker.io default), and a reference by digest is refused, because the
// digest is what the push produces, not an input.

export interface Reference {
  /** host[:port], as it appears in credentials files and in the reference */
  host: string;
  /** the repository path inside the registry, e.g. "pause.ts" or "infra/pause.ts" */
  repository: string;
  /** the tag, when the reference names one */
  tag?: string;
}

// distribution/reference's grammar, reduced to what is pushed here
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

export function parseReference(text: string): Reference {
  if (text.includes("@")) throw new Error(`${text}: publish to a tag, not a digest (the digest is the result)`);
  const slash = text.indexOf("/");
  const host = slash < 0 ? "" : text.slice(0, slash);
  if (!host.includes(".") && !host.includes(":") && host !== "localhost") {
    throw new Error(`${text}: name the registry host first (HOST[:PORT]/REPO[:TAG])`);
  }
  let path = text.slice(slash + 1);
  let tag: string | undefined;
  const colon = path.lastIndexOf(":");
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) throw new Error(`${text}: "${tag}" is not a valid tag`);
  }
  if (!path.split("/").every((c) => COMPONENT.test(c))) {
    throw new Error(`${text}: "${path}" is not a valid repository name (lower case, digits, . _ -)`);
  }
  return tag === undefined ? { host, repository: path } : { host, repository: path, tag };
}

export function formatReference(ref: Reference, digest?: string): string {
  const name = `${ref.host}/${ref.repository}`;
  if (digest) return `${name}@${digest}`;
  return ref.tag === undefined ? name : `${name}:${ref.tag}`;
}
