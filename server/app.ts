/**
 * `createServer`: one fetch handler that guards every request (Host, CORS/origin, API key,
 * draining), routes it (OpenAI, Ollama, status, plus feature routes), and renders every error
 * in the shape of the API it came in on. Nothing here binds a socket (see `serve.ts`).
 * @module
 */
import type { ChatBackend } from "./backend.ts";
import type { ChatObserver, ServerContext } from "./context.ts";
import { ShutdownAbort } from "./context.ts";
import { type ApiError, ollamaErrorResponse, openAiErrorResponse, toApiError } from "./errors.ts";
import { LocalBackend } from "./local_backend.ts";
import { jsonLogger, type Logger } from "./log.ts";
import type { ModelManager } from "./models.ts";
import { ollamaChatRoute, ollamaGenerateRoute } from "./ollama/chat.ts";
import { ollamaModelRoutes } from "./ollama/models.ts";
import { chatRoute } from "./openai/chat.ts";
import { completionsRoute } from "./openai/completions.ts";
import { embeddingsRoute } from "./openai/embeddings.ts";
import { modelRoutes } from "./openai/models.ts";
import type { Route } from "./route.ts";
import { Router } from "./router.ts";
import {
  checkApiKey,
  checkHost,
  checkOrigin,
  corsHeaders,
  preflight,
  type SecurityOptions,
} from "./security.ts";
import { SlotQueue } from "./slots.ts";
import { statusRoutes } from "./status.ts";

/** Everything `createServer` needs; limits default to the config's defaults. */
export interface ServerOptions {
  manager: ModelManager;
  /** The address the server binds (for the Host check). */
  host: string;
  apiKey?: string;
  allowedHosts?: readonly string[];
  allowedOrigins?: readonly string[];
  maxBodyBytes?: number;
  bodyTimeoutMs?: number;
  parallel?: number;
  maxQueue?: number;
  heartbeatMs?: number;
  stallTimeoutMs?: number;
  /** Backends asked before the local one (e.g. the swarm for `synapse`, `synapse:NAME`). */
  backends?: readonly ChatBackend[];
  /** Feature routes (memory, swarm) mounted beside the built-in ones. */
  routes?: readonly Route[];
  /** Called after each chat (conversation logging). */
  observers?: readonly ChatObserver[];
  /** Extra `/api/status` fields. */
  status?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  logger?: Logger;
  version?: string;
}

/** A server ready to be given to `Deno.serve`. */
export interface SynapseServer {
  readonly context: ServerContext;
  handler(req: Request): Promise<Response>;
  /**
   * Stops accepting (503), lets running requests finish for up to `drainMs`, then aborts the
   * rest (`finish_reason: "abort"`) and unloads models.
   */
  shutdown(drainMs: number): Promise<void>;
}

/** Paths that need no API key. */
const PUBLIC_PATHS = new Set(["/health"]);

function errorFor(path: string, error: ApiError): Response {
  return path.startsWith("/v1/") || path === "/v1"
    ? openAiErrorResponse(error)
    : ollamaErrorResponse(error);
}

/** The shared context, plus the in-flight set and drain switch only the server itself uses. */
function createContext(options: ServerOptions, logger: Logger) {
  const slots = new SlotQueue(options.parallel ?? 4, options.maxQueue ?? 64);
  const local = new LocalBackend(options.manager, slots);
  const inFlight = new Set<AbortController>();
  const state = { draining: false };
  const context: ServerContext = {
    manager: options.manager,
    local,
    backends: [...(options.backends ?? []), local],
    slots,
    limits: {
      maxBytes: options.maxBodyBytes ?? 16 * 1024 * 1024,
      timeoutMs: options.bodyTimeoutMs ?? 30_000,
    },
    logger,
    startedAt: new Date(),
    version: options.version ?? "0.1.0",
    heartbeatMs: options.heartbeatMs ?? 10_000,
    stallTimeoutMs: options.stallTimeoutMs ?? 60_000,
    observers: options.observers ?? [],
    status: options.status,
    get draining() {
      return state.draining;
    },
    track(req) {
      const controller = new AbortController();
      const onClientAbort = () =>
        controller.abort(req.signal.reason ?? new Error("client disconnected"));
      req.signal.addEventListener("abort", onClientAbort, { once: true });
      inFlight.add(controller);
      return {
        signal: controller.signal,
        abort: (reason) => controller.abort(reason),
        done: () => {
          req.signal.removeEventListener("abort", onClientAbort);
          inFlight.delete(controller);
        },
      };
    },
  };
  return { context, inFlight, state };
}

/** Every route: status, OpenAI, Ollama, then the feature routes. */
function allRoutes(context: ServerContext, extra: readonly Route[]): Route[] {
  return [
    ...statusRoutes(context),
    chatRoute(context),
    completionsRoute(context),
    embeddingsRoute(context),
    ...modelRoutes(context),
    ollamaChatRoute(context),
    ollamaGenerateRoute(context),
    ...ollamaModelRoutes(context),
    ...extra,
  ];
}

/** Guards, routes and answers one request; every error in its API's shape. */
async function answer(
  req: Request,
  router: Router,
  security: SecurityOptions,
  logger: Logger,
): Promise<Response> {
  // A forged Host can make req.url unparsable; the Host check below refuses such requests.
  const url = URL.parse(req.url) ?? new URL("http://invalid/");
  const started = Date.now();
  let response: Response;
  try {
    checkHost(req, security);
    if (req.method === "OPTIONS") return preflight(req, security);
    checkOrigin(req, security);
    if (!PUBLIC_PATHS.has(url.pathname)) checkApiKey(req, security.apiKey);
    const { route, ctx } = router.match(req, url);
    response = await route.handle(req, ctx);
  } catch (error) {
    const apiError = toApiError(error);
    if (apiError.status >= 500) {
      logger.error("request_failed", {
        path: url.pathname,
        status: apiError.status,
        reason: (error as Error)?.message ?? String(error),
      });
    }
    response = errorFor(url.pathname, apiError);
  }
  for (const [name, value] of Object.entries(corsHeaders(req, security))) {
    response.headers.set(name, value);
  }
  // Method, path and status only: prompt text is never logged from here.
  logger.info("request", {
    method: req.method,
    path: url.pathname,
    status: response.status,
    ms: Date.now() - started,
  });
  return response;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds the handler and its shared context. */
export function createServer(options: ServerOptions): SynapseServer {
  const logger = options.logger ?? jsonLogger();
  const { context, inFlight, state } = createContext(options, logger);
  const security: SecurityOptions = {
    allowedHosts: options.allowedHosts ?? [],
    allowedOrigins: options.allowedOrigins ?? [],
    apiKey: options.apiKey ?? "",
    bindHost: options.host,
  };
  const router = new Router(allRoutes(context, options.routes ?? []));
  return {
    context,
    handler: (req) => answer(req, router, security, logger),
    async shutdown(drainMs: number): Promise<void> {
      state.draining = true;
      context.slots.close();
      const deadline = Date.now() + drainMs;
      while (inFlight.size > 0 && Date.now() < deadline) await pause(20);
      for (const controller of inFlight) controller.abort(new ShutdownAbort());
      const settle = Date.now() + 2_000;
      while (inFlight.size > 0 && Date.now() < settle) await pause(20);
      options.manager.close();
    },
  };
}
