/**
 * WGSL decoders of each weight encoding in its GPU layout (kernels/weight_layout.ts):
 * - `load4_<buf>(rowByte, k)`: the four values k..k+3 (k a multiple of 4) of the row that
 *   starts at byte `rowByte`, for kernels that walk K four values at a time;
 * - `load32_<buf>(rowByte, c)`: the 32 values of chunk c (values 32c..32c+31) as the eight vec4s
 *   `q0`..`q7` of a `W32_<buf>`, from a few 16-byte loads, for the decode matmul (one chunk per
 *   lane per step);
 * - for 16-bit encodings also `raw8_<buf>(rowByte, k)`, the 16-byte word of values k..k+7 (k a
 *   multiple of 8), and `lo8_<buf>`/`hi8_<buf>`, which decode its first and last four values: the
 *   decode matmul keeps raw words in flight and decodes them when it uses them.
 * Reads go through the `wd_*_<buf>` readers that dequant.ts emits beside them; every 32-bit
 * read is 4-byte aligned and every vec4 read 16-byte aligned in the GPU layout.
 * @module
 */
import { GgmlType } from "./ggml_types.ts";

/**
 * WGSL of `load4_<b>` and `load32_<b>` for one encoding, given the buffer name `b` and the byte
 * offsets of the row's field planes (`planeOffsets`; empty for encodings in file layout).
 */
export type DecoderSource = (b: string, planes: readonly number[]) => string;

const load4 = (b: string, body: string) =>
  `fn load4_${b}(rowByte: u32, k: u32) -> vec4<f32> {\n${body}\n}\n`;
// A struct rather than an array: members are named, so compilers keep them in registers.
const load32 = (b: string, body: string) =>
  `struct W32_${b} { ${
    Array.from({ length: 8 }, (_, i) => `q${i}: vec4<f32>`).join(", ")
  } }\nfn load32_${b}(rowByte: u32, c: u32) -> W32_${b} {\n${
    body.replaceAll("W32(", `W32_${b}(`)
  }\n}\n`;

/** `W32(e(0), ..., e(7))` (load32 names the struct after the buffer). */
const eight = (e: (i: number) => string) =>
  `W32(${Array.from({ length: 8 }, (_, i) => e(i)).join(", ")})`;
/** Component `i` (0-7) of two vec4<u32> words `v0`, `v1`. */
const word = (i: number) => `v${i >> 2}.${"xyzw"[i & 3]}`;
/** Component `i` (0-3) of vec4<u32> `v`. */
const comp = (v: string, i: number) => `${v}.${"xyzw"[i]}`;

// Four signed bytes of a word as floats.
const int8x4 = (w: string) =>
  `vec4<f32>((vec4<i32>(bitcast<i32>(${w})) << vec4<u32>(24u, 16u, 8u, 0u)) >> vec4<u32>(24u))`;
// Bits j..j+3 of a block's high-bit word h, spread to bit 4 of each byte (4 shifted copies).
const fifthBits = (h: string, j: string) =>
  `((((${h} >> ${j}) & 15u) * 0x204081u) & 0x01010101u) << 4u`;

const F32: DecoderSource = (b) =>
  load4(b, `  return bitcast<vec4<f32>>(wd_vec_${b}(rowByte + k * 4u));`) +
  load32(
    b,
    `  let o = rowByte + c * 128u;
  return ${eight((i) => `bitcast<vec4<f32>>(wd_vec_${b}(o + ${i * 16}u))`)};`,
  );

// A 32-value chunk of 16-bit floats: four 16-byte words h0..h3, two values per component.
const halfWords = (b: string) =>
  `  let o = rowByte + c * 64u;
  let h0 = wd_vec_${b}(o); let h1 = wd_vec_${b}(o + 16u);
  let h2 = wd_vec_${b}(o + 32u); let h3 = wd_vec_${b}(o + 48u);`;
/** The chunk's eight vec4s from its half-float words, `pair(a, c)` decoding two words each. */
const fromHalfWords = (pair: (a: string, c: string) => string) =>
  eight((i) => {
    const v = `h${i >> 1}`, lo = (i & 1) * 2;
    return pair(comp(v, lo), comp(v, lo + 1));
  });

const f16Pair = (a: string, c: string) => `vec4<f32>(unpack2x16float(${a}), unpack2x16float(${c}))`;

/** `raw8_<b>`, `lo8_<b>` and `hi8_<b>` of a 16-bit encoding decoded pairwise by `pair`. */
const eightHalves = (b: string, pair: (a: string, c: string) => string) =>
  `fn raw8_${b}(rowByte: u32, k: u32) -> vec4<u32> { return wd_vec_${b}(rowByte + k * 2u); }
fn lo8_${b}(v: vec4<u32>) -> vec4<f32> { return ${pair("v.x", "v.y")}; }
fn hi8_${b}(v: vec4<u32>) -> vec4<f32> { return ${pair("v.z", "v.w")}; }
`;

const F16: DecoderSource = (b) =>
  eightHalves(b, f16Pair) +
  load4(
    b,
    `  let o = rowByte + k * 2u;
  return ${f16Pair(`wd_u32_${b}(o)`, `wd_u32_${b}(o + 4u)`)};`,
  ) +
  load32(b, `${halfWords(b)}\n  return ${fromHalfWords(f16Pair)};`);

// bf16 is the top half of an f32: shifting the bits into place is exact, no extension needed.
const bf16Pair = (a: string, c: string) =>
  `bitcast<vec4<f32>>(vec4<u32>(${a} << 16u, ${a} & 0xffff0000u, ${c} << 16u, ${c} & 0xffff0000u))`;

const BF16: DecoderSource = (b) =>
  eightHalves(b, bf16Pair) +
  load4(
    b,
    `  let o = rowByte + k * 2u;
  return ${bf16Pair(`wd_u32_${b}(o)`, `wd_u32_${b}(o + 4u)`)};`,
  ) +
  load32(b, `${halfWords(b)}\n  return ${fromHalfWords(bf16Pair)};`);

// Nibble planes of the 32-blocks: word i of a block's 16 bytes holds values 4i..4i+3 in its low
// nibbles and 16+4i..16+4i+3 in its high ones.
const nibbleWord = (b: string) =>
  `(wd_u32_${b}(rowByte + (k >> 5u) * 16u + (k & 15u)) >> (((k >> 4u) & 1u) << 2u)) & 0x0f0f0f0fu`;
const chunkNibbles = (i: number) =>
  i < 4 ? `(${comp("v", i)} & 0x0f0f0f0fu)` : `((${comp("v", i - 4)} >> 4u) & 0x0f0f0f0fu)`;

const Q4_0: DecoderSource = (b, [, ds]) =>
  load4(
    b,
    `  let q = ${nibbleWord(b)};
  return (vec4<f32>(wd_bytes_${b}(q)) - 8.0) * wd_f16_${b}(rowByte + ${ds}u + (k >> 5u) * 2u);`,
  ) +
  load32(
    b,
    `  let v = wd_vec_${b}(rowByte + c * 16u);
  let d = wd_f16_${b}(rowByte + ${ds}u + c * 2u);
  return ${eight((i) => `(vec4<f32>(wd_bytes_${b}(${chunkNibbles(i)})) - 8.0) * d`)};`,
  );

const Q4_1: DecoderSource = (b, [, dms]) =>
  load4(
    b,
    `  let q = ${nibbleWord(b)};
  let dm = unpack2x16float(wd_u32_${b}(rowByte + ${dms}u + (k >> 5u) * 4u));
  return vec4<f32>(wd_bytes_${b}(q)) * dm.x + dm.y;`,
  ) +
  load32(
    b,
    `  let v = wd_vec_${b}(rowByte + c * 16u);
  let dm = unpack2x16float(wd_u32_${b}(rowByte + ${dms}u + c * 4u));
  return ${eight((i) => `vec4<f32>(wd_bytes_${b}(${chunkNibbles(i)})) * dm.x + dm.y`)};`,
  );

const Q5_0: DecoderSource = (b, [, hs, ds]) =>
  load4(
    b,
    `  let h = wd_u32_${b}(rowByte + ${hs}u + (k >> 5u) * 4u);
  let q = (${nibbleWord(b)}) | (${fifthBits("h", "(k & 31u)")});
  return (vec4<f32>(wd_bytes_${b}(q)) - 16.0) * wd_f16_${b}(rowByte + ${ds}u + (k >> 5u) * 2u);`,
  ) +
  load32(
    b,
    `  let v = wd_vec_${b}(rowByte + c * 16u);
  let h = wd_u32_${b}(rowByte + ${hs}u + c * 4u);
  let d = wd_f16_${b}(rowByte + ${ds}u + c * 2u);
  return ${
      eight((i) =>
        `(vec4<f32>(wd_bytes_${b}(${chunkNibbles(i)} | (${
          fifthBits("h", `${i * 4}u`)
        }))) - 16.0) * d`
      )
    };`,
  );

const Q5_1: DecoderSource = (b, [, hs, dms]) =>
  load4(
    b,
    `  let h = wd_u32_${b}(rowByte + ${hs}u + (k >> 5u) * 4u);
  let q = (${nibbleWord(b)}) | (${fifthBits("h", "(k & 31u)")});
  let dm = unpack2x16float(wd_u32_${b}(rowByte + ${dms}u + (k >> 5u) * 4u));
  return vec4<f32>(wd_bytes_${b}(q)) * dm.x + dm.y;`,
  ) +
  load32(
    b,
    `  let v = wd_vec_${b}(rowByte + c * 16u);
  let h = wd_u32_${b}(rowByte + ${hs}u + c * 4u);
  let dm = unpack2x16float(wd_u32_${b}(rowByte + ${dms}u + c * 4u));
  return ${
      eight((i) =>
        `vec4<f32>(wd_bytes_${b}(${chunkNibbles(i)} | (${
          fifthBits("h", `${i * 4}u`)
        }))) * dm.x + dm.y`
      )
    };`,
  );

const Q8_0: DecoderSource = (b, [, ds]) =>
  load4(
    b,
    `  let q = wd_u32_${b}(rowByte + (k >> 5u) * 32u + (k & 31u));
  return ${int8x4("q")} * wd_f16_${b}(rowByte + ${ds}u + (k >> 5u) * 2u);`,
  ) +
  load32(
    b,
    `  let o = rowByte + c * 32u;
  let v0 = wd_vec_${b}(o); let v1 = wd_vec_${b}(o + 16u);
  let d = wd_f16_${b}(rowByte + ${ds}u + c * 2u);
  return ${eight((i) => `${int8x4(word(i))} * d`)};`,
  );

// get_scale_min_k4 of sub-block s (0..7) from a K-quant block's first 16 bytes (d, dmin and the
// 12 packed scale bytes), times (d, dmin): the sub-block's (scale, min).
const scaleMinK4 = (b: string) =>
  `fn wd_k4byte_${b}(head: vec4<u32>, t: u32) -> u32 {
  let w = select(select(head.y, head.z, t >= 4u), head.w, t >= 8u);
  return (w >> ((t & 3u) << 3u)) & 0xffu;
}
fn wd_scale_min_${b}(head: vec4<u32>, s: u32) -> vec2<f32> {
  let dm = unpack2x16float(head.x);
  let a = wd_k4byte_${b}(head, s);
  let m = wd_k4byte_${b}(head, s + 4u);
  if (s < 4u) { return dm * vec2<f32>(f32(a & 63u), f32(m & 63u)); }
  let early = wd_k4byte_${b}(head, s - 4u);
  return dm * vec2<f32>(f32((m & 15u) | ((early >> 6u) << 4u)), f32((m >> 4u) | ((a >> 6u) << 4u)));
}
`;

// Sub-block s = e / 32 of a 256 super-block; its nibbles sit in byte (s / 2) * 32 + e % 32.
const Q4_K: DecoderSource = (b) =>
  scaleMinK4(b) +
  load4(
    b,
    `  let blk = rowByte + (k >> 8u) * 144u;
  let e = k & 255u;
  let s = e >> 5u;
  let dm = wd_scale_min_${b}(wd_vec_${b}(blk), s);
  let q = (wd_u32_${b}(blk + 16u + ((s >> 1u) << 5u) + (e & 31u)) >> ((s & 1u) << 2u)) & 0x0f0f0f0fu;
  return vec4<f32>(wd_bytes_${b}(q)) * dm.x - dm.y;`,
  ) +
  load32(
    b,
    `  let blk = rowByte + (c >> 3u) * 144u;
  let s = c & 7u;
  let dm = wd_scale_min_${b}(wd_vec_${b}(blk), s);
  let o = blk + 16u + ((s >> 1u) << 5u);
  let v0 = wd_vec_${b}(o); let v1 = wd_vec_${b}(o + 16u);
  let sh = (s & 1u) << 2u;
  return ${
      eight((i) => `vec4<f32>(wd_bytes_${b}((${word(i)} >> sh) & 0x0f0f0f0fu)) * dm.x - dm.y`)
    };`,
  );

// As Q4_K, plus the fifth bit of sub-block s is bit s of qh[e % 32].
const Q5_K: DecoderSource = (b) =>
  scaleMinK4(b) +
  load4(
    b,
    `  let blk = rowByte + (k >> 8u) * 176u;
  let e = k & 255u;
  let s = e >> 5u;
  let l = e & 31u;
  let dm = wd_scale_min_${b}(wd_vec_${b}(blk), s);
  let lo = (wd_u32_${b}(blk + 48u + ((s >> 1u) << 5u) + l) >> ((s & 1u) << 2u)) & 0x0f0f0f0fu;
  let hi = ((wd_u32_${b}(blk + 16u + l) >> s) & 0x01010101u) << 4u;
  return vec4<f32>(wd_bytes_${b}(lo | hi)) * dm.x - dm.y;`,
  ) +
  load32(
    b,
    `  let blk = rowByte + (c >> 3u) * 176u;
  let s = c & 7u;
  let dm = wd_scale_min_${b}(wd_vec_${b}(blk), s);
  let o = blk + 48u + ((s >> 1u) << 5u);
  let v0 = wd_vec_${b}(o); let v1 = wd_vec_${b}(o + 16u);
  let g0 = wd_vec_${b}(blk + 16u); let g1 = wd_vec_${b}(blk + 32u);
  let sh = (s & 1u) << 2u;
  return ${
      eight((i) =>
        `vec4<f32>(wd_bytes_${b}(((${word(i)} >> sh) & 0x0f0f0f0fu) | (((${
          word(i).replace("v", "g")
        } >> s) & 0x01010101u) << 4u))) * dm.x - dm.y`
      )
    };`,
  );

// Planes ql (128 B), qh (64 B), scales (16 B), d (2 B) per 256 super-block. Halves of 128; in
// each, quarter q of 32 takes nibble q / 2 of ql[(q & 1) * 32 + l], bits 2q of qh[l] and the
// signed scale 2q + l / 16.
const Q6_K: DecoderSource = (b, [, hs, ss, ds]) =>
  load4(
    b,
    `  let sb = k >> 8u;
  let e = k & 255u;
  let half = e >> 7u;
  let quarter = (e >> 5u) & 3u;
  let l = e & 31u;
  let lo = (wd_u32_${b}(rowByte + sb * 128u + (half << 6u) + ((quarter & 1u) << 5u) + l) >> ((quarter >> 1u) << 2u)) & 0x0f0f0f0fu;
  let hi = ((wd_u32_${b}(rowByte + ${hs}u + sb * 64u + (half << 5u) + l) >> (quarter << 1u)) & 0x03030303u) << 4u;
  let sc = f32(extractBits(bitcast<i32>(wd_u8_${b}(rowByte + ${ss}u + sb * 16u + (half << 3u) + (l >> 4u) + (quarter << 1u))), 0u, 8u));
  let ds = wd_f16_${b}(rowByte + ${ds}u + sb * 2u) * sc;
  return ds * (vec4<f32>(wd_bytes_${b}(lo | hi)) - 32.0);`,
  ) +
  load32(
    b,
    `  let sb = c >> 3u;
  let half = (c >> 2u) & 1u;
  let quarter = c & 3u;
  let o = rowByte + sb * 128u + (half << 6u) + ((quarter & 1u) << 5u);
  let v0 = wd_vec_${b}(o); let v1 = wd_vec_${b}(o + 16u);
  let oh = rowByte + ${hs}u + sb * 64u + (half << 5u);
  let g0 = wd_vec_${b}(oh); let g1 = wd_vec_${b}(oh + 16u);
  let scs = bitcast<i32>(wd_u16_${b}(rowByte + ${ss}u + sb * 16u + (half << 3u) + (quarter << 1u)));
  let d = wd_f16_${b}(rowByte + ${ds}u + sb * 2u);
  let d0 = d * f32(extractBits(scs, 0u, 8u));
  let d1 = d * f32(extractBits(scs, 8u, 8u));
  let ls = (quarter >> 1u) << 2u;
  let hsh = quarter << 1u;
  return ${
      eight((i) =>
        `d${i >> 2} * (vec4<f32>(wd_bytes_${b}(((${word(i)} >> ls) & 0x0f0f0f0fu) | (((${
          word(i).replace("v", "g")
        } >> hsh) & 0x03030303u) << 4u))) - 32.0)`
      )
    };`,
  );

/** Encodings whose decoders offer `raw8_`, `lo8_` and `hi8_`. */
export const EIGHT_WIDE_TYPES: ReadonlySet<GgmlType> = new Set([GgmlType.F16, GgmlType.BF16]);

/** The decoders of every encoding the GPU can decode. */
export const DECODER_SOURCES: ReadonlyMap<GgmlType, DecoderSource> = new Map([
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
