/**
 * A WebGPU device for kernel tests (the engine's `acquireGpu`: the adapter's own binding and
 * buffer maxima), plus upload, readback, a checked dispatch and a program's submit.
 * @module
 */
import { acquireGpu, type Gpu } from "../../engine/gpu/mod.ts";
import type { Program } from "../../engine/model/program.ts";
import { releaseOnUnload } from "../release_on_unload.ts";

/** The engine's device wrapper for a test module, destroyed when the module unloads. */
export async function testGpu(): Promise<Gpu> {
  const gpu = await acquireGpu();
  releaseOnUnload(gpu);
  return gpu;
}

let shared: Promise<Gpu> | undefined;

/** The wrapper behind `testDevice` and `readBack`, acquired on first use. */
function sharedGpu(): Promise<Gpu> {
  shared ??= testGpu();
  return shared;
}

/** The raw device for tests that dispatch their own WGSL, requested on first use. */
export async function testDevice(): Promise<GPUDevice> {
  return (await sharedGpu()).device;
}

/** A storage buffer holding `bytes`, padded with zeros to a multiple of 4 (at least 16 bytes). */
export function uploadBytes(device: GPUDevice, bytes: Uint8Array, label = "input"): GPUBuffer {
  const buffer = device.createBuffer({
    label,
    size: Math.max(16, Math.ceil(bytes.length / 4) * 4),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    mappedAtCreation: true,
  });
  new Uint8Array(buffer.getMappedRange()).set(bytes);
  buffer.unmap();
  return buffer;
}

/** A uniform buffer holding `words`. */
export function uploadUniform(device: GPUDevice, words: Uint32Array<ArrayBuffer>): GPUBuffer {
  const buffer = device.createBuffer({
    size: Math.max(16, words.byteLength),
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(buffer, 0, words);
  return buffer;
}

/** An empty storage buffer of `bytes` (rounded up to 4) that can be read back. */
export function outputBuffer(device: GPUDevice, bytes: number): GPUBuffer {
  return device.createBuffer({
    size: Math.max(16, Math.ceil(bytes / 4) * 4),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
  });
}

/**
 * Copies the first `bytes` of `buffer` (on `testDevice()`) back to the CPU through the engine's
 * readback, which takes the canvas path: on Mesa's GL backend every `mapAsync` adds to the
 * chance that the process aborts at exit (docs/decisions/0010-one-gpu-test-module.md).
 */
export async function readBack(device: GPUDevice, buffer: GPUBuffer, bytes: number) {
  const gpu = await sharedGpu();
  if (gpu.device !== device) throw new Error("readBack reads buffers of testDevice() only");
  return await gpu.read(buffer, bytes);
}

/**
 * Compiles `code` (entry `main`), binds `buffers` to group 0 in order and dispatches
 * `groups`; rejects with the validation message instead of silently doing nothing.
 */
export async function dispatch(
  device: GPUDevice,
  code: string,
  buffers: readonly GPUBuffer[],
  groups: readonly [number, number?],
): Promise<void> {
  device.pushErrorScope("validation");
  const module = device.createShaderModule({ code });
  const pipeline = device.createComputePipeline({
    layout: "auto",
    compute: { module, entryPoint: "main" },
  });
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(groups[0], groups[1] ?? 1);
  pass.end();
  device.queue.submit([encoder.finish()]);
  const error = await device.popErrorScope();
  if (error) throw new Error(`kernel failed validation: ${error.message}`);
}

/** Encodes `program`'s launches in one compute pass and submits it. */
export function submitProgram(gpu: Gpu, program: Program): void {
  const enc = gpu.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  program.encode(pass);
  pass.end();
  gpu.device.queue.submit([enc.finish()]);
}
