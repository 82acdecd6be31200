/** Device acquisition: limits from the adapter, and clear errors when there is no GPU at all. */
import assert from "node:assert/strict";
import { acquireGpu, GpuError } from "../../../engine/mod.ts";

Deno.test("acquireGpu: a machine without WebGPU gets an error that says so", async () => {
  await assert.rejects(
    acquireGpu(null),
    (e: Error) => e instanceof GpuError && /WebGPU is not available/.test(e.message),
  );
});

Deno.test("acquireGpu: no adapter gets an error naming what to install", async () => {
  // What a machine without Vulkan and without Mesa's llvmpipe answers; not reproducible here.
  const noAdapter = { requestAdapter: () => Promise.resolve(null) };
  await assert.rejects(
    acquireGpu(noAdapter),
    (e: Error) =>
      e instanceof GpuError && /no WebGPU adapter found/.test(e.message) &&
      /llvmpipe/.test(e.message),
  );
});

Deno.test("acquireGpu: the device gets the adapter's binding limits", async () => {
  const gpu = await acquireGpu();
  try {
    const adapter = await navigator.gpu.requestAdapter();
    assert.equal(gpu.info.maxStorageBindingBytes, adapter!.limits.maxStorageBufferBindingSize);
    assert.equal(gpu.info.hasF16, adapter!.features.has("shader-f16"));
  } finally {
    gpu.destroy();
  }
});
