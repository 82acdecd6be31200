/**
 * LoRA adapters: reading PEFT folders and llama.cpp GGUF LoRA files into f32 matrices, and the
 * GPU pool that keeps them resident, unmerged, per slot.
 * @module
 */
export { loadLora } from "./load.ts";
export { LORA_MODULES, loraDims, type LoraModule, LoraPool, type LoraWeights } from "./pool.ts";
