/**
 * The backends every engine conformance test (golden, llama.cpp GGUF, sampling, adapters) runs
 * on: WebGPU (llvmpipe where there is no GPU) and the CPU backend. Tests of one backend's
 * internals (GPU schedules, readback pools) ask for it by name instead.
 */
import type { Backend } from "../../engine/mod.ts";

/** Each backend a conformance test runs on. */
export const ENGINE_BACKENDS: readonly Exclude<Backend, "auto">[] = ["gpu", "cpu"];
