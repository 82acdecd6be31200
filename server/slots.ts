/**
 * Admission control: at most `parallel` requests generate at once, at most `maxQueue` wait in
 * FIFO order, and the rest are refused at once with 503 `server_busy` (never a reset
 * connection). A waiter whose client goes away leaves the queue.
 * @module
 */
import { ServerBusyError } from "./errors.ts";

interface Waiter {
  grant: () => void;
  reject: (error: unknown) => void;
}

/** A FIFO of generation slots. */
export class SlotQueue {
  readonly parallel: number;
  readonly maxQueue: number;
  #running = 0;
  #waiting: Waiter[] = [];
  #closed = false;

  constructor(parallel: number, maxQueue: number) {
    this.parallel = parallel;
    this.maxQueue = maxQueue;
  }

  /** Requests holding a slot. */
  get running(): number {
    return this.#running;
  }

  /** Requests waiting for one. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Waits for a slot; resolves with its release function (call it exactly once). Throws
   * ServerBusyError when the queue is full or closed; rejects with the abort reason when
   * `signal` aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.#closed) return Promise.reject(new ServerBusyError("the server is shutting down"));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#running < this.parallel) {
      this.#running++;
      return Promise.resolve(this.#releaser());
    }
    if (this.#waiting.length >= this.maxQueue) {
      return Promise.reject(
        new ServerBusyError(
          `all ${this.parallel} slots are busy and ${this.#waiting.length} requests are waiting`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve(this.#releaser());
        },
        reject,
      };
      const onAbort = () => {
        this.#waiting = this.#waiting.filter((w) => w !== waiter);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next.grant();
      else this.#running--;
    };
  }

  /** Refuses new requests and rejects everyone waiting. */
  close(): void {
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) {
      w.reject(new ServerBusyError("the server is shutting down"));
    }
  }
}
