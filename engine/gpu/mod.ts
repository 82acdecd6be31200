/** The GPU layer: device acquisition, buffers, pipeline cache. @module */
export { acquireGpu, Gpu, type GpuInfo } from "./device.ts";
export type { BufferRange } from "./canvas_reader.ts";
export { GpuError } from "./errors.ts";
