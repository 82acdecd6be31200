/**
 * The transformer forward pass on the CPU. A step runs rows through every layer, each row a
 * token at a position of some sequence's KV cache: a prefill chunk is rows of one sequence, a
 * decode batch one row of each of several sequences (each with its own cache and adapter), so
 * their projections share every pass over the weights. Projections run in the WASM kernels; the
 * rest is ops.ts.
 * @module
 */
import type { LoraModule, LoraWeights } from "../lora/mod.ts";
import { type ModelConfig, ropeFrequencies } from "../model/mod.ts";
import type { KernelMemory } from "./kernel_memory.ts";
import type { KvCache } from "./kv_cache.ts";
import { addLoraDelta } from "./lora_delta.ts";
import type { CpuMatrix } from "./matrix.ts";
import { matrixRow } from "./matrix.ts";
import { attendRow, AttentionScratch, rmsNormRows, rope, ropeAngles, swiglu } from "./ops.ts";
import { quantizeQ8_0 } from "./quantize_q8.ts";
import type { RowSplitter } from "./row_split.ts";
import type { CpuLayer, CpuWeights } from "./weights.ts";
import { Q8_BLOCK } from "./wasm_kernels.ts";

/**
 * Matrices with at least this many weights are split across threads. Waking a worker costs
 * ~10 us, a layer projection of the 20M fixture ~5-20 us, its logits ~1.3 ms.
 */
const SPLIT_MIN_WEIGHTS = 1 << 20;

/** A buffer in kernel memory: its address and an f32 view. */
interface Buf {
  ptr: number;
  view: Float32Array<SharedArrayBuffer>;
}

/** Sequences one decode step can batch (the logits buffer holds this many rows). */
export const MAX_DECODE_ROWS = 8;

/** One row of a step: the token, the cache it extends, its position there, and its adapter. */
interface StepRow {
  cache: KvCache;
  pos: number;
  adapter: LoraWeights | null;
}

/** What a step returns: nothing, the last row's logits, or every row's normed hidden state. */
export type StepOutput = "none" | "logits" | "hidden";

/** The forward pass over one model's weights, with scratch for `maxRows` tokens a step. */
export class CpuForward {
  readonly maxRows: number;
  #mem: KernelMemory;
  #c: ModelConfig;
  #w: CpuWeights;
  #split: RowSplitter;
  #invFreq: Float32Array;
  #b: Record<"x" | "xn" | "q" | "k" | "v" | "att" | "gate" | "up" | "h" | "tmp" | "logits", Buf>;
  #xq: { ptr: number; view: Int16Array<SharedArrayBuffer> };
  #xs: Buf;
  #cos: Float64Array[];
  #sin: Float64Array[];
  #attention: AttentionScratch;
  /** One embedding row, decoded before it is copied into x. */
  #embedRow: Float32Array;

  constructor(
    mem: KernelMemory,
    config: ModelConfig,
    weights: CpuWeights,
    maxRows: number,
    split: RowSplitter,
  ) {
    this.#mem = mem;
    this.#c = config;
    this.#w = weights;
    this.#split = split;
    this.maxRows = maxRows;
    const c = config, R = maxRows;
    const qDim = c.heads * c.headDim, kvDim = c.kvHeads * c.headDim;
    const buf = (n: number) => mem.allocF32(n);
    this.#b = {
      x: buf(R * c.hiddenSize),
      xn: buf(R * c.hiddenSize),
      q: buf(R * qDim),
      k: buf(R * kvDim),
      v: buf(R * kvDim),
      att: buf(R * qDim),
      gate: buf(R * c.ffnSize),
      up: buf(R * c.ffnSize),
      h: buf(R * c.ffnSize),
      tmp: buf(R * c.hiddenSize),
      logits: buf(MAX_DECODE_ROWS * c.vocabSize),
    };
    const widest = R * Math.max(c.hiddenSize, c.ffnSize, qDim);
    const xqPtr = mem.alloc(widest * 2);
    this.#xq = { ptr: xqPtr, view: mem.i16(xqPtr, widest) };
    this.#xs = buf(Math.ceil(widest / Q8_BLOCK));
    this.#invFreq = ropeFrequencies(c);
    const rows = Math.max(R, MAX_DECODE_ROWS);
    this.#cos = Array.from({ length: rows }, () => new Float64Array(c.headDim / 2));
    this.#sin = Array.from({ length: rows }, () => new Float64Array(c.headDim / 2));
    this.#attention = new AttentionScratch(c.headDim);
    this.#embedRow = new Float32Array(c.hiddenSize);
  }

  /**
   * Runs `ids` (at most `maxRows`) at the cache's next positions with `adapter` (null: base).
   * Returns a copy of the last row's logits, a copy of every row's final-normed hidden state
   * (`[rows][hidden]`), or null.
   */
  step(
    cache: KvCache,
    ids: readonly number[],
    adapter: LoraWeights | null,
    output: StepOutput,
  ): Float32Array | null {
    const c = this.#c, T = ids.length, H = c.hiddenSize, b = this.#b;
    if (T < 1 || T > this.maxRows) throw new RangeError(`a step takes 1..${this.maxRows} tokens`);
    const start = cache.length;
    this.#run(ids, ids.map((_, t) => ({ cache, pos: start + t, adapter })));
    if (output === "none") return null;
    if (output === "hidden") {
      rmsNormRows(b.x.view, this.#w.outputNorm, b.xn.view, T, H, c.rmsEps);
      return b.xn.view.slice(0, T * H);
    }
    rmsNormRows(b.x.view, this.#w.outputNorm, b.xn.view, 1, H, c.rmsEps, (T - 1) * H);
    const last = { ptr: b.xn.ptr + (T - 1) * H * 4, view: b.xn.view };
    this.#project(last, 1, [[this.#w.output, b.logits]]);
    return b.logits.view.slice(0, c.vocabSize);
  }

  /** Most sequences one `decode` takes. */
  get maxDecodeRows(): number {
    return Math.min(MAX_DECODE_ROWS, this.maxRows);
  }

  /**
   * One decode token for each of up to `maxDecodeRows` sequences, each extending its own
   * cache with its own adapter; returns each row's logits. The rows share every pass over the
   * weights, and each row's arithmetic is the same as in a step of its own.
   */
  decode(
    rows: readonly { cache: KvCache; id: number; adapter: LoraWeights | null }[],
  ): Float32Array[] {
    const c = this.#c, T = rows.length, H = c.hiddenSize, V = c.vocabSize, b = this.#b;
    if (T < 1 || T > this.maxDecodeRows) {
      throw new RangeError(`a decode step takes 1..${this.maxDecodeRows} sequences`);
    }
    if (new Set(rows.map((r) => r.cache)).size !== T) {
      throw new RangeError("a decode step takes one row per sequence");
    }
    this.#run(
      rows.map((r) => r.id),
      rows.map((r) => ({ cache: r.cache, pos: r.cache.length, adapter: r.adapter })),
    );
    rmsNormRows(b.x.view, this.#w.outputNorm, b.xn.view, T, H, c.rmsEps);
    this.#project(b.xn, T, [[this.#w.output, b.logits]]);
    return rows.map((_, t) => b.logits.view.slice(t * V, (t + 1) * V));
  }

  /** Runs token `ids[t]` as `rows[t]` through every layer, extending each row's cache. */
  #run(ids: readonly number[], rows: readonly StepRow[]): void {
    const c = this.#c, H = c.hiddenSize, b = this.#b, row = this.#embedRow;
    for (let t = 0; t < rows.length; t++) {
      rows[t].cache.reserve(rows[t].pos + 1);
      matrixRow(this.#mem, this.#w.embed, ids[t], row);
      b.x.view.set(row, t * H);
      ropeAngles(rows[t].pos, this.#invFreq, this.#cos[t], this.#sin[t]);
    }
    for (let l = 0; l < c.layers; l++) this.#layer(l, rows);
    for (const r of rows) r.cache.length = Math.max(r.cache.length, r.pos + 1);
  }

  #layer(l: number, rows: readonly StepRow[]): void {
    const c = this.#c, w = this.#w.layers[l], b = this.#b, H = c.hiddenSize, T = rows.length;
    const qDim = c.heads * c.headDim, kvDim = c.kvHeads * c.headDim;
    rmsNormRows(b.x.view, w.attnNorm, b.xn.view, T, H, c.rmsEps);
    this.#project(b.xn, T, [[w.q, b.q], [w.k, b.k], [w.v, b.v]]);
    this.#lora(rows, l, "q", b.xn, b.q);
    this.#lora(rows, l, "k", b.xn, b.k);
    this.#lora(rows, l, "v", b.xn, b.v);
    this.#positionQk(w, T);
    // Every row's key and value go in before any row attends: a prefill row sees the chunk's
    // earlier rows (causal by length), a decode row only its own sequence.
    rows.forEach((r, t) => {
      r.cache.k[l].set(b.k.view.subarray(t * kvDim, (t + 1) * kvDim), r.pos * kvDim);
      r.cache.v[l].set(b.v.view.subarray(t * kvDim, (t + 1) * kvDim), r.pos * kvDim);
    });
    const attention = this.#attention;
    rows.forEach((r, t) => {
      attention.fit(r.pos + 1);
      const kc = r.cache.k[l], vc = r.cache.v[l];
      attendRow(c, b.q.view, t * qDim, kc, vc, r.pos + 1, b.att.view, t * qDim, attention);
    });
    this.#project(b.att, T, [[w.o, b.tmp]]);
    this.#lora(rows, l, "o", b.att, b.tmp);
    addInto(b.x.view, b.tmp.view, T * H);
    rmsNormRows(b.x.view, w.ffnNorm, b.xn.view, T, H, c.rmsEps);
    this.#project(b.xn, T, [[w.gate, b.gate], [w.up, b.up]]);
    this.#lora(rows, l, "gate", b.xn, b.gate);
    this.#lora(rows, l, "up", b.xn, b.up);
    swiglu(b.gate.view, b.up.view, b.h.view, T * c.ffnSize);
    this.#project(b.h, T, [[w.down, b.tmp]]);
    this.#lora(rows, l, "down", b.h, b.tmp);
    addInto(b.x.view, b.tmp.view, T * H);
  }

  /** Biases, per-head q/k RMSNorm (Qwen3) and RoPE of a step's q and k rows. */
  #positionQk(w: CpuLayer, T: number): void {
    const c = this.#c, b = this.#b, hd = c.headDim;
    const qDim = c.heads * hd, kvDim = c.kvHeads * hd;
    if (w.qBias) addBias(b.q.view, w.qBias, T, qDim);
    if (w.kBias) addBias(b.k.view, w.kBias, T, kvDim);
    if (w.vBias) addBias(b.v.view, w.vBias, T, kvDim);
    if (w.qNorm) rmsNormRows(b.q.view, w.qNorm, b.q.view, T * c.heads, hd, c.rmsEps);
    if (w.kNorm) rmsNormRows(b.k.view, w.kNorm, b.k.view, T * c.kvHeads, hd, c.rmsEps);
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < c.heads; h++) {
        rope(b.q.view, t * qDim + h * hd, hd, this.#cos[t], this.#sin[t], c.ropeNeox);
      }
      for (let h = 0; h < c.kvHeads; h++) {
        rope(b.k.view, t * kvDim + h * hd, hd, this.#cos[t], this.#sin[t], c.ropeNeox);
      }
    }
  }

  /**
   * `out = x W^T` for each (W, out) pair over `T` rows of `x`; the input is quantized once for
   * all Q8_0 matrices. Large matrices (the logits) have their rows spread over the threads.
   */
  #project(x: Buf, T: number, pairs: [CpuMatrix, Buf][]): void {
    const k = this.#mem.kernels, cols = pairs[0][0].cols;
    if (pairs.some(([m]) => m.kind === "q8_0")) {
      quantizeQ8_0(
        this.#mem.f32(x.ptr, T * cols),
        T,
        cols,
        this.#xq.view,
        this.#xs.view,
      );
    }
    for (const [m, out] of pairs) {
      const q8 = m.kind === "q8_0";
      const xPtr = q8 ? this.#xq.ptr : x.ptr, xsPtr = q8 ? this.#xs.ptr : 0;
      const inner = q8 ? cols / Q8_BLOCK : cols;
      if (this.#split.threads > 1 && m.rows * m.cols >= SPLIT_MIN_WEIGHTS) {
        this.#split.run(q8 ? "gemmQ8_0" : "gemmF32", m, xPtr, xsPtr, out.ptr, T);
      } else {
        (q8 ? k.gemmQ8_0 : k.gemmF32)(
          m.ptr,
          m.scales,
          xPtr,
          xsPtr,
          out.ptr,
          m.rows,
          inner,
          T,
          m.rows,
        );
      }
    }
  }

  /** Adds each row's adapter delta for `module`, over runs of rows that share an adapter. */
  #lora(rows: readonly StepRow[], layer: number, module: LoraModule, x: Buf, y: Buf): void {
    const w = this.#w.layers[layer][module], key = `${layer}.${module}`;
    for (let t0 = 0; t0 < rows.length;) {
      const adapter = rows[t0].adapter;
      let t1 = t0 + 1;
      while (t1 < rows.length && rows[t1].adapter === adapter) t1++;
      if (adapter) {
        const xs = x.view.subarray(t0 * w.cols), ys = y.view.subarray(t0 * w.rows);
        addLoraDelta(adapter, key, xs, ys, t1 - t0, w.cols, w.rows);
      }
      t0 = t1;
    }
  }
}

function addInto(x: Float32Array, y: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) x[i] += y[i];
}

function addBias(x: Float32Array, bias: Float32Array, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) for (let i = 0; i < width; i++) x[r * width + i] += bias[i];
}
