/**
 * The transformer forward pass on the CPU for one sequence: a step runs a chunk of tokens (a
 * prefill chunk, or one decode token) through every layer, appending to the sequence's KV
 * cache, and yields the last row's logits or every row's final hidden state. Projections run
 * in the WASM kernels; the rest is ops.ts.
 * @module
 */
import type { LoraModule, LoraWeights } from "../lora/mod.ts";
import { type ModelConfig, ropeFrequencies } from "../model/mod.ts";
import type { KernelMemory } from "./kernel_memory.ts";
import type { KvCache } from "./kv_cache.ts";
import { addLoraDelta } from "./lora_delta.ts";
import type { CpuMatrix } from "./matrix.ts";
import { matrixRow } from "./matrix.ts";
import { attendRow, rmsNormRows, rope, ropeAngles, swiglu } from "./ops.ts";
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
      logits: buf(c.vocabSize),
    };
    const widest = R * Math.max(c.hiddenSize, c.ffnSize, qDim);
    const xqPtr = mem.alloc(widest * 2);
    this.#xq = { ptr: xqPtr, view: mem.i16(xqPtr, widest) };
    this.#xs = buf(Math.ceil(widest / Q8_BLOCK));
    this.#invFreq = ropeFrequencies(c);
    this.#cos = Array.from({ length: R }, () => new Float64Array(c.headDim / 2));
    this.#sin = Array.from({ length: R }, () => new Float64Array(c.headDim / 2));
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
    cache.reserve(start + T);
    const row = new Float32Array(H);
    for (let t = 0; t < T; t++) {
      matrixRow(this.#mem, this.#w.embed, ids[t], row);
      b.x.view.set(row, t * H);
      ropeAngles(start + t, this.#invFreq, this.#cos[t], this.#sin[t]);
    }
    for (let l = 0; l < c.layers; l++) this.#layer(l, cache, start, T, adapter);
    cache.length = start + T;
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

  #layer(l: number, cache: KvCache, start: number, T: number, adapter: LoraWeights | null): void {
    const c = this.#c, w = this.#w.layers[l], b = this.#b, H = c.hiddenSize;
    const qDim = c.heads * c.headDim, kvDim = c.kvHeads * c.headDim;
    rmsNormRows(b.x.view, w.attnNorm, b.xn.view, T, H, c.rmsEps);
    this.#project(b.xn, T, [[w.q, b.q], [w.k, b.k], [w.v, b.v]]);
    this.#lora(adapter, l, "q", b.xn, b.q, T);
    this.#lora(adapter, l, "k", b.xn, b.k, T);
    this.#lora(adapter, l, "v", b.xn, b.v, T);
    this.#positionQk(w, T);
    const kc = cache.k[l], vc = cache.v[l];
    kc.set(b.k.view.subarray(0, T * kvDim), start * kvDim);
    vc.set(b.v.view.subarray(0, T * kvDim), start * kvDim);
    const scores = new Float64Array(start + T);
    for (let t = 0; t < T; t++) {
      attendRow(c, b.q.view, t * qDim, kc, vc, start + t + 1, b.att.view, t * qDim, scores);
    }
    this.#project(b.att, T, [[w.o, b.tmp]]);
    this.#lora(adapter, l, "o", b.att, b.tmp, T);
    addInto(b.x.view, b.tmp.view, T * H);
    rmsNormRows(b.x.view, w.ffnNorm, b.xn.view, T, H, c.rmsEps);
    this.#project(b.xn, T, [[w.gate, b.gate], [w.up, b.up]]);
    this.#lora(adapter, l, "gate", b.xn, b.gate, T);
    this.#lora(adapter, l, "up", b.xn, b.up, T);
    swiglu(b.gate.view, b.up.view, b.h.view, T * c.ffnSize);
    this.#project(b.h, T, [[w.down, b.tmp]]);
    this.#lora(adapter, l, "down", b.h, b.tmp, T);
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

  #lora(
    adapter: LoraWeights | null,
    layer: number,
    module: LoraModule,
    x: Buf,
    y: Buf,
    T: number,
  ): void {
    if (!adapter) return;
    const w = this.#w.layers[layer][module];
    addLoraDelta(adapter, `${layer}.${module}`, x.view, y.view, T, w.cols, w.rows);
  }
}

function addInto(x: Float32Array, y: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) x[i] += y[i];
}

function addBias(x: Float32Array, bias: Float32Array, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) for (let i = 0; i < width; i++) x[r * width + i] += bias[i];
}
