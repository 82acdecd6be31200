/**
 * The one owner of the device's decode loop: admits requests between steps (continuous
 * batching), prefills them, then runs K decode steps per submit for every running sequence,
 * with sampling on the GPU and readbacks pipelined so the ~10 ms map latency overlaps work.
 * @module
 */
import {
  MAX_TOP_LOGPROBS,
  SAMPLE_RECORD_WORDS,
  SAMPLE_RING,
  SEQ_PARAM_WORDS,
  SEQ_STATE_WORDS,
} from "../../kernels/mod.ts";
import type { Gpu } from "../gpu/mod.ts";
import type { ModelConfig } from "./config.ts";
import type { ForwardPass } from "./forward.ts";
import type { Sequence } from "./sequence.ts";
import type { FinishReason } from "../types.ts";
import { GenerateError } from "./errors.ts";

/** Readbacks in flight before the loop waits for the oldest. */
const PIPELINE_DEPTH = 2;
/**
 * Decode steps per submit once sequences are streaming. On GPUs a submit returns at once and
 * more steps amortize the ~10 ms readback; software adapters (llvmpipe) execute inside
 * `queue.submit`, blocking the event loop, so there a submit stays short for I/O and
 * cancellation to get through between steps.
 */
const MAX_STEPS_PER_SUBMIT = 16;
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

interface Readback {
  id: number;
  staging: GPUBuffer;
  done: Promise<void>;
  seqs: Sequence[];
}

/** Continuous-batching scheduler over one ForwardPass. */
export class Scheduler {
  #gpu: Gpu;
  #fw: ForwardPass;
  #c: ModelConfig;
  #pending: Sequence[] = [];
  #running: Sequence[] = [];
  #slotBusyUntil: number[];
  #slotOwner: (Sequence | null)[];
  #submissions = 0;
  #processed = 0;
  #inflight: Readback[] = [];
  #loop: Promise<void> | null = null;
  #ringBytes: number;
  #stateBytes: number;
  #maxSteps: number;

  constructor(gpu: Gpu, forward: ForwardPass, config: ModelConfig) {
    this.#gpu = gpu;
    this.#fw = forward;
    this.#c = config;
    const S = forward.limits.maxSeqs;
    this.#slotBusyUntil = new Array(S).fill(0);
    this.#slotOwner = new Array(S).fill(null);
    this.#stateBytes = S * SEQ_STATE_WORDS * 4;
    this.#ringBytes = S * SAMPLE_RING * SAMPLE_RECORD_WORDS * 4;
    this.#maxSteps = gpu.info.isFallback
      ? MAX_STEPS_PER_SUBMIT_SOFTWARE
      : forward.limits.stepsPerSubmit ?? MAX_STEPS_PER_SUBMIT;
  }

  /** Queues a sequence; the loop starts if idle. */
  submit(seq: Sequence): void {
    this.#pending.push(seq);
    if (!this.#loop) {
      this.#loop = this.#run().catch((e) => this.#failAll(e)).finally(() => (this.#loop = null));
    }
  }

  /** Resolves when no work is left (for orderly shutdown). */
  async idle(): Promise<void> {
    while (this.#loop) await this.#loop;
  }

  /** Ends every queued and running generation with `e` (the model is closing). */
  abortAll(e: unknown): void {
    this.#failAll(e);
  }

  #failAll(e: unknown): void {
    for (const s of [...this.#pending, ...this.#running]) s.fail(e);
    this.#pending = [];
    this.#running = [];
  }

  async #run(): Promise<void> {
    while (this.#pending.length || this.#running.length || this.#inflight.length) {
      // Sequences admitted now get their first token read back before any decode step, so
      // time to first token is one prefill plus one readback.
      const batch = this.#running.filter((s) => s.prefilled && !s.finished);
      const admitted = this.#admit();
      // A constrained sequence admitted now needs its first token read back (and its next mask
      // written) before any decode step samples with the first token's mask again.
      const constrained = [...batch, ...admitted].some((s) => s.request.constraint);
      if (batch.length || admitted.length) {
        const steps = this.#stepsFor(batch, admitted.length > 0 || constrained);
        this.#submitDecode(batch, steps, admitted);
      }
      const mustWait = this.#inflight.length >= (constrained ? 1 : PIPELINE_DEPTH) ||
        (batch.length === 0 && admitted.length === 0);
      if (mustWait && this.#inflight.length) await this.#process(this.#inflight.shift()!);
      else if (!this.#inflight.length && !this.#pending.length && !batch.length) {
        // Nothing can progress until a slot frees: wait briefly for in-flight work elsewhere.
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  }

  /** Steps for the next submit: one while someone awaits a first token or a mask, else many. */
  #stepsFor(batch: Sequence[], eager: boolean): number {
    if (batch.length === 0) return 0;
    if (eager || batch.some((s) => s.ids.length < 2)) return 1;
    const ctx = this.#fw.limits.contextLength;
    let k = this.#maxSteps;
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
      const slot = this.#freeSlot();
      if (slot < 0) break;
      const seq = this.#pending.shift()!;
      if (seq.request.signal?.aborted) {
        seq.finish("cancelled");
        continue;
      }
      seq.slot = slot;
      this.#slotOwner[slot] = seq;
      this.#prefill(seq);
      this.#running.push(seq);
      admitted.push(seq);
    }
    return admitted;
  }

  #freeSlot(): number {
    for (let i = 0; i < this.#slotOwner.length - 1; i++) { // the last slot is for embeddings
      if (!this.#slotOwner[i] && this.#slotBusyUntil[i] <= this.#processed) return i;
    }
    return -1;
  }

  #prefill(seq: Sequence): void {
    const q = this.#gpu.device.queue, b = this.#fw.buffers, ids = seq.request.promptIds;
    const slot = seq.slot, T = ids.length, R = this.#fw.limits.maxRows;
    q.writeBuffer(b.seqState, slot * SEQ_STATE_WORDS * 4, new Uint32Array([0, T, 0, 0]));
    q.writeBuffer(b.seqParams, slot * SEQ_PARAM_WORDS * 4, this.#params(seq));
    q.writeBuffer(b.counts, slot * this.#c.vocabSize * 4, new Uint32Array(this.#c.vocabSize));
    this.#writeMask(seq);
    for (let start = 0; start < T; start += R) {
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
      const program = this.#fw.program({ rows: n, sampleRows: last ? 1 : 0, decode: false });
      for (let from = 0; from < program.size; from += PREFILL_LAUNCHES_PER_SUBMIT) {
        const enc = this.#gpu.device.createCommandEncoder();
        const pass = enc.beginComputePass();
        program.encode(pass, undefined, from, from + PREFILL_LAUNCHES_PER_SUBMIT);
        pass.end();
        q.submit([enc.finish()]);
      }
    }
    seq.prefilled = true;
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
    const rep = s.repetitionPenalty ?? 1, pres = s.presencePenalty ?? 0;
    const freq = s.frequencyPenalty ?? 0;
    u[7] = rep !== 1 || pres !== 0 || freq !== 0 ? 1 : 0;
    f[8] = rep;
    f[9] = pres;
    f[10] = freq;
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

  #submitDecode(batch: Sequence[], steps: number, admitted: Sequence[]): void {
    const q = this.#gpu.device.queue, b = this.#fw.buffers, dev = this.#gpu.device;
    const id = ++this.#submissions;
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
      });
      // Deno's queue.submit translates every dispatch (~3.5 us each on the H200) and its mapAsync
      // blocks until the GPU is idle, so one big submit leaves the GPU idle while it is
      // translated. Small submits let the GPU start on the first steps while later ones are
      // still being translated.
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
    const staging = this.#gpu.takeStaging(this.#stateBytes + this.#ringBytes);
    enc.copyBufferToBuffer(b.seqState, 0, staging, 0, this.#stateBytes);
    enc.copyBufferToBuffer(b.outRing, 0, staging, this.#stateBytes, this.#ringBytes);
    q.submit([enc.finish()]);
    const seqs = [...new Set([...batch, ...admitted])];
    for (const s of seqs) s.lastSubmission = id;
    this.#inflight.push({ id, staging, seqs, done: staging.mapAsync(GPUMapMode.READ) });
  }

  async #process(rb: Readback): Promise<void> {
    await rb.done;
    const data = rb.staging.getMappedRange(0, this.#stateBytes + this.#ringBytes).slice(0);
    rb.staging.unmap();
    this.#gpu.releaseStaging(rb.staging);
    this.#processed = rb.id;
    const state = new Uint32Array(data, 0, this.#stateBytes / 4);
    const ringU = new Uint32Array(data, this.#stateBytes);
    const ringF = new Float32Array(data, this.#stateBytes);
    for (const s of rb.seqs) {
      if (s.finished) continue;
      const count = state[s.slot * SEQ_STATE_WORDS + 2];
      s.pendingSteps = 0;
      let reason: FinishReason | null = s.request.signal?.aborted ? "cancelled" : null;
      while (!reason && s.consumed < count) {
        const rec = (s.slot * SAMPLE_RING + (s.consumed % SAMPLE_RING)) * SAMPLE_RECORD_WORDS;
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
    // Finished sequences leave the batch; their slots free once no submitted step uses them.
    for (const s of this.#running.filter((x) => x.finished)) {
      this.#slotBusyUntil[s.slot] = s.lastSubmission;
      this.#slotOwner[s.slot] = null;
    }
    this.#running = this.#running.filter((x) => !x.finished);
  }
}
