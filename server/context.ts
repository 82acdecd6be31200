/**
 * What every route handler shares: the model manager, the backends, the slot queue, limits,
 * and the per-request abort signals that disconnects and shutdown fire.
 * @module
 */
import type {
  ChatBackend,
  ChatDelta,
  ChatOutcome,
  ChatRun,
  NormalizedChatRequest,
} from "./backend.ts";
import type { BodyLimits } from "./body.ts";
import { ServerBusyError } from "./errors.ts";
import type { LocalBackend } from "./local_backend.ts";
import type { Logger } from "./log.ts";
import type { ModelManager } from "./models.ts";
import type { SlotQueue } from "./slots.ts";

/** Thrown into generations the server aborts while shutting down (finish_reason `abort`). */
export class ShutdownAbort extends Error {
  constructor() {
    super("the server is shutting down");
    this.name = "ShutdownAbort";
  }
}

/** A finished chat, for observers such as the conversation log. */
export interface ChatExchange {
  request: NormalizedChatRequest;
  outcome: ChatOutcome;
  /** The response id sent to the client (`chatcmpl-...`). */
  responseId: string;
  latencyMs: number;
  /** Name of the backend that answered. */
  backend: string;
}

/**
 * Called after each chat completes (not after cancelled ones); what it returns is merged into
 * the response's `synapse` extension when the response is not yet sent (non-streaming).
 */
export type ChatObserver = (
  exchange: ChatExchange,
) => Promise<Record<string, unknown> | void> | Record<string, unknown> | void;

/** Shared state of one server. */
export interface ServerContext {
  readonly manager: ModelManager;
  readonly local: LocalBackend;
  /** Registered backends first, the local one last. */
  readonly backends: readonly ChatBackend[];
  readonly slots: SlotQueue;
  readonly limits: BodyLimits;
  readonly logger: Logger;
  readonly startedAt: Date;
  readonly version: string;
  /** Milliseconds between SSE heartbeats while nothing is sent. */
  readonly heartbeatMs: number;
  /** Abort a stream whose client has not read for this long. */
  readonly stallTimeoutMs: number;
  readonly observers: readonly ChatObserver[];
  /** Extra `/api/status` fields (device, specialists). */
  readonly status?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** An abort controller for one request, aborted on shutdown too; call `done` when finished. */
  track(req: Request): { signal: AbortSignal; abort(reason: unknown): void; done(): void };
  /** Whether the server is draining (new requests get 503). */
  readonly draining: boolean;
}

/** The backend that answers `model`. */
export function backendFor(ctx: ServerContext, model: string): ChatBackend {
  return ctx.backends.find((b) => b.matches(model)) ?? ctx.local;
}

/** Refuses new work while draining. */
export function checkAccepting(ctx: ServerContext): void {
  if (ctx.draining) throw new ServerBusyError("the server is shutting down", 5);
}

/** Waits until a run is admitted; returns an iterator positioned at its first delta. */
export async function admit(run: ChatRun): Promise<{
  first: IteratorResult<ChatDelta> | null;
  iterator: AsyncIterator<ChatDelta>;
}> {
  const iterator = run[Symbol.asyncIterator]();
  if (run.ready) {
    await run.ready;
    return { first: null, iterator };
  }
  return { first: await iterator.next(), iterator };
}

/** Every delta of an admitted run, starting with the peeked one. */
export async function* deltasOf(admitted: {
  first: IteratorResult<ChatDelta> | null;
  iterator: AsyncIterator<ChatDelta>;
}): AsyncGenerator<ChatDelta> {
  if (admitted.first) {
    if (admitted.first.done) return;
    yield admitted.first.value;
  }
  for (;;) {
    const next = await admitted.iterator.next();
    if (next.done) return;
    yield next.value;
  }
}

/** Runs observers; their results are merged. Failures are logged, never sent to the client. */
export async function observe(
  ctx: ServerContext,
  exchange: ChatExchange,
): Promise<Record<string, unknown>> {
  const merged: Record<string, unknown> = {};
  for (const observer of ctx.observers) {
    try {
      Object.assign(merged, (await observer(exchange)) ?? {});
    } catch (error) {
      ctx.logger.warn("chat_observer_failed", {
        reason: (error as Error)?.message ?? String(error),
      });
    }
  }
  return merged;
}

/** A started, admitted run with its request tracker. */
export interface StartedRun {
  run: ChatRun;
  admitted: Awaited<ReturnType<typeof admit>>;
  tracker: ReturnType<ServerContext["track"]>;
}

/**
 * Tracks the request, starts the run and waits for its admission; on refusal the tracker is
 * released and the error (404, 400, 503...) propagates before any status is sent.
 */
export async function startRun(
  ctx: ServerContext,
  req: Request,
  start: (signal: AbortSignal) => ChatRun,
): Promise<StartedRun> {
  const tracker = ctx.track(req);
  try {
    const run = start(tracker.signal);
    return { run, admitted: await admit(run), tracker };
  } catch (error) {
    tracker.done();
    throw error;
  }
}
