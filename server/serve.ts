/**
 * Binds a SynapseServer to an address with `Deno.serve` (always passing `hostname`: Deno's
 * default is 0.0.0.0), and explains a taken port by asking whoever holds it what it is.
 * @module
 */
import type { SynapseServer } from "./app.ts";

/** The port is taken; the message says by what, when it could tell. */
export class PortInUseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PortInUseError";
  }
}

/** Where to listen. */
export interface ListenOptions {
  hostname: string;
  port: number;
  /** Called once listening, with the actual port (useful with port 0). */
  onListen?: (addr: Deno.NetAddr) => void;
}

/** What answers on `host:port`: another synapse, an Ollama, or something else. */
export async function identifyListener(host: string, port: number): Promise<string> {
  const base = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const get = async (path: string) => {
    try {
      const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(1500) });
      return { status: response.status, text: await response.text() };
    } catch {
      return null;
    }
  };
  const [health, version] = await Promise.all([get("/health"), get("/api/version")]);
  if (health && /"models"/.test(health.text) && /"status"/.test(health.text)) {
    return "another synapse is already running there (synapse status shows it)";
  }
  if (version?.status === 200 && /"version"/.test(version.text)) {
    return "an Ollama-compatible server holds it";
  }
  return health || version ? "another HTTP server holds it" : "another program holds it";
}

/** Starts serving; throws PortInUseError naming what holds the port. */
export async function listen(
  server: SynapseServer,
  options: ListenOptions,
): Promise<Deno.HttpServer<Deno.NetAddr>> {
  try {
    return Deno.serve({
      hostname: options.hostname,
      port: options.port,
      onListen: (addr) => options.onListen?.(addr),
      onError: (error) => {
        server.context.logger.error("handler_crashed", {
          reason: (error as Error)?.message ?? String(error),
        });
        return Response.json({ error: "internal server error" }, { status: 500 });
      },
    }, (req) => server.handler(req));
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      const who = await identifyListener(options.hostname, options.port);
      throw new PortInUseError(
        `port ${options.port} on ${options.hostname} is in use: ${who}; pick another with --port`,
      );
    }
    throw error;
  }
}
