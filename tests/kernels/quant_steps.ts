/**
 * The quantization step of every (sub-)block of a tensor, read from its bytes: what one level
 * of the encoding is worth there, so decoding errors can be bounded in steps.
 * @module
 */
import { f16BitsToF32, GgmlType, scaleMinK4 } from "../../kernels/mod.ts";

/** Steps of consecutive groups of `group` values (0 for exact encodings, one per value). */
export interface QuantSteps {
  readonly group: number;
  readonly steps: Float32Array;
}

const f16At = (b: Uint8Array, o: number) => f16BitsToF32(b[o] | (b[o + 1] << 8));

/** |d| of each 32-value block whose f16 d sits at byte 0 of `blockBytes`-byte blocks. */
function blockScales(bytes: Uint8Array, n: number, blockBytes: number): QuantSteps {
  return {
    group: 32,
    steps: Float32Array.from({ length: n / 32 }, (_, i) => Math.abs(f16At(bytes, i * blockBytes))),
  };
}

/** d * scale of each 32-value sub-block of Q4_K/Q5_K super-blocks. */
function kScales(bytes: Uint8Array, n: number, blockBytes: number): QuantSteps {
  const sm = new Uint8Array(2);
  const steps = Float32Array.from({ length: n / 32 }, (_, i) => {
    const o = Math.floor(i / 8) * blockBytes;
    scaleMinK4(bytes, o + 4, i % 8, sm);
    return f16At(bytes, o) * sm[0];
  });
  return { group: 32, steps };
}

/** |d * scale| of each 16-value sub-block of Q6_K super-blocks. */
function q6Scales(bytes: Uint8Array, n: number): QuantSteps {
  const steps = Float32Array.from({ length: n / 16 }, (_, i) => {
    const o = Math.floor(i / 16) * 210;
    return Math.abs(f16At(bytes, o + 208) * ((bytes[o + 192 + (i % 16)] << 24) >> 24));
  });
  return { group: 16, steps };
}

/** The step of every group of the `n` values encoded in `bytes`. */
export function quantSteps(type: GgmlType, bytes: Uint8Array, n: number): QuantSteps {
  switch (type) {
    case GgmlType.Q8_0:
      return blockScales(bytes, n, 34);
    case GgmlType.Q4_0:
      return blockScales(bytes, n, 18);
    case GgmlType.Q4_1:
      return blockScales(bytes, n, 20);
    case GgmlType.Q5_0:
      return blockScales(bytes, n, 22);
    case GgmlType.Q5_1:
      return blockScales(bytes, n, 24);
    case GgmlType.Q4_K:
      return kScales(bytes, n, 144);
    case GgmlType.Q5_K:
      return kScales(bytes, n, 176);
    case GgmlType.Q6_K:
      return q6Scales(bytes, n);
    case GgmlType.F32:
      return { group: 1, steps: new Float32Array(n) };
    default:
      throw new Error(`quantSteps: no step rule for type ${type}`);
  }
}
