/**
 * Attention for decode rows with the per-head q/k RMSNorm, RoPE and the KV-cache write folded
 * in: one launch per layer where the separate RoPE+KV kernel and the split attention took two.
 * A decode step is a chain of latency-bound launches, so a launch less is time saved.
 *
 * Each row must be the only row of its sequence in the step (a decode step, or a one-row
 * prefill): a workgroup rotates the row's new key itself instead of reading it from the cache,
 * so no workgroup waits on another's cache write. The workgroups of the first q head of each
 * KV group write the new key and value to the cache for the next step.
 *
 * The keys are split in chunks over the grid's third dimension (flash decoding). A row whose
 * keys fit in one chunk writes its output directly. Otherwise each chunk writes a partial (the
 * split attention kernel's layout) and counts itself in; the workgroup that arrives last merges
 * them, so no second launch waits for the first to drain.
 * @module
 */
import { attentionChunks, wgslMergePartials, wgslWorkgroupReductions } from "./attention.ts";
import { type RopeKvSpec, wgslRopeRotation, wgslRotationBindings } from "./rope_kv.ts";

/** Shape of the fused decode attention: the attention's and the rotation's. */
export interface DecodeAttentionSpec extends RopeKvSpec {
  /**
   * Invocations per workgroup, a power of 2 at least twice the head size (one invocation
   * rotates one element of q or of the new key).
   */
  workgroup: number;
  /** Keys per chunk (at most 512). */
  splitKeys: number;
}

/** Whether `decodeAttentionKernel` takes this shape (else: RoPE+KV and the split attention). */
export function decodeAttentionFits(headDim: number, workgroup: number, splitKeys: number) {
  const pow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;
  return pow2(headDim) && headDim >= 4 && pow2(workgroup) && 2 * headDim <= workgroup &&
    splitKeys <= 512 && splitKeys % (workgroup / (headDim / 4)) === 0;
}

/**
 * WGSL. Bindings: 0 q, 1 k, 2 v (the projections' outputs, unrotated), 3 k cache, 4 v cache,
 * 5 row info (slot, pos), 6 inverse frequencies, 7 params {rows}, 8 q norm, 9 k norm (with
 * `qkNorm`), 10 partials, 11 out (rows x heads x head size), 12 arrival counts (`u32`, one per
 * row and head; zero before the first launch, and left zero by each). Dispatch
 * (rows, heads, attentionChunks(spec)).
 *
 * The work is laid out so each invocation waits on global memory twice: once for everything
 * the row and head give (row info, q, k, v), once for the cached keys and values of its chunk,
 * loaded as soon as the row's position is known, so the wait overlaps the rotation. The last
 * chunk to arrive waits once more, for the others' partials. A decode step is latency-bound.
 */
export function decodeAttentionKernel(spec: DecodeAttentionSpec): string {
  const { heads, kvHeads, headDim, contextLength, qkNorm, eps, neox, workgroup, splitKeys } = spec;
  if (!decodeAttentionFits(headDim, workgroup, splitKeys)) {
    throw new RangeError(
      `decode attention: head size ${headDim} must be a power of 2 at most half the ` +
        `workgroup (${workgroup}, a power of 2), and key chunks (${splitKeys}) at most 512 and ` +
        `a multiple of the workgroup over a head's quads`,
    );
  }
  const quads = headDim / 4;
  const keyGroups = workgroup / quads;
  const kpp = keysPerPass(spec), perPart = quadsPerPart(spec);
  return /* wgsl */ `
const HQ = ${heads}u;
const HKV = ${kvHeads}u;
const HD = ${headDim}u;
const HALF = ${headDim / 2}u;
const HQ4 = ${quads}u;
const CTX = ${contextLength}u;
const GROUP = ${heads / kvHeads}u;
const SPLIT = ${splitKeys}u;
const CHUNKS = ${attentionChunks(spec)}u;
const WG = ${workgroup}u;
const KG = ${keyGroups}u; // key groups of the value pass, HQ4 invocations each
const EPS = ${eps.toExponential()};
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> kc: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> vc: array<vec4<f32>>;
${wgslRotationBindings(qkNorm)}
@group(0) @binding(10) var<storage, read_write> part: array<f32>;
@group(0) @binding(11) var<storage, read_write> out: array<f32>;
@group(0) @binding(12) var<storage, read_write> arrived: array<atomic<u32>>;
var<workgroup> red: array<f32, WG>;
var<workgroup> buf: array<f32, 2 * HD>; // the q head, then the new key
var<workgroup> rot: array<f32, 2 * HD>; // both rotated
var<workgroup> qs: array<vec4<f32>, HQ4>;
var<workgroup> kNew: array<vec4<f32>, HQ4>;
var<workgroup> vNew: array<vec4<f32>, HQ4>;
var<workgroup> sc: array<f32, SPLIT>;
${
    keyParts(spec) > 1
      ? `var<workgroup> scp: array<f32, ${keyParts(spec)}u * SPLIT>; // partial scores`
      : ""
  }
var<workgroup> redv: array<vec4<f32>, WG>;
var<workgroup> redl: array<f32, KG>;
var<workgroup> sharedInfo: vec4<u32>;
var<workgroup> sharedArrived: u32;
${wgslWorkgroupReductions()}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = wg.x;
  let h = wg.y;
  let c = wg.z;
  if (r >= p.rows) { return; }
  let t = lid.x;
  let kh = h / GROUP;
  // Invocations 0..HD hold the q head's elements, HD..2HD the new key's, 0..HQ4 a value quad.
  // Chunks without the new key load and rotate it too: it costs no extra wait, as q is loaded
  // and rotated alongside.
  if (t == 0u) { sharedInfo = rowInfo[r]; }
  var raw = 0.0;
  if (t < HD) {
    raw = q[(r * HQ + h) * HD + t];
  } else if (t < 2u * HD) {
    raw = k[(r * HKV + kh) * HD + t - HD];
  }
  var vq = vec4<f32>();
  if (t < HQ4) { vq = v[(r * HKV + kh) * HQ4 + t]; }
  let info = workgroupUniformLoad(&sharedInfo);
  let slot = info.x;
  let pos = info.y;
  let k0 = c * SPLIT;
  if (k0 > pos) { return; } // a chunk past this row's keys: the merge skips it
  let tn = min(pos + 1u, k0 + SPLIT) - k0;
  let fresh = k0 + tn == pos + 1u; // this chunk ends with the row's own, new key
  let cached = select(tn, tn - 1u, fresh); // keys of the chunk already in the cache
  // This invocation's values (quad vd of keys g, g + KG, ...) and cached key quads, loaded now.
  let g = t / HQ4;
  let vd = t % HQ4;
  let vb = ((slot * CTX + k0) * HKV + kh) * HQ4 + vd;
${prefetchValues(splitKeys / keyGroups)}
  let qp = (t / ${kpp}u) * ${perPart}u; // this invocation's first quad of q and the key
${prefetchKeys(spec)}
  let e = t % HD; // element within its head
  let base = t - e;
  var val = raw;
${
    qkNorm
      ? `  // Sum of squares of each head (segments of HD invocations).
  red[t] = raw * raw;
  workgroupBarrier();
  for (var s = HALF; s > 0u; s >>= 1u) {
    if (t < 2u * HD && e < s) { red[t] += red[t + s]; }
    workgroupBarrier();
  }
  if (t < 2u * HD) {
    let inv = inverseSqrt(red[base] / f32(HD) + EPS);
    if (t < HD) { val = raw * inv * qn[e]; } else { val = raw * inv * kn[e]; }
  }`
      : ""
  }
  if (t < 2u * HD) { buf[t] = val; }
  workgroupBarrier();
  if (t < 2u * HD) {
    let d = e;
${wgslRopeRotation(neox, (i) => `buf[base + ${i}]`)}
    rot[t] = select(o, o * inverseSqrt(f32(HD)), t < HD); // q carries the softmax scale
  }
  workgroupBarrier();
  if (t < HQ4) {
    qs[t] = vec4(rot[4u * t], rot[4u * t + 1u], rot[4u * t + 2u], rot[4u * t + 3u]);
    let kq = vec4(rot[HD + 4u * t], rot[HD + 4u * t + 1u], rot[HD + 4u * t + 2u], rot[HD + 4u * t + 3u]);
    kNew[t] = kq;
    vNew[t] = vq;
    if (fresh && h % GROUP == 0u) { // one writer per KV head
      let at = ((slot * CTX + pos) * HKV + kh) * HQ4 + t;
      kc[at] = kq;
      vc[at] = vq;
    }
  }
  workgroupBarrier(); // qs, kNew and vNew are read by every invocation below

${scores(spec)}
  let m = reduce_max(localMax, t); // its barriers also publish sc

  var acc = vec4<f32>();
  var l = 0.0;
${weighValues(splitKeys / keyGroups)}
  if (fresh && (tn - 1u) % KG == g) {
    let w = exp(sc[tn - 1u] - m);
    l += w;
    acc += w * vNew[vd];
  }
  redv[t] = acc;
  if (vd == 0u) { redl[g] = l; }
  workgroupBarrier();
  var o = vec4<f32>();
  var total = 0.0;
  if (t < HQ4) {
    for (var j = 0u; j < KG; j++) { o += redv[j * HQ4 + t]; }
    for (var j = 0u; j < KG; j++) { total += redl[j]; }
  }
  let used = pos / SPLIT + 1u; // chunks holding keys 0..pos
  if (used == 1u) { // the row's only chunk: its output is final
    if (t < HQ4) {
      for (var x = 0u; x < 4u; x++) { out[(r * HQ + h) * HD + 4u * t + x] = o[x] / total; }
    }
    return;
  }
  let pb = ((r * HQ + h) * CHUNKS + c) * (HD + 2u);
  if (t < HQ4) {
    for (var x = 0u; x < 4u; x++) { part[pb + 4u * t + x] = o[x]; }
  }
  if (t == 0u) {
    part[pb + HD] = m;
    part[pb + HD + 1u] = total;
  }
  // Release: this chunk's partial is visible device-wide before it counts itself in (WGSL's
  // storageBarrier orders storage memory at device scope).
  storageBarrier();
  if (t == 0u) { sharedArrived = atomicAdd(&arrived[r * HQ + h], 1u); }
  if (workgroupUniformLoad(&sharedArrived) + 1u < used) { return; }
  storageBarrier(); // acquire: the other chunks' partials
  if (t == 0u) { atomicStore(&arrived[r * HQ + h], 0u); } // for the next launch
${wgslMergePartials(workgroup)}
}`;
}

/** Quads of a cached key an invocation loads at once (more hold registers for no fewer waits). */
const KEY_QUADS_AT_ONCE = 16;

/**
 * Invocations sharing one key's score: the most (a power of 2, dividing the head's quads) that
 * still give every key of a chunk its own invocations. Each then waits on fewer loads.
 */
function keyParts(spec: DecodeAttentionSpec): number {
  let parts = 1;
  while (2 * parts * spec.splitKeys <= spec.workgroup && 2 * parts <= spec.headDim / 4) parts *= 2;
  return parts;
}

/** Keys a pass over the workgroup scores (`keyParts` invocations per key). */
function keysPerPass(spec: DecodeAttentionSpec): number {
  return spec.workgroup / keyParts(spec);
}

/** Quads of the head that each of a key's `keyParts` invocations sums. */
function quadsPerPart(spec: DecodeAttentionSpec): number {
  return spec.headDim / 4 / keyParts(spec);
}

/**
 * WGSL loading this invocation's quads of its cached key (from quad `qp`) into registers kq0,
 * kq1, ... when one pass covers the chunk (each invocation then has one key, known as soon as
 * the position is); otherwise nothing, and `scores` loads them key by key.
 */
function prefetchKeys(spec: DecodeAttentionSpec): string {
  const perPart = quadsPerPart(spec), kpp = keysPerPass(spec);
  if (spec.splitKeys > kpp) return "";
  const quads = Array.from({ length: perPart }, (_, j) => j);
  return /* wgsl */ `  let ki = t % ${kpp}u; // this invocation's key of the chunk
  let kb = ((slot * CTX + k0 + ki) * HKV + kh) * HQ4 + qp;
  ${quads.map((j) => `var kq${j} = vec4<f32>();`).join(" ")}
  if (ki < cached) {
    ${quads.map((j) => `kq${j} = kc[kb + ${j}u];`).join(" ")}
  }`;
}

/**
 * WGSL for the chunk's scores `q . key` into `sc` and this invocation's running maximum
 * `localMax`. `keyParts` invocations share a key, each summing a run of the head's quads whose
 * loads are written out, so they are in flight together (a loop would wait on each in turn:
 * WGSL's bounded loops are not unrolled by the GPU compiler); partial scores meet in `scp`.
 */
function scores(spec: DecodeAttentionSpec): string {
  const parts = keyParts(spec), perPart = quadsPerPart(spec);
  const kpp = keysPerPass(spec);
  const quads = Array.from({ length: perPart }, (_, j) => j);
  const sum = (term: (j: number) => string) => quads.map(term).join(" + ");
  const keep = parts > 1
    ? `scp[(t / ${kpp}u) * SPLIT + i] = s;`
    : "sc[i] = s;\n    localMax = max(localMax, s);";
  const gather = parts > 1
    ? `  workgroupBarrier();
  if (t < tn) {
    let s = ${Array.from({ length: parts }, (_, j) => `scp[${j}u * SPLIT + t]`).join(" + ")};
    sc[t] = s;
    localMax = max(localMax, s);
  }`
    : "";
  const fresh = `s = ${sum((j) => `dot(qs[qp + ${j}u], kNew[qp + ${j}u])`)};`;
  if (spec.splitKeys <= kpp) { // one pass: the keys were prefetched
    return /* wgsl */ `  var localMax = -3.0e38;
  let i = ki;
  if (i < tn) {
    var s = 0.0;
    if (i == cached) {
      ${fresh}
    } else {
      s = ${sum((j) => `dot(qs[qp + ${j}u], kq${j})`)};
    }
    ${keep}
  }
${gather}`;
  }
  const cachedDots: string[] = [];
  for (let g = 0; g < perPart; g += KEY_QUADS_AT_ONCE) {
    const run = quads.slice(g, g + KEY_QUADS_AT_ONCE);
    cachedDots.push(
      run.map((j) => `let k${j} = kc[kb + ${j}u];`).join(" "),
      `s += ${run.map((j) => `dot(qs[qp + ${j}u], k${j})`).join(" + ")};`,
    );
  }
  return /* wgsl */ `  var localMax = -3.0e38;
  for (var i = t % ${kpp}u; i < tn; i += ${kpp}u) {
    let key = k0 + i;
    var s = 0.0;
    if (key == pos) {
      ${fresh}
    } else {
      let kb = ((slot * CTX + key) * HKV + kh) * HQ4 + qp;
      ${cachedDots.join("\n      ")}
    }
    ${keep}
  }
${gather}`;
}

/**
 * WGSL loading this invocation's `perInvocation` cached values into registers v0, v1, ...:
 * written out, since a private array indexed in a loop may live in (slow) local memory.
 */
function prefetchValues(perInvocation: number): string {
  return Array.from({ length: perInvocation }, (_, j) =>
    `  var v${j} = vec4<f32>();
  if (g + ${j}u * KG < cached) { v${j} = vc[vb + (g + ${j}u * KG) * HKV * HQ4]; }`).join("\n");
}

/** WGSL adding the prefetched values, weighted by their keys' softmax terms, into acc and l. */
function weighValues(perInvocation: number): string {
  return Array.from({ length: perInvocation }, (_, j) =>
    `  if (g + ${j}u * KG < cached) {
    let w${j} = exp(sc[g + ${j}u * KG] - m);
    l += w${j};
    acc += w${j} * v${j};
  }`).join("\n");
}
