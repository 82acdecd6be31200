/**
 * Which backend runs a model: the GPU (WebGPU) or the CPU (WebAssembly SIMD). `auto` takes the
 * GPU only when WebGPU offers a hardware adapter: on a software adapter (llvmpipe, CI and
 * GPU-less machines) the CPU backend decodes ~36x faster (docs/decisions/0008-cpu-backend.md).
 * @module
 */
import { acquireGpu, type Gpu } from "./gpu/mod.ts";

/** A backend to load onto; `auto` picks by the adapter WebGPU offers. */
export type Backend = "auto" | "gpu" | "cpu";

/** The backends `LoadOptions.backend` accepts, for validating user input. */
export const BACKENDS: readonly Backend[] = ["auto", "gpu", "cpu"];

/** What WebGPU offers on this machine: nothing, a software rasterizer, or a real GPU. */
export type AdapterKind = "none" | "software" | "hardware";

/** Asks WebGPU for its adapter without opening a device. */
export async function probeAdapter(
  webgpu: Pick<GPU, "requestAdapter"> | null = navigator.gpu ?? null,
): Promise<AdapterKind> {
  const adapter = await webgpu?.requestAdapter({ powerPreference: "high-performance" })
    .catch(() => null);
  if (!adapter) return "none";
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return info.isFallbackAdapter ? "software" : "hardware";
}

/** The backend `auto` resolves to for an adapter of `kind`. */
export function autoBackend(kind: AdapterKind): "gpu" | "cpu" {
  return kind === "hardware" ? "gpu" : "cpu";
}

/**
 * Resolves `backend` to a concrete choice; for the GPU, the device to use (`gpu` when given,
 * else one is acquired). Under `auto`, a given `gpu` device means the GPU.
 */
export async function resolveBackend(
  backend: Backend = "auto",
  gpu?: Gpu,
): Promise<{ backend: "gpu"; gpu: Gpu } | { backend: "cpu" }> {
  if (backend !== "cpu" && gpu) return { backend: "gpu", gpu };
  const chosen = backend === "auto" ? autoBackend(await probeAdapter()) : backend;
  if (chosen === "cpu") return { backend: "cpu" };
  return { backend: "gpu", gpu: await acquireGpu() };
}
