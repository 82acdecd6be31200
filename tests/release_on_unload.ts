/**
 * Test modules' long-lived GPU devices and models, released when the module unloads (after its
 * last test). With devices left alive until process exit, full test runs here passed every test
 * and then aborted in Deno's teardown with heap corruption (2 of 9 runs, and once a lone kernel
 * test file). Releasing them first is meant to leave the runtime nothing to tear down.
 * @module
 */

/** Destroys or closes `resource` when this test module unloads. */
export function releaseOnUnload(resource: { destroy(): void } | { close(): void }): void {
  globalThis.addEventListener("unload", () => {
    if ("destroy" in resource) resource.destroy();
    else resource.close();
  });
}
