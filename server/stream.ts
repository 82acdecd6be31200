/**
 * A streamed response body with a bounded buffer: writers wait while the client is not
 * draining (back-pressure pauses generation), a client that stalls past a deadline or goes away
 * aborts the stream's signal, and idle streams get heartbeat comments.
 * @module
 */

/** Options for a response stream. */
export interface ResponseStreamOptions {
  /** Chunks buffered before writers wait (default 64). */
  highWaterMark?: number;
  /** Abort when the client has not drained for this long (default 60 s). */
  stallTimeoutMs?: number;
  /** Write `heartbeat` when nothing was written for this long (0 = never). */
  heartbeatMs?: number;
  /** Text of a heartbeat (SSE: `": ping\n\n"`). */
  heartbeat?: string;
}

/** Thrown by `write` after the client went away. */
export class ClientGoneError extends Error {
  constructor(reason: string) {
    super(`client went away: ${reason}`);
    this.name = "ClientGoneError";
  }
}

const encoder = new TextEncoder();

/** A text stream to the client that knows when the client is gone. */
export class ResponseStream {
  /** Aborted when the client disconnects, stalls, or the stream is cancelled. */
  readonly signal: AbortSignal;
  readonly body: ReadableStream<Uint8Array>;
  readonly #abort = new AbortController();
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #room: (() => void) | null = null;
  #closed = false;
  #lastWrite = Date.now();
  #heartbeat?: ReturnType<typeof setInterval>;
  readonly #stallMs: number;

  constructor(options: ResponseStreamOptions = {}) {
    this.signal = this.#abort.signal;
    this.#stallMs = options.stallTimeoutMs ?? 60_000;
    this.body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => {
        this.#room?.();
        this.#room = null;
      },
      cancel: (reason) => this.#gone(`cancelled (${reason ?? "disconnect"})`),
    }, new CountQueuingStrategy({ highWaterMark: options.highWaterMark ?? 64 }));
    if (options.heartbeatMs && options.heartbeat) {
      const text = options.heartbeat;
      const every = options.heartbeatMs;
      this.#heartbeat = setInterval(() => {
        if (Date.now() - this.#lastWrite >= every) this.#enqueue(text);
      }, Math.max(10, Math.floor(every / 2)));
    }
  }

  #gone(reason: string): void {
    if (this.signal.aborted) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#abort.abort(new ClientGoneError(reason));
    this.#room?.();
  }

  #enqueue(text: string): boolean {
    if (this.#closed) return false;
    try {
      this.#controller.enqueue(encoder.encode(text));
      this.#lastWrite = Date.now();
      return true;
    } catch {
      this.#gone("write failed");
      return false;
    }
  }

  /** Queues `text`; waits while the buffer is full. Throws ClientGoneError once the client left. */
  async write(text: string): Promise<void> {
    if (this.signal.aborted) throw this.signal.reason;
    if (!this.#enqueue(text)) throw new ClientGoneError("stream closed");
    if ((this.#controller.desiredSize ?? 1) > 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#room = resolve;
      timer = setTimeout(() => {
        this.#gone(`not reading for ${this.#stallMs} ms`);
        resolve();
      }, this.#stallMs);
    });
    clearTimeout(timer);
    if (this.signal.aborted) throw this.signal.reason;
  }

  /** Ends the body normally. */
  close(): void {
    clearInterval(this.#heartbeat);
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#controller.close();
    } catch {
      // Already cancelled by the client.
    }
  }
}
