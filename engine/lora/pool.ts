/**
 * Resident LoRA adapters on the GPU, unmerged: for every (layer, projection) one buffer of A
 * matrices `[slot][rank][in]` and one of B matrices `[slot][out][rank]`, so each row of a batch
 * can pick its own adapter slot inside the same matmul (BGMV-style gather).
 * @module
 */
import type { Gpu } from "../gpu/mod.ts";
import type { ModelConfig } from "../model/config.ts";

/** The projections an adapter may target. */
export const LORA_MODULES = ["q", "k", "v", "o", "gate", "up", "down"] as const;
/** One of the projections. */
export type LoraModule = typeof LORA_MODULES[number];

/** An adapter's matrices in f32, keyed `"<layer>.<module>"`: A `[rank, in]`, B `[out, rank]`. */
export interface LoraWeights {
  rank: number;
  /** alpha / rank, the factor PEFT applies to B A x. */
  scale: number;
  matrices: Map<string, { a: Float32Array; b: Float32Array }>;
}

/** Input and output features of a projection. */
export function loraDims(c: ModelConfig, m: LoraModule): { inF: number; outF: number } {
  const q = c.heads * c.headDim, kv = c.kvHeads * c.headDim;
  switch (m) {
    case "q":
      return { inF: c.hiddenSize, outF: q };
    case "k":
    case "v":
      return { inF: c.hiddenSize, outF: kv };
    case "o":
      return { inF: q, outF: c.hiddenSize };
    case "gate":
    case "up":
      return { inF: c.hiddenSize, outF: c.ffnSize };
    case "down":
      return { inF: c.ffnSize, outF: c.hiddenSize };
  }
}

/**
 * Fixed-capacity slots of adapters, all padded to one rank: at least the rank asked for, and a
 * multiple of 4 (the matmul's LoRA epilogue reads u and B as vec4s).
 */
export class LoraPool {
  readonly rank: number;
  readonly capacity: number;
  readonly scales: GPUBuffer;
  #gpu: Gpu;
  #config: ModelConfig;
  #a = new Map<string, GPUBuffer>();
  #b = new Map<string, GPUBuffer>();
  #scaleValues: Float32Array<ArrayBuffer>;

  constructor(gpu: Gpu, config: ModelConfig, rank: number, capacity: number) {
    this.#gpu = gpu;
    this.#config = config;
    this.rank = Math.ceil(rank / 4) * 4;
    this.capacity = capacity;
    this.#scaleValues = new Float32Array(capacity);
    this.scales = gpu.storage(capacity * 4, "lora scales");
    for (let l = 0; l < config.layers; l++) {
      for (const m of LORA_MODULES) {
        const { inF, outF } = loraDims(config, m);
        this.#a.set(`${l}.${m}`, gpu.storage(capacity * this.rank * inF * 4, `lora A ${l}.${m}`));
        this.#b.set(`${l}.${m}`, gpu.storage(capacity * outF * this.rank * 4, `lora B ${l}.${m}`));
      }
    }
  }

  /** The A and B buffers of one projection. */
  buffers(layer: number, m: LoraModule): { a: GPUBuffer; b: GPUBuffer } {
    return { a: this.#a.get(`${layer}.${m}`)!, b: this.#b.get(`${layer}.${m}`)! };
  }

  /** Writes `w` into `slot` (zeros where the adapter does not target a projection). */
  write(slot: number, w: LoraWeights): void {
    const q = this.#gpu.device.queue;
    const r = this.rank;
    for (let l = 0; l < this.#config.layers; l++) {
      for (const m of LORA_MODULES) {
        const { inF, outF } = loraDims(this.#config, m);
        const a = new Float32Array(r * inF);
        const b = new Float32Array(outF * r);
        const mat = w.matrices.get(`${l}.${m}`);
        if (mat) {
          a.set(mat.a); // rows beyond the adapter's rank stay zero
          for (let o = 0; o < outF; o++) {
            for (let j = 0; j < w.rank; j++) b[o * r + j] = mat.b[o * w.rank + j];
          }
        }
        const { a: ab, b: bb } = this.buffers(l, m);
        q.writeBuffer(ab, slot * r * inF * 4, a);
        q.writeBuffer(bb, slot * outF * r * 4, b);
      }
    }
    this.#scaleValues[slot] = w.scale;
    q.writeBuffer(this.scales, 0, this.#scaleValues);
  }

  /** Frees every buffer. */
  destroy(): void {
    for (const b of [...this.#a.values(), ...this.#b.values(), this.scales]) b.destroy();
  }
}
