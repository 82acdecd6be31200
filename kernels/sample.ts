/**
 * Token selection on the GPU, so decode steps chain without a CPU round trip: greedy argmax or
 * temperature sampling with top-k, top-p and min-p filters and a counter-based RNG (same seed,
 * same tokens), an optional allowed-token mask, and the chosen token's log-probability with the
 * top alternatives. Writes the token where the next step's embedding reads it.
 * Also the decode-prep kernel that turns each sequence's state into the next step's rows.
 * @module
 */

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

/**
 * WGSL. Bindings: 0 logits [rows][V], 1 row→slot map, 2 seq params, 3 seq state, 4 out ring,
 * 5 params {rows}, 6 masks [slots][V/32], 7 generated-token counts [slots][V] (penalties).
 * One workgroup per logits row; GPUs want the largest workgroup (the vocabulary is scanned by
 * one workgroup), software adapters a small one (their barriers cost per invocation).
 */
export function sampleKernel(vocab: number, workgroupSize = 256): string {
  if (workgroupSize & (workgroupSize - 1)) {
    throw new RangeError("workgroup size must be a power of 2");
  }
  return /* wgsl */ `
const V = ${vocab}u;
const MW = ${Math.ceil(vocab / 32)}u;
const WG = ${workgroupSize}u;
const CH = ${Math.ceil(vocab / workgroupSize)}u;
const REC = ${SAMPLE_RECORD_WORDS}u;
const RING = ${SAMPLE_RING}u;
const NEG = -3.0e38;
struct Params { rows: u32, _a: u32, _b: u32, _c: u32 }
struct SeqParams { temperature: f32, topK: u32, topP: f32, minP: f32, seed: u32, nTop: u32, useMask: u32, penalize: u32, repetition: f32, presence: f32, frequency: f32, _p: u32 }
@group(0) @binding(0) var<storage, read_write> logits: array<f32>;
@group(0) @binding(1) var<storage, read> rowSlot: array<u32>;
@group(0) @binding(2) var<storage, read> sp: array<SeqParams>;
@group(0) @binding(3) var<storage, read_write> state: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read_write> outRing: array<u32>;
@group(0) @binding(5) var<uniform> p: Params;
@group(0) @binding(6) var<storage, read> masks: array<u32>;
@group(0) @binding(7) var<storage, read_write> counts: array<u32>;
var<workgroup> redF: array<f32, WG>;
var<workgroup> redI: array<u32, WG>;
var<workgroup> picked: array<u32, ${MAX_TOP_LOGPROBS + 1}>;
var<workgroup> chosen: u32;
var<workgroup> wprm: SeqParams;
var<workgroup> wslot: u32;

fn pcg(v: u32) -> u32 {
  let s = v * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}

fn sum_all(v: f32, t: u32) -> f32 {
  redF[t] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { redF[t] += redF[t + s]; }
    workgroupBarrier();
  }
  let r = redF[0];
  workgroupBarrier();
  return r;
}

fn max_all(v: f32, t: u32) -> f32 {
  redF[t] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { redF[t] = max(redF[t], redF[t + s]); }
    workgroupBarrier();
  }
  let r = redF[0];
  workgroupBarrier();
  return r;
}

// Index of the largest value (lowest index on ties, as torch.argmax), skipping picked[0..skip).
fn argmax_all(row: u32, slot: u32, useMask: bool, skip: u32, t: u32) -> u32 {
  var best = NEG;
  var bi = 0xffffffffu;
  for (var i = t * CH; i < min(V, (t + 1u) * CH); i++) {
    var taken = false;
    for (var j = 0u; j < skip; j++) { if (picked[j] == i) { taken = true; } }
    if (taken || !allowed(slot, i, useMask)) { continue; }
    let v = logits[row * V + i];
    if (v > best) { best = v; bi = i; }
  }
  redF[t] = best;
  redI[t] = bi;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) {
      let ov = redF[t + s];
      let oi = redI[t + s];
      if (ov > redF[t] || (ov == redF[t] && oi < redI[t])) { redF[t] = ov; redI[t] = oi; }
    }
    workgroupBarrier();
  }
  let r = redI[0];
  workgroupBarrier();
  return r;
}

fn allowed(slot: u32, i: u32, useMask: bool) -> bool {
  if (!useMask) { return true; }
  return ((masks[slot * MW + (i >> 5u)] >> (i & 31u)) & 1u) == 1u;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wg.x;
  if (row >= p.rows) { return; }
  let t = lid.x;
  // Parameters are read through workgroup memory so branches on them stay uniform.
  if (t == 0u) {
    wslot = rowSlot[row];
    wprm = sp[wslot];
  }
  let slot = workgroupUniformLoad(&wslot);
  let prm = workgroupUniformLoad(&wprm);
  let useMask = prm.useMask != 0u;
  let lo = t * CH;
  let hi = min(V, lo + CH);
  let base = row * V;
  // Penalties over the tokens this sequence generated (OpenAI presence/frequency, and the
  // multiplicative repetition penalty of llama.cpp/HF), applied to this row's logits in place.
  if (prm.penalize != 0u) {
    for (var i = lo; i < hi; i++) {
      let c = counts[slot * V + i];
      if (c > 0u) {
        var v = logits[base + i];
        if (v > 0.0) { v = v / prm.repetition; } else { v = v * prm.repetition; }
        logits[base + i] = v - prm.presence - prm.frequency * f32(c);
      }
    }
    workgroupBarrier();
  }
  // Model distribution (temperature 1) for log-probabilities.
  var lm = NEG;
  for (var i = lo; i < hi; i++) { if (allowed(slot, i, useMask)) { lm = max(lm, logits[base + i]); } }
  let mx = max_all(lm, t);
  var ls = 0.0;
  for (var i = lo; i < hi; i++) { if (allowed(slot, i, useMask)) { ls += exp(logits[base + i] - mx); } }
  let lse = mx + log(sum_all(ls, t));
  var tok: u32;
  if (prm.temperature <= 0.0) {
    tok = argmax_all(row, slot, useMask, 0u, t);
  } else {
    let invT = 1.0 / prm.temperature;
    // Threshold on logits from top-k: the largest v with count(logit >= v) >= k, by bisection.
    var kthr = NEG;
    if (prm.topK > 0u && prm.topK < V) {
      var a = mx - 100.0;
      var b = mx;
      for (var it = 0u; it < 40u; it++) {
        let mid = 0.5 * (a + b);
        var c = 0.0;
        for (var i = lo; i < hi; i++) {
          if (allowed(slot, i, useMask) && logits[base + i] >= mid) { c += 1.0; }
        }
        if (sum_all(c, t) >= f32(prm.topK)) { a = mid; } else { b = mid; }
      }
      kthr = a;
    }
    // Probabilities at temperature T over the top-k survivors.
    var z = 0.0;
    for (var i = lo; i < hi; i++) {
      let v = logits[base + i];
      if (allowed(slot, i, useMask) && v >= kthr) { z += exp((v - mx) * invT); }
    }
    let zs = sum_all(z, t);
    // Threshold on probability from top-p: the largest q whose kept mass is still >= topP.
    var pthr = 0.0;
    if (prm.topP < 1.0) {
      var a = 0.0;
      var b = 1.0;
      for (var it = 0u; it < 40u; it++) {
        let mid = 0.5 * (a + b);
        var mass = 0.0;
        for (var i = lo; i < hi; i++) {
          let v = logits[base + i];
          let pr = exp((v - mx) * invT) / zs;
          if (allowed(slot, i, useMask) && v >= kthr && pr >= mid) { mass += pr; }
        }
        if (sum_all(mass, t) >= prm.topP) { a = mid; } else { b = mid; }
      }
      pthr = a;
    }
    pthr = max(pthr, prm.minP / zs);
    var kept = 0.0;
    for (var i = lo; i < hi; i++) {
      let v = logits[base + i];
      let pr = exp((v - mx) * invT) / zs;
      if (allowed(slot, i, useMask) && v >= kthr && pr >= pthr) { kept += pr; }
    }
    // Inclusive scan of each thread's kept mass to find whose chunk holds the draw.
    redF[t] = kept;
    workgroupBarrier();
    if (t == 0u) {
      let st = state[slot];
      let rnd = pcg(prm.seed ^ pcg(st.z * 2654435761u + 12345u));
      var total = 0.0;
      for (var j = 0u; j < WG; j++) { total += redF[j]; }
      let goal = f32(rnd >> 8u) / 16777216.0 * total;
      var acc = 0.0;
      var owner = WG - 1u;
      for (var j = 0u; j < WG; j++) {
        if (goal < acc + redF[j]) { owner = j; break; }
        acc += redF[j];
      }
      // Walk the owner's chunk.
      var pick = 0xffffffffu;
      let olo = owner * CH;
      let ohi = min(V, olo + CH);
      var last = 0xffffffffu;
      for (var i = olo; i < ohi; i++) {
        let v = logits[base + i];
        let pr = exp((v - mx) * invT) / zs;
        if (allowed(slot, i, useMask) && v >= kthr && pr >= pthr) {
          last = i;
          acc += pr;
          if (goal < acc) { pick = i; break; }
        }
      }
      if (pick == 0xffffffffu) { pick = last; }
      chosen = pick;
    }
    tok = workgroupUniformLoad(&chosen);
    if (tok == 0xffffffffu) { tok = argmax_all(row, slot, useMask, 0u, t); }
  }
  // Record: token, its log-probability, then the top alternatives.
  let st = state[slot];
  let rec = (slot * RING + (st.z % RING)) * REC;
  let nTop = min(prm.nTop, ${MAX_TOP_LOGPROBS}u);
  for (var j = 0u; j < nTop; j++) {
    let id = argmax_all(row, slot, useMask, j, t);
    if (t == 0u) {
      picked[j] = id;
      outRing[rec + 2u + 2u * j] = id;
      outRing[rec + 3u + 2u * j] = bitcast<u32>(logits[base + id] - lse);
    }
    workgroupBarrier();
  }
  if (t == 0u) {
    if (tok < V) { counts[slot * V + tok] += 1u; }
    outRing[rec] = tok;
    outRing[rec + 1u] = bitcast<u32>(logits[base + tok] - lse);
    state[slot] = vec4<u32>(tok, st.y, st.z + 1u, st.w);
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
