/**
 * Runs one GEMM kernel with its rows split across threads: the calling thread takes the first
 * share, worker threads (node:worker_threads over the same shared memory and module) the
 * others. Workers sleep in `Atomics.wait` on a control block and wake in ~10 us, so a split
 * pays off for the large matrices (the logits projection) only. Workers are unref'd: an
 * unclosed model never keeps the process alive.
 * @module
 */
import { Worker } from "node:worker_threads";
import { type CpuKernelExports, type KernelMemory, kernelModule } from "./kernel_memory.ts";
import type { CpuMatrix } from "./matrix.ts";
import { Q8_BLOCK } from "./wasm_kernels.ts";

/** Kernels a worker can run, by their index in the control block. */
const KERNELS = ["gemmQ8_0", "gemmF32"] as const;
/** A kernel that can be split. */
export type SplitKernel = typeof KERNELS[number];

/** Control block words: [request seq, done seq (negative: failed), kernel, 9 kernel args]. */
const CTRL_WORDS = 16;
const STOP = -1;

// The worker: instantiate the shared module, then serve requests until told to stop.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
parentPort.once("message", ({ module, memory, ctrl }) => {
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const kernels = [${KERNELS.map((n) => `k.${n}`).join(", ")}];
  const c = new Int32Array(memory.buffer, ctrl, ${CTRL_WORDS});
  let seen = 0;
  for (;;) {
    Atomics.wait(c, 0, seen);
    const now = Atomics.load(c, 0);
    if (now === seen) continue;
    seen = now;
    if (c[2] === ${STOP}) return;
    let done = seen;
    try {
      kernels[c[2]](c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11]);
    } catch {
      done = -seen;
    }
    Atomics.store(c, 1, done);
    Atomics.notify(c, 1);
  }
});
`;

/** A worker thread failed to run its share of a kernel. */
export class RowSplitError extends Error {
  override name = "RowSplitError";
}

/** A worker and its control block. */
interface WorkerThread {
  worker: Worker;
  ctrl: Int32Array<SharedArrayBuffer>;
  /** Last request sent. */
  seq: number;
}

/** Spins before sleeping while waiting for a worker: its share usually ends within microseconds. */
const SPIN_CHECKS = 20000;

/** Splits kernel rows over `threads` threads (1: everything on the caller's thread). */
export class RowSplitter {
  readonly threads: number;
  #kernels: CpuKernelExports;
  #workers: WorkerThread[] = [];

  constructor(mem: KernelMemory, threads: number) {
    this.threads = Math.max(1, Math.floor(threads));
    this.#kernels = mem.kernels;
    for (let i = 1; i < this.threads; i++) {
      const ptr = mem.alloc(CTRL_WORDS * 4);
      const ctrl = new Int32Array(mem.memory.buffer as SharedArrayBuffer, ptr, CTRL_WORDS);
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.postMessage({ module: kernelModule(), memory: mem.memory, ctrl: ptr });
      worker.unref();
      this.#workers.push({ worker, ctrl, seq: 0 });
    }
  }

  /** `kernel` over all rows of `m` for `tokens` tokens (see wasm_kernels.ts for the arguments). */
  run(kernel: SplitKernel, m: CpuMatrix, x: number, xs: number, out: number, tokens: number): void {
    const q8 = kernel === "gemmQ8_0";
    const inner = q8 ? m.cols / Q8_BLOCK : m.cols;
    const rowBytes = q8 ? m.cols : m.cols * 4, scaleBytes = q8 ? inner * 4 : 0;
    const share = Math.ceil(m.rows / this.threads / 16) * 16;
    const args = (start: number, rows: number) =>
      [
        m.ptr + start * rowBytes,
        m.scales + start * scaleBytes,
        x,
        xs,
        out + start * 4,
        rows,
        inner,
        tokens,
        m.rows,
      ] as const;
    const busy: WorkerThread[] = [];
    for (let i = 0; i < this.#workers.length; i++) {
      const start = (i + 1) * share, rows = Math.min(share, m.rows - start);
      if (rows <= 0) break;
      const w = this.#workers[i];
      w.ctrl[2] = KERNELS.indexOf(kernel);
      w.ctrl.set(args(start, rows), 3);
      w.seq++;
      Atomics.store(w.ctrl, 0, w.seq);
      Atomics.notify(w.ctrl, 0);
      busy.push(w);
    }
    this.#kernels[kernel](...args(0, Math.min(share, m.rows)));
    for (const w of busy) this.#await(w);
  }

  #await(w: WorkerThread): void {
    let spins = 0;
    for (;;) {
      const done = Atomics.load(w.ctrl, 1);
      if (done === w.seq) return;
      if (done === -w.seq) throw new RowSplitError("a CPU worker thread failed in its kernel");
      if (++spins > SPIN_CHECKS) Atomics.wait(w.ctrl, 1, done, 1);
    }
  }

  /** Stops the worker threads. */
  close(): void {
    for (const w of this.#workers) {
      w.ctrl[2] = STOP;
      w.seq++;
      Atomics.store(w.ctrl, 0, w.seq);
      Atomics.notify(w.ctrl, 0);
      void w.worker.terminate();
    }
    this.#workers = [];
  }
}
