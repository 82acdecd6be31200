/**
 * Server-sent events for OpenAI streams: `data: {json}` frames, `: ping` heartbeats while idle,
 * an error frame then `[DONE]` when the engine fails mid-stream (the 200 already sent stays),
 * and cancellation of the generation when the client goes away.
 * @module
 */
import type { ChatDelta, ChatOutcome, ChatRun } from "../backend.ts";
import { type admit, type ServerContext, ShutdownAbort } from "../context.ts";
import { openAiErrorBody, toApiError } from "../errors.ts";
import { ResponseStream } from "../stream.ts";

/** Headers of an SSE response. */
export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
};

/** How a stream renders one answer. */
export interface SseRenderer {
  /** Frames sent before any delta (e.g. the role chunk). */
  start(): unknown[];
  /** Frames for one delta (may be empty). */
  delta(delta: ChatDelta): unknown[];
  /** Frames once the answer is complete (finish chunk, usage chunk). */
  end(outcome: ChatOutcome, shutdown: boolean): unknown[] | Promise<unknown[]>;
}

/**
 * Streams an admitted run as SSE. `tracker` is the request's abort handle: the client leaving
 * (or shutdown) aborts it, which cancels generation and frees the sequence.
 */
export function sseStream(
  ctx: ServerContext,
  admitted: Awaited<ReturnType<typeof admit>>,
  run: ChatRun,
  tracker: ReturnType<ServerContext["track"]>,
  render: SseRenderer,
): Response {
  const stream = new ResponseStream({
    heartbeatMs: ctx.heartbeatMs,
    heartbeat: ": ping\n\n",
    stallTimeoutMs: ctx.stallTimeoutMs,
  });
  stream.signal.addEventListener("abort", () => tracker.abort(stream.signal.reason), {
    once: true,
  });
  const send = (frame: unknown) => stream.write(`data: ${JSON.stringify(frame)}\n\n`);
  (async () => {
    try {
      for (const frame of render.start()) await send(frame);
      if (admitted.first && !admitted.first.done) {
        for (const frame of render.delta(admitted.first.value)) await send(frame);
      }
      if (!admitted.first?.done) {
        for (;;) {
          const next = await admitted.iterator.next();
          if (next.done) break;
          for (const frame of render.delta(next.value)) await send(frame);
        }
      }
      const outcome = await run.result;
      const shutdown = tracker.signal.reason instanceof ShutdownAbort;
      for (const frame of await render.end(outcome, shutdown)) await send(frame);
      await stream.write("data: [DONE]\n\n");
    } catch (error) {
      if (stream.signal.aborted) {
        ctx.logger.info("request_cancelled", {
          reason: String(stream.signal.reason?.message ?? ""),
        });
        return;
      }
      const apiError = toApiError(error);
      ctx.logger.error("stream_failed", { status: apiError.status, reason: apiError.message });
      await send(openAiErrorBody(apiError)).catch(() => {});
      await stream.write("data: [DONE]\n\n").catch(() => {});
    } finally {
      stream.close();
      tracker.done();
    }
  })();
  return new Response(stream.body, { status: 200, headers: SSE_HEADERS });
}
