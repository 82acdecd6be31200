/**
 * The CPU backend's scheduler: every running generation advances one step per round, so
 * concurrent requests all progress and a long prompt cannot starve the others; between rounds
 * the event loop runs (streams, aborts, HTTP). Prompts advance a chunk each, in turn; the
 * generations that are decoding take their next tokens together, in batched steps that share each
 * pass over the weights.
 * @module
 */
import { setImmediate } from "node:timers";
import type { LoraWeights } from "../lora/mod.ts";
import { GenerateError, PrefixCache, type Sequence } from "../model/mod.ts";
import type { FinishReason } from "../types.ts";
import type { CpuForward } from "./forward.ts";
import { KvCache } from "./kv_cache.ts";
import { TokenSampler } from "./sampler.ts";

/** Prompt tokens per prefill step: long prompts interleave with other requests' decoding. */
export const PREFILL_CHUNK = 128;

/**
 * Finished generations' caches kept for reuse of their prompt heads (a later prompt that starts
 * the same: a system prompt, a chat's earlier turns). Each may hold up to a context's worth.
 */
const IDLE_CACHES = 2;

/** One generation's CPU-side state. */
interface Job {
  seq: Sequence;
  adapter: LoraWeights | null;
  cache: KvCache;
  sampler: TokenSampler;
  /** Prompt tokens already run. */
  prefilled: number;
}

/** Round-robin over the running generations of one model. */
export class CpuScheduler {
  #forward: CpuForward;
  #layers: number;
  #kvWidth: number;
  #contextLength: number;
  #vocabWords: number;
  #jobs: Job[] = [];
  #loop: Promise<void> | null = null;
  /** Finished generations' caches, oldest first, and what they hold. */
  #idle: KvCache[] = [];
  #prefixes = new PrefixCache<KvCache, LoraWeights | null>();

  constructor(
    forward: CpuForward,
    shape: { layers: number; kvWidth: number; contextLength: number; vocabSize: number },
  ) {
    this.#forward = forward;
    this.#layers = shape.layers;
    this.#kvWidth = shape.kvWidth;
    this.#contextLength = shape.contextLength;
    this.#vocabWords = Math.ceil(shape.vocabSize / 32);
  }

  /** Queues `seq` to run with `adapter` (null: the base model). */
  submit(seq: Sequence, adapter: LoraWeights | null): void {
    const r = seq.request;
    const pick = this.#prefixes.pick(this.#idle, adapter, r.promptIds);
    let cache: KvCache;
    if (pick && pick.reuse > 0) {
      cache = pick.holder;
      this.#idle = this.#idle.filter((c) => c !== cache);
      this.#prefixes.forget(cache);
      cache.length = pick.reuse;
      seq.cachedTokens = pick.reuse;
    } else {
      cache = new KvCache(this.#layers, this.#kvWidth, this.#contextLength);
    }
    this.#jobs.push({
      seq,
      adapter,
      cache,
      sampler: new TokenSampler(r.sampling, r.logprobs),
      prefilled: seq.cachedTokens,
    });
    this.#loop ??= this.#run().finally(() => (this.#loop = null));
  }

  /** Ends every generation with `e` (the model is closing). */
  abortAll(e: unknown): void {
    for (const j of this.#jobs) j.seq.fail(e);
    this.#jobs = [];
    this.#idle = [];
    this.#prefixes.clear();
  }

  /**
   * Keeps a finished job's cache for its prompt head: the tokens it read, prompt then generated
   * (the last sampled token was never read). A failed job's cache is dropped.
   */
  #keep(job: Job): void {
    if (job.seq.failed) return;
    const read = [...job.seq.request.promptIds, ...job.seq.ids].slice(0, job.cache.length);
    this.#prefixes.remember(job.cache, job.adapter, read);
    this.#idle.push(job.cache);
    if (this.#idle.length > IDLE_CACHES) this.#prefixes.forget(this.#idle.shift()!);
  }

  async #run(): Promise<void> {
    while (this.#jobs.length) {
      const decoding: Job[] = [];
      for (const job of [...this.#jobs]) {
        const { seq } = job;
        if (seq.finished) continue;
        if (seq.request.signal?.aborted) {
          seq.finish("cancelled");
        } else if (job.prefilled < seq.request.promptIds.length) {
          this.#guard([job], () => this.#prefill(job));
        } else {
          decoding.push(job);
        }
      }
      const width = this.#forward.maxDecodeRows;
      for (let i = 0; i < decoding.length; i += width) {
        const batch = decoding.slice(i, i + width);
        this.#guard(batch, () => this.#decode(batch));
      }
      for (const j of this.#jobs) if (j.seq.finished) this.#keep(j);
      this.#jobs = this.#jobs.filter((j) => !j.seq.finished);
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Runs `work`; an error ends `jobs` with it (the others keep going). */
  #guard(jobs: Job[], work: () => void): void {
    try {
      work();
    } catch (e) {
      for (const j of jobs) if (!j.seq.finished) j.seq.fail(e);
    }
  }

  /** The next chunk of `job`'s prompt; the last one samples its first token. */
  #prefill(job: Job): void {
    const prompt = job.seq.request.promptIds;
    const n = Math.min(PREFILL_CHUNK, this.#forward.maxRows, prompt.length - job.prefilled);
    const ids = prompt.slice(job.prefilled, job.prefilled + n);
    job.prefilled += n;
    const last = job.prefilled === prompt.length;
    const logits = this.#forward.step(job.cache, ids, job.adapter, last ? "logits" : "none");
    if (last) this.#emit(job, logits!);
  }

  /** The next token of every job in `batch`, in one step. */
  #decode(batch: Job[]): void {
    const logits = this.#forward.decode(batch.map((j) => ({
      cache: j.cache,
      id: j.seq.ids[j.seq.ids.length - 1],
      adapter: j.adapter,
    })));
    batch.forEach((job, i) => this.#guard([job], () => this.#emit(job, logits[i])));
  }

  #emit(job: Job, logits: Float32Array): void {
    const { seq } = job;
    let mask: Uint32Array | null = null;
    const c = seq.request.constraint;
    if (c) {
      mask = c.allowed(seq.ids);
      if (mask && mask.length !== this.#vocabWords) {
        throw new RangeError(`token mask has ${mask.length} words, expected ${this.#vocabWords}`);
      }
      if (mask?.every((w) => w === 0)) return seq.finish("stop");
    }
    const pick = job.sampler.pick(logits, mask);
    if (pick === "non-finite") {
      throw new GenerateError("the model produced non-finite logits (NaN or infinity)");
    }
    if (pick === "nothing-allowed") return seq.finish("stop");
    job.sampler.accept(pick.id);
    let reason: FinishReason | null = seq.push({ index: seq.ids.length, ...pick });
    const left = this.#contextLength - seq.request.promptIds.length - seq.ids.length;
    if (!reason && left <= 1) reason = "length";
    if (reason) seq.finish(reason);
  }
}
