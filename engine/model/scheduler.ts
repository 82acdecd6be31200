/**
 * The one owner of the device's decode loop: admits requests between steps (continuous
 * batching), prefills them, then runs K decode steps per submit for every running sequence,
 * with sampling on the GPU and one readback of the sampled tokens per submit.
 * @module
 */
import {
  MAX_TOP_LOGPROBS,
  SAMPLE_RECORD_WORDS,
  SAMPLE_RING,
  SEQ_PARAM_WORDS,
  SEQ_STATE_WORDS,
} from "../../kernels/mod.ts";
import type { BufferRange, Gpu } from "../gpu/mod.ts";
import type { ModelConfig } from "./config.ts";
import type { ForwardPass } from "./forward.ts";
import type { Sequence } from "./sequence.ts";
import type { FinishReason, SamplingParams } from "../types.ts";
import { GenerateError } from "./errors.ts";
import { longestSharedHead, PrefixCache, type PrefixSource } from "./prefix_cache.ts";
import { SubmitPacer } from "./submit_pacing.ts";

/**
 * Decode steps per submit on software adapters (llvmpipe), which execute inside `queue.submit`,
 * blocking the event loop: a submit stays short for I/O and cancellation to get through between
 * steps. On GPUs a `SubmitPacer` chooses.
 */
const MAX_STEPS_PER_SUBMIT_SOFTWARE = 2;

/**
 * Launches per submit of a prefill chunk. `queue.submit` translates every dispatch before the GPU
 * sees any of them (~3.5 us each on the H200), and a 0.5B prompt chunk is ~390 launches, so one
 * submit leaves the GPU idle while it is translated. H200, 0.5B Q4_K_M, 64-token prompt: time to
 * first token 17.5-18.0 ms in one submit, 16.6-16.7 in submits of 64 launches (32: 16.3-16.7).
 */
const PREFILL_LAUNCHES_PER_SUBMIT = 64;

/** Decode steps per command buffer within one submit (see #submitDecode). */
const STEPS_PER_COMMAND_BUFFER = 2;

/** Continuous-batching scheduler over one ForwardPass. */
export class Scheduler {
  #gpu: Gpu;
  #fw: ForwardPass;
  #c: ModelConfig;
  #pending: Sequence[] = [];
  #running: Sequence[] = [];
  #slotOwner: (Sequence | null)[];
  #loop: Promise<void> | null = null;
  #stateBytes: number;
  #pacer: SubmitPacer;
  /** What each free slot's KV cache holds, by adapter slot: new prompts reuse a shared head. */
  #prefixes = new PrefixCache<number, number>();

  constructor(gpu: Gpu, forward: ForwardPass, config: ModelConfig) {
    this.#gpu = gpu;
    this.#fw = forward;
    this.#c = config;
    const S = forward.limits.maxSeqs;
    this.#slotOwner = new Array(S).fill(null);
    this.#stateBytes = S * SEQ_STATE_WORDS * 4;
    this.#pacer = new SubmitPacer(
      gpu.info.isFallback ? MAX_STEPS_PER_SUBMIT_SOFTWARE : forward.limits.stepsPerSubmit,
    );
  }

  /** Queues a sequence; the loop starts if idle. */
  submit(seq: Sequence): void {
    this.#pending.push(seq);
    this.#start();
  }

  #start(): void {
    if (this.#loop) return;
    this.#loop = this.#run().catch((e) => this.#failAll(e)).finally(() => {
      this.#loop = null;
      // A request submitted after the loop's last check, before this ran, would be stranded.
      if (this.#pending.length) this.#start();
    });
  }

  /** Whether any generation is queued or running. */
  get busy(): boolean {
    return this.#pending.length + this.#running.length > 0;
  }

  /** Resolves when no work is left (for orderly shutdown). */
  async idle(): Promise<void> {
    while (this.#loop) await this.#loop;
  }

  /** Ends every queued and running generation with `e` (the model is closing). */
  abortAll(e: unknown): void {
    this.#failAll(e);
  }

  /** Cached prompt heads computed with adapter slot `slot` are stale (its weights changed). */
  forgetAdapter(slot: number): void {
    this.#prefixes.forgetAdapter(slot);
  }

  /** Every slot's cached prompt head is stale (something else wrote the KV caches). */
  forgetCachedPrompts(): void {
    this.#prefixes.clear();
  }

  #failAll(e: unknown): void {
    this.#prefixes.clear(); // the caches' state is unknown after a failure
    for (const s of [...this.#pending, ...this.#running]) s.fail(e);
    this.#pending = [];
    this.#running = [];
  }

  async #run(): Promise<void> {
    while (this.#pending.length || this.#running.length) {
      const batch = this.#running.filter((s) => s.prefilled && !s.finished);
      const admitted = this.#admit();
      if (!batch.length && !admitted.length) continue; // every pending request was cancelled
      // Sequences admitted now get their first token read back before any decode step, so
      // time to first token is one prefill plus one readback. A constrained sequence needs each
      // token read back (and its next mask written) before the next step samples.
      const eager = admitted.length > 0 || batch.some((s) => s.request.constraint);
      const steps = this.#stepsFor(batch, eager);
      const start = performance.now();
      const read = this.#submitDecode(batch, steps, admitted);
      // Submits with prefills in them do not time a decode step.
      if (!admitted.length) {
        read.then(() => this.#pacer.observe(steps, performance.now() - start), () => {});
      }
      await this.#process(read);
    }
  }

  /**
   * Steps for the next submit: one while someone awaits a first token or a mask, else many. A
   * sequence streams on from its first token: a one-step submit for its second token would cost
   * a whole readback (H200, 0.5B Q4_K_M, 128 tokens: 754 -> 762-775 tok/s without it).
   */
  #stepsFor(batch: Sequence[], eager: boolean): number {
    if (batch.length === 0) return 0;
    if (eager) return 1;
    const ctx = this.#fw.limits.contextLength;
    let k = this.#pacer.steps;
    let wanted = 1;
    for (const s of batch) {
      const pos = s.request.promptIds.length + s.consumed + s.pendingSteps;
      k = Math.min(k, Math.max(1, ctx - pos - 1));
      wanted = Math.max(wanted, s.maxTokens - s.consumed - s.pendingSteps);
    }
    return Math.min(k, wanted);
  }

  /** Moves pending sequences into free slots and prefills them. */
  #admit(): Sequence[] {
    const admitted: Sequence[] = [];
    while (this.#pending.length) {
      const free = this.#freeSlots();
      if (!free.length) break;
      const seq = this.#pending.shift()!;
      if (seq.request.signal?.aborted) {
        seq.finish("cancelled");
        continue;
      }
      const prompt = seq.request.promptIds;
      let { holder: slot, reuse } = this.#prefixes.pick(free, seq.adapterSlot, prompt)!;
      this.#prefixes.forget(slot); // its cache now changes
      // A running sequence may hold more of the prompt (requests that arrived together with one
      // system prompt): its keys and values are copied over.
      const sources = this.#running.filter((s) => !s.failed).map(written);
      const running = longestSharedHead(sources, seq.adapterSlot, prompt);
      if (running && running.reuse > reuse) {
        this.#fw.copyKv(running.holder, slot, running.reuse);
        reuse = running.reuse;
      }
      seq.slot = slot;
      seq.cachedTokens = reuse;
      this.#slotOwner[slot] = seq;
      this.#prefill(seq, reuse);
      this.#running.push(seq);
      admitted.push(seq);
    }
    return admitted;
  }

  #freeSlots(): number[] {
    const free: number[] = [];
    // The last slot is for embeddings.
    for (let i = 0; i < this.#slotOwner.length - 1; i++) if (!this.#slotOwner[i]) free.push(i);
    return free;
  }

  /**
   * Prefills `seq`'s prompt from token `from` (the ones before are in its slot's cache already).
   */
  #prefill(seq: Sequence, from: number): void {
    const q = this.#gpu.device.queue, b = this.#fw.buffers, ids = seq.request.promptIds;
    const slot = seq.slot, T = ids.length, R = this.#fw.limits.maxRows;
    q.writeBuffer(b.seqState, slot * SEQ_STATE_WORDS * 4, new Uint32Array([0, T, 0, 0]));
    q.writeBuffer(b.seqParams, slot * SEQ_PARAM_WORDS * 4, this.#params(seq));
    q.writeBuffer(b.counts, slot * this.#c.vocabSize * 4, new Uint32Array(this.#c.vocabSize));
    this.#writeMask(seq);
    for (let start = from; start < T; start += R) {
      const n = Math.min(R, T - start);
      const last = start + n === T;
      const info = new Uint32Array(n * 4);
      for (let i = 0; i < n; i++) info.set([slot, start + i, 0, 0], i * 4);
      q.writeBuffer(b.tokens, 0, new Uint32Array(ids.slice(start, start + n)));
      q.writeBuffer(b.rowInfo, 0, info);
      q.writeBuffer(b.rowAdapter, 0, new Int32Array(n).fill(seq.adapterSlot));
      if (last) {
        q.writeBuffer(b.sampleSel, 0, new Uint32Array([n - 1]));
        q.writeBuffer(b.sampleSlot, 0, new Uint32Array([slot]));
      }
      // Several submits: the GPU starts on the first layers while later ones are translated.
      const program = this.#fw.program({
        rows: n,
        sampleRows: last ? 1 : 0,
        decode: false,
        greedy: samplesGreedily(seq),
      });
      for (let from = 0; from < program.size; from += PREFILL_LAUNCHES_PER_SUBMIT) {
        const enc = this.#gpu.device.createCommandEncoder();
        const pass = enc.beginComputePass();
        program.encode(pass, undefined, from, from + PREFILL_LAUNCHES_PER_SUBMIT);
        pass.end();
        q.submit([enc.finish()]);
      }
    }
    seq.prefilled = true;
    seq.pendingSteps = 1; // the prompt's last row samples the first token
  }

  #params(seq: Sequence): Uint32Array<ArrayBuffer> {
    const s = seq.request.sampling ?? {};
    const buf = new ArrayBuffer(SEQ_PARAM_WORDS * 4);
    const f = new Float32Array(buf), u = new Uint32Array(buf);
    f[0] = s.temperature ?? 0;
    u[1] = s.topK ?? 0;
    f[2] = s.topP ?? 1;
    f[3] = s.minP ?? 0;
    u[4] = (s.seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
    u[5] = Math.min(MAX_TOP_LOGPROBS, seq.request.logprobs ?? 0);
    u[6] = seq.request.constraint ? 1 : 0;
    u[7] = penalized(s) ? 1 : 0;
    f[8] = s.repetitionPenalty ?? 1;
    f[9] = s.presencePenalty ?? 0;
    f[10] = s.frequencyPenalty ?? 0;
    return u;
  }

  /** Uploads the constraint's mask for the next token; an all-zero mask ends the sequence. */
  #writeMask(seq: Sequence): void {
    const c = seq.request.constraint;
    if (!c) return;
    const words = Math.ceil(this.#c.vocabSize / 32);
    const mask = (c.allowed(seq.ids) ?? new Uint32Array(words).fill(0xffffffff)) as Uint32Array<
      ArrayBuffer
    >;
    if (mask.length !== words) {
      throw new RangeError(`token mask has ${mask.length} words, expected ${words}`);
    }
    if (mask.every((w) => w === 0)) seq.finish("stop");
    this.#gpu.device.queue.writeBuffer(this.#fw.buffers.masks, seq.slot * words * 4, mask);
  }

  /** Encodes `steps` decode steps for `batch`, then reads back what every sequence sampled. */
  #submitDecode(batch: Sequence[], steps: number, admitted: Sequence[]): Promise<SampledRecords> {
    const q = this.#gpu.device.queue, b = this.#fw.buffers, dev = this.#gpu.device;
    let enc = dev.createCommandEncoder();
    if (steps > 0) {
      const slots = new Uint32Array(batch.map((s) => s.slot));
      q.writeBuffer(b.rowSlot, 0, slots);
      q.writeBuffer(b.sampleSlot, 0, slots);
      q.writeBuffer(b.sampleSel, 0, new Uint32Array(batch.map((_, i) => i)));
      q.writeBuffer(b.rowAdapter, 0, new Int32Array(batch.map((s) => s.adapterSlot)));
      const program = this.#fw.program({
        rows: batch.length,
        sampleRows: batch.length,
        decode: true,
        greedy: batch.every(samplesGreedily),
      });
      // Deno's queue.submit translates every dispatch (~3.5 us each on the H200) before the GPU
      // sees any of them, so one big submit leaves the GPU idle while it is translated. Small
      // submits let the GPU start on the first steps while later ones are still translated.
      for (let done = 0; done < steps; done += STEPS_PER_COMMAND_BUFFER) {
        if (done > 0) {
          q.submit([enc.finish()]);
          enc = dev.createCommandEncoder();
        }
        const pass = enc.beginComputePass();
        const n = Math.min(STEPS_PER_COMMAND_BUFFER, steps - done);
        for (let i = 0; i < n; i++) program.encode(pass);
        pass.end();
      }
      for (const s of batch) s.pendingSteps += steps;
    }
    const seqs = [...batch, ...admitted];
    const ranges: BufferRange[] = [{ buffer: b.seqState, offset: 0, bytes: this.#stateBytes }];
    const parts: number[] = [];
    for (const s of seqs) {
      const before = ranges.length;
      ranges.push(...this.#ringRanges(s));
      parts.push(ranges.length - before);
    }
    return this.#gpu.readRanges(ranges, enc).then(([state, ...ring]) => {
      const records = new Map<Sequence, Uint32Array>();
      let at = 0;
      seqs.forEach((s, i) => {
        records.set(s, words(ring.slice(at, at + parts[i])));
        at += parts[i];
      });
      return { state: words([state]), records, seqs };
    });
  }

  /**
   * The ring records a sequence's pending steps may have written: `pendingSteps` records from
   * its `consumed` position, as one range or two where the ring wraps.
   */
  #ringRanges(s: Sequence): BufferRange[] {
    const recordBytes = SAMPLE_RECORD_WORDS * 4, b = this.#fw.buffers;
    const n = Math.min(SAMPLE_RING, s.pendingSteps), start = s.consumed % SAMPLE_RING;
    const first = Math.min(n, SAMPLE_RING - start);
    const base = s.slot * SAMPLE_RING * recordBytes;
    const ranges = [{
      buffer: b.outRing,
      offset: base + start * recordBytes,
      bytes: first * recordBytes,
    }];
    if (n > first) {
      ranges.push({ buffer: b.outRing, offset: base, bytes: (n - first) * recordBytes });
    }
    return ranges;
  }

  /** Records what a finished sequence left in its slot's cache; a failed one's is not trusted. */
  #rememberPrompt(s: Sequence): void {
    if (s.failed) return this.#prefixes.forget(s.slot);
    const { holder, adapter, ids } = written(s);
    this.#prefixes.remember(holder, adapter, ids);
  }

  async #process(read: Promise<SampledRecords>): Promise<void> {
    const { state, records, seqs } = await read;
    for (const s of seqs) {
      if (s.finished) continue;
      const count = state[s.slot * SEQ_STATE_WORDS + 2];
      const ringU = records.get(s)!;
      const ringF = new Float32Array(ringU.buffer, ringU.byteOffset, ringU.length);
      // Only the records of this submit's pending samples were read back.
      const first = s.consumed, end = Math.min(count, first + ringU.length / SAMPLE_RECORD_WORDS);
      s.pendingSteps = 0;
      let reason: FinishReason | null = s.request.signal?.aborted ? "cancelled" : null;
      while (!reason && s.consumed < end) {
        const rec = (s.consumed - first) * SAMPLE_RECORD_WORDS;
        const nTop = Math.min(MAX_TOP_LOGPROBS, s.request.logprobs ?? 0);
        const top = [];
        for (let j = 0; j < nTop; j++) {
          const id = ringU[rec + 2 + 2 * j];
          // A mask can allow fewer tokens than alternatives asked for; the rest come back empty.
          if (id < this.#c.vocabSize) top.push({ id, logprob: ringF[rec + 3 + 2 * j] });
        }
        if (ringU[rec] >= this.#c.vocabSize) {
          // Only non-finite logits leave the sampler without a token.
          s.fail(new GenerateError("the model produced non-finite logits (NaN or infinity)"));
          break;
        }
        reason = s.push({
          id: ringU[rec],
          index: s.consumed,
          logprob: ringF[rec + 1],
          topLogprobs: nTop ? top : undefined,
        });
        s.consumed++;
      }
      const ctxLeft = this.#fw.limits.contextLength - s.request.promptIds.length - s.consumed;
      if (!reason && ctxLeft <= 1) reason = "length";
      if (reason) s.finish(reason);
      else if (s.request.constraint) this.#writeMask(s);
    }
    // Finished sequences leave the batch and free their slots: no submitted step is left.
    for (const s of this.#running) {
      if (!s.finished) continue;
      this.#slotOwner[s.slot] = null;
      this.#rememberPrompt(s);
    }
    this.#running = this.#running.filter((x) => !x.finished);
  }
}

/** Whether sampling params ask for any penalty. */
function penalized(s: SamplingParams): boolean {
  return (s.repetitionPenalty ?? 1) !== 1 || (s.presencePenalty ?? 0) !== 0 ||
    (s.frequencyPenalty ?? 0) !== 0;
}

/**
 * Whether `seq` samples as the greedy kernels do: temperature 0 (as the sampler reads it), no
 * penalties, no alternatives asked (a mask is fine).
 */
function samplesGreedily(seq: Sequence): boolean {
  const s = seq.request.sampling ?? {};
  const sampled = Math.fround(s.temperature ?? 0) >= Math.fround(1e-30); // the kernel's f32 test
  return !sampled && !penalized(s) && !(seq.request.logprobs ?? 0);
}

/**
 * What a sequence's slot holds for certain: its prompt (prefilled when admitted) and every token
 * it generated but the last (a token's keys are written when the next step reads it; steps run
 * past the end only write later positions).
 */
function written(s: Sequence): PrefixSource<number, number> {
  return {
    holder: s.slot,
    adapter: s.adapterSlot,
    ids: [...s.request.promptIds, ...s.ids.slice(0, -1)],
  };
}

/** What one submit sampled: every slot's state words and each sequence's ring records. */
interface SampledRecords {
  state: Uint32Array;
  records: Map<Sequence, Uint32Array>;
  seqs: Sequence[];
}

/** The concatenation of `parts` as 32-bit words (a view when there is one part). */
function words(parts: Uint8Array[]): Uint32Array {
  if (parts.length === 1) {
    return new Uint32Array(parts[0].buffer, parts[0].byteOffset, parts[0].length / 4);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return new Uint32Array(out.buffer);
}
