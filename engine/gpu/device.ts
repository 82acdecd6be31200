/**
 * Acquires the WebGPU device with the adapter's own maxima (models need large bindings), and
 * owns the pipeline cache. Every kernel launch in the engine goes through one `Gpu`.
 * @module
 */
import { type BufferRange, CanvasReader } from "./canvas_reader.ts";
import { GpuError } from "./errors.ts";

/** Bytes per `writeBuffer` of an upload: bounds the queue's staging copy of a large tensor. */
const UPLOAD_SLICE_BYTES = 64 << 20;

/** What the engine knows about the device it runs on. */
export interface GpuInfo {
  description: string;
  /** True on software adapters (llvmpipe), which CI uses. */
  isFallback: boolean;
  hasF16: boolean;
  hasTimestamps: boolean;
  maxStorageBindingBytes: number;
  maxBufferBytes: number;
}

/** The device plus the caches every kernel launch uses. */
export class Gpu {
  readonly device: GPUDevice;
  readonly info: GpuInfo;
  #pipelines = new Map<string, GPUComputePipeline>();
  #lost = false;
  #allocated = 0;
  #peak = 0;
  /** Free readback buffers by size: only device.destroy() returns VRAM, so they are reused. */
  #staging = new Map<number, GPUBuffer[]>();
  #stagingCreated = 0;
  #canvas: CanvasReader | null;

  /** `canvas`: the fast readback path (see canvas_reader.ts); null reads through mapAsync. */
  constructor(device: GPUDevice, info: GpuInfo, canvas: CanvasReader | null = null) {
    this.device = device;
    this.info = info;
    this.#canvas = canvas;
    // An unhandled device loss makes later mapAsync calls hang; record it so callers fail fast.
    device.lost.then(() => {
      this.#lost = true;
    });
  }

  /** True after the device was lost or destroyed. */
  get lost(): boolean {
    return this.#lost;
  }

  /**
   * The compute pipeline for `code` (entry point `main`), compiled once and cached by source.
   * Compilation errors are raised here, not silently ignored at dispatch time.
   */
  pipeline(code: string, label = "kernel"): GPUComputePipeline {
    const hit = this.#pipelines.get(code);
    if (hit) return hit;
    this.device.pushErrorScope("validation");
    const module = this.device.createShaderModule({ code, label });
    const pipeline = this.device.createComputePipeline({
      label,
      layout: "auto",
      compute: { module, entryPoint: "main" },
    });
    // Validation errors arrive asynchronously; check them so a broken kernel is reported.
    this.device.popErrorScope().then((err) => {
      if (err) console.error(`synapse: kernel ${label} failed validation: ${err.message}`);
    });
    this.#pipelines.set(code, pipeline);
    return pipeline;
  }

  /** Bytes of storage buffers created so far, at most (buffers are freed with the device). */
  get peakBytes(): number {
    return this.#peak;
  }

  /** Creates a storage buffer of at least `bytes` (rounded up to 4), optionally filled. */
  storage(bytes: number, label: string, data?: ArrayBufferView): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 4) * 4);
    if (size > this.info.maxBufferBytes) {
      throw new GpuError(
        `${label}: ${size} bytes exceeds the device's largest buffer (${this.info.maxBufferBytes})`,
      );
    }
    this.#allocated += size;
    this.#peak = Math.max(this.#peak, this.#allocated);
    const buffer = this.device.createBuffer({
      label,
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
    });
    if (data) this.#upload(buffer, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return buffer;
  }

  /**
   * Writes `bytes` to the start of `buffer` through the queue, in slices (so the staging copy
   * stays bounded) padded to 4 bytes. Not `mappedAtCreation`: on the H200 (Vulkan) that mapped
   * memory took CPU writes at ~22 MB/s, five minutes for a 6 GB model.
   */
  #upload(buffer: GPUBuffer, bytes: Uint8Array): void {
    const q = this.device.queue;
    const whole = bytes.byteLength - (bytes.byteLength % 4);
    for (let at = 0; at < whole; at += UPLOAD_SLICE_BYTES) {
      const n = Math.min(UPLOAD_SLICE_BYTES, whole - at);
      q.writeBuffer(buffer, at, bytes.buffer as ArrayBuffer, bytes.byteOffset + at, n);
    }
    if (whole < bytes.byteLength) {
      const tail = new Uint8Array(4);
      tail.set(bytes.subarray(whole));
      q.writeBuffer(buffer, whole, tail);
    }
  }

  /** Creates a uniform buffer holding `data`. */
  uniform(data: ArrayBufferView, label = "params"): GPUBuffer {
    const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
    const buffer = this.device.createBuffer({
      label,
      size,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.device.queue.writeBuffer(
      buffer,
      0,
      data.buffer as ArrayBuffer,
      data.byteOffset,
      data.byteLength,
    );
    return buffer;
  }

  /** Readback buffers created so far (they are pooled, so this stays small). */
  get stagingBuffersCreated(): number {
    return this.#stagingCreated;
  }

  /** True when reads finish as soon as the GPU does (the canvas path), not 10 ms later. */
  get readsAreImmediate(): boolean {
    return this.#canvas !== null;
  }

  /**
   * Reads `ranges` back once the GPU has finished all submitted work. The copies are appended
   * to `encoder` (which this submits) so they follow the work that produces the bytes. Each
   * result starts at a multiple of 4 bytes, so it can be viewed as 32-bit words.
   */
  async readRanges(
    ranges: BufferRange[],
    encoder: GPUCommandEncoder = this.device.createCommandEncoder(),
  ): Promise<Uint8Array[]> {
    if (this.#lost) throw new GpuError("the GPU device was lost");
    let total = 0;
    for (const r of ranges) {
      if (r.offset % 4 || r.bytes % 4) {
        throw new RangeError(`readback range ${r.offset}+${r.bytes} is not 4-byte aligned`);
      }
      total += r.bytes;
    }
    const packed = this.#canvas && total <= this.#canvas.maxBytes
      ? await this.#canvas.read(encoder, ranges, total)
      : await this.#mapRead(encoder, ranges, total);
    const out: Uint8Array[] = [];
    let at = 0;
    for (const r of ranges) {
      out.push(packed.subarray(at, at + r.bytes));
      at += r.bytes;
    }
    return out;
  }

  /** Copies `bytes` bytes of `src` from `offset` back to the CPU. */
  async read(src: GPUBuffer, bytes: number, offset = 0): Promise<ArrayBuffer> {
    const size = Math.ceil(bytes / 4) * 4;
    const [got] = await this.readRanges([{ buffer: src, offset, bytes: size }]);
    return got.buffer.slice(got.byteOffset, got.byteOffset + bytes) as ArrayBuffer;
  }

  /** The portable readback: a pooled mappable buffer and `mapAsync` (>= 10 ms under Deno). */
  async #mapRead(
    encoder: GPUCommandEncoder,
    ranges: BufferRange[],
    total: number,
  ): Promise<Uint8Array> {
    const size = 2 ** Math.ceil(Math.log2(Math.max(256, total)));
    let staging = this.#staging.get(size)?.pop();
    if (!staging) {
      this.#stagingCreated++;
      staging = this.device.createBuffer({
        label: "readback",
        size,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
    }
    let at = 0;
    for (const r of ranges) {
      encoder.copyBufferToBuffer(r.buffer, r.offset, staging, at, r.bytes);
      at += r.bytes;
    }
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = new Uint8Array(staging.getMappedRange(0, size).slice(0, total));
    staging.unmap();
    const free = this.#staging.get(size) ?? [];
    free.push(staging);
    this.#staging.set(size, free);
    return out;
  }

  /** Releases the device and all its memory (the only call that returns VRAM). */
  destroy(): void {
    this.#pipelines.clear();
    this.#canvas?.close();
    this.#canvas = null;
    this.device.destroy();
  }
}

/**
 * Opens the best WebGPU adapter and a device with its maximum buffer limits.
 * Throws `GpuError` with advice when no adapter exists. `webgpu` defaults to `navigator.gpu`
 * (null: none); `canvasReadback: false` keeps every read on `mapAsync` (tests compare the two).
 */
export async function acquireGpu(
  webgpu: Pick<GPU, "requestAdapter"> | null = navigator.gpu ?? null,
  options: { canvasReadback?: boolean } = {},
): Promise<Gpu> {
  if (!webgpu) {
    throw new GpuError("WebGPU is not available in this Deno build (navigator.gpu is missing)");
  }
  const adapter = await webgpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) {
    throw new GpuError(
      "no WebGPU adapter found: install a Vulkan driver (GPU) or Mesa's llvmpipe (CPU fallback)",
    );
  }
  const want = (name: keyof GPUSupportedLimits) => adapter.limits[name] as number;
  const features: GPUFeatureName[] = [];
  if (adapter.features.has("shader-f16")) features.push("shader-f16");
  if (adapter.features.has("timestamp-query")) features.push("timestamp-query");
  const device = await adapter.requestDevice({
    requiredFeatures: features,
    requiredLimits: {
      maxStorageBufferBindingSize: want("maxStorageBufferBindingSize"),
      maxBufferSize: want("maxBufferSize"),
      maxStorageBuffersPerShaderStage: Math.min(16, want("maxStorageBuffersPerShaderStage")),
      maxComputeWorkgroupStorageSize: want("maxComputeWorkgroupStorageSize"),
      maxComputeInvocationsPerWorkgroup: want("maxComputeInvocationsPerWorkgroup"),
      maxComputeWorkgroupSizeX: want("maxComputeWorkgroupSizeX"),
    },
  });
  const info = adapter.info;
  const canvas = options.canvasReadback === false ? null : await CanvasReader.open(device);
  return new Gpu(device, {
    description: info.description || info.vendor || "unknown adapter",
    isFallback: (info as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
    hasF16: features.includes("shader-f16"),
    hasTimestamps: features.includes("timestamp-query"),
    maxStorageBindingBytes: device.limits.maxStorageBufferBindingSize,
    maxBufferBytes: device.limits.maxBufferSize,
  }, canvas);
}
