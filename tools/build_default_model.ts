/**
 * Rebuilds the embedded default model (`engine/default_model/tiny-qwen3-q8_0.gguf`) from the
 * shared tiny-qwen3 fixture with our own converter:
 * `deno run -A tools/build_default_model.ts [FIXTURE_DIR]`.
 * @module
 */
import { convertHfToGguf } from "../engine/convert/hf_to_gguf.ts";

const dir = Deno.args[0] ?? new URL("../../shared/fixtures/tiny-qwen3", import.meta.url).pathname;
const out = new URL("../engine/default_model/tiny-qwen3-q8_0.gguf", import.meta.url).pathname;
const bytes = await convertHfToGguf(dir, out);
console.log(`wrote ${out} (${(bytes / 1e6).toFixed(1)} MB)`);
