/**
 * SwiGLU activation: `h[r, i] = silu(gu[r, i]) * gu[r, F + i]` where gate and up were written
 * side by side into one buffer by their matmuls.
 * @module
 */

/** WGSL for SwiGLU over `rows` x `ffn`. Bindings: gu, h, params{rows}. */
export function swigluKernel(ffn: number): string {
  return /* wgsl */ `
const F = ${ffn}u;
struct Params { rows: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<storage, read> gu: array<f32>;
@group(0) @binding(1) var<storage, read_write> h: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.rows * F) { return; }
  let r = i / F;
  let c = i % F;
  let g = gu[r * 2u * F + c];
  let u = gu[r * 2u * F + F + c];
  h[i] = g / (1.0 + exp(-g)) * u;
}`;
}

/** CPU reference. */
export function swigluRef(gate: number, up: number): number {
  return gate / (1 + Math.exp(-gate)) * up;
}
