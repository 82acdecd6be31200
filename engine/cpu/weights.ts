/**
 * Reads every tensor a model config needs (canonical names) into kernel memory: matrices in
 * their kernel's form (matrix.ts), norms and biases as f32 arrays.
 * @module
 */
import type { TensorEntry } from "../formats/mod.ts";
import {
  type LayerTensors,
  type ModelConfig,
  type ModelTensors,
  readModelTensors,
} from "../model/mod.ts";
import type { KernelMemory } from "./kernel_memory.ts";
import { type CpuMatrix, loadMatrix } from "./matrix.ts";

/** One transformer block's weights in kernel memory. */
export type CpuLayer = LayerTensors<CpuMatrix, Float32Array>;

/** A model's weights in kernel memory. */
export type CpuWeights = ModelTensors<CpuMatrix, Float32Array>;

/** Loads the weights `config` needs from `tensors`. */
export function loadCpuWeights(
  mem: KernelMemory,
  config: ModelConfig,
  tensors: ReadonlyMap<string, TensorEntry>,
  onProgress?: (done: number, total: number) => void,
): Promise<CpuWeights> {
  return readModelTensors(config, tensors, {
    matrix: (name, type, rows, cols, data) => loadMatrix(mem, name, type, rows, cols, data),
    vector: (_name, values) => values,
  }, onProgress);
}
