/**
 * A one-consumer async queue: the producer pushes items and ends (or fails) it, the consumer
 * iterates. Lets a run stream text while its outcome is still being worked out.
 * @module
 */

/** Push-based async iterable; iterating it twice shares one sequence. */
export class DeltaQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  #done = false;
  #error: unknown = null;
  #wake: (() => void) | null = null;

  /** Appends an item (ignored after `end` or `fail`). */
  push(item: T): void {
    if (this.#done) return;
    this.#items.push(item);
    this.#notify();
  }

  /** Ends the sequence after the items already pushed. */
  end(): void {
    this.#done = true;
    this.#notify();
  }

  /** Ends the sequence with an error, thrown to the consumer after the pushed items. */
  fail(error: unknown): void {
    if (this.#done) return;
    this.#error = error ?? new Error("delta queue failed");
    this.#done = true;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      if (this.#items.length > 0) {
        yield this.#items.shift()!;
      } else if (this.#done) {
        if (this.#error !== null) throw this.#error;
        return;
      } else {
        await new Promise<void>((resolve) => this.#wake = resolve);
      }
    }
  }
}
