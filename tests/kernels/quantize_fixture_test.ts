/**
 * External ground truth for the ggml-style quantizers: llama-quantize's own bytes for every
 * Q8_0, Q5_0 and Q5_1 tensor of the fixture, reproduced from the bf16 weights.
 * @module
 */
import assert from "node:assert/strict";
import { GgmlType, ggmlTypeName, quantize } from "../../kernels/mod.ts";
import { fixtureTensors, GGUF_FILES } from "./fixture_weights.ts";

const REFERENCE_QUANTIZED = new Set([GgmlType.Q8_0, GgmlType.Q5_0, GgmlType.Q5_1]);

for (const file of GGUF_FILES) {
  Deno.test(`quantize() reproduces llama-quantize's bytes for the Q8_0/Q5_0/Q5_1 tensors of tiny-${file}.gguf`, async () => {
    let checked = 0;
    for await (const t of fixtureTensors(file)) {
      if (!REFERENCE_QUANTIZED.has(t.type)) continue;
      // llama-quantize read the f16 GGUF that convert_hf_to_gguf wrote from these bf16 weights.
      const source = t.reference.map(Math.f16round);
      const bytes = quantize(t.type, source);
      const first = bytes.findIndex((b, i) => b !== t.bytes[i]);
      assert.equal(bytes.length, t.bytes.length, t.name);
      assert.equal(first, -1, `${t.name} (${ggmlTypeName(t.type)}) differs at byte ${first}`);
      checked++;
    }
    assert.equal(checked, file === "Q8_0" ? 43 : 37);
  });
}
