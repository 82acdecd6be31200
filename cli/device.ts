/**
 * What the machine offers: the WebGPU adapter (vendor, architecture, limits; llvmpipe on CPU-only
 * machines) and system memory, for `synapse status` and `/api/status`.
 * @module
 */

/** The device as `status` shows it. */
export interface DeviceReport {
  gpu: {
    available: boolean;
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    /** True for software adapters (llvmpipe). */
    fallback?: boolean;
    maxBufferSize?: number;
    maxStorageBufferBindingSize?: number;
    shaderF16?: boolean;
  };
  memory?: { total: number; available: number };
}

/** Asks WebGPU and the OS; never throws (missing pieces are left out). */
export async function describeDevice(): Promise<DeviceReport> {
  const report: DeviceReport = { gpu: { available: false } };
  try {
    const adapter = await navigator.gpu?.requestAdapter();
    if (adapter) {
      const info = adapter.info;
      report.gpu = {
        available: true,
        vendor: info.vendor,
        architecture: info.architecture,
        device: info.device,
        description: info.description,
        fallback: /llvmpipe|swiftshader|software/i.test(
          `${info.description} ${info.device} ${info.architecture}`,
        ) ||
          (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter === true,
        maxBufferSize: adapter.limits.maxBufferSize,
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        shaderF16: adapter.features.has("shader-f16"),
      };
    }
  } catch {
    // No WebGPU: reported as unavailable.
  }
  try {
    const memory = Deno.systemMemoryInfo();
    report.memory = { total: memory.total, available: memory.available };
  } catch {
    // Not permitted (--allow-sys): left out.
  }
  return report;
}
