/**
 * Per-head q/k RMSNorm (Qwen3), rotary position embedding, and the KV-cache write, fused in one
 * dispatch: workgroup (row, head) over the q heads then the kv heads. Rotation frequencies come
 * from a buffer, so every RoPE scaling scheme (Llama 3, YaRN, ...) is a CPU-side table.
 * @module
 */

/** Shape of the fused RoPE + KV-write kernel. */
export interface RopeKvSpec {
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Positions per sequence slot in the cache. */
  contextLength: number;
  /** Qwen3: RMSNorm each q and k head before rotating. */
  qkNorm: boolean;
  eps: number;
  /** true: rotate halves (HF / NeoX); false: rotate adjacent pairs (llama.cpp's Llama GGUF). */
  neox: boolean;
}

/**
 * WGSL. Bindings: 0 q (in place), 1 k, 2 v, 3 k cache, 4 v cache, 5 row info (slot, pos),
 * 6 inverse frequencies, 7 params {rows}, 8 q norm, 9 k norm. Dispatch (rows, heads + kvHeads).
 */
export function ropeKvKernel(spec: RopeKvSpec): string {
  const { heads, kvHeads, headDim, contextLength, qkNorm, eps, neox } = spec;
  if (headDim & (headDim - 1)) throw new RangeError(`head dim ${headDim} is not a power of 2`);
  return /* wgsl */ `
const HQ = ${heads}u;
const HKV = ${kvHeads}u;
const HD = ${headDim}u;
const HALF = ${headDim / 2}u;
const CTX = ${contextLength}u;
const EPS = ${eps.toExponential()};
@group(0) @binding(0) var<storage, read_write> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> kc: array<f32>;
@group(0) @binding(4) var<storage, read_write> vc: array<f32>;
${wgslRotationBindings(qkNorm)}
var<workgroup> buf: array<f32, HD>;
var<workgroup> red: array<f32, HD>;
@compute @workgroup_size(HD)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = wg.x;
  let h = wg.y;
  if (r >= p.rows) { return; }
  let d = lid.x;
  let isQ = h < HQ;
  let kh = h - HQ;
  var val: f32;
  if (isQ) { val = q[(r * HQ + h) * HD + d]; } else { val = k[(r * HKV + kh) * HD + d]; }
${
    qkNorm
      ? `  red[d] = val * val;
  workgroupBarrier();
  for (var s = HD / 2u; s > 0u; s >>= 1u) {
    if (d < s) { red[d] += red[d + s]; }
    workgroupBarrier();
  }
  let inv = inverseSqrt(red[0] / f32(HD) + EPS);
  if (isQ) { val = val * inv * qn[d]; } else { val = val * inv * kn[d]; }`
      : ""
  }
  buf[d] = val;
  workgroupBarrier();
  let info = rowInfo[r];
  let pos = info.y;
${wgslRopeRotation(neox)}
  if (isQ) {
    q[(r * HQ + h) * HD + d] = o;
  } else {
    let at = ((info.x * CTX + pos) * HKV + kh) * HD + d;
    kc[at] = o;
    vc[at] = v[(r * HKV + kh) * HD + d];
  }
}`;
}

/**
 * WGSL computing `o`, element `d` of a head rotated to position `pos`, from the head in `buf`
 * (workgroup memory) and the `invFreq` table; `HALF` must be declared. `at(i)` names element i
 * of the head (default `buf[i]`). Shared by the decode attention, which rotates its heads itself.
 */
export function wgslRopeRotation(neox: boolean, at = (i: string) => `buf[${i}]`): string {
  return neox
    ? `  let i = d % HALF;
  let ang = f32(pos) * invFreq[i];
  let c = cos(ang);
  let s = sin(ang);
  var o: f32;
  if (d < HALF) { o = ${at("d")} * c - ${at("d + HALF")} * s; } else { o = ${at("d")} * c + ${
      at("d - HALF")
    } * s; }`
    : `  let i = d / 2u;
  let ang = f32(pos) * invFreq[i];
  let c = cos(ang);
  let s = sin(ang);
  var o: f32;
  if ((d & 1u) == 0u) { o = ${at("d")} * c - ${at("d + 1u")} * s; } else { o = ${at("d")} * c + ${
      at("d - 1u")
    } * s; }`;
}

/**
 * WGSL for what a rotation reads, bindings 5-9 of the RoPE+KV and the decode attention kernels:
 * row info (slot, pos), the inverse frequencies, params {rows}, and the q and k norm weights
 * (with `qkNorm`).
 */
export function wgslRotationBindings(qkNorm: boolean): string {
  return /* wgsl */ `struct Params { rows: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(5) var<storage, read> rowInfo: array<vec4<u32>>;
@group(0) @binding(6) var<storage, read> invFreq: array<f32>;
@group(0) @binding(7) var<uniform> p: Params;
${
    qkNorm
      ? `@group(0) @binding(8) var<storage, read> qn: array<f32>;
@group(0) @binding(9) var<storage, read> kn: array<f32>;`
      : ""
  }`;
}
