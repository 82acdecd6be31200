/**
 * The guards every request passes: Host header allow-list (DNS rebinding), API key (constant
 * time), and CORS only for listed origins, with cross-origin writes refused.
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { AuthenticationError, ForbiddenError } from "./errors.ts";

/** What the guards need to know. */
export interface SecurityOptions {
  /** Extra Host names accepted besides loopback ones (and the bind address). */
  allowedHosts: readonly string[];
  /** Browser origins that get CORS headers. */
  allowedOrigins: readonly string[];
  /** Bearer key required on every route but the public ones; empty = none. */
  apiKey: string;
  /** The address the server is bound to (accepted as a Host name unless a wildcard). */
  bindHost: string;
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1"]);

/** Whether `host` is a loopback address or `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return LOOPBACK_NAMES.has(h) || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** The host name of a Host header value (`[::1]:6900` → `::1`), or null when malformed. */
export function hostName(header: string): string | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\[\]\s]+)(?::\d{1,5})?$/.exec(header.trim());
  return m ? m[1].replace(/^\[|\]$/g, "").toLowerCase() : null;
}

/** Throws ForbiddenError unless the Host header names this server (DNS-rebinding guard). */
export function checkHost(req: Request, options: SecurityOptions): void {
  const header = req.headers.get("host");
  const name = header ? hostName(header) : null;
  if (!name) throw new ForbiddenError("missing or malformed Host header");
  if (isLoopbackHost(name)) return;
  const bind = options.bindHost.toLowerCase();
  if (name === bind && bind !== "0.0.0.0" && bind !== "::") return;
  if (options.allowedHosts.some((h) => h.toLowerCase() === name)) return;
  throw new ForbiddenError(
    `Host "${name}" is not allowed; add it to server.allowed_hosts (SYNAPSE_ALLOWED_HOSTS)`,
  );
}

function digest(text: string): Uint8Array {
  return createHash("sha256").update(text).digest();
}

/** Compares two secrets in time independent of where they differ. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** Throws AuthenticationError unless the request carries the API key (when one is set). */
export function checkApiKey(req: Request, apiKey: string): void {
  if (!apiKey) return;
  const header = req.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  const given = match?.[1] ?? req.headers.get("x-api-key") ?? "";
  if (!safeEqual(given, apiKey)) throw new AuthenticationError();
}

/** Whether `origin` is the server's own origin (a page it served) or a listed one. */
export function originAllowed(req: Request, origin: string, options: SecurityOptions): boolean {
  if (options.allowedOrigins.includes(origin) || options.allowedOrigins.includes("*")) return true;
  try {
    return new URL(origin).host === req.headers.get("host");
  } catch {
    return false;
  }
}

/**
 * Refuses cross-origin requests that change state or read data from browsers whose origin is
 * not listed (simple requests skip the preflight, so the server must check).
 */
export function checkOrigin(req: Request, options: SecurityOptions): void {
  const origin = req.headers.get("origin");
  if (
    origin === null || req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS"
  ) {
    return;
  }
  if (!originAllowed(req, origin, options)) {
    throw new ForbiddenError(
      `cross-origin request from ${origin} refused; list it in server.allowed_origins`,
    );
  }
}

const ALLOWED_HEADERS = ["authorization", "content-type"];

/** CORS headers for a request from a listed origin; empty for everyone else. */
export function corsHeaders(req: Request, options: SecurityOptions): Record<string, string> {
  const origin = req.headers.get("origin");
  if (!origin || !originAllowed(req, origin, options)) return {};
  return { "access-control-allow-origin": origin, vary: "Origin" };
}

/** The answer to a CORS preflight: listed origins get methods and headers, others nothing. */
export function preflight(req: Request, options: SecurityOptions): Response {
  const cors = corsHeaders(req, options);
  if (!cors["access-control-allow-origin"]) return new Response(null, { status: 204 });
  const requested = (req.headers.get("access-control-request-headers") ?? "")
    .split(",").map((h) => h.trim().toLowerCase()).filter((h) => h);
  const headers = [
    ...ALLOWED_HEADERS,
    ...requested.filter((h) => h.startsWith("x-stainless-") || h === "x-api-key"),
  ];
  return new Response(null, {
    status: 204,
    headers: {
      ...cors,
      "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
      "access-control-allow-headers": [...new Set(headers)].join(", "),
      "access-control-max-age": "600",
    },
  });
}
