/**
 * The HTTP edge shared by memory's routes (knowledge, conversations, feedback): bounded JSON
 * bodies, query parameters, and memory's errors as `{"error": "..."}` with their status codes.
 * @module
 */
import { MemoryBusyError, MemoryInputError, MemoryNotFoundError } from "../../memory/mod.ts";

/** A client mistake detected at the HTTP edge, with its status code. */
export class MemoryHttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "MemoryHttpError";
    this.status = status;
  }
}

/** A JSON response with `status`. */
export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/**
 * Maps an error to `{"error": message}`: 400 bad input (the message names the field), 404
 * unknown id, 413 too large, 503 database busy; anything else is a 500 whose details go to the
 * server log, not to the client.
 */
export function errorResponse(error: unknown): Response {
  if (error instanceof MemoryHttpError) return json({ error: error.message }, error.status);
  if (error instanceof MemoryInputError) return json({ error: error.message }, 400);
  if (error instanceof MemoryNotFoundError) return json({ error: error.message }, 404);
  if (error instanceof MemoryBusyError) {
    return json({ error: error.message }, 503, { "retry-after": "1" });
  }
  console.error("memory route failed:", error);
  return json({ error: "internal error while accessing memory" }, 500);
}

/** Runs `handler`, answering its errors with {@linkcode errorResponse}. */
export async function guarded(handler: () => Response | Promise<Response>): Promise<Response> {
  try {
    return await handler();
  } catch (error) {
    return errorResponse(error);
  }
}

async function readBytes(req: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

function tooLarge(maxBytes: number): MemoryHttpError {
  return new MemoryHttpError(413, `request body is larger than the ${maxBytes}-byte limit`);
}

/**
 * The request's body as a JSON object: at most `maxBytes` (413 beyond, checked while
 * reading), strict UTF-8, valid JSON, an object (400 otherwise).
 */
export async function readJsonObject(
  req: Request,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const bytes = await readBytes(req, maxBytes);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new MemoryHttpError(400, "body: expected UTF-8 text, found invalid bytes");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MemoryHttpError(400, `body: expected JSON, ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const found = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
    throw new MemoryHttpError(400, `body: expected a JSON object, found ${found}`);
  }
  return value as Record<string, unknown>;
}

/** An optional non-negative integer query parameter (400 naming it when malformed). */
export function intParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return undefined;
  if (!/^\d{1,15}$/.test(raw)) {
    throw new MemoryHttpError(
      400,
      `${name}: expected a non-negative integer, found ${JSON.stringify(raw.slice(0, 40))}`,
    );
  }
  return Number(raw);
}

/** An optional string query parameter ("" counts as absent). */
export function textParam(url: URL, name: string): string | undefined {
  const raw = url.searchParams.get(name);
  return raw === null || raw === "" ? undefined : raw;
}

/** The `:id` path parameter as a positive integer (400 naming it when malformed). */
export function idParam(params: Record<string, string | undefined>, name = "id"): number {
  const raw = params[name] ?? "";
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) {
    throw new MemoryHttpError(
      400,
      `${name}: expected a positive integer, found ${JSON.stringify(raw.slice(0, 40))}`,
    );
  }
  return Number(raw);
}
