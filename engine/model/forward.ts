/**
 * The transformer forward pass as GPU programs over a batch of rows. A row is one token of one
 * sequence (slot, position, adapter slot); a prefill is many rows of one sequence, a decode step
 * one row per running sequence. Activations, the KV cache and the per-sequence sampling state
 * all live on the GPU; a decode step reads its input token from the previous step's sampler.
 * @module
 */
import {
  attentionChunks,
  attentionCombineKernel,
  attentionKernel,
  decodeAttentionFits,
  decodeAttentionKernel,
  decodePrepKernel,
  embedKernel,
  gemmGroups,
  gemmKernel,
  gemmPartialsFloats,
  gemmReduceGroups,
  gemmReduceKernel,
  gemmReduceNormKernel,
  type GemmSpec,
  gemmSplits,
  gemmTileRows,
  type GgmlType,
  greedyChunkKernel,
  greedyPickKernel,
  loraDownKernel,
  MATMUL_ROW_BLOCK,
  matmulGroups,
  matmulKernel,
  qkvGemmKernel,
  qkvGemmReduceKernel,
  qkvMatmulGroups,
  qkvMatmulKernel,
  type QkvMatmulSpec,
  rmsnormKernel,
  ropeKvKernel,
  SAMPLE_RECORD_WORDS,
  SAMPLE_RING,
  sampleChunkKernel,
  samplePickKernel,
  type SamplerPlan,
  samplerPlan,
  sampleScratchWords,
  SEQ_PARAM_WORDS,
  SEQ_STATE_WORDS,
  splitGemmBindings,
  swigluKernel,
} from "../../kernels/mod.ts";
import type { Gpu } from "../gpu/mod.ts";
import { LORA_MODULES, type LoraModule, type LoraPool } from "../lora/pool.ts";
import { type ModelConfig, ropeFrequencies } from "./config.ts";
import { Program } from "./program.ts";
import type { GpuMatrix, LayerWeights, ModelWeights } from "./weights.ts";

/**
 * Keys per workgroup of a decode step's split attention (see #attention). H200, decode tok/s
 * after a 512-token prompt, 0.5B Q4_K_M / 3B F16: 64 keys 617 / 222, 128 624 / 216, 256 611 /
 * 222: within noise (docs/research/2026-11-25-h200-session6.md).
 */
const ATTENTION_SPLIT_KEYS = 128;

/** Sizes fixed when the forward pass is created. */
export interface ForwardLimits {
  /** Most rows in one step (prefill chunk length). */
  maxRows: number;
  /** Sequence slots; the last is reserved for embeddings, the rest serve generations. */
  maxSeqs: number;
  /** Positions per sequence in the KV cache. */
  contextLength: number;
  /** Matmul schedule: cooperative (GPUs) or one invocation per output (software adapters). */
  cooperativeMatmul: boolean;
  /** Fewest rows of a step that take the tiled GEMM on the GPU schedule (default GEMM_MIN_ROWS). */
  gemmMinRows?: number;
  /** Most rows of a step that fold the RMSNorms into the projections (default FOLD_NORM_MAX_ROWS). */
  foldNormMaxRows?: number;
  /** Decode steps per submit while streaming on GPUs (the scheduler's default when absent). */
  stepsPerSubmit?: number;
}

/** Shape of a step program: rows processed and rows whose next token is sampled. */
export interface StepShape {
  rows: number;
  /** 0: no logits (a non-final prefill chunk). */
  sampleRows: number;
  /** Rows take their token and position from the sequences' state (decode). */
  decode: boolean;
  /**
   * Each row is the only row of its sequence in the step (implied by `decode`), so the decode
   * attention may rotate and cache each row's key itself (see #attention).
   */
  separateRows?: boolean;
  /**
   * Every sampled row is greedy (temperature 0) with no penalties and no alternatives asked:
   * the greedy sampler's two reductions replace the general sampler (kernels/sample_greedy.ts).
   */
  greedy?: boolean;
}

/** What `timeSteps` measured: per-step CPU encode and GPU time of a replayed step program. */
export interface StepTiming {
  encodeUs: number;
  gpuUs: number;
  /** Launches in one step. */
  launches: number;
  /** The step's kernel labels, in first-launch order. */
  labels: string[];
}

/** What `timeSteps` replays: a step's rows, rows sampled, launches left out. */
export interface TimeStepsOptions {
  /** Rows of the step (default 1). */
  rows?: number;
  /** Rows whose logits are computed and sampled, the last ones (default 1). */
  sampleRows?: number;
  /** Launches with these labels are left out. */
  skip?: ReadonlySet<string>;
  /**
   * The rows are separate sequences, one per slot from 0, all at the position: a decode batch.
   * It overwrites those slots' caches, so only while nothing generates.
   */
  streams?: boolean;
}

/** GPU buffers that the scheduler writes and reads. */
export interface StepBuffers {
  tokens: GPUBuffer;
  rowInfo: GPUBuffer;
  rowAdapter: GPUBuffer;
  rowSlot: GPUBuffer;
  sampleSel: GPUBuffer;
  sampleSlot: GPUBuffer;
  seqParams: GPUBuffer;
  seqState: GPUBuffer;
  outRing: GPUBuffer;
  masks: GPUBuffer;
  counts: GPUBuffer;
  logits: GPUBuffer;
  /** The sampler's per-chunk statistics and candidates, between its two kernels. */
  sampleScratch: GPUBuffer;
  hidden: GPUBuffer;
}

/** Activations and caches for one model, and the step programs built over them. */
export class ForwardPass {
  readonly limits: ForwardLimits;
  readonly buffers: StepBuffers;
  #gpu: Gpu;
  #c: ModelConfig;
  #w: ModelWeights;
  #act: Record<string, GPUBuffer> = {};
  #kCache: GPUBuffer[] = [];
  #vCache: GPUBuffer[] = [];
  /** One slot's worth of one layer's keys or values: the staging of `copyKv`. */
  #kvStage: GPUBuffer | null = null;
  #loraU = new Map<LoraModule, GPUBuffer>();
  #invFreq: GPUBuffer;
  #programs = new Map<string, Program>();
  #lora: LoraPool | null = null;
  #sampler: SamplerPlan;

  constructor(gpu: Gpu, config: ModelConfig, weights: ModelWeights, limits: ForwardLimits) {
    this.#gpu = gpu;
    this.#c = config;
    this.#w = weights;
    this.limits = limits;
    const c = config, R = limits.maxRows, S = limits.maxSeqs;
    const qDim = c.heads * c.headDim, kvDim = c.kvHeads * c.headDim;
    const f = (n: number, label: string) => gpu.storage(n * 4, label);
    this.#act = {
      x: f(R * c.hiddenSize, "x"),
      xn: f(R * c.hiddenSize, "xn"),
      q: f(R * qDim, "q"),
      k: f(R * kvDim, "k"),
      v: f(R * kvDim, "v"),
      att: f(R * qDim, "attn"),
      gu: f(R * 2 * c.ffnSize, "gate|up"),
      h: f(R * c.ffnSize, "ffn hidden"),
      xf: f(S * c.hiddenSize, "final hidden"),
    };
    const cacheFloats = S * limits.contextLength * kvDim;
    for (let l = 0; l < c.layers; l++) {
      this.#kCache.push(f(cacheFloats, `k cache ${l}`));
      this.#vCache.push(f(cacheFloats, `v cache ${l}`));
    }
    this.#invFreq = gpu.storage(c.headDim * 2, "rope freqs", ropeFrequencies(c));
    this.#sampler = samplerPlan(c.vocabSize, limits.cooperativeMatmul);
    this.buffers = {
      tokens: f(R, "tokens"),
      rowInfo: f(R * 4, "row info"),
      rowAdapter: f(R, "row adapter"),
      rowSlot: f(R, "row slot"),
      sampleSel: f(S, "sample rows"),
      sampleSlot: f(S, "sample slots"),
      seqParams: f(S * SEQ_PARAM_WORDS, "seq params"),
      seqState: f(S * SEQ_STATE_WORDS, "seq state"),
      outRing: f(S * SAMPLE_RING * SAMPLE_RECORD_WORDS, "sampled tokens"),
      masks: f(S * Math.ceil(c.vocabSize / 32), "token masks"),
      counts: f(S * c.vocabSize, "generated token counts"),
      logits: f(S * c.vocabSize, "logits"),
      sampleScratch: f(S * sampleScratchWords(this.#sampler), "sampler chunks"),
      hidden: this.#act.xn,
    };
  }

  /** Uses `pool` for LoRA from now on (null: no adapters); cached programs are rebuilt. */
  setLoraPool(pool: LoraPool | null): void {
    this.#lora = pool;
    for (const u of this.#loraU.values()) u.destroy();
    this.#loraU.clear();
    if (pool) {
      for (const m of LORA_MODULES) {
        this.#loraU.set(m, this.#gpu.storage(this.limits.maxRows * pool.rank * 4, `lora u ${m}`));
      }
    }
    for (const p of this.#programs.values()) p.destroy();
    this.#programs.clear();
  }

  /** The program for one step of `shape`, built on first use. */
  program(shape: StepShape): Program {
    const key = [shape.rows, shape.sampleRows, shape.decode, !!shape.separateRows, !!shape.greedy]
      .join("/");
    let p = this.#programs.get(key);
    if (!p) {
      p = this.#build(shape);
      this.#programs.set(key, p);
    }
    return p;
  }

  /** A program that final-norms all `rows` into `buffers.hidden` (for embeddings). */
  hiddenProgram(rows: number): Program {
    const key = `hidden/${rows}`;
    let p = this.#programs.get(key);
    if (!p) {
      p = new Program(this.#gpu);
      this.#layers(p, { rows, sampleRows: 0, decode: false });
      const a = this.#act;
      p.add(this.#norm(false), "final norm", rows, [a.x, this.#w.outputNorm, a.xn, prm(rows)]);
      this.#programs.set(key, p);
    }
    return p;
  }

  /** Workgroup size of one-workgroup-per-row kernels: GPUs want 256, software adapters 64. */
  get #wide(): number {
    return this.limits.cooperativeMatmul ? 256 : 64;
  }

  #norm(gather: boolean): string {
    return rmsnormKernel({
      dim: this.#c.hiddenSize,
      eps: this.#c.rmsEps,
      gather,
      workgroup: this.#wide,
    });
  }

  #build(shape: StepShape): Program {
    const p = new Program(this.#gpu);
    const b = this.buffers, a = this.#act, c = this.#c;
    if (shape.decode) {
      p.add(decodePrepKernel(), "decode prep", Math.ceil(shape.rows / 64), [
        b.rowSlot,
        b.seqState,
        b.tokens,
        b.rowInfo,
        prm(shape.rows),
      ]);
    }
    this.#layers(p, shape);
    const s = shape.sampleRows;
    if (s > 0) {
      p.add(this.#norm(true), "final norm", s, [
        a.x,
        this.#w.outputNorm,
        a.xf,
        prm(s),
        b.sampleSel,
      ]);
      this.#matmul(p, "logits", this.#w.output, a.xf, b.logits, s, {
        ldy: c.vocabSize,
        yOff: 0,
        accumulate: false,
      });
      this.#sample(p, s, !!shape.greedy);
    }
    return p;
  }

  /**
   * The sampler over the last `rows` rows' logits: the greedy reductions when every row samples
   * greedily (see `StepShape.greedy`), else the general chunk and pick kernels.
   */
  #sample(p: Program, rows: number, greedy: boolean): void {
    const b = this.buffers, plan = this.#sampler;
    const chunk = [b.logits, b.sampleSlot, b.seqParams, b.sampleScratch, prm(rows), b.masks];
    if (greedy) {
      p.add(greedyChunkKernel(plan), "greedy chunks", [plan.chunks, rows], chunk);
      p.add(greedyPickKernel(plan), "greedy pick", rows, [
        b.sampleSlot,
        b.seqState,
        b.outRing,
        prm(rows),
        b.counts,
        b.sampleScratch,
      ]);
      return;
    }
    p.add(sampleChunkKernel(plan), "sample chunks", [plan.chunks, rows], [...chunk, b.counts]);
    p.add(samplePickKernel(plan), "sample pick", rows, [
      b.logits,
      b.sampleSlot,
      b.seqParams,
      b.seqState,
      b.outRing,
      prm(rows),
      b.masks,
      b.counts,
      b.sampleScratch,
    ]);
  }

  #layers(p: Program, shape: StepShape): void {
    const b = this.buffers, a = this.#act, c = this.#c, w = this.#w, rows = shape.rows;
    const qDim = c.heads * c.headDim, kvDim = c.kvHeads * c.headDim;
    for (const ch of w.embed.chunks) {
      p.add(embedKernel(w.embed.type, c.hiddenSize), "embed", rows, [
        b.tokens,
        ch.buffer,
        a.x,
        prm(rows, ch.rowStart, ch.rowCount),
      ]);
    }
    const norm = this.#norm(false);
    // Decode-sized steps fold each RMSNorm into the projections that read it (one launch less).
    const fold = this.#foldsNorm(rows);
    const xIn = fold ? a.x : a.xn;
    // Whether the last launch already wrote x's RMSNorm (a split GEMM's reduce; see #matmul).
    let normed = false;
    c.layers > 0 && w.layers.forEach((L, l) => {
      const attnNorm = fold ? L.attnNorm : undefined;
      if (!fold && !normed) p.add(norm, "attn norm", rows, [a.x, L.attnNorm, a.xn, prm(rows)]);
      const single = [L.q, L.k, L.v].every((W) => W.chunks.length === 1);
      const qkvTile = this.#gemmTile(rows, qDim + 2 * kvDim, L.q.cols);
      if (single && !this.#lora && qkvTile) {
        this.#qkvGemm(p, L, rows, qkvTile);
      } else if (single && !this.#lora) {
        this.#qkv(p, L, rows, attnNorm);
      } else {
        // With adapters: the three LoRA down projections of the same input in one launch.
        const [lq, lk, lv] = this.#loraDownSteps(
          p,
          l,
          ["q", "k", "v"],
          xIn,
          L.q.cols,
          rows,
          attnNorm,
        );
        const out = (ldy: number, bias: GPUBuffer | undefined, lora?: LoraDelta) => ({
          ldy,
          bias,
          norm: attnNorm,
          lora,
        });
        this.#matmul(p, "q proj", L.q, xIn, a.q, rows, out(qDim, L.qBias, lq));
        this.#matmul(p, "k proj", L.k, xIn, a.k, rows, out(kvDim, L.kBias, lk));
        this.#matmul(p, "v proj", L.v, xIn, a.v, rows, out(kvDim, L.vBias, lv));
      }
      this.#attention(p, l, L, shape);
      // The o and down projections add into the residual stream x; a split GEMM's reduce can
      // then also write the next norm (ffn, and the next layer's attention norm).
      const residual = { ldy: c.hiddenSize, accumulate: true };
      const ffnNormed = this.#lin(p, l, "o", L.o, a.att, a.x, rows, {
        ...residual,
        normAfter: fold ? undefined : L.ffnNorm,
      });
      const ffnNorm = fold ? L.ffnNorm : undefined;
      if (!fold && !ffnNormed) p.add(norm, "ffn norm", rows, [a.x, L.ffnNorm, a.xn, prm(rows)]);
      if (L.gate.chunks.length === 1 && L.up.chunks.length === 1) {
        this.#gatedFfn(p, l, L.gate, L.up, rows, ffnNorm);
      } else {
        const gu = 2 * c.ffnSize;
        this.#lin(p, l, "gate", L.gate, xIn, a.gu, rows, { ldy: gu, norm: ffnNorm });
        this.#lin(p, l, "up", L.up, xIn, a.gu, rows, { ldy: gu, yOff: c.ffnSize, norm: ffnNorm });
        p.add(swigluKernel(c.ffnSize), "swiglu", Math.ceil(rows * c.ffnSize / 256), [
          a.gu,
          a.h,
          prm(rows),
        ]);
      }
      normed = this.#lin(p, l, "down", L.down, a.h, a.x, rows, {
        ...residual,
        normAfter: fold ? undefined : w.layers[l + 1]?.attnNorm,
      });
    });
  }

  /**
   * RoPE, the KV-cache write and attention of every row over its cache. Steps of a few rows
   * (decode) on GPUs split the keys into chunks over more workgroups and merge them (flash
   * decoding); a long context would otherwise be walked by one workgroup per head. When each
   * row is its sequence's only row (decode steps, one-row prefills), the split attention also
   * rotates and writes the new key itself, and its last chunk to finish merges the others: one
   * launch instead of three.
   */
  #attention(p: Program, layer: number, L: LayerWeights, shape: StepShape): void {
    const a = this.#act, b = this.buffers, c = this.#c, rows = shape.rows;
    const spec = {
      heads: c.heads,
      kvHeads: c.kvHeads,
      headDim: c.headDim,
      contextLength: this.limits.contextLength,
      workgroup: this.#wide,
    };
    const rope = { ...spec, qkNorm: c.qkNorm, eps: c.rmsEps, neox: c.ropeNeox };
    const [kCache, vCache] = [this.#kCache[layer], this.#vCache[layer]];
    const ropeBufs = [a.q, a.k, a.v, kCache, vCache, b.rowInfo, this.#invFreq, prm(rows)];
    const qkNorms = c.qkNorm ? [L.qNorm!, L.kNorm!] : [null, null];
    const split = this.limits.cooperativeMatmul && rows <= this.limits.maxSeqs &&
      spec.contextLength > ATTENTION_SPLIT_KEYS;
    const fused = split && rowsAreSequences(shape) &&
      decodeAttentionFits(c.headDim, spec.workgroup, ATTENTION_SPLIT_KEYS);
    if (!fused) {
      p.add(ropeKvKernel(rope), "rope+kv", [rows, c.heads + c.kvHeads], [
        ...ropeBufs,
        ...(c.qkNorm ? qkNorms : []),
      ]);
    }
    const bufs = [a.q, kCache, vCache, a.att, b.rowInfo, prm(rows)];
    if (!split) {
      p.add(attentionKernel(spec), "attention", [rows, c.heads], bufs);
      return;
    }
    const splitSpec = { ...spec, splitKeys: ATTENTION_SPLIT_KEYS };
    const chunks = attentionChunks(splitSpec);
    if (!this.#act.attnPartials) {
      const floats = this.limits.maxSeqs * c.heads * chunks * (c.headDim + 2);
      this.#act.attnPartials = this.#gpu.storage(floats * 4, "attention partials");
    }
    const partials = this.#act.attnPartials;
    if (fused) {
      // Zeroed at creation; each launch leaves the counts zero again.
      this.#act.attnArrivals ??= this.#gpu.storage(
        this.limits.maxSeqs * c.heads * 4,
        "attention arrivals",
      );
      const code = decodeAttentionKernel({ ...rope, splitKeys: ATTENTION_SPLIT_KEYS });
      p.add(code, "rope+kv+attention", [rows, c.heads, chunks], [
        ...ropeBufs,
        ...qkNorms,
        partials,
        a.att,
        this.#act.attnArrivals,
      ]);
      return;
    }
    const splitBufs = [...bufs.slice(0, 3), null, ...bufs.slice(4), partials]; // no binding 3
    p.add(attentionKernel(splitSpec), "attention", [rows, c.heads, chunks], splitBufs);
    p.add(attentionCombineKernel(splitSpec), "attention merge", [rows, c.heads], [
      partials,
      a.att,
      b.rowInfo,
      prm(rows),
    ]);
  }

  #loraDown(k: number, rank: number): string {
    return loraDownKernel(k, rank, this.limits.cooperativeMatmul);
  }

  #loraGrid(rows: number, rank: number): number | [number, number] {
    return this.limits.cooperativeMatmul ? [rows, rank] : rows;
  }

  /**
   * Whether a step of `rows` rows folds the RMSNorms into the projections after them (and into
   * their LoRA down projections): on GPUs, for steps the matmul takes (the GEMM reads x in tiles).
   */
  #foldsNorm(rows: number): boolean {
    return this.limits.cooperativeMatmul &&
      rows <= (this.limits.foldNormMaxRows ?? FOLD_NORM_MAX_ROWS) &&
      rows < (this.limits.gemmMinRows ?? GEMM_MIN_ROWS);
  }

  /** Q, K and V projections of `xn` (or of x with `norm` folded in) in one launch (no adapters). */
  #qkv(p: Program, L: LayerWeights, rows: number, norm?: GPUBuffer): void {
    const a = this.#act, cooperative = this.limits.cooperativeMatmul;
    const outputs: [number, number, number] = [L.q.rows, L.k.rows, L.v.rows];
    const total = outputs[0] + outputs[1] + outputs[2];
    const bias = !!L.qBias;
    const spec: QkvMatmulSpec = {
      types: [L.q.type, L.k.type, L.v.type],
      outputs,
      k: L.q.cols,
      bias,
      cooperative,
      rowBlock: rowBlockFor(rows),
      normEps: norm ? this.#c.rmsEps : undefined,
    };
    const params = new Uint32Array([rows, total, 0, 0, 0, 0, 0, 0]);
    p.add(qkvMatmulKernel(spec), "qkv proj", qkvMatmulGroups(spec), [
      norm ? a.x : a.xn,
      L.q.chunks[0].buffer,
      a.q,
      { params },
      bias ? L.qBias! : null,
      null,
      null,
      null,
      null,
      L.k.chunks[0].buffer,
      L.v.chunks[0].buffer,
      a.k,
      a.v,
      bias ? L.kBias! : null,
      bias ? L.vBias! : null,
      norm ?? null,
    ]);
  }

  /**
   * Q, K and V projections of `xn` as one GEMM of `tile`-row tiles over their stacked outputs
   * (no adapters), with one reduce when K is split: a launch and a reduce instead of three each.
   */
  #qkvGemm(p: Program, L: LayerWeights, rows: number, tile: number): void {
    const a = this.#act, k = L.q.cols, bias = !!L.qBias;
    const outputs: [number, number, number] = [L.q.rows, L.k.rows, L.v.rows];
    const total = outputs[0] + outputs[1] + outputs[2];
    const types: [GgmlType, GgmlType, GgmlType] = [L.q.type, L.k.type, L.v.type];
    const spec = { types, outputs, k, bias };
    const splits = gemmSplits(total, rows, k, tile);
    const params = { params: new Uint32Array([rows, total, 0, 0, 0, 0, splits, 0]) };
    const [wq, wk, wv] = [L.q, L.k, L.v].map((W) => W.chunks[0].buffer);
    const [bq, bk, bv] = bias ? [L.qBias!, L.kBias!, L.vBias!] : [null, null, null];
    const outs = { 2: a.q, 11: a.k, 12: a.v, 4: bq, 13: bk, 14: bv };
    if (splits === 1) {
      const code = qkvGemmKernel({ ...spec, tileRows: tile });
      p.add(
        code,
        "qkv proj",
        gemmGroups(total, rows, tile),
        bySlot({
          0: a.xn,
          1: wq,
          3: params,
          9: wk,
          10: wv,
          ...outs,
        }),
      );
      return;
    }
    const partials = this.#gemmPartials();
    const split = qkvGemmKernel({ ...spec, tileRows: tile, split: true });
    p.add(
      split,
      "qkv proj",
      gemmGroups(total, rows, tile, splits),
      bySlot({
        0: a.xn,
        1: wq,
        2: partials,
        3: params,
        9: wk,
        10: wv,
      }),
    );
    p.add(
      qkvGemmReduceKernel(spec),
      "qkv proj reduce",
      gemmReduceGroups(total, rows),
      bySlot({ 3: params, 5: partials, ...outs }),
    );
  }

  /** The partial sums of split GEMMs, allocated for the largest (gated) split on first use. */
  #gemmPartials(): GPUBuffer {
    if (!this.#act.gemmPartials) {
      const floats = gemmPartialsFloats(this.limits.maxRows, true);
      this.#act.gemmPartials = this.#gpu.storage(floats * 4, "gemm partials");
    }
    return this.#act.gemmPartials;
  }

  /**
   * Gate and up projections with SwiGLU in one kernel: `h = silu(xn Wg) * (xn Wu)`, reading x
   * with `norm` folded in when given.
   */
  #gatedFfn(
    p: Program,
    layer: number,
    gate: GpuMatrix,
    up: GpuMatrix,
    rows: number,
    norm?: GPUBuffer,
  ): void {
    const a = this.#act, pool = this.#lora, f = this.#c.ffnSize;
    const x = norm ? a.x : a.xn;
    const [g, u] = this.#loraDownSteps(p, layer, ["gate", "up"], x, gate.cols, rows, norm);
    const lora = g && pool
      ? [g.u, g.b, this.buffers.rowAdapter, pool.scales]
      : [null, null, null, null];
    const lora2 = u ? [u.u, u.b] : [];
    const cooperative = this.limits.cooperativeMatmul;
    const spec = {
      type: gate.type,
      upType: up.type,
      k: gate.cols,
      n: f,
      bias: false,
      loraRank: pool ? pool.rank : 0,
      normEps: norm ? this.#c.rmsEps : undefined,
    };
    const tile = this.#gemmTile(rows, f, gate.cols, true);
    const splits = tile ? gemmSplits(f, rows, gate.cols, tile, true) : 1;
    const params = new Uint32Array([rows, f, 0, f, 0, 0, splits, 0]);
    const bufs = [
      norm ? a.x : a.xn,
      gate.chunks[0].buffer,
      a.h,
      { params },
      null,
      ...lora,
      up.chunks[0].buffer,
      ...lora2,
    ];
    if (splits > 1) { // never with a folded norm: that is for steps the matmul takes
      this.#splitGemm(p, "gate+up+swiglu", { ...spec, tileRows: tile }, rows, f, splits, bufs);
      return;
    }
    const mm = { ...spec, cooperative, rowBlock: rowBlockFor(rows) };
    const code = tile ? gemmKernel({ ...spec, tileRows: tile }) : matmulKernel(mm);
    const grid = tile ? gemmGroups(f, rows, tile) : matmulGroups(f, mm);
    p.add(code, "gate+up+swiglu", grid, withNorm(bufs, norm));
  }

  /**
   * Records the K-split GEMM of `nCount` outputs into the shared partials buffer and the reduce
   * that sums its slices in order and applies the epilogue. `bufs` are the one-pass GEMM's
   * bindings 0-11 (null where absent): the GEMM takes x, w, params and w2, the reduce the rest.
   */
  #splitGemm(
    p: Program,
    label: string,
    spec: GemmSpec,
    rows: number,
    nCount: number,
    splits: number,
    bufs: (GPUBuffer | { params: Uint32Array } | null)[],
    normAfter?: GPUBuffer,
  ): void {
    const { gemm, reduce } = splitGemmBindings(bufs, this.#gemmPartials());
    p.add(
      gemmKernel({ ...spec, split: true }),
      label,
      gemmGroups(nCount, rows, spec.tileRows!, splits),
      gemm,
    );
    if (normAfter) {
      // One workgroup per row: as wide as the device allows, so each invocation sums few slices.
      const wide = Math.min(1024, this.#gpu.device.limits.maxComputeInvocationsPerWorkgroup);
      const code = gemmReduceNormKernel(spec, this.#c.rmsEps, wide);
      p.add(code, `${label} reduce+norm`, [1, rows], [...reduce, normAfter, this.#act.xn]);
      return;
    }
    p.add(gemmReduceKernel(spec), `${label} reduce`, gemmReduceGroups(nCount, rows), reduce);
  }

  /**
   * Records `u = A x` for the projections `ms` (one to three, reading the same x, with `norm`
   * folded in when given) when adapters are resident; returns each one's `u` and the B matrices
   * its epilogue needs (none without adapters). On GPUs the projections share one launch.
   */
  #loraDownSteps(
    p: Program,
    layer: number,
    ms: LoraModule[],
    x: GPUBuffer,
    k: number,
    rows: number,
    norm?: GPUBuffer,
  ): (LoraDelta | undefined)[] {
    const pool = this.#lora;
    if (!pool) return [];
    const parts = ms.map((m) => ({ ...pool.buffers(layer, m), u: this.#loraU.get(m)! }));
    const rowAdapter = this.buffers.rowAdapter;
    if (!this.limits.cooperativeMatmul) { // never with a folded norm (see #foldsNorm)
      parts.forEach(({ a, u }, i) => {
        p.add(this.#loraDown(k, pool.rank), `lora down ${ms[i]}`, this.#loraGrid(rows, pool.rank), [
          x,
          a,
          u,
          rowAdapter,
          prm(rows),
        ]);
      });
    } else {
      const group = { modules: ms.length, normEps: norm ? this.#c.rmsEps : undefined };
      const code = loraDownKernel(k, pool.rank, true, group);
      p.add(
        code,
        `lora down ${ms.join("+")}`,
        [rows, pool.rank, ms.length],
        bySlot({
          0: x,
          1: parts[0].a,
          2: parts[0].u,
          3: rowAdapter,
          4: prm(rows),
          5: parts[1]?.a ?? null,
          6: parts[1]?.u ?? null,
          7: parts[2]?.a ?? null,
          8: parts[2]?.u ?? null,
          9: norm ?? null,
        }),
      );
    }
    return parts.map(({ u, b }) => ({ u, b }));
  }

  /** A projection with its LoRA delta (when adapters are resident) and optional bias. */
  #lin(
    p: Program,
    layer: number,
    m: LoraModule,
    W: GpuMatrix,
    x: GPUBuffer,
    y: GPUBuffer,
    rows: number,
    o: Omit<MatmulOutput, "lora">,
  ): boolean {
    const [lora] = this.#loraDownSteps(p, layer, [m], x, W.cols, rows, o.norm);
    return this.#matmul(p, `${m} proj`, W, x, y, rows, { ...o, lora });
  }

  /**
   * Rows per tile when a step of `rows` rows takes the tiled GEMM for `nCount` outputs of rows
   * `k` long (`gated`: the gated FFN), else 0 (the matmul; the fused Q/K/V matmul only then).
   */
  #gemmTile(rows: number, nCount: number, k: number, gated = false): number {
    const min = this.limits.gemmMinRows ?? GEMM_MIN_ROWS;
    if (!this.limits.cooperativeMatmul || rows < min) return 0;
    return gemmTileRows(rows, nCount, k, gated);
  }

  #matmul(
    p: Program,
    label: string,
    W: GpuMatrix,
    x: GPUBuffer,
    y: GPUBuffer,
    rows: number,
    o: MatmulOutput,
  ): boolean {
    const pool = this.#lora;
    const cooperative = this.limits.cooperativeMatmul;
    const spec = {
      type: W.type,
      k: W.cols,
      n: W.rows,
      bias: !!o.bias,
      loraRank: o.lora && pool ? pool.rank : 0,
      normEps: o.norm ? this.#c.rmsEps : undefined,
    };
    const tile = o.norm ? 0 : this.#gemmTile(rows, W.rows, W.cols);
    const mm = { ...spec, cooperative, rowBlock: rowBlockFor(rows) };
    const code = tile ? gemmKernel({ ...spec, tileRows: tile }) : matmulKernel(mm);
    let normed = false;
    for (const ch of W.chunks) {
      const splits = tile ? gemmSplits(ch.rowCount, rows, W.cols, tile) : 1;
      const params = new Uint32Array([
        rows,
        ch.rowCount,
        ch.rowStart,
        o.ldy,
        o.yOff ?? 0,
        +!!o.accumulate,
        splits,
        0,
      ]);
      // Bindings 4 (bias) and 5-8 (LoRA) exist only in the variants that use them.
      const bufs = [
        x,
        ch.buffer,
        y,
        { params },
        o.bias ?? null,
        ...(o.lora && pool ? [o.lora.u, o.lora.b, this.buffers.rowAdapter, pool.scales] : []),
      ];
      if (splits > 1) {
        const wholeRows = W.chunks.length === 1 && o.ldy === W.rows && !o.yOff;
        const after = wholeRows ? o.normAfter : undefined;
        this.#splitGemm(
          p,
          label,
          { ...spec, tileRows: tile },
          rows,
          ch.rowCount,
          splits,
          bufs,
          after,
        );
        normed = !!after;
        continue;
      }
      const grid = tile ? gemmGroups(ch.rowCount, rows, tile) : matmulGroups(ch.rowCount, mm);
      p.add(code, label, grid, withNorm(bufs, o.norm));
    }
    return normed;
  }

  /**
   * Mean of the final-normed hidden states of `ids`, computed in the reserved last slot so it
   * never touches a running sequence's cache.
   */
  async embed(ids: readonly number[]): Promise<Float32Array> {
    const b = this.buffers, n = ids.length, h = this.#c.hiddenSize;
    this.#runScratch(ids, -1, this.hiddenProgram(n));
    const hidden = new Float32Array(await this.#gpu.read(b.hidden, n * h * 4));
    const mean = new Float32Array(h);
    for (let r = 0; r < n; r++) for (let i = 0; i < h; i++) mean[i] += hidden[r * h + i] / n;
    return mean;
  }

  /**
   * Logits after the last of `ids` (one row of `vocabSize`), computed in the reserved slot with
   * adapter slot `adapterSlot` (-1: base). For checks against reference implementations.
   */
  async lastLogits(ids: readonly number[], adapterSlot: number): Promise<Float32Array> {
    const b = this.buffers, n = ids.length, slot = this.limits.maxSeqs - 1;
    const q = this.#gpu.device.queue;
    q.writeBuffer(b.sampleSel, 0, new Uint32Array([n - 1]));
    q.writeBuffer(b.sampleSlot, 0, new Uint32Array([slot]));
    this.#runScratch(ids, adapterSlot, this.program({ rows: n, sampleRows: 1, decode: false }));
    return new Float32Array(await this.#gpu.read(b.logits, this.#c.vocabSize * 4));
  }

  /**
   * GPU time of each kernel of one step over `ids` (all rows, logits and sampling for the last)
   * in the reserved slot, from timestamp queries. For `synapse bench --profile`.
   */
  async profile(ids: readonly number[]): Promise<{ label: string; us: number }[]> {
    const b = this.buffers, n = ids.length, slot = this.limits.maxSeqs - 1;
    const q = this.#gpu.device.queue;
    q.writeBuffer(b.sampleSel, 0, new Uint32Array([n - 1]));
    q.writeBuffer(b.sampleSlot, 0, new Uint32Array([slot]));
    const program = this.program({ rows: n, sampleRows: 1, decode: false });
    this.#runScratch(ids, -1, program); // warm-up, and it writes the rows' inputs
    return await program.profile();
  }

  /**
   * Timing of `steps` replays of a step of `rows` rows (logits and sampling for the last
   * included) encoded into one pass, as a decode submit is: CPU microseconds spent encoding per
   * step and GPU microseconds per step from timestamps around the pass. Launches labelled in
   * `skip` are left out, so the difference to a full run is a kernel's cost within the chain.
   * Needs timestamp queries.
   */
  async timeSteps(
    steps: number,
    position = 0,
    opts: TimeStepsOptions = {},
  ): Promise<StepTiming> {
    const b = this.buffers, dev = this.#gpu.device;
    const rows = opts.rows ?? 1, sampleRows = Math.min(rows, opts.sampleRows ?? 1);
    const streams = !!opts.streams && rows > 1;
    const scratch = this.limits.maxSeqs - 1;
    // Streams: row r is sequence slot r at `position` (the cache's contents do not change the
    // time, only how many keys are read). Otherwise the rows are one prompt in the reserved slot,
    // whose cache first gets `position` earlier tokens, so attention reads as much as a real step.
    if (!streams) {
      for (let start = 0; start < position; start += this.limits.maxRows) {
        const n = Math.min(this.limits.maxRows, position - start);
        const ids = Array.from({ length: n }, (_, i) => 1000 + start + i);
        const fill = this.program({ rows: n, sampleRows: 0, decode: false });
        this.#runRows(ids, -1, fill, () => [scratch, start]);
      }
    }
    // The last `sampleRows` rows are sampled (a batch of decode steps samples every row).
    const sel = Array.from({ length: sampleRows }, (_, i) => rows - sampleRows + i);
    const slotOf = (r: number) => (streams ? r : scratch);
    dev.queue.writeBuffer(b.sampleSel, 0, new Uint32Array(sel));
    dev.queue.writeBuffer(b.sampleSlot, 0, new Uint32Array(sel.map(slotOf)));
    // Sampled greedily, as the bench's decode is.
    const program = this.program({
      rows,
      sampleRows,
      decode: false,
      separateRows: streams,
      greedy: true,
    });
    const ids = Array.from({ length: rows }, (_, i) => 1000 + i);
    // Warm-up; writes the rows' inputs.
    this.#runRows(ids, -1, program, (r) => [slotOf(r), streams ? position : position + r]);
    const querySet = dev.createQuerySet({ type: "timestamp", count: 2 });
    const resolved = dev.createBuffer({
      size: 16,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    const enc = dev.createCommandEncoder();
    const pass = enc.beginComputePass({
      timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
    });
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) program.encode(pass, opts.skip);
    const encodeUs = (performance.now() - t0) * 1000 / steps;
    pass.end();
    enc.resolveQuerySet(querySet, 0, 2, resolved, 0);
    dev.queue.submit([enc.finish()]);
    const t = new BigUint64Array(await this.#gpu.read(resolved, 16));
    querySet.destroy();
    resolved.destroy();
    return {
      encodeUs,
      gpuUs: Number(t[1] - t[0]) / 1000 / steps,
      launches: program.size,
      labels: program.labels,
    };
  }

  /** Submits `program` over `ids` as rows of the reserved last slot, at positions from `from`. */
  #runScratch(ids: readonly number[], adapterSlot: number, program: Program, from = 0): void {
    const slot = this.limits.maxSeqs - 1;
    this.#runRows(ids, adapterSlot, program, (r) => [slot, from + r]);
  }

  /** Submits `program` over `ids`, row r in the sequence slot and position `place(r)` gives. */
  #runRows(
    ids: readonly number[],
    adapterSlot: number,
    program: Program,
    place: (row: number) => [number, number],
  ): void {
    const q = this.#gpu.device.queue, b = this.buffers, n = ids.length;
    const info = new Uint32Array(n * 4);
    for (let i = 0; i < n; i++) info.set([...place(i), 0, 0], i * 4);
    q.writeBuffer(b.tokens, 0, new Uint32Array(ids));
    q.writeBuffer(b.rowInfo, 0, info);
    q.writeBuffer(b.rowAdapter, 0, new Int32Array(n).fill(adapterSlot));
    const enc = this.#gpu.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    program.encode(pass);
    pass.end();
    q.submit([enc.finish()]);
  }

  /**
   * Copies the keys and values of positions 0..positions-1, every layer, from sequence slot
   * `from` to slot `to` (queued after the work already submitted, so `from` may be a sequence
   * whose prefill was just submitted). WebGPU copies never go within one buffer, and each
   * layer's cache is one buffer, so each range passes through a staging buffer.
   */
  copyKv(from: number, to: number, positions: number): void {
    if (positions <= 0) return;
    const c = this.#c, ctx = this.limits.contextLength;
    const perPosition = c.kvHeads * c.headDim * 4, bytes = positions * perPosition;
    this.#kvStage ??= this.#gpu.storage(ctx * perPosition, "kv copy stage");
    const enc = this.#gpu.device.createCommandEncoder();
    for (const cache of [...this.#kCache, ...this.#vCache]) {
      enc.copyBufferToBuffer(cache, from * ctx * perPosition, this.#kvStage, 0, bytes);
      enc.copyBufferToBuffer(this.#kvStage, 0, cache, to * ctx * perPosition, bytes);
    }
    this.#gpu.device.queue.submit([enc.finish()]);
  }

  /** Frees programs, activations and caches (weights belong to the model). */
  destroy(): void {
    this.#kvStage?.destroy();
    for (const p of this.#programs.values()) p.destroy();
    for (const buf of [...Object.values(this.#act), ...this.#kCache, ...this.#vCache]) {
      buf.destroy();
    }
    for (const buf of Object.values(this.buffers)) buf.destroy();
  }
}

/**
 * Rows from which the GPU schedule uses the tiled GEMM (prefill chunks) instead of the matmul,
 * which re-decodes each weight row per 8 rows. H200 (bench/gemm_bench.ts, 0.5B Q5_0/Q6_K shapes,
 * docs/research/2026-11-25-gemm-split-k.md), at 32 rows the GEMM with its K split against the
 * matmul: Q 13 vs 43 us, K/V 13 vs 26, gate+up 49 vs 164, down 33 vs 141. End to end (H200, 0.5B
 * Q4_K_M, 16 streams after a 64-token prompt), 16-row steps in the GEMM's 32-row tiles decode
 * 2,883 tok/s against 2,009 in the matmul, though they lose the fused Q/K/V launch. Since the
 * GEMM has 16-row tiles and fused Q/K/V, it wins as soon as the matmul needs a second pass over
 * the weights (more rows than MATMUL_ROW_BLOCK): H200, decode tok/s of N streams, matmul against
 * GEMM: 0.5B Q4_K_M 12 streams 1,741 vs 3,154; 3B F16 10 streams 358 vs 501, 12 streams 384 vs
 * 603. At 8 rows it is a toss-up (0.5B 1,777 vs 2,132, 3B F16 424 vs 401), below that the
 * matmul wins (0.5B 4 streams 1,452 vs 1,088; 3B F16 6 streams 363 vs 303). Since the matmul keeps
 * its row accumulators in registers (session 10), 8 rows decode 2,951 tok/s (0.5B) and 858 (3B F16);
 * at 16 rows the GEMM still wins per launch (0.5B down 34 us with its reduce against 41.9 for the
 * matmul's two passes, logits 526 against 662).
 */
const GEMM_MIN_ROWS = MATMUL_ROW_BLOCK + 1;

/** `bindings` with a folded RMSNorm's weight at binding 15 (see `MatmulInterfaceSpec.normEps`). */
function withNorm(
  bindings: (GPUBuffer | { params: Uint32Array } | null)[],
  norm: GPUBuffer | undefined,
): (GPUBuffer | { params: Uint32Array } | null)[] {
  if (!norm) return bindings;
  const out = [...bindings];
  while (out.length < 15) out.push(null);
  out[15] = norm;
  return out;
}

/**
 * Most rows of a step that fold the RMSNorms into the projections. Folding saves a launch but
 * adds a square and a multiply per loaded x value: it pays while the matmul is latency-bound.
 * H200, 0.5B Q4: a 1-row step 2.03 -> 1.67 ms (with the attention change), but 16 streams fell
 * from 1,946 to 1,655 tok/s with 16-row steps folded.
 */
const FOLD_NORM_MAX_ROWS = 4;

/** Accumulators per weight pass: the batch size, rounded down to 1, 2, 4 or 8. */
function rowBlockFor(rows: number): number {
  return rows >= 8 ? 8 : rows >= 4 ? 4 : rows >= 2 ? 2 : 1;
}

/** Where a projection writes, and what it adds or folds in on the way (see #matmul). */
interface MatmulOutput {
  /** Columns of y, where this projection's start (default 0), and whether it adds to y. */
  ldy: number;
  yOff?: number;
  accumulate?: boolean;
  bias?: GPUBuffer;
  lora?: LoraDelta;
  /** An RMSNorm weight to fold into the input (see `#foldsNorm`). */
  norm?: GPUBuffer;
  /**
   * An RMSNorm weight to apply to the finished output rows, into `xn`, where the launch has
   * a K-split reduce that covers whole rows (see gemmReduceNormKernel).
   */
  normAfter?: GPUBuffer;
}

/** What a projection's LoRA epilogue reads: `u = A x` per row, and the adapters' B matrices. */
interface LoraDelta {
  u: GPUBuffer;
  b: GPUBuffer;
}

/** Whether each row of a step of `shape` is the only row of its sequence in the step. */
function rowsAreSequences(shape: StepShape): boolean {
  return shape.decode || !!shape.separateRows || shape.rows === 1;
}

/** A launch's binding list from binding number -> resource (null where a number is absent). */
function bySlot<T>(slots: Record<number, T | null>): (T | null)[] {
  const last = Math.max(...Object.keys(slots).map(Number));
  return Array.from({ length: last + 1 }, (_, i) => slots[i] ?? null);
}

/** Params for kernels whose uniform is `{rows, a, b, c}`. */
function prm(rows: number, a = 0, b = 0): { params: Uint32Array } {
  return { params: new Uint32Array([rows, a, b, 0]) };
}
