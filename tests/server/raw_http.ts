/**
 * Raw HTTP/1.1 over TCP for tests that need what `fetch` will not send: a forged or missing
 * Host header, a body that stalls, chunked bodies of a chosen size.
 * @module
 */

/** A parsed raw response. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const encoder = new TextEncoder();

/** Parses the status line, headers and (de-chunked) body of a raw response. */
export function parseRaw(text: string): RawResponse {
  const [head, ...rest] = text.split("\r\n\r\n");
  const [statusLine, ...lines] = head.split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const at = line.indexOf(":");
    headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  let body = rest.join("\r\n\r\n");
  if (headers["transfer-encoding"] === "chunked") {
    let out = "";
    for (let i = 0; i < body.length;) {
      const end = body.indexOf("\r\n", i);
      const size = parseInt(body.slice(i, end), 16);
      if (!size) break;
      out += body.slice(end + 2, end + 2 + size);
      i = end + 2 + size + 2;
    }
    body = out;
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body };
}

/** Opens a connection to 127.0.0.1:`port`. */
export function connect(port: number): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: "127.0.0.1", port });
}

/** Writes text (or bytes) fully. */
export async function send(conn: Deno.Conn, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

/** Whether the bytes hold a whole response with a Content-Length body. */
function complete(chunks: Uint8Array[]): boolean {
  const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end));
  return length !== null &&
    new TextEncoder().encode(text.slice(end + 4)).length >= Number(length[1]);
}

/** Reads until the server closes the connection or `timeoutMs` passes. */
export async function readAll(conn: Deno.Conn, timeoutMs = 5000): Promise<string> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(65536);
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const n = await Promise.race([
        conn.read(buffer),
        new Promise<"timeout">((r) =>
          setTimeout(() => r("timeout"), Math.max(1, deadline - Date.now()))
        ),
      ]);
      if (n === "timeout" || n === null) break;
      chunks.push(buffer.slice(0, n));
      if (complete(chunks)) break;
    }
  } catch {
    // Reset by the server: what was read so far is the answer.
  }
  return new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
}

/** Sends one request with `Connection: close` and returns the parsed response. */
export async function rawRequest(port: number, request: string | Uint8Array): Promise<RawResponse> {
  const conn = await connect(port);
  try {
    await send(conn, request);
    return parseRaw(await readAll(conn));
  } finally {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** A request with the given Host header (null = none) and optional JSON body. */
export function requestText(
  method: string,
  path: string,
  host: string | null,
  body?: string,
  extra: Record<string, string> = {},
): string {
  const lines = [`${method} ${path} HTTP/1.1`];
  if (host !== null) lines.push(`Host: ${host}`);
  lines.push("Connection: close");
  for (const [k, v] of Object.entries(extra)) lines.push(`${k}: ${v}`);
  if (body !== undefined) {
    lines.push("Content-Type: application/json", `Content-Length: ${encoder.encode(body).length}`);
  }
  return lines.join("\r\n") + "\r\n\r\n" + (body ?? "");
}
