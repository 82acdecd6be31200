/**
 * One shared WebAssembly memory holding a model's weights and scratch, the kernel module
 * instantiated over it, and a bump allocator: everything is allocated once at load, so the
 * memory only grows while loading and typed-array views of it stay valid (shared memory never
 * detaches its buffer).
 * @module
 */
import { emitModule } from "./wasm_emitter.ts";
import { cpuKernelFunctions } from "./wasm_kernels.ts";

const PAGE = 65536;
/** wasm32 addresses 4 GiB; the module declares that maximum so large models can grow into it. */
const MAX_PAGES = 65536;

/** The kernels' shared signature (see wasm_kernels.ts): pointers and sizes. */
export type GemmKernel = (
  w: number,
  ws: number,
  x: number,
  xs: number,
  out: number,
  rows: number,
  colsOrBlocks: number,
  tokens: number,
  outStride: number,
) => void;

/** The exported kernels. */
export interface CpuKernelExports {
  gemmQ8_0: GemmKernel;
  gemmF32: GemmKernel;
}

/** More memory was needed than wasm32 can address. */
export class CpuMemoryError extends Error {
  override name = "CpuMemoryError";
}

let compiled: WebAssembly.Module | null = null;

/** The kernel module, emitted and compiled once per process. */
export function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(emitModule(cpuKernelFunctions(), 1, MAX_PAGES));
  return compiled;
}

/** A model's memory and the kernels that run over it. */
export class KernelMemory {
  readonly memory: WebAssembly.Memory;
  readonly kernels: CpuKernelExports;
  #top = 16; // address 0 stays unused so a zero pointer is never valid data

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const instance = new WebAssembly.Instance(kernelModule(), { env: { memory: this.memory } });
    this.kernels = instance.exports as unknown as CpuKernelExports;
  }

  /** Bytes allocated so far. */
  get bytes(): number {
    return this.#top;
  }

  /** Reserves `bytes` (aligned to 64 bytes, a cache line) and returns the address. */
  alloc(bytes: number): number {
    const ptr = Math.ceil(this.#top / 64) * 64;
    const end = ptr + bytes;
    if (end > MAX_PAGES * PAGE) {
      throw new CpuMemoryError(
        `the CPU backend needs ${(end / 2 ** 30).toFixed(2)} GiB; WebAssembly memory holds 4 GiB ` +
          "(weights other than Q8_0 are kept as f32: use a Q8_0 file for larger models)",
      );
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.#top = end;
    return ptr;
  }

  f32(ptr: number, length: number): Float32Array<SharedArrayBuffer> {
    return new Float32Array(this.memory.buffer as SharedArrayBuffer, ptr, length);
  }

  i8(ptr: number, length: number): Int8Array<SharedArrayBuffer> {
    return new Int8Array(this.memory.buffer as SharedArrayBuffer, ptr, length);
  }

  i16(ptr: number, length: number): Int16Array<SharedArrayBuffer> {
    return new Int16Array(this.memory.buffer as SharedArrayBuffer, ptr, length);
  }

  /** Allocates `length` f32 and returns the address and a view. */
  allocF32(length: number): { ptr: number; view: Float32Array<SharedArrayBuffer> } {
    const ptr = this.alloc(length * 4);
    return { ptr, view: this.f32(ptr, length) };
  }
}
