/**
 * A loaded model: weights and forward pass on the device, the tokenizer, the adapter pool and
 * the scheduler, behind the engine's `Model` contract.
 * @module
 */
import type { Gpu } from "../gpu/mod.ts";
import { loadLora } from "../lora/load.ts";
import { LoraPool, type LoraWeights } from "../lora/pool.ts";
import type { GenerateRequest, GenerationStream, Model } from "../types.ts";
import { BaseModel, type LoadedShape, type TextCodec } from "./base_model.ts";
import type { ModelConfig } from "./config.ts";
import {
  type ForwardLimits,
  ForwardPass,
  type StepTiming,
  type TimeStepsOptions,
} from "./forward.ts";
import { Scheduler } from "./scheduler.ts";
import { Sequence } from "./sequence.ts";
import type { ModelWeights } from "./weights.ts";
import { GenerateError } from "./errors.ts";

export { GenerateError };

/** Adapters kept resident at once (slots of the LoRA pool). */
const ADAPTER_SLOTS = 8;

/** The engine's model implementation on WebGPU. */
export class GpuModel extends BaseModel implements Model {
  #gpu: Gpu;
  #weights: ModelWeights;
  #forward: ForwardPass;
  #scheduler: Scheduler;
  #adapters = new Map<string, { slot: number; weights: LoraWeights }>();
  #pool: LoraPool | null = null;
  /** Running generations per adapter slot: a slot is reused only once they have finished. */
  #slotUsers = new Map<number, number>();
  /** Whether the device was opened for this model (then `close` releases it, and its VRAM). */
  #ownsGpu: boolean;

  constructor(
    name: string,
    gpu: Gpu,
    config: ModelConfig,
    weights: ModelWeights,
    codec: TextCodec,
    limits: ForwardLimits,
    parameters: number,
    ownsGpu = false,
  ) {
    const shape: LoadedShape = {
      parameters,
      contextLength: limits.contextLength,
      dominantType: weights.dominantType,
    };
    super(name, config, codec, shape);
    this.#gpu = gpu;
    this.#ownsGpu = ownsGpu;
    this.#weights = weights;
    this.#forward = new ForwardPass(gpu, config, weights, limits);
    this.#scheduler = new Scheduler(gpu, this.#forward, config);
  }

  /** The device the model runs on. */
  get gpu(): Gpu {
    return this.#gpu;
  }

  get runsOn(): string {
    return `${this.#gpu.info.description} (WebGPU)`;
  }

  async loadAdapter(name: string, path: string): Promise<void> {
    this.assertOpen();
    const weights = await loadLora(path, this.config);
    const existing = this.#adapters.get(name);
    // Reloading an adapter that running requests use goes to a fresh slot; they keep the old one.
    let slot = existing && !this.#slotUsers.get(existing.slot) ? existing.slot : -1;
    if (slot < 0) {
      const used = new Set([...this.#adapters.values()].map((a) => a.slot));
      slot = [...Array(ADAPTER_SLOTS).keys()].find((s) =>
        !used.has(s) && !this.#slotUsers.get(s)
      ) ?? -1;
      if (slot < 0) {
        throw new GenerateError(`all ${ADAPTER_SLOTS} adapter slots are in use; unload one first`);
      }
    }
    const rank = Math.max(weights.rank, this.#pool?.rank ?? 0);
    if (!this.#pool || rank > this.#pool.rank) {
      // A larger rank needs a new pool; wait for running work, then re-upload every adapter.
      await this.#scheduler.idle();
      const pool = new LoraPool(this.#gpu, this.config, Math.max(rank, 16), ADAPTER_SLOTS);
      for (const a of this.#adapters.values()) pool.write(a.slot, a.weights);
      this.#pool?.destroy();
      this.#pool = pool;
      this.#forward.setLoraPool(pool);
      this.#scheduler.forgetCachedPrompts();
    }
    this.#pool.write(slot, weights);
    this.#scheduler.forgetAdapter(slot); // prompts cached with the slot's old weights
    this.#adapters.set(name, { slot, weights });
  }

  unloadAdapter(name: string): void {
    this.#adapters.delete(name);
  }

  adapterNames(): string[] {
    return [...this.#adapters.keys()];
  }

  generate(request: GenerateRequest): GenerationStream {
    this.assertOpen();
    const adapterSlot = this.#adapterSlot(request.adapter);
    const seq = new Sequence(request, adapterSlot, this.validate(request), this.stopIdsOf(request));
    if (adapterSlot >= 0) {
      this.#slotUsers.set(adapterSlot, (this.#slotUsers.get(adapterSlot) ?? 0) + 1);
      const release = () => this.#slotUsers.set(adapterSlot, this.#slotUsers.get(adapterSlot)! - 1);
      seq.result.then(release, release);
    }
    this.#scheduler.submit(seq);
    return seq;
  }

  #adapterSlot(name: string | null | undefined): number {
    if (!name) return -1;
    const a = this.#adapters.get(name);
    if (!a) throw new GenerateError(`adapter "${name}" is not loaded`);
    return a.slot;
  }

  /**
   * Logits after the last of `promptIds` (for checks against reference implementations).
   * Rows are limited to one prefill chunk.
   */
  async lastLogits(promptIds: readonly number[], adapter?: string | null): Promise<Float32Array> {
    this.assertOpen();
    this.validate({ promptIds });
    if (promptIds.length > this.#forward.limits.maxRows) {
      throw new GenerateError(`lastLogits is limited to ${this.#forward.limits.maxRows} tokens`);
    }
    return await this.#forward.lastLogits(promptIds, this.#adapterSlot(adapter));
  }

  /**
   * GPU microseconds of each kernel of one forward step over `ids` (timestamp queries; needs an
   * adapter with timestamp-query). `ids.length` 1 approximates a decode step.
   */
  async profileStep(ids: readonly number[]): Promise<{ label: string; us: number }[]> {
    this.assertOpen();
    if (!this.#gpu.info.hasTimestamps) {
      throw new GenerateError("this GPU adapter has no timestamp queries");
    }
    this.validate({ promptIds: ids });
    if (ids.length > this.#forward.limits.maxRows) {
      throw new GenerateError(`profiling is limited to ${this.#forward.limits.maxRows} tokens`);
    }
    return await this.#forward.profile(ids);
  }

  /**
   * CPU encode and GPU time per step of `rows` rows at `position` (`synapse bench --profile`);
   * launches labelled in `skip` are left out, to measure a kernel's share of the chain.
   */
  async timeSteps(
    steps: number,
    position = 0,
    opts: TimeStepsOptions = {},
  ): Promise<StepTiming> {
    this.assertOpen();
    if (!this.#gpu.info.hasTimestamps) {
      throw new GenerateError("this GPU adapter has no timestamp queries");
    }
    const rows = opts.rows ?? 1;
    if (rows < 1 || rows > this.#forward.limits.maxRows) {
      throw new GenerateError(`rows must be 1..${this.#forward.limits.maxRows}`);
    }
    if (opts.streams && rows > this.#forward.limits.maxSeqs - 1) {
      throw new GenerateError(
        `${rows} streams is more than the ${this.#forward.limits.maxSeqs - 1} sequence slots`,
      );
    }
    if (opts.streams && this.#scheduler.busy) {
      throw new GenerateError(
        "timing streams overwrites sequence slots: wait for generations to end",
      );
    }
    if (position + rows + steps >= this.#forward.limits.contextLength) {
      throw new GenerateError(`position ${position} leaves no room for ${steps} steps`);
    }
    if (opts.streams) this.#scheduler.forgetCachedPrompts(); // it writes slots 0..rows-1
    return await this.#forward.timeSteps(steps, position, opts);
  }

  async embed(ids: readonly number[]): Promise<Float32Array> {
    this.assertOpen();
    this.validate({ promptIds: ids });
    if (ids.length > this.#forward.limits.maxRows) {
      throw new GenerateError(
        `embedding input is limited to ${this.#forward.limits.maxRows} tokens`,
      );
    }
    return await this.#forward.embed(ids);
  }

  close(): void {
    if (!this.markClosed()) return;
    this.#scheduler.abortAll(this.closedDuringGeneration());
    this.#forward.destroy();
    this.#pool?.destroy();
    // Only destroying the device returns its memory; a device the caller passed stays theirs.
    if (this.#ownsGpu) this.#gpu.destroy();
  }
}
