/**
 * A real HTTP server on 127.0.0.1 that serves folders in the Hugging Face hub's layout (tree API
 * and `/{repo}/resolve/{rev}/{file}` with Range), with faults to inject: a connection dropped
 * mid-file, a corrupted byte, a redirect, Range ignored, slow chunks.
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";

/** Faults the hub injects; change them between requests as a test goes. */
export interface HubFaults {
  /** Cut the connection after `afterBytes` of `file`, for the next `times` responses. */
  drop?: { file: string; afterBytes: number; times: number };
  /** Serve `file` with the byte at `offset` flipped. */
  corrupt?: { file: string; offset: number };
  /** Answer requests for `file` with a 302 to `location`. */
  redirect?: { file: string; location: string };
  /** Answer Range requests with the whole file (200). */
  ignoreRange?: boolean;
  /** Send bodies in chunks of this many bytes with `chunkDelayMs` between them. */
  chunkBytes?: number;
  chunkDelayMs?: number;
}

/** One request the hub saw. */
export interface HubRequest {
  method: string;
  path: string;
  range: string | null;
  authorization: string | null;
}

/** A running loopback hub. */
export interface LoopbackHub {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly requests: HubRequest[];
  faults: HubFaults;
  close(): Promise<void>;
}

interface ServedFile {
  path: string;
  bytes: Uint8Array;
  lfs: boolean;
  sha256: string;
  gitSha1: string;
}

/** A repo to serve: its id and the files (paths relative to `dir`). */
export interface ServedRepo {
  repo: string;
  dir: string;
  files: string[];
}

async function load(dir: string, path: string): Promise<ServedFile> {
  const bytes = await Deno.readFile(join(dir, path));
  const lfs = bytes.length >= 1024 * 1024 || /\.(gguf|safetensors)$/.test(path);
  return {
    path,
    bytes,
    lfs,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    gitSha1: createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex"),
  };
}

function body(bytes: Uint8Array, faults: HubFaults, file: string): ReadableStream<Uint8Array> {
  const drop = faults.drop?.file === file && faults.drop.times > 0 ? faults.drop : undefined;
  if (drop) drop.times--;
  const chunk = faults.chunkBytes ?? 256 * 1024;
  let sent = 0;
  return new ReadableStream({
    async pull(controller) {
      if (drop && sent >= drop.afterBytes) {
        controller.error(new Error("connection dropped by the loopback hub"));
        return;
      }
      if (sent >= bytes.length) {
        controller.close();
        return;
      }
      if (faults.chunkDelayMs) await new Promise((r) => setTimeout(r, faults.chunkDelayMs));
      const limit = drop ? Math.min(bytes.length, drop.afterBytes) : bytes.length;
      const end = Math.min(limit, sent + chunk);
      controller.enqueue(bytes.slice(sent, end));
      sent = end;
    },
  });
}

function serveFile(req: Request, file: ServedFile, faults: HubFaults): Response {
  let bytes = file.bytes;
  if (faults.corrupt?.file === file.path) {
    bytes = bytes.slice();
    bytes[faults.corrupt.offset] ^= 0xff;
  }
  const headers: Record<string, string> = {
    "content-type": "application/octet-stream",
    "accept-ranges": "bytes",
    etag: `"${file.lfs ? file.sha256 : file.gitSha1}"`,
  };
  const range = /^bytes=(\d+)-$/.exec(req.headers.get("range") ?? "");
  if (range && !faults.ignoreRange) {
    const start = Number(range[1]);
    if (start >= bytes.length) {
      return new Response(null, {
        status: 416,
        headers: { "content-range": `bytes */${bytes.length}` },
      });
    }
    headers["content-range"] = `bytes ${start}-${bytes.length - 1}/${bytes.length}`;
    headers["content-length"] = String(bytes.length - start);
    return new Response(body(bytes.subarray(start), faults, file.path), { status: 206, headers });
  }
  headers["content-length"] = String(bytes.length);
  return new Response(body(bytes, faults, file.path), { status: 200, headers });
}

function tree(files: ServedFile[]): unknown[] {
  return files.map((f) => ({
    type: "file",
    path: f.path,
    size: f.bytes.length,
    oid: f.gitSha1,
    ...(f.lfs ? { lfs: { oid: f.sha256, size: f.bytes.length, pointerSize: 134 } } : {}),
  }));
}

/** Starts a hub serving `repos` at revision `main` on 127.0.0.1 (free port). */
export async function startLoopbackHub(
  repos: ServedRepo[],
  faults: HubFaults = {},
): Promise<LoopbackHub> {
  const served = new Map<string, ServedFile[]>();
  for (const repo of repos) {
    served.set(repo.repo, await Promise.all(repo.files.map((f) => load(repo.dir, f))));
  }
  const requests: HubRequest[] = [];
  const hub = { faults } as { faults: HubFaults };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    const path = decodeURIComponent(url.pathname);
    requests.push({
      method: req.method,
      path,
      range: req.headers.get("range"),
      authorization: req.headers.get("authorization"),
    });
    const listing = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/main$/.exec(path);
    if (listing) {
      const files = served.get(listing[1]);
      return files
        ? Response.json(tree(files))
        : Response.json({ error: "Repository not found" }, { status: 404 });
    }
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(path);
    const file = resolve && served.get(resolve[1])?.find((f) => f.path === resolve[2]);
    if (!file) return Response.json({ error: "Entry not found" }, { status: 404 });
    if (hub.faults.redirect?.file === file.path) {
      return new Response(null, {
        status: 302,
        headers: { location: hub.faults.redirect.location },
      });
    }
    return serveFile(req, file, hub.faults);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    get faults() {
      return hub.faults;
    },
    set faults(value: HubFaults) {
      hub.faults = value;
    },
    close: () => server.shutdown(),
  };
}
