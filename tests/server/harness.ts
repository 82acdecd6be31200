/**
 * Starts a real synapse server on 127.0.0.1 (port 0) for a test file, with the real engine
 * loader (imported only when a test first needs a model) and a log it can inspect.
 * @module
 */
import {
  createServer,
  listen,
  type ModelCatalog,
  ModelManager,
  type ServerOptions,
  StoreCatalog,
  type SynapseServer,
} from "../../server/mod.ts";
import type { Model } from "../../engine/mod.ts";

/** A running test server. */
export interface TestServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  port: number;
  server: SynapseServer;
  manager: ModelManager;
  /** JSON log lines the server wrote. */
  logs: string[];
  close(): Promise<void>;
}

/** The real engine's loader, imported on first use. */
export async function engineLoader(spec: string): Promise<Model> {
  const engine = await import("../../engine/mod.ts");
  return await engine.loadModel(spec);
}

/** Options for a test server: server options plus the catalog, loader and keep-alive. */
export type TestServerOptions =
  & Partial<Omit<ServerOptions, "manager">>
  & {
    catalog?: ModelCatalog;
    loader?: (spec: string) => Promise<Model>;
    keepAliveMs?: number;
    maxLoaded?: number;
  };

/** Starts a server; close it at the end of the test file. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const logs: string[] = [];
  const manager = new ModelManager({
    catalog: options.catalog ?? new StoreCatalog(null),
    loader: options.loader ?? engineLoader,
    keepAliveMs: options.keepAliveMs ?? -1,
    maxLoaded: options.maxLoaded ?? 2,
  });
  const server = createServer({
    host: "127.0.0.1",
    logger: {
      info: (event, fields) => logs.push(JSON.stringify({ level: "info", event, ...fields })),
      warn: (event, fields) => logs.push(JSON.stringify({ level: "warn", event, ...fields })),
      error: (event, fields) => logs.push(JSON.stringify({ level: "error", event, ...fields })),
    },
    ...options,
    manager,
  });
  const http = await listen(server, { hostname: "127.0.0.1", port: 0 });
  const port = http.addr.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    manager,
    logs,
    async close() {
      await server.shutdown(0);
      await http.shutdown();
    },
  };
}

/** POSTs JSON (a string body is sent as is) and returns status and parsed body. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { raw: text };
  }
  return { status: response.status, body: parsed, headers: response.headers };
}
