/**
 * One generation in flight: its request, the tokens produced so far, and the stream its caller
 * reads. The scheduler owns the GPU side; this holds the CPU side.
 * @module
 */
import type {
  FinishReason,
  GenerateRequest,
  GenerateResult,
  GenerationStream,
  TokenEvent,
} from "../types.ts";

/** A generation's CPU-side state. */
export class Sequence implements GenerationStream {
  readonly request: GenerateRequest;
  readonly adapterSlot: number;
  readonly maxTokens: number;
  readonly stopIds: Set<number>;
  readonly result: Promise<GenerateResult>;
  slot = -1;
  /** Sampled records already consumed from the GPU ring. */
  consumed = 0;
  /** Samples submitted (decode steps, and the prompt's first token) not read back yet. */
  pendingSteps = 0;
  prefilled = false;
  finished = false;
  /** Prompt tokens whose keys and values were already cached (their prefill was skipped). */
  cachedTokens = 0;
  readonly ids: number[] = [];
  readonly startedAt = performance.now();
  firstTokenAt = 0;
  #events: TokenEvent[] = [];
  #wake: (() => void) | null = null;
  #resolve!: (r: GenerateResult) => void;
  #reject!: (e: unknown) => void;
  #error: unknown = null;
  #failed = false;

  constructor(
    request: GenerateRequest,
    adapterSlot: number,
    maxTokens: number,
    stopIds: Set<number>,
  ) {
    this.request = request;
    this.adapterSlot = adapterSlot;
    this.maxTokens = maxTokens;
    this.stopIds = stopIds;
    this.result = new Promise((res, rej) => {
      this.#resolve = res;
      this.#reject = rej;
    });
    this.result.catch(() => {}); // the error also surfaces through iteration
  }

  /** Adds a generated token; returns the finish reason when it ends the sequence. */
  push(event: TokenEvent): FinishReason | null {
    if (this.ids.length === 0) this.firstTokenAt = performance.now();
    this.ids.push(event.id);
    this.#events.push(event);
    this.#notify();
    if (this.stopIds.has(event.id)) return "stop";
    if (this.ids.length >= this.maxTokens) return "length";
    return null;
  }

  /** Ends the sequence. */
  finish(reason: FinishReason): void {
    if (this.finished) return;
    this.finished = true;
    const now = performance.now();
    const first = this.firstTokenAt || now;
    this.#resolve({
      promptIds: [...this.request.promptIds],
      ids: [...this.ids],
      finishReason: reason,
      cachedTokens: this.cachedTokens,
      ttftMs: first - this.startedAt,
      decodeMs: now - first,
    });
    this.#notify();
  }

  /** Ends the sequence with an engine error. */
  fail(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.#failed = true;
    this.#error = error;
    this.#reject(error);
    this.#notify();
  }

  /** Whether the sequence ended with an engine error. */
  get failed(): boolean {
    return this.#failed;
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TokenEvent> {
    let i = 0;
    while (true) {
      while (i < this.#events.length) yield this.#events[i++];
      if (this.#failed) throw this.#error;
      if (this.finished) return;
      await new Promise<void>((r) => (this.#wake = r));
    }
  }
}
