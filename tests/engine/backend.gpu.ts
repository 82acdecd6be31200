/** `auto` picks the CPU backend unless WebGPU offers a hardware adapter. */
import assert from "node:assert/strict";
import {
  acquireGpu,
  autoBackend,
  CpuModel,
  GpuModel,
  loadModel,
  probeAdapter,
} from "../../engine/mod.ts";

function fakeWebGpu(adapter: { info: { isFallbackAdapter?: boolean } } | null) {
  return { requestAdapter: () => Promise.resolve(adapter as GPUAdapter | null) };
}

Deno.test("backend: no adapter or a software one means the CPU, a hardware adapter the GPU", async () => {
  assert.equal(await probeAdapter(null), "none");
  assert.equal(await probeAdapter(fakeWebGpu(null)), "none");
  assert.equal(await probeAdapter(fakeWebGpu({ info: { isFallbackAdapter: true } })), "software");
  assert.equal(await probeAdapter(fakeWebGpu({ info: { isFallbackAdapter: false } })), "hardware");
  assert.equal(autoBackend("none"), "cpu");
  assert.equal(autoBackend("software"), "cpu");
  assert.equal(autoBackend("hardware"), "gpu");
});

Deno.test("backend: loadModel with backend gpu runs on the WebGPU adapter and says which", async () => {
  const m = await loadModel("default", { backend: "gpu" });
  try {
    assert.ok(m instanceof GpuModel);
    assert.equal(m.runsOn, `${m.gpu.info.description} (WebGPU)`);
  } finally {
    m.close();
  }
});

Deno.test("backend: closing a GPU model destroys the device it opened (only that returns its memory); a device the caller passed stays usable", async () => {
  const own = await loadModel("default", { backend: "gpu" }) as GpuModel;
  const lost = own.gpu.device.lost;
  own.close();
  assert.equal((await lost).reason, "destroyed");

  const gpu = await acquireGpu();
  try {
    const lent = await loadModel("default", { backend: "gpu", gpu });
    lent.close();
    const data = new Uint8Array([1, 2, 3, 4]);
    const back = await gpu.read(gpu.storage(4, "after close", data), 4);
    assert.deepEqual(new Uint8Array(back), data);
  } finally {
    gpu.destroy();
  }
});

Deno.test("backend: loadModel with backend cpu returns a CpuModel that says so", async () => {
  const m = await loadModel("default", { backend: "cpu", threads: 2 });
  try {
    assert.ok(m instanceof CpuModel);
    assert.match(m.runsOn, /^CPU \(WebAssembly SIMD, 2 threads\)$/);
  } finally {
    m.close();
  }
});
