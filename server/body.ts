/**
 * Reads a request's JSON body defensively: size limit enforced while streaming (413 as soon as
 * it is crossed), a read deadline (408), supported encodings only (415), strict UTF-8, nesting
 * and element caps checked before `JSON.parse`, and a JSON object required.
 * @module
 */
import {
  InvalidRequestError,
  PayloadTooLargeError,
  RequestTimeoutError,
  UnsupportedMediaTypeError,
} from "./errors.ts";

/** Limits for one body. */
export interface BodyLimits {
  /** Most bytes accepted. */
  maxBytes: number;
  /** Most milliseconds to receive the whole body. */
  timeoutMs: number;
  /** Deepest nesting of arrays/objects (default 64). */
  maxDepth?: number;
  /** Most JSON values in total (default 1,000,000). */
  maxValues?: number;
}

/** Media types read as JSON: JSON itself, and the types curl and simple clients send by default. */
const JSON_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded"];

function checkHeaders(req: Request, maxBytes: number): void {
  const encoding = req.headers.get("content-encoding");
  if (encoding && encoding.toLowerCase() !== "identity") {
    throw new UnsupportedMediaTypeError(
      `Content-Encoding "${encoding}" is not supported; send the body uncompressed`,
    );
  }
  const type = req.headers.get("content-type")?.split(";")[0].trim().toLowerCase();
  if (type && !JSON_TYPES.includes(type) && !type.endsWith("+json")) {
    throw new UnsupportedMediaTypeError(
      `expected Content-Type application/json, found ${JSON.stringify(type)}`,
    );
  }
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw new PayloadTooLargeError(maxBytes);
}

async function readLimited(req: Request, limits: BodyLimits): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeoutError(limits.timeoutMs)), limits.timeoutMs);
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), deadline]);
      if (done) break;
      total += value.length;
      if (total > limits.maxBytes) throw new PayloadTooLargeError(limits.maxBytes);
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/** Throws InvalidRequestError when `text` nests deeper than `maxDepth` or holds too many values. */
export function checkJsonShape(text: string, maxDepth: number, maxValues: number): void {
  let depth = 0;
  let values = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped char
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) {
        throw new InvalidRequestError(`JSON nests deeper than ${maxDepth} levels`);
      }
      values++;
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x2c && ++values > maxValues) {
      throw new InvalidRequestError(`JSON holds more than ${maxValues} values`);
    }
  }
}

/** Reads, checks and parses the body as a JSON object; throws the matching ApiError. */
export async function readJsonObject(
  req: Request,
  limits: BodyLimits,
): Promise<Record<string, unknown>> {
  checkHeaders(req, limits.maxBytes);
  const bytes = await readLimited(req, limits);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidRequestError("request body is not valid UTF-8");
  }
  if (text.trim() === "") throw new InvalidRequestError("request body is empty; expected JSON");
  checkJsonShape(text, limits.maxDepth ?? 64, limits.maxValues ?? 1_000_000);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError(`request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const found = Array.isArray(value) ? "an array" : value === null ? "null" : typeof value;
    throw new InvalidRequestError(`request body must be a JSON object, found ${found}`);
  }
  return value as Record<string, unknown>;
}
