/**
 * Runs kernels/dequant.ts's whole-matrix kernel on the test device: raw weight bytes in,
 * f32 values out. Shared by the synthetic and the fixture dequantization tests.
 * @module
 */
import {
  dequantizeRowsDispatch,
  dequantizeRowsParams,
  type GgmlType,
  wgslDequantizeRowsKernel,
} from "../../kernels/mod.ts";
import { dispatch, outputBuffer, readBack, uploadBytes, uploadUniform } from "./gpu_test_device.ts";

/**
 * Decodes `rows` rows of `k` values of encoding `type` that start at byte `firstRowByte` of
 * `bytes` (the buffer is exactly `bytes`, padded to 4). A lower `maxWorkgroupsPerDimension`
 * forces the 2-D dispatch grid that large matrices need.
 */
export async function dequantizeOnGpu(
  device: GPUDevice,
  type: GgmlType,
  bytes: Uint8Array,
  rows: number,
  k: number,
  firstRowByte = 0,
  maxWorkgroupsPerDimension = device.limits.maxComputeWorkgroupsPerDimension,
): Promise<Float32Array> {
  const params = dequantizeRowsParams(type, { rows, k, firstRowByte });
  const weights = uploadBytes(device, bytes, "weights");
  const output = outputBuffer(device, rows * k * 4);
  const uniform = uploadUniform(device, params);
  const groups = dequantizeRowsDispatch(rows, k, maxWorkgroupsPerDimension);
  try {
    await dispatch(device, wgslDequantizeRowsKernel(type), [weights, output, uniform], groups);
    return new Float32Array(await readBack(device, output, rows * k * 4));
  } finally {
    weights.destroy();
    output.destroy();
    uniform.destroy();
  }
}
