/**
 * WGSL bodies of `load4_<buf>(rowByte, k)` for each weight encoding: the four values k..k+3 of
 * the row that starts at byte `rowByte` of `buf: array<u32>`. Every block field is read at a
 * 2-byte-aligned offset through the `wd_*_<buf>` byte readers that dequant.ts emits beside it.
 * @module
 */
import { GgmlType } from "./ggml_types.ts";

/** WGSL of `load4_<b>` for one encoding, given the buffer name `b`. */
export type Load4Source = (b: string) => string;

const fn = (b: string, body: string) =>
  `fn load4_${b}(rowByte: u32, k: u32) -> vec4<f32> {\n${body}\n}\n`;

// The nibbles of 4 elements j..j+3 of a 32-element block: low nibbles for j < 16, else high.
const nibbles = (b: string, qs: string) =>
  `(wd_u32_${b}(${qs} + (j & 15u)) >> ((j >> 4u) << 2u)) & 0x0f0f0f0fu`;

// Bits j..j+3 of the block's u32 qh, spread to bit 4 of each byte (multiply = 4 shifted copies).
const fifthBits = (b: string, qh: string) =>
  `((((wd_u32_${b}(${qh}) >> j) & 15u) * 0x204081u) & 0x01010101u) << 4u`;

const F32: Load4Source = (b) =>
  fn(
    b,
    `  let o = rowByte + k * 4u;
  return bitcast<vec4<f32>>(vec4<u32>(wd_u32_${b}(o), wd_u32_${b}(o + 4u), wd_u32_${b}(o + 8u), wd_u32_${b}(o + 12u)));`,
  );

const F16: Load4Source = (b) =>
  fn(
    b,
    `  let o = rowByte + k * 2u;
  return vec4<f32>(unpack2x16float(wd_u32_${b}(o)), unpack2x16float(wd_u32_${b}(o + 4u)));`,
  );

// bf16 is the top half of an f32: shifting the bits into place is exact, no extension needed.
const BF16: Load4Source = (b) =>
  fn(
    b,
    `  let o = rowByte + k * 2u;
  let a = wd_u32_${b}(o);
  let c = wd_u32_${b}(o + 4u);
  return bitcast<vec4<f32>>(vec4<u32>(a << 16u, a & 0xffff0000u, c << 16u, c & 0xffff0000u));`,
  );

const Q4_0: Load4Source = (b) =>
  fn(
    b,
    `  let blk = rowByte + (k >> 5u) * 18u;
  let j = k & 31u;
  let q = ${nibbles(b, "blk + 2u")};
  return (vec4<f32>(wd_bytes_${b}(q)) - 8.0) * wd_f16_${b}(blk);`,
  );

const Q4_1: Load4Source = (b) =>
  fn(
    b,
    `  let blk = rowByte + (k >> 5u) * 20u;
  let j = k & 31u;
  let dm = unpack2x16float(wd_u32_${b}(blk));
  let q = ${nibbles(b, "blk + 4u")};
  return vec4<f32>(wd_bytes_${b}(q)) * dm.x + dm.y;`,
  );

const Q5_0: Load4Source = (b) =>
  fn(
    b,
    `  let blk = rowByte + (k >> 5u) * 22u;
  let j = k & 31u;
  let q = (${nibbles(b, "blk + 6u")}) | (${fifthBits(b, "blk + 2u")});
  return (vec4<f32>(wd_bytes_${b}(q)) - 16.0) * wd_f16_${b}(blk);`,
  );

const Q5_1: Load4Source = (b) =>
  fn(
    b,
    `  let blk = rowByte + (k >> 5u) * 24u;
  let j = k & 31u;
  let dm = unpack2x16float(wd_u32_${b}(blk));
  let q = (${nibbles(b, "blk + 8u")}) | (${fifthBits(b, "blk + 4u")});
  return vec4<f32>(wd_bytes_${b}(q)) * dm.x + dm.y;`,
  );

const Q8_0: Load4Source = (b) =>
  fn(
    b,
    `  let blk = rowByte + (k >> 5u) * 34u;
  let q = vec4<i32>(bitcast<i32>(wd_u32_${b}(blk + 2u + (k & 31u))));
  return vec4<f32>((q << vec4<u32>(24u, 16u, 8u, 0u)) >> vec4<u32>(24u)) * wd_f16_${b}(blk);`,
  );

// get_scale_min_k4 of sub-block s (0..7) times (d, dmin): the sub-block's (scale, min).
const scaleMinK4 = (b: string) =>
  `fn wd_scale_min_${b}(blk: u32, s: u32) -> vec2<f32> {
  let dm = unpack2x16float(wd_u32_${b}(blk));
  if (s < 4u) {
    return dm * vec2<f32>(f32(wd_u8_${b}(blk + 4u + s) & 63u), f32(wd_u8_${b}(blk + 8u + s) & 63u));
  }
  let a = wd_u8_${b}(blk + 8u + s);
  let sc = (a & 15u) | ((wd_u8_${b}(blk + s) >> 6u) << 4u);
  let m = (a >> 4u) | ((wd_u8_${b}(blk + 4u + s) >> 6u) << 4u);
  return dm * vec2<f32>(f32(sc), f32(m));
}
`;

// Sub-block s = e / 32 of a 256 super-block; its nibbles sit in byte (s / 2) * 32 + e % 32.
const Q4_K: Load4Source = (b) =>
  scaleMinK4(b) + fn(
    b,
    `  let blk = rowByte + (k >> 8u) * 144u;
  let e = k & 255u;
  let s = e >> 5u;
  let dm = wd_scale_min_${b}(blk, s);
  let q = (wd_u32_${b}(blk + 16u + ((s >> 1u) << 5u) + (e & 31u)) >> ((s & 1u) << 2u)) & 0x0f0f0f0fu;
  return vec4<f32>(wd_bytes_${b}(q)) * dm.x - dm.y;`,
  );

// As Q4_K, plus the fifth bit of sub-block s is bit s of qh[e % 32].
const Q5_K: Load4Source = (b) =>
  scaleMinK4(b) + fn(
    b,
    `  let blk = rowByte + (k >> 8u) * 176u;
  let e = k & 255u;
  let s = e >> 5u;
  let l = e & 31u;
  let dm = wd_scale_min_${b}(blk, s);
  let lo = (wd_u32_${b}(blk + 48u + ((s >> 1u) << 5u) + l) >> ((s & 1u) << 2u)) & 0x0f0f0f0fu;
  let hi = ((wd_u32_${b}(blk + 16u + l) >> s) & 0x01010101u) << 4u;
  return vec4<f32>(wd_bytes_${b}(lo | hi)) * dm.x - dm.y;`,
  );

// Halves of 128; in each, quarter q of 32 takes nibble q / 2 of ql[(q & 1) * 32 + l], bits 2q of
// qh[l] and the signed scale 2q + l / 16.
const Q6_K: Load4Source = (b) =>
  fn(
    b,
    `  let blk = rowByte + (k >> 8u) * 210u;
  let e = k & 255u;
  let half = e >> 7u;
  let quarter = (e >> 5u) & 3u;
  let l = e & 31u;
  let lo = (wd_u32_${b}(blk + (half << 6u) + ((quarter & 1u) << 5u) + l) >> ((quarter >> 1u) << 2u)) & 0x0f0f0f0fu;
  let hi = ((wd_u32_${b}(blk + 128u + (half << 5u) + l) >> (quarter << 1u)) & 0x03030303u) << 4u;
  let sc = f32(extractBits(bitcast<i32>(wd_u8_${b}(blk + 192u + (half << 3u) + (l >> 4u) + (quarter << 1u))), 0u, 8u));
  let ds = wd_f16_${b}(blk + 208u) * sc;
  return ds * (vec4<f32>(wd_bytes_${b}(lo | hi)) - 32.0);`,
  );

/** The `load4_<buf>` source of every encoding the GPU can decode. */
export const LOAD4_SOURCES: ReadonlyMap<GgmlType, Load4Source> = new Map([
  [GgmlType.F32, F32],
  [GgmlType.F16, F16],
  [GgmlType.BF16, BF16],
  [GgmlType.Q4_0, Q4_0],
  [GgmlType.Q4_1, Q4_1],
  [GgmlType.Q5_0, Q5_0],
  [GgmlType.Q5_1, Q5_1],
  [GgmlType.Q8_0, Q8_0],
  [GgmlType.Q4_K, Q4_K],
  [GgmlType.Q5_K, Q5_K],
  [GgmlType.Q6_K, Q6_K],
]);
