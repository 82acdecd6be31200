/** Errors raised by the GPU layer. @module */

/** No WebGPU adapter, a device that cannot give what the model needs, or a lost device. */
export class GpuError extends Error {
  override name = "GpuError";
}
