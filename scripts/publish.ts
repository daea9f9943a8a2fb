// npm run publish -- HOST[:PORT]/REPO[:TAG] [--insecure] [--creds USER:PASSWORD]
//                     [--authfile FILE] [--ca FILE] [--layout DIR]
// Uploads the image as built (dist/image) to a registry, byte for byte, and
// prints the index digest and the reference by digest, the things to pin.
// Only maps the command line onto scripts/registry/: the work is there.
import { defineCommand, runMain } from "citty";
import { RegistryClient } from "./registry/client.ts";
import { authFiles, credentialsFromFlag, findCredentials } from "./registry/credentials.ts";
import { readLayout } from "./registry/layout.ts";
import { publishLayout } from "./registry/publish.ts";
import { formatReference, parseReference } from "./registry/reference.ts";

const log = (line: string) => console.error(`publish: ${line}`);

const command = defineCommand({
  meta: {
    name: "publish",
    description: "Upload an OCI image layout to a registry byte for byte; print its digest and the reference by digest.",
  },
  args: {
    reference: { type: "positional", required: true, description: "HOST[:PORT]/REPO[:TAG] (TAG: the layout's, e.g. 0.1.0)" },
    insecure: { type: "boolean", description: "plain HTTP (a local registry without TLS)" },
    creds: { type: "string", description: "USER:PASSWORD (else from the auth files)" },
    authfile: { type: "string", description: "auth file (default: $REGISTRY_AUTH_FILE, containers' auth.json, ~/.docker/config.json)" },
    ca: { type: "string", description: "PEM file of the CA to trust (default: the system's, and certs.d/HOST/*.crt)" },
    layout: { type: "string", default: "dist/image", description: "the OCI image layout to publish" },
  },
  async run({ args }) {
    try {
      await publish(args);
    } catch (e) {
      log(`error: ${(e as Error).message}`);
      process.exit(1);
    }
  },
});

async function publish(args: {
  reference: string;
  insecure?: boolean;
  creds?: string;
  authfile?: string;
  ca?: string;
  layout: string;
}): Promise<void> {
  const ref = parseReference(args.reference);
  const layout = readLayout(args.layout);
  const tag = ref.tag ?? layout.refTag;
  if (!tag) throw new Error(`${args.reference}: no tag, and ${args.layout} names none`);
  const credentials = args.creds
    ? credentialsFromFlag(args.creds)
    : findCredentials(ref.host, authFiles(args.authfile), log);
  const client = new RegistryClient(ref.host, ref.repository, {
    insecure: args.insecure,
    ...(args.ca ? { caFiles: [args.ca] } : {}),
    ...(credentials ? { credentials } : {}),
  });
  const target = formatReference({ ...ref, tag });
  log(`${args.layout} (index ${layout.root.digest}) -> ${target}${credentials ? ` as ${credentials.username} (${credentials.source})` : ""}`);

  const r = await publishLayout(client, layout, tag, log);
  for (const f of r.referrers) log(`fallback tag ${f.tag}: ${f.artifacts.join(", ")}${f.changed ? "" : " (unchanged)"}`);
  log(
    r.uploadedBlobs + r.putManifests === 0
      ? `nothing to upload: ${target} already serves ${r.digest}`
      : `uploaded ${r.uploadedBlobs} blob(s), ${r.uploadedBytes} bytes; put ${r.putManifests} manifest(s)`,
  );
  console.log(r.digest);
  console.log(formatReference(ref, r.digest));
}

runMain(command);
