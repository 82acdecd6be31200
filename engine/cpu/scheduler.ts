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
import {
  GenerateError,
  longestSharedHead,
  PrefixCache,
  type PrefixSource,
  type Sequence,
} from "../model/mod.ts";
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
  /** Chosen when the prompt's first chunk runs (null before), so it can copy a head from a job
   * ahead of it in the same round. */
  cache: KvCache | null;
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
    this.#jobs.push({
      seq,
      adapter,
      cache: null,
      sampler: new TokenSampler(r.sampling, r.logprobs),
      prefilled: 0,
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
    if (job.seq.failed || !job.cache) return;
    const { holder, adapter, ids } = read(job, job.cache);
    this.#prefixes.remember(holder, adapter, ids);
    this.#idle.push(job.cache);
    if (this.#idle.length > IDLE_CACHES) this.#prefixes.forget(this.#idle.shift()!);
  }

  /**
   * A cache for `job`'s prompt, and how much of the prompt it holds: an idle one sharing the
   * longest head, or a new one with the head of a running job's copied in when that shares
   * more (requests that arrive together with one system prompt), else a new one.
   */
  #attachCache(job: Job): KvCache {
    const prompt = job.seq.request.promptIds;
    const idle = this.#prefixes.pick(this.#idle, job.adapter, prompt);
    const sources = this.#jobs.filter((j) => j.cache && !j.seq.failed).map((j) =>
      read(j, j.cache!)
    );
    const running = longestSharedHead(sources, job.adapter, prompt);
    let cache: KvCache, reuse = 0;
    if (idle && idle.reuse >= (running?.reuse ?? 0) && idle.reuse > 0) {
      cache = idle.holder;
      this.#idle = this.#idle.filter((c) => c !== cache);
      this.#prefixes.forget(cache);
      reuse = idle.reuse;
    } else {
      cache = new KvCache(this.#layers, this.#kvWidth, this.#contextLength);
      if (running) cache.copyHead(running.holder, running.reuse);
      reuse = running?.reuse ?? 0;
    }
    cache.length = reuse;
    job.seq.cachedTokens = reuse;
    job.prefilled = reuse;
    return cache;
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
    job.cache ??= this.#attachCache(job);
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
      cache: j.cache!, // decoding jobs have prefilled
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

/** What a job's cache holds: the tokens it has read, prompt then generated (never the last). */
function read(job: Job, cache: KvCache): PrefixSource<KvCache, LoraWeights | null> {
  const ids = [...job.seq.request.promptIds, ...job.seq.ids].slice(0, cache.length);
  return { holder: cache, adapter: job.adapter, ids };
}
