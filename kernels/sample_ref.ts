/**
 * CPU reference of the GPU sampler (kernels/sample.ts, sample_pick.ts) for one row: penalties,
 * mask, the model's log-probabilities, greedy choice, and the filtered distribution that
 * temperature sampling with top-k, top-p and min-p draws from.
 * @module
 */

/** Sampling parameters of one row, as the sequence parameters hold them. */
export interface SampleRefParams {
  /** <= 0: greedy. */
  temperature?: number;
  /** 0: off. */
  topK?: number;
  /** 1: off. */
  topP?: number;
  /** 0: off. */
  minP?: number;
  repetition?: number;
  presence?: number;
  frequency?: number;
}

/** What the sampler should produce for one row. */
export interface SampleRefResult {
  /** Logits after penalties (f32 arithmetic); -Infinity where the mask forbids. */
  logits: Float64Array;
  /** Largest allowed logit, lowest id on ties; -1 when nothing is allowed. */
  greedy: number;
  /** Log-softmax over the allowed tokens at temperature 1; -Infinity elsewhere. */
  logprobs: Float64Array;
  /**
   * The distribution sampled at the temperature after top-k, top-p (over the top-k survivors)
   * and min-p, each a threshold on the logit that keeps ties; 0 outside the kept set.
   */
  probs: Float64Array;
  /** Ids of the kept set, most likely first (lower id first on ties). */
  kept: number[];
}

/**
 * The reference for `logits` with `params`, optional generated-token `counts` (penalties) and
 * allowed-token `mask` (bit i of word i/32).
 */
export function sampleRef(
  logits: Float32Array,
  params: SampleRefParams,
  counts?: Uint32Array,
  mask?: Uint32Array,
): SampleRefResult {
  const n = logits.length, f = Math.fround;
  const rep = params.repetition ?? 1, pres = params.presence ?? 0, freq = params.frequency ?? 0;
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = logits[i];
    const c = counts?.[i] ?? 0;
    if (c > 0) {
      x = x > 0 ? f(x / rep) : f(x * rep);
      x = f(f(x - pres) - f(freq * c));
    }
    const allowed = !mask || ((mask[i >> 5] >>> (i & 31)) & 1) === 1;
    v[i] = allowed ? x : -Infinity;
  }
  const order = [...v.keys()].filter((i) => v[i] > -Infinity).sort((a, b) => v[b] - v[a] || a - b);
  const greedy = order.length ? order[0] : -1;
  const mx = order.length ? v[order[0]] : 0;
  let z1 = 0;
  for (const i of order) z1 += Math.exp(v[i] - mx);
  const lse = mx + Math.log(z1);
  const logprobs = v.map((x) => x - lse);
  const probs = new Float64Array(n);
  const t = params.temperature ?? 0;
  if (t <= 0 || !order.length) {
    if (greedy >= 0) probs[greedy] = 1;
    return { logits: v, greedy, logprobs, probs, kept: greedy >= 0 ? [greedy] : [] };
  }
  const w = (i: number) => Math.exp((v[i] - mx) / t);
  let thr = -Infinity;
  const k = params.topK ?? 0;
  if (k > 0 && k < order.length) thr = v[order[k - 1]];
  const topP = params.topP ?? 1;
  if (topP < 1) {
    const survivors = order.filter((i) => v[i] >= thr);
    const zk = survivors.reduce((s, i) => s + w(i), 0);
    let cum = 0;
    for (const i of survivors) {
      cum += w(i);
      if (cum >= topP * zk) {
        thr = Math.max(thr, v[i]);
        break;
      }
    }
  }
  const minP = params.minP ?? 0;
  const kept = order.filter((i) => v[i] >= thr && w(i) >= minP);
  const z = kept.reduce((s, i) => s + w(i), 0);
  for (const i of kept) probs[i] = w(i) / z;
  return { logits: v, greedy, logprobs, probs, kept };
}
