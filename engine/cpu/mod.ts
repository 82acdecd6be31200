/**
 * The CPU backend: the engine's `Model` on WebAssembly SIMD kernels, for machines without a
 * usable GPU (no WebGPU adapter, or a software one such as llvmpipe).
 * @module
 */
export { CpuModel, type CpuModelOptions, loadCpuModel } from "./model.ts";
export { CpuMemoryError } from "./kernel_memory.ts";
export { CpuWeightError } from "./matrix.ts";
export { RowSplitError } from "./row_split.ts";
export { seededRandom } from "./sampler.ts";
