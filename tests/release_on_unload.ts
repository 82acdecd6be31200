/**
 * Test modules' long-lived GPU devices and models, destroyed when the module unloads (after its
 * last test; for the GPU suite, tests/gpu_test.ts, when the whole suite ends) rather than left to
 * the runtime's teardown. It was added against the exit abort on Mesa's GL backend, which turned
 * out to come from several WebGPU instances and from `mapAsync` instead: destroying or keeping
 * the devices made no measurable difference (docs/decisions/0010-one-gpu-test-module.md).
 * @module
 */

/** Destroys or closes `resource` when this test module unloads. */
export function releaseOnUnload(resource: { destroy(): void } | { close(): void }): void {
  globalThis.addEventListener("unload", () => {
    if ("destroy" in resource) resource.destroy();
    else resource.close();
  });
}
