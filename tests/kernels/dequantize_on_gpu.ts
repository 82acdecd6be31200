/**
 * Runs kernels/dequant.ts's whole-matrix kernel on the test device: weight bytes as the file
 * stores them in (moved into the GPU layout as the engine uploads them), f32 values out. Shared
 * by the synthetic and the fixture dequantization tests.
 * @module
 */
import {
  dequantizeRowsDispatch,
  dequantizeRowsParams,
  type GgmlType,
  toGpuLayout,
  wgslDequantizeRowsKernel,
} from "../../kernels/mod.ts";
import { dispatch, outputBuffer, readBack, uploadBytes, uploadUniform } from "./gpu_test_device.ts";

/**
 * Decodes `rows` rows of `k` values of encoding `type` from `bytes` (file layout), placed in the
 * GPU buffer at byte `firstRowByte` (a multiple of 16) after junk. A lower
 * `maxWorkgroupsPerDimension` forces the 2-D dispatch grid that large matrices need.
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
  const gpuRows = toGpuLayout(type, k, rows, bytes);
  const placed = new Uint8Array(firstRowByte + gpuRows.length).fill(0xa5);
  placed.set(gpuRows, firstRowByte);
  const weights = uploadBytes(device, placed, "weights");
  const output = outputBuffer(device, rows * k * 4);
  const uniform = uploadUniform(device, params);
  const groups = dequantizeRowsDispatch(rows, k, maxWorkgroupsPerDimension);
  try {
    await dispatch(device, wgslDequantizeRowsKernel(type, k), [weights, output, uniform], groups);
    return new Float32Array(await readBack(device, output, rows * k * 4));
  } finally {
    weights.destroy();
    output.destroy();
    uniform.destroy();
  }
}
