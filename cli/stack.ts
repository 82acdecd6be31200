/**
 * Assembles a running synapse from a configuration: store and catalog, model manager over the
 * engine, memory (routes and conversation log), the swarm when specialists are configured, the
 * HTTP server bound to the configured address, and the default model preloaded.
 * @module
 */
import { basename, extname, resolve } from "node:path";
import type { Config } from "../config/mod.ts";
import type { Model } from "../engine/mod.ts";
import { MemoryStore } from "../memory/mod.ts";
import {
  canonicalModelName,
  type ChatBackend,
  type ChatObserver,
  createServer,
  jsonLogger,
  listen,
  type Logger,
  memoryObserver,
  memoryRoutes,
  ModelManager,
  type Route,
  StoreCatalog,
  type SynapseServer,
} from "../server/mod.ts";
import { ModelStore } from "../store/mod.ts";
import { describeDevice, type DeviceReport } from "./device.ts";
import { VERSION } from "./dispatch.ts";
import { attachSwarm } from "./swarm_setup.ts";

/** A running server and what it holds open. */
export interface Stack {
  server: SynapseServer;
  /** `http://host:port` as bound (the real port when 0 was asked). */
  url: string;
  port: number;
  /** Canonical name of the model loaded at start. */
  defaultModel: string;
  /** Drains, aborts the rest, closes memory; resolves when the socket is closed. */
  close(drainMs?: number): Promise<void>;
}

/** Options besides the configuration. */
export interface StackOptions {
  /** Loads a model (default: the engine's `loadModel`). */
  loader?: (spec: string) => Promise<Model>;
  logger?: Logger;
  /** Load the default model before returning (default true). */
  preload?: boolean;
}

/** The engine's loader, on the configured backend. */
function engineLoader(backend: Config["models"]["backend"]): (spec: string) => Promise<Model> {
  return async (spec) => {
    const engine = await import("../engine/mod.ts");
    return await engine.loadModel(spec, { backend });
  };
}

/** A model given as a path (`up --model ./x.gguf`) becomes a catalog entry named after the file. */
function pathModel(catalog: StoreCatalog, spec: string): string | null {
  if (!spec.includes("/") && !/\.gguf$/i.test(spec)) return null;
  const path = resolve(spec);
  const stem = basename(path, extname(path)).toLowerCase().replace(/[^a-z0-9._-]/g, "-").replace(
    /^[^a-z0-9]+/,
    "",
  );
  const name = canonicalModelName(`${stem || "model"}:local`);
  const stat = Deno.statSync(path);
  catalog.add({
    name,
    spec: path,
    size: stat.size,
    format: stat.isDirectory ? "safetensors" : "gguf",
    modifiedAt: stat.mtime ?? new Date(),
  });
  return name;
}

/** Which broad permissions this process holds (all false when `up` narrowed itself). */
export function grantedPermissions(): Record<string, boolean> {
  const granted = (d: Deno.PermissionDescriptor) =>
    Deno.permissions.querySync(d).state === "granted";
  return {
    read_anywhere: granted({ name: "read" }),
    write_anywhere: granted({ name: "write" }),
    net_anywhere: granted({ name: "net" }),
    env_all: granted({ name: "env" }),
    run: granted({ name: "run" }),
    ffi: granted({ name: "ffi" }),
  };
}

/** Routes, backends, observers and status of the features around the local models. */
interface Features {
  routes: Route[];
  backends: ChatBackend[];
  observers: ChatObserver[];
  specialists: () => unknown[];
}

/** Memory (routes, conversation log), prompt logging, and the swarm when specialists are set. */
async function features(
  config: Config,
  manager: ModelManager,
  memory: MemoryStore,
  baseModel: string,
  logger: Logger,
): Promise<Features> {
  const found: Features = {
    routes: memoryRoutes(memory),
    backends: [],
    observers: [memoryObserver(memory)],
    specialists: () => [],
  };
  if (config.server.logPrompts) {
    found.observers.push(({ request, outcome, responseId }) =>
      logger.info("chat_text", { responseId, messages: request.messages, answer: outcome.content })
    );
  }
  if (config.models.specialists) {
    const dir = config.models.specialists;
    const swarm = await attachSwarm({ manager, baseModel, dir, memory, logger });
    found.backends.push(swarm.backend);
    found.observers.push(swarm.observer);
    found.routes = [
      ...found.routes.map((r) => r.path === "/api/feedback" ? swarm.bridgeFeedback(r) : r),
      ...swarm.routes,
    ];
    found.specialists = swarm.specialists;
  }
  return found;
}

/** Starts everything `config` describes. */
export async function startStack(config: Config, options: StackOptions = {}): Promise<Stack> {
  const logger = options.logger ?? jsonLogger();
  const catalog = new StoreCatalog(new ModelStore(config.layout.modelsDir));
  const defaultModel = pathModel(catalog, config.models.default) ??
    canonicalModelName(config.models.default);
  const manager = new ModelManager({
    catalog,
    loader: options.loader ?? engineLoader(config.models.backend),
    keepAliveMs: config.models.keepAlive,
    maxLoaded: config.models.maxLoaded,
    logger,
  });
  const memory = MemoryStore.open(config.layout.databaseFile);
  const extra = await features(config, manager, memory, defaultModel, logger);
  let device: DeviceReport | undefined;
  const server = createServer({
    manager,
    host: config.server.host,
    apiKey: config.server.apiKey,
    allowedHosts: config.server.allowedHosts,
    allowedOrigins: config.server.allowedOrigins,
    maxBodyBytes: config.server.maxBodyBytes,
    bodyTimeoutMs: config.server.bodyTimeout,
    parallel: config.server.parallel,
    maxQueue: config.server.maxQueue,
    ...extra,
    status: async () => ({
      device: device ??= await describeDevice(),
      specialists: extra.specialists(),
      home: config.layout.root,
      permissions: grantedPermissions(),
    }),
    logger,
    version: VERSION,
  });
  let http: Deno.HttpServer<Deno.NetAddr>;
  try {
    http = await listen(server, { hostname: config.server.host, port: config.server.port });
  } catch (error) {
    memory.close();
    throw error;
  }
  if (options.preload ?? true) {
    // A model that fails to load is reported (and /health shows it); the server keeps serving.
    await manager.acquire(defaultModel).then(
      (lease) => lease.release(),
      (error) =>
        logger.error("preload_failed", { model: defaultModel, reason: (error as Error).message }),
    );
  }
  const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
  return {
    server,
    url: `http://${host}:${http.addr.port}`,
    port: http.addr.port,
    defaultModel,
    async close(drainMs = config.server.drainTimeout) {
      await server.shutdown(drainMs);
      await http.shutdown();
      memory.close();
    },
  };
}
