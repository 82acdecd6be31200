/**
 * The plumbing of a `ChatRun`: a producer pushes items and settles a result; consumers may
 * iterate the items (the producer then waits while too many are unread) or only await the result.
 * @module
 */

/** An async-iterable queue with a result, for one producer and one consumer. */
export class RunChannel<T, R> implements AsyncIterable<T> {
  readonly result: Promise<R>;
  #resolve!: (value: R) => void;
  #reject!: (error: unknown) => void;
  #items: T[] = [];
  #ended = false;
  #failure: { error: unknown } | null = null;
  #wake: (() => void) | null = null;
  #room: (() => void) | null = null;
  #iterating = false;
  readonly #highWaterMark: number;

  constructor(highWaterMark = 32) {
    this.#highWaterMark = highWaterMark;
    this.result = new Promise<R>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A result nobody awaits must not crash the process as an unhandled rejection.
    this.result.catch(() => {});
  }

  /** Queues an item; waits while a consumer is iterating and has too many unread. */
  async push(item: T): Promise<void> {
    this.#items.push(item);
    this.#wake?.();
    this.#wake = null;
    while (this.#iterating && this.#items.length >= this.#highWaterMark && !this.#ended) {
      await new Promise<void>((resolve) => (this.#room = resolve));
    }
  }

  /** Ends the items and settles the result. */
  end(result: R): void {
    this.#ended = true;
    this.#resolve(result);
    this.#wake?.();
  }

  /** Ends the items with a failure; iteration throws it after the queued items. */
  fail(error: unknown): void {
    this.#ended = true;
    this.#failure = { error };
    this.#reject(error);
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    this.#iterating = true;
    try {
      for (;;) {
        if (this.#items.length > 0) {
          const item = this.#items.shift()!;
          this.#room?.();
          this.#room = null;
          yield item;
          continue;
        }
        if (this.#ended) {
          if (this.#failure) throw this.#failure.error;
          return;
        }
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
    } finally {
      this.#iterating = false;
      this.#room?.();
    }
  }
}
