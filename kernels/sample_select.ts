/**
 * WGSL pieces shared by the two sampler kernels: order-preserving u32 keys for f32 logits, 64-bit
 * fixed-point sums, and a workgroup radix select that finds the boundary of the top-N items
 * (by count, or by probability mass) with 8-bit digits, one histogram pass per digit.
 * @module
 */

/**
 * Key functions and 64-bit helpers. `key_of` maps finite f32 to u32 so that key order is value
 * order (-0 and +0 share a key); an item's ordinal is (key, ~id): larger value first, then the
 * lower id, so the top-N set is unique even with ties.
 */
export const SELECT_HELPERS = /* wgsl */ `
fn key_of(v: f32) -> u32 {
  var b = bitcast<u32>(v);
  if (b == 0x80000000u) { b = 0u; }
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}
fn value_of(k: u32) -> f32 {
  return bitcast<f32>(select(~k, k & 0x7fffffffu, (k & 0x80000000u) != 0u));
}
fn non_finite(v: f32) -> bool { return (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u; }
fn id_inv(id: u32) -> u32 { return ~id & 0xffffffu; }
// Digit d (0-3: key bytes from the top, 4-6: bytes of the inverted 24-bit id).
fn digit(key: u32, ii: u32, d: u32) -> u32 {
  if (d < 4u) { return (key >> (24u - 8u * d)) & 0xffu; }
  return (ii >> (16u - 8u * (d - 4u))) & 0xffu;
}
// The item's first nd digits against a resolved prefix (pk: key bits, pi: id bits):
// -1 below, 0 equal, 1 above.
fn prefix_cmp(key: u32, ii: u32, nd: u32, pk: u32, pi: u32) -> i32 {
  if (nd == 0u) { return 0; }
  if (nd <= 4u) {
    let k = key >> (32u - 8u * nd);
    return select(select(-1, 1, k > pk), 0, k == pk);
  }
  if (key != pk) { return select(-1, 1, key > pk); }
  let i = ii >> (24u - 8u * (nd - 4u));
  return select(select(-1, 1, i > pi), 0, i == pi);
}
// Smallest key whose first nd (<= 4) digits reach the prefix: the value threshold it stands for.
fn prefix_key(nd: u32, pk: u32) -> u32 {
  if (nd == 0u) { return 0u; }
  return pk << (32u - 8u * nd);
}
fn add64(a: vec2u, b: vec2u) -> vec2u {
  let lo = a.x + b.x;
  return vec2u(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}
fn sub64(a: vec2u, b: vec2u) -> vec2u {
  return vec2u(a.x - b.x, a.y - b.y - select(0u, 1u, a.x < b.x));
}
fn ge64(a: vec2u, b: vec2u) -> bool { return a.y > b.y || (a.y == b.y && a.x >= b.x); }
// A weight in [0, 1] as fixed point with 40 fraction bits (integer sums are order-free, so the
// mass histograms are deterministic; 2^24 tokens of weight 1 would still fit in 64 bits).
fn fixed_of(w: f32) -> vec2u {
  let s = clamp(w, 0.0, 1.0) * 256.0;
  let hi = floor(s);
  return vec2u(u32((s - hi) * 4294967296.0), u32(hi));
}
fn f32_of64(a: vec2u) -> f32 { return f32(a.y) * 4294967296.0 + f32(a.x); }
fn u64_of(f: f32) -> vec2u {
  let hi = floor(f / 4294967296.0);
  return vec2u(u32(max(f - hi * 4294967296.0, 0.0)), u32(hi));
}
// frac of a fixed-point total, at least one unit and at most the total.
fn mass_target(total: vec2u, frac: f32) -> vec2u {
  var n = u64_of(frac * f32_of64(total));
  if (ge64(n, total)) { n = total; }
  if (n.x == 0u && n.y == 0u) { n = vec2u(1u, 0u); }
  return n;
}
`;

/** Workgroup state of a radix select (and the histograms it fills). */
export function selectDecls(withMass: boolean): string {
  return /* wgsl */ `
struct SelectState { nd: u32, pk: u32, pi: u32, done: u32, need: vec2u }
var<workgroup> rs: SelectState;
var<workgroup> hist: array<atomic<u32>, 256>;
var<workgroup> gsum: array<vec2u, 16>;
${
    withMass
      ? `var<workgroup> histLo: array<atomic<u32>, 256>;
var<workgroup> histHi: array<atomic<u32>, 256>;`
      : ""
  }`;
}

/** How one radix select visits the calling invocation's items. */
export interface SelectSpec {
  /**
   * Absent: select by count (the top `need` items). Else a WGSL bool expression, uniform:
   * when true, by mass (the top items holding `need` of fixed-point mass, weights `weight`).
   */
  mass?: string;
  /** With mass: WGSL f32 expression in [0, 1] of an item's weight, evaluated only for items
   * in the bins being split (so most items skip it). */
  weight?: string;
  /**
   * WGSL u32 expression, uniform: 4 selects by value only (ties share the threshold), 7 by
   * (value, id), so exactly `need` items.
   */
  digits: string;
  /**
   * WGSL vec2u expression of the target (a count in .x, or a 64-bit mass), evaluated by
   * invocation 0 after the first histogram; it may use `total` (the items' count or mass).
   */
  need: string;
  /** Workgroup size constant name. */
  wg: string;
  /**
   * Wraps `body` in a loop over this invocation's items; inside, `body` may use `key`, `ii`
   * (inverted id, for 7 digits) and whatever `weight` reads; invalid items must `continue`
   * before `body`.
   */
  items: (body: string) => string;
}

/**
 * WGSL statements (uniform control flow, all invocations) that leave in `rs` the resolved prefix
 * of the selection boundary: an item is selected iff
 * `prefix_cmp(key, ii, rs.nd, rs.pk, rs.pi) >= 0`. Fewer items (or less mass) than asked
 * selects them all (`rs.nd == 0`). Invocation index is `t`. Needs `selectDecls(!!s.mass)`.
 */
export function radixSelect(s: SelectSpec): string {
  const mass = s.mass;
  // Adds a run of items that fell into one bin (consecutive items of an invocation usually
  // share a bin, so this keeps atomics on hot bins few).
  const flush = (bin: string, cnt: string, m: string) =>
    `atomicAdd(&hist[${bin}], ${cnt});` + (mass
      ? `
          if (${mass}) {
            let oldLo = atomicAdd(&histLo[${bin}], ${m}.x);
            atomicAdd(&histHi[${bin}], ${m}.y + select(0u, 1u, oldLo > 0xffffffffu - ${m}.x));
          }`
      : "");
  const accumulate = /* wgsl */ `
        if (prefix_cmp(key, ii, d, st.pk, st.pi) != 0) { continue; }
        let b = digit(key, ii, d);
        if (b != runBin) {
          if (runCnt > 0u) { ${flush("runBin", "runCnt", "runMass")} }
          runBin = b;
          runCnt = 0u;
          runMass = vec2u(0u);
        }
        runCnt += 1u;${
    mass ? `\n        if (${mass}) { runMass = add64(runMass, fixed_of(${s.weight})); }` : ""
  }`;
  const clear = mass
    ? "atomicStore(&hist[b], 0u); atomicStore(&histLo[b], 0u); atomicStore(&histHi[b], 0u);"
    : "atomicStore(&hist[b], 0u);";
  const binAmount = (b: string) =>
    mass
      ? `select(vec2u(atomicLoad(&hist[${b}]), 0u), vec2u(atomicLoad(&histLo[${b}]), atomicLoad(&histHi[${b}])), ${mass})`
      : `vec2u(atomicLoad(&hist[${b}]), 0u)`;
  // Invocation 0 finds the bin where the running total from the top reaches the need, through
  // 16 group sums so its serial walk is at most 32 steps.
  return /* wgsl */ `{
    workgroupBarrier();
    if (t == 0u) { rs.nd = 0u; rs.pk = 0u; rs.pi = 0u; rs.done = 0u; }
    let nDigits = ${s.digits};
    for (var d = 0u; d < nDigits; d++) {
      // The state (and the end of invocation 0's scan of the histogram) before clearing it.
      let st = workgroupUniformLoad(&rs);
      if (st.done != 0u) { break; }
      for (var b = t; b < 256u; b += ${s.wg}) { ${clear} }
      workgroupBarrier();
      var runBin = 0u;
      var runCnt = 0u;
      var runMass = vec2u(0u);
      ${s.items(accumulate)}
      if (runCnt > 0u) { ${flush("runBin", "runCnt", "runMass")} }
      workgroupBarrier();
      if (t < 16u) {
        var m = vec2u(0u);
        for (var k = 0u; k < 16u; k++) { m = add64(m, ${binAmount("t * 16u + k")}); }
        gsum[t] = m;
      }
      workgroupBarrier();
      if (t == 0u) {
        if (d == 0u) {
          var total = vec2u(0u);
          for (var g = 0u; g < 16u; g++) { total = add64(total, gsum[g]); }
          rs.need = ${s.need};
        }
        let need = rs.need;
        var above = vec2u(0u);
        var found = 256u;
        for (var g = 15i; g >= 0 && found == 256u; g--) {
          if (ge64(add64(above, gsum[g]), need)) {
            for (var k = 15i; k >= 0; k--) {
              let bb = u32(g) * 16u + u32(k);
              let a = ${binAmount("bb")};
              if (ge64(add64(above, a), need)) { found = bb; break; }
              above = add64(above, a);
            }
          } else {
            above = add64(above, gsum[g]);
          }
        }
        if (found == 256u) {
          rs.done = 1u;
        } else {
          rs.need = sub64(need, above);
          if (d < 4u) { rs.pk = (rs.pk << 8u) | found; } else { rs.pi = (rs.pi << 8u) | found; }
          rs.nd = d + 1u;
          let cnt = atomicLoad(&hist[found]);
          if (cnt == 1u || (${mass ? `!(${mass}) && ` : ""}cnt == rs.need.x && rs.need.y == 0u)) {
            rs.done = 1u;
          }
        }
      }
    }
  }`;
}
