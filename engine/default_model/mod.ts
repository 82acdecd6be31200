/**
 * The embedded default model: tiny-qwen3 (20.9M parameters, Q8_0), made from the shared fixture
 * by `tools/build_default_model.ts`. Imported as bytes so a bundle or compiled binary carries it;
 * loaded lazily so commands that don't need it don't pay for it.
 * @module
 */

/** Name users pass to get the embedded model. */
export const DEFAULT_MODEL_NAME = "default";

/** The GGUF bytes of the embedded model. */
export async function defaultModelBytes(): Promise<Uint8Array> {
  return (await import("./model_bytes.ts")).DEFAULT_MODEL_BYTES;
}
