/**
 * Newline-delimited JSON streams for Ollama's API: one object per line, heartbeats are not part
 * of the format, and an engine failure mid-stream ends with `{"error":"..."}`.
 * @module
 */
import type { ChatDelta, ChatOutcome, ChatRun } from "../backend.ts";
import type { admit, ServerContext } from "../context.ts";
import { toApiError } from "../errors.ts";
import { ResponseStream } from "../stream.ts";

/** How an NDJSON stream renders one answer. */
export interface NdjsonRenderer {
  delta(delta: ChatDelta): unknown[];
  end(outcome: ChatOutcome, shutdown: boolean): unknown[] | Promise<unknown[]>;
}

/** Streams an admitted run as NDJSON; the client leaving cancels generation. */
export function ndjsonStream(
  ctx: ServerContext,
  admitted: Awaited<ReturnType<typeof admit>>,
  run: ChatRun,
  tracker: ReturnType<ServerContext["track"]>,
  render: NdjsonRenderer,
  isShutdown: () => boolean,
): Response {
  const stream = new ResponseStream({ stallTimeoutMs: ctx.stallTimeoutMs });
  stream.signal.addEventListener("abort", () => tracker.abort(stream.signal.reason), {
    once: true,
  });
  const send = (value: unknown) => stream.write(JSON.stringify(value) + "\n");
  (async () => {
    try {
      const first = admitted.first;
      if (first && !first.done) { for (const line of render.delta(first.value)) await send(line); }
      if (!first?.done) {
        for (;;) {
          const next = await admitted.iterator.next();
          if (next.done) break;
          for (const line of render.delta(next.value)) await send(line);
        }
      }
      for (const line of await render.end(await run.result, isShutdown())) await send(line);
    } catch (error) {
      if (stream.signal.aborted) {
        ctx.logger.info("request_cancelled", {});
        return;
      }
      const apiError = toApiError(error);
      ctx.logger.error("stream_failed", { status: apiError.status, reason: apiError.message });
      await send({ error: apiError.message }).catch(() => {});
    } finally {
      stream.close();
      tracker.done();
    }
  })();
  return new Response(stream.body, {
    status: 200,
    headers: { "content-type": "application/x-ndjson" },
  });
}
