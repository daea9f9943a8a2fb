#!/usr/bin/env bun
// A tiny CRI v1 client (crictl is not packaged in Debian 12), for the e2e tests.
//
//   bun test/e2e/cri/cri.ts [--endpoint unix:///run/containerd/containerd.sock]
//                           [--timeout SECONDS] METHOD [JSON-REQUEST | -]
//
// METHOD is any RPC of runtime.v1.RuntimeService or runtime.v1.ImageService in
// api.proto (e.g. Version, RunPodSandbox, ExecSync, ListImages). The request is
// JSON with the proto's snake_case field names (enums by name, e.g.
// {"pid": "POD"}); "-" reads it from stdin; none means {}. The response is
// printed as one JSON object on stdout; bytes fields (ExecSync stdout/stderr)
// are decoded as UTF-8 strings. gRPC errors go to stderr and exit 2; bad usage
// exits 64.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const here = dirname(fileURLToPath(import.meta.url));

function usage(msg?: string): never {
  if (msg) process.stderr.write(`cri: ${msg}\n`);
  process.stderr.write(
    "usage: cri.ts [--endpoint unix:///path.sock] [--timeout S] METHOD [JSON | -]\n",
  );
  process.exit(64);
}

let endpoint = process.env.CRI_ENDPOINT ?? "unix:///run/containerd/containerd.sock";
let timeoutS = 60;
const rest: string[] = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  if (a === "--endpoint" || a === "-r") endpoint = argv[++i] ?? usage("--endpoint needs a value");
  else if (a.startsWith("--endpoint=")) endpoint = a.slice("--endpoint=".length);
  else if (a === "--timeout") timeoutS = Number(argv[++i] ?? usage("--timeout needs a value"));
  else if (a === "-h" || a === "--help") usage();
  else rest.push(a);
}
const [method, body] = rest;
if (!method) usage("METHOD missing");
if (!endpoint.includes("://")) endpoint = `unix://${endpoint}`;

const def = protoLoader.loadSync(join(here, "api.proto"), {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const pkg = grpc.loadPackageDefinition(def) as any;
const services: Record<string, any> = {
  RuntimeService: pkg.runtime.v1.RuntimeService,
  ImageService: pkg.runtime.v1.ImageService,
};
const svcName = Object.keys(services).find((s) => method in services[s].service);
if (!svcName) usage(`unknown method ${method}`);

let req: unknown = {};
if (body !== undefined) {
  const text = body === "-" ? readFileSync(0, "utf8") : body;
  try {
    req = text.trim() === "" ? {} : JSON.parse(text);
  } catch (e) {
    usage(`request is not JSON: ${(e as Error).message}`);
  }
}

const client = new services[svcName!](endpoint, grpc.credentials.createInsecure(), {
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
});
const deadline = new Date(Date.now() + timeoutS * 1000);
client[method!](req, { deadline }, (err: grpc.ServiceError | null, res: unknown) => {
  client.close();
  if (err) {
    process.stderr.write(`cri: ${method}: ${grpc.status[err.code] ?? err.code}: ${err.details || err.message}\n`);
    process.exit(2);
  }
  const out = JSON.stringify(res, (_k, v) =>
    v && typeof v === "object" && v.type === "Buffer" && Array.isArray(v.data)
      ? Buffer.from(v.data).toString("utf8")
      : v,
  );
  process.stdout.write(`${out}\n`);
  process.exit(0);
});
