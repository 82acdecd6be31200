/**
 * Token selection on the GPU, so decode steps chain without a CPU round trip: greedy argmax or
 * temperature sampling with top-k, top-p and min-p filters and a counter-based RNG (same seed,
 * same tokens), an optional allowed-token mask, penalties over the generated tokens, and the
 * chosen token's log-probability with the top alternatives. Writes the token where the next
 * step's embedding reads it.
 *
 * Two kernels: `sampleChunkKernel` runs many workgroups per row, each over one chunk of the
 * vocabulary (penalties in place, chunk max and sums of exp, the chunk's top candidates), and
 * `samplePickKernel` (sample_pick.ts) one per row merges them and picks. Also the decode-prep
 * kernel that turns each sequence's state into the next step's rows.
 * @module
 */
import { radixSelect, SELECT_HELPERS, selectDecls } from "./sample_select.ts";

/** Max alternatives reported per token. */
export const MAX_TOP_LOGPROBS = 20;
/** u32 words per sampled-token record: token, logprob, then (id, logprob) pairs. */
export const SAMPLE_RECORD_WORDS = 2 + 2 * MAX_TOP_LOGPROBS;
/** Records kept per sequence before the ring wraps (readbacks must come sooner). */
export const SAMPLE_RING = 256;
/** u32 words of one sequence's sampling parameters. */
export const SEQ_PARAM_WORDS = 12;
/** u32 words of one sequence's state: next token, next position, generated count, pad. */
export const SEQ_STATE_WORDS = 4;

/** Candidates kept per chunk and merged per row (top-k up to this is exact without a full pass). */
export const SAMPLE_CANDIDATES = 64;

/** How the sampler splits the vocabulary, fixed per model and device kind. */
export interface SamplerPlan {
  vocab: number;
  /** Invocations of a chunk workgroup, and logits each holds: a chunk is their product. */
  chunkInvocations: number;
  perInvocation: number;
  /** Chunks per row (workgroups of the first kernel per row). */
  chunks: number;
  /** Invocations of the per-row pick workgroup (its full-vocabulary fallback scans with them). */
  pickInvocations: number;
}

/**
 * The plan for `vocab`: on GPUs wide workgroups (chunks of 4096, a 1024-wide pick), on software
 * adapters narrow ones, whose barriers cost per invocation.
 */
export function samplerPlan(vocab: number, gpu: boolean): SamplerPlan {
  if (!Number.isInteger(vocab) || vocab < 1 || vocab >= 2 ** 24) {
    throw new RangeError(`vocabulary of ${vocab} tokens: the sampler handles fewer than 2^24`);
  }
  const chunkInvocations = gpu ? 256 : 64, perInvocation = gpu ? 16 : 32;
  return {
    vocab,
    chunkInvocations,
    perInvocation,
    chunks: Math.ceil(vocab / (chunkInvocations * perInvocation)),
    pickInvocations: gpu ? 1024 : 256,
  };
}

/** u32 words of one chunk's record in the scratch buffer: stats, then (key, id) candidates. */
export const CHUNK_RECORD_WORDS = 4 + 2 * SAMPLE_CANDIDATES;

/** u32 words of scratch per sampled row (allocate rows x this). */
export function sampleScratchWords(plan: SamplerPlan): number {
  return plan.chunks * CHUNK_RECORD_WORDS;
}

/** WGSL declarations both kernels share. */
export function samplerCommon(plan: SamplerPlan): string {
  return /* wgsl */ `
const V = ${plan.vocab}u;
const MW = ${Math.ceil(plan.vocab / 32)}u;
const NC = ${plan.chunks}u;
const M = ${SAMPLE_CANDIDATES}u;
const CREC = ${CHUNK_RECORD_WORDS}u;
const NEG = -3.0e38;
struct Params { rows: u32, _a: u32, _b: u32, _c: u32 }
struct SeqParams { temperature: f32, topK: u32, topP: f32, minP: f32, seed: u32, nTop: u32, useMask: u32, penalize: u32, repetition: f32, presence: f32, frequency: f32, _p: u32 }
${SELECT_HELPERS}`;
}

/**
 * Bindings 0-5 of a chunk kernel (this one's and the greedy sampler's): 0 logits [rows][V]
 * (read-write: the general kernel applies penalties in place), 1 row→slot, 2 seq params,
 * 3 scratch, 4 params {rows}, 5 masks [slots][V/32].
 */
export function wgslChunkBindings(): string {
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> logits: array<f32>;
@group(0) @binding(1) var<storage, read> rowSlot: array<u32>;
@group(0) @binding(2) var<storage, read> sp: array<SeqParams>;
@group(0) @binding(3) var<storage, read_write> scratch: array<u32>;
@group(0) @binding(4) var<uniform> p: Params;
@group(0) @binding(5) var<storage, read> masks: array<u32>;`;
}

/**
 * WGSL of the chunk kernel, grid [chunks, rows]. Bindings: 0 logits [rows][V] (penalties are
 * applied in place), 1 row→slot, 2 seq params, 3 scratch, 4 params {rows}, 5 masks
 * [slots][V/32], 6 generated-token counts [slots][V]. Per chunk it writes: max of the allowed
 * logits, sum of exp(v - max), sum of exp((v - max) / temperature), the allowed count (bit 31:
 * a non-finite logit was seen), then the top SAMPLE_CANDIDATES (key, id) pairs, unordered.
 */
export function sampleChunkKernel(plan: SamplerPlan): string {
  const T = plan.perInvocation;
  if (T > 32) throw new RangeError("at most 32 logits per invocation");
  return /* wgsl */ `${samplerCommon(plan)}
const WG = ${plan.chunkInvocations}u;
const T = ${T}u;
const C = WG * T;
${wgslChunkBindings()}
@group(0) @binding(6) var<storage, read> counts: array<u32>;
${selectDecls(false)}
var<workgroup> redA: array<f32, WG>;
var<workgroup> redB: array<f32, WG>;
var<workgroup> nOut: atomic<u32>;
var<workgroup> nValid: atomic<u32>;
var<workgroup> bad: atomic<u32>;
var<workgroup> wprm: SeqParams;
var<workgroup> wslot: u32;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let chunk = wg.x;
  let row = wg.y;
  if (row >= p.rows) { return; }
  let t = lid.x;
  if (t == 0u) {
    wslot = rowSlot[row];
    wprm = sp[wslot];
    atomicStore(&nOut, 0u);
    atomicStore(&nValid, 0u);
    atomicStore(&bad, 0u);
  }
  let slot = workgroupUniformLoad(&wslot);
  let prm = workgroupUniformLoad(&wprm);
  let base = row * V;
  let c0 = chunk * C;
  // Item j of this invocation is logit c0 + j * WG + t (coalesced); bit j of valid marks an
  // allowed, finite one.
  var vals: array<f32, T>;
  var valid = 0u;
  var lm = NEG;
  var nonFinite = false;
  for (var j = 0u; j < T; j++) {
    let i = c0 + j * WG + t;
    if (i >= V) { break; }
    var v = logits[base + i];
    if (non_finite(v)) { nonFinite = true; continue; }
    // Penalties over the tokens this sequence generated (OpenAI presence/frequency, and the
    // multiplicative repetition penalty of llama.cpp/HF).
    if (prm.penalize != 0u) {
      let c = counts[slot * V + i];
      if (c > 0u) {
        if (v > 0.0) { v = v / prm.repetition; } else { v = v * prm.repetition; }
        v = v - prm.presence - prm.frequency * f32(c);
        logits[base + i] = v;
      }
    }
    if (prm.useMask != 0u && ((masks[slot * MW + (i >> 5u)] >> (i & 31u)) & 1u) == 0u) { continue; }
    vals[j] = v;
    valid |= 1u << j;
    lm = max(lm, v);
  }
  if (nonFinite) { atomicOr(&bad, 1u); }
  atomicAdd(&nValid, countOneBits(valid));
  redA[t] = lm;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { redA[t] = max(redA[t], redA[t + s]); }
    workgroupBarrier();
  }
  let cmax = redA[0];
  workgroupBarrier();
  let sampled = prm.temperature >= 1e-30;
  let invT = select(0.0, 1.0 / prm.temperature, sampled);
  var s1 = 0.0;
  var sT = 0.0;
  for (var j = 0u; j < T; j++) {
    if ((valid & (1u << j)) == 0u) { continue; }
    let d = vals[j] - cmax;
    s1 += exp(d);
    if (sampled) { sT += exp(d * invT); }
  }
  redA[t] = s1;
  redB[t] = sT;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) {
      redA[t] += redA[t + s];
      redB[t] += redB[t + s];
    }
    workgroupBarrier();
  }
  ${
    radixSelect({
      digits: "7u",
      need: "vec2u(M, 0u)",
      wg: "WG",
      items: (body) => /* wgsl */ `
      for (var j = 0u; j < T; j++) {
        if ((valid & (1u << j)) == 0u) { continue; }
        let key = key_of(vals[j]);
        let ii = id_inv(c0 + j * WG + t);
        ${body}
      }`,
    })
  }
  let sel = workgroupUniformLoad(&rs);
  let rec = (row * NC + chunk) * CREC;
  for (var j = 0u; j < T; j++) {
    if ((valid & (1u << j)) == 0u) { continue; }
    let id = c0 + j * WG + t;
    let key = key_of(vals[j]);
    if (prefix_cmp(key, id_inv(id), sel.nd, sel.pk, sel.pi) >= 0) {
      let k = atomicAdd(&nOut, 1u);
      if (k < M) {
        scratch[rec + 4u + 2u * k] = key;
        scratch[rec + 5u + 2u * k] = id;
      }
    }
  }
  if (t == 0u) {
    scratch[rec] = bitcast<u32>(cmax);
    scratch[rec + 1u] = bitcast<u32>(redA[0]);
    scratch[rec + 2u] = bitcast<u32>(redB[0]);
    scratch[rec + 3u] = atomicLoad(&nValid) | (atomicLoad(&bad) << 31u);
  }
}`;
}

/**
 * WGSL that prepares one decode step: for each row, the input token and position come from its
 * sequence's state, and the state's position advances. Bindings: 0 row→slot, 1 state,
 * 2 tokens, 3 row info, 4 params {rows}.
 */
export function decodePrepKernel(): string {
  return /* wgsl */ `
struct Params { rows: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<storage, read> rowSlot: array<u32>;
@group(0) @binding(1) var<storage, read_write> state: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> tokens: array<u32>;
@group(0) @binding(3) var<storage, read_write> rowInfo: array<vec4<u32>>;
@group(0) @binding(4) var<uniform> p: Params;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = gid.x;
  if (r >= p.rows) { return; }
  let slot = rowSlot[r];
  let st = state[slot];
  tokens[r] = st.x;
  rowInfo[r] = vec4<u32>(slot, st.y, 0u, 0u);
  state[slot] = vec4<u32>(st.x, st.y + 1u, st.z, st.w);
}`;
}
