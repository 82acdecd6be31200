/**
 * RMSNorm over rows: `out[i] = x[src(i)] / sqrt(mean(x^2) + eps) * w`, one workgroup per row.
 * With `gather`, output row i reads input row `sel[i]` (the final norm runs only on the rows
 * whose logits are needed).
 * @module
 */

/** Shape of an RMSNorm kernel. */
export interface RmsNormSpec {
  dim: number;
  eps: number;
  gather: boolean;
  /**
   * Invocations per row (power of 2, default 64). GPUs want 256: a decode step's norm is one
   * workgroup, so its time is the length of each invocation's loop (the H200: 14 us -> 8 us).
   */
  workgroup?: number;
}

/** WGSL for RMSNorm. Bindings: x, w, out, params{rows}, [sel]. */
export function rmsnormKernel(spec: RmsNormSpec): string {
  const { dim, eps, gather } = spec;
  return /* wgsl */ `
const DIM = ${dim}u;
const EPS = ${eps.toExponential()};
const WG = ${spec.workgroup ?? 64}u;
struct Params { rows: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${gather ? "@group(0) @binding(4) var<storage, read> sel: array<u32>;" : ""}
var<workgroup> part: array<f32, WG>;
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = wg.x;
  if (r >= p.rows) { return; }
  let src = ${gather ? "sel[r]" : "r"} * DIM;
  var ss = 0.0;
  for (var i = lid.x; i < DIM; i += WG) { let v = x[src + i]; ss += v * v; }
  part[lid.x] = ss;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid.x < s) { part[lid.x] += part[lid.x + s]; }
    workgroupBarrier();
  }
  let inv = inverseSqrt(part[0] / f32(DIM) + EPS);
  for (var i = lid.x; i < DIM; i += WG) { y[r * DIM + i] = x[src + i] * inv * w[i]; }
}`;
}

/** CPU reference for one row. */
export function rmsnormRef(x: Float32Array, w: Float32Array, eps: number): Float32Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const inv = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, i) => v * inv * w[i]);
}
