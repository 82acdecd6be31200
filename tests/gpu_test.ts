/**
 * Every test that touches WebGPU, run as one test module.
 *
 * Why one module: `deno test` runs each module in its own worker with its own WebGPU instance.
 * On machines whose adapter is wgpu's GL backend over Mesa's llvmpipe (the CI machines: no Vulkan
 * driver), a process in which two or more workers have created an instance often corrupts its
 * heap by exit: runs pass every test and then abort ("corrupted size vs. prev_size", "free():
 * invalid pointer" in a thread's TSD destructor). Measured here with plain Deno tests, each taking a
 * device, running a dispatch and reading it back: 1 module aborted 0 runs in 30, 2 modules 2 in 30,
 * 6 modules 11 in 30. Within one module, `mapAsync` reads raise the chance again, so the kernel
 * helpers read through the canvas. See docs/decisions/0010-one-gpu-test-module.md.
 *
 * The GPU test files are named `*.gpu.ts` so discovery skips them; `deno test -A FILE.gpu.ts`
 * runs one alone. `deno task test` preloads tests/gpu_guard.ts, which fails any other module
 * that asks for an adapter, and the test below fails when a `*.gpu.ts` file is missing here.
 * @module
 */
import "./cli/cli.gpu.ts";
import "./e2e/chat_cli.gpu.ts";
import "./e2e/pull_run.gpu.ts";
import "./e2e/specialists.gpu.ts";
import "./engine/adapter_slots.gpu.ts";
import "./engine/backend.gpu.ts";
import "./engine/gguf_model.gpu.ts";
import "./engine/golden.gpu.ts";
import "./engine/gpu/device.gpu.ts";
import "./engine/gpu/readback.gpu.ts";
import "./engine/load_errors.gpu.ts";
import "./engine/prefix_reuse.gpu.ts";
import "./engine/sampling.gpu.ts";
import "./kernels/attention.gpu.ts";
import "./kernels/decode_attention.gpu.ts";
import "./kernels/dequant.gpu.ts";
import "./kernels/dequant_fixture.gpu.ts";
import "./kernels/gemm.gpu.ts";
import "./kernels/matmul.gpu.ts";
import "./kernels/sample.gpu.ts";
import "./server/lifecycle.gpu.ts";
import "./server/ollama.gpu.ts";
import "./server/openai.gpu.ts";
import "./server/routes/swarm.gpu.ts";
import "./server/swarm_backend.gpu.ts";
import "./swarm/adapter_pool.gpu.ts";
import "./swarm/cloud_fallback.gpu.ts";
import "./swarm/swarm.gpu.ts";
import "./swarm/swarm_learning.gpu.ts";

import assert from "node:assert/strict";

/** The `*.gpu.ts` files under tests/, relative to it, sorted. */
async function gpuTestFiles(dir = new URL("./", import.meta.url), prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) {
      files.push(...await gpuTestFiles(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`));
    } else if (entry.name.endsWith(".gpu.ts")) files.push(`./${prefix}${entry.name}`);
  }
  return files.sort();
}

Deno.test("every *.gpu.ts test file under tests/ is imported by this suite", async () => {
  const source = await Deno.readTextFile(new URL(import.meta.url));
  const imported = [...source.matchAll(/^import "(\.\/[^"]+\.gpu\.ts)";$/gm)].map((m) => m[1])
    .sort();
  assert.deepEqual(imported, await gpuTestFiles());
});
