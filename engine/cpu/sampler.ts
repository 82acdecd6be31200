/**
 * Next-token choice on the CPU, with the semantics of kernels/sample_ref.ts (the GPU sampler's
 * reference): penalties over the generated tokens, the constraint mask, greedy argmax (lowest id
 * on ties), and temperature sampling after top-k, top-p and min-p, each a threshold on the
 * logit that keeps ties. Work is proportional to the vocabulary only where it must be: the
 * sort that top-k/top-p need covers the tokens within 40 nats (at the temperature) of the best,
 * the rest weighing less than 1e-17 of the mass.
 * @module
 */
import type { SamplingParams } from "../types.ts";

/** exp(-CUTOFF) is the weight, relative to the best token's, below which tokens are dropped. */
const CUTOFF = 40;

/** A seeded generator of uniform numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the sampler picked for one step. */
export interface Pick {
  id: number;
  /** The token's log-probability at temperature 1 (when asked for). */
  logprob?: number;
  topLogprobs?: { id: number; logprob: number }[];
}

/** Why a step produced no token. */
export type NoPick = "non-finite" | "nothing-allowed";

/** One sequence's sampler: its parameters, generated-token counts and random stream. */
export class TokenSampler {
  #p: Required<Omit<SamplingParams, "seed">>;
  #counts = new Map<number, number>();
  #random: () => number;
  #logprobs: number | undefined;

  constructor(params: SamplingParams = {}, logprobs?: number) {
    this.#p = {
      temperature: params.temperature ?? 0,
      topK: params.topK ?? 0,
      topP: params.topP ?? 1,
      minP: params.minP ?? 0,
      repetitionPenalty: params.repetitionPenalty ?? 1,
      presencePenalty: params.presencePenalty ?? 0,
      frequencyPenalty: params.frequencyPenalty ?? 0,
    };
    this.#random = seededRandom(params.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.#logprobs = logprobs === undefined ? undefined : Math.min(20, Math.max(0, logprobs));
  }

  /** Records a generated token (penalties count it from now on). */
  accept(id: number): void {
    this.#counts.set(id, (this.#counts.get(id) ?? 0) + 1);
  }

  /** Picks from `logits` (modified in place) under `mask` (bit i of word i/32; null: all). */
  pick(logits: Float32Array, mask: Uint32Array | null): Pick | NoPick {
    this.#penalize(logits);
    if (mask) applyMask(logits, mask);
    let best = -1, mx = -Infinity;
    for (let i = 0; i < logits.length; i++) {
      const v = logits[i];
      if (v > mx) {
        mx = v;
        best = i;
      } else if (v !== v) return "non-finite";
    }
    if (mx === Infinity) return "non-finite";
    if (best < 0) return "nothing-allowed";
    const t = this.#p.temperature;
    const id = t > 0 ? this.#draw(logits, mx, t) : best;
    if (this.#logprobs === undefined) return { id };
    let z = 0;
    for (let i = 0; i < logits.length; i++) z += Math.exp(logits[i] - mx);
    const lse = mx + Math.log(z);
    const top = topIds(logits, this.#logprobs).map((i) => ({ id: i, logprob: logits[i] - lse }));
    return { id, logprob: logits[id] - lse, topLogprobs: this.#logprobs ? top : undefined };
  }

  /** Repetition (divide positive, multiply negative), presence and frequency, in f32. */
  #penalize(logits: Float32Array): void {
    const { repetitionPenalty: rep, presencePenalty: pres, frequencyPenalty: freq } = this.#p;
    if (rep === 1 && pres === 0 && freq === 0) return;
    const f = Math.fround;
    for (const [i, c] of this.#counts) {
      let x = logits[i];
      x = x > 0 ? f(x / rep) : f(x * rep);
      logits[i] = f(f(x - pres) - f(freq * c));
    }
  }

  /** Draws at temperature `t` from the top-k / top-p / min-p filtered distribution. */
  #draw(logits: Float32Array, mx: number, t: number): number {
    const { topK, topP, minP } = this.#p;
    const floor = mx - CUTOFF * t;
    let ids: number[] = [];
    for (let i = 0; i < logits.length; i++) if (logits[i] >= floor) ids.push(i);
    const w = (i: number) => Math.exp((logits[i] - mx) / t);
    let thr = -Infinity;
    if (topK > 0 && topK < ids.length) {
      const top = topK <= TOP_K_BY_INSERTION ? topIds(logits, topK) : byLogit(logits, ids);
      thr = logits[top[topK - 1]];
    }
    if (topP < 1) thr = Math.max(thr, topPThreshold(logits, ids, thr, topP, w));
    ids = ids.filter((i) => logits[i] >= thr && w(i) >= minP);
    let z = 0;
    for (const i of ids) z += w(i);
    let u = this.#random() * z;
    for (const i of ids) {
      u -= w(i);
      if (u < 0) return i;
    }
    return ids[ids.length - 1];
  }
}

/** Top-k up to this k selects by insertion (one pass); larger k sorts the candidates. */
const TOP_K_BY_INSERTION = 64;

/** `ids` sorted by logit, best first, lower id first on ties. */
function byLogit(logits: Float32Array, ids: number[]): number[] {
  return [...ids].sort((a, b) => logits[b] - logits[a] || a - b);
}

/**
 * The logit of the token where the cumulative weight of the tokens at or above `thr` (most
 * likely first) reaches `topP` of their total. Only tokens heavy enough to matter are sorted:
 * the weight floor drops a thousandfold until the tokens above it hold `topP` of the mass.
 */
function topPThreshold(
  logits: Float32Array,
  ids: number[],
  thr: number,
  topP: number,
  w: (i: number) => number,
): number {
  const survivors = ids.filter((i) => logits[i] >= thr);
  let total = 0;
  for (const i of survivors) total += w(i);
  let heavy = survivors;
  for (let floor = 1e-2; floor > 1e-30; floor *= 1e-3) {
    const sub = survivors.filter((i) => w(i) >= floor);
    let mass = 0;
    for (const i of sub) mass += w(i);
    if (mass >= topP * total) {
      heavy = sub;
      break;
    }
  }
  let cum = 0;
  for (const i of byLogit(logits, heavy)) {
    cum += w(i);
    if (cum >= topP * total) return logits[i];
  }
  return thr;
}

function applyMask(logits: Float32Array, mask: Uint32Array): void {
  for (let i = 0; i < logits.length; i++) {
    if (((mask[i >> 5] >>> (i & 31)) & 1) === 0) logits[i] = -Infinity;
  }
}

/** The `n` allowed ids with the largest logits, best first (lower id first on ties). */
function topIds(logits: Float32Array, n: number): number[] {
  const top: number[] = [];
  if (n === 0) return top;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    if (v === -Infinity || (top.length === n && v <= logits[top[n - 1]])) continue;
    if (top.length < n) top.push(i);
    let j = top.length - 1;
    while (j > 0 && logits[top[j - 1]] < v) {
      top[j] = top[j - 1];
      j--;
    }
    top[j] = i;
  }
  return top;
}
