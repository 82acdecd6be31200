/**
 * writeGguf() / writeGgufFile(): what is written reads back the same, llama.cpp's own files are
 * reproduced byte for byte, and values or tensors that do not fit their declared type are refused.
 * @module
 */
import assert from "node:assert/strict";
import { GgmlType } from "../../../kernels/mod.ts";
import {
  type GgufTensorInput,
  type GgufTypedValue,
  memorySource,
  openFileSource,
  readGguf,
  writeGguf,
  writeGgufFile,
} from "../../../engine/formats/mod.ts";
import { FIXTURE_DIR } from "../../fixture_paths.ts";
import { filled } from "./format_files.ts";

const everyType: Record<string, GgufTypedValue> = {
  "t.u8": { type: "u8", value: 255 },
  "t.i8": { type: "i8", value: -128 },
  "t.u16": { type: "u16", value: 65535 },
  "t.i16": { type: "i16", value: -32768 },
  "t.u32": { type: "u32", value: 4294967295 },
  "t.i32": { type: "i32", value: -2147483648 },
  "t.f32": { type: "f32", value: 0.5 },
  "t.f64": { type: "f64", value: Math.PI },
  "t.u64.small": { type: "u64", value: 5 },
  "t.u64.big": { type: "u64", value: 2n ** 63n + 1n },
  "t.i64": { type: "i64", value: -(2n ** 62n) },
  "t.bool": { type: "bool", value: true },
  "t.string": { type: "string", value: "héllo <|im_end|>" },
  "t.strings": { type: "array", itemType: "string", value: ["a", "", "ü"] },
  "t.i32s": { type: "array", itemType: "i32", value: Int32Array.of(1, -2, 3) },
  "t.f32s": { type: "array", itemType: "f32", value: Float32Array.of(0.25, -1) },
  "t.u8s": { type: "array", itemType: "u8", value: Uint8Array.of(0, 255) },
  "t.u64s": { type: "array", itemType: "u64", value: [1, 2n ** 60n] },
  "t.bools": { type: "array", itemType: "bool", value: [true, false] },
  "t.nested": {
    type: "array",
    itemType: "array",
    value: [
      { type: "array", itemType: "string", value: ["x"] },
      { type: "array", itemType: "u16", value: Uint16Array.of(7) },
    ],
  },
};

const tensors: GgufTensorInput[] = [
  { name: "norm", type: GgmlType.F32, shape: [5], data: filled(20, 3) },
  { name: "embed", type: GgmlType.BF16, shape: [3, 4], data: filled(24, 9) },
  { name: "proj", type: GgmlType.Q4_K, shape: [2, 256], data: filled(2 * 144, 1) },
];

Deno.test("writeGguf() output reads back with the same typed metadata", async () => {
  const gguf = await readGguf(memorySource(writeGguf(everyType, tensors)));
  assert.equal(gguf.version, 3);
  assert.deepEqual(Object.fromEntries(gguf.typedMetadata), everyType);
  assert.equal(gguf.metadata.get("t.u64.small"), 5);
  assert.equal(gguf.metadata.get("t.u64.big"), 2n ** 63n + 1n);
  assert.deepEqual(gguf.metadata.get("t.nested"), [["x"], Uint16Array.of(7)]);
});

Deno.test("writeGguf() output reads back with the same tensors, shapes and bytes, 32-aligned", async () => {
  const gguf = await readGguf(
    memorySource(writeGguf({ "general.architecture": "qwen3" }, tensors)),
  );
  assert.equal(gguf.alignment, 32);
  assert.equal(gguf.dataOffset % 32, 0);
  assert.deepEqual([...gguf.tensors.keys()], ["norm", "embed", "proj"]);
  for (const tensor of tensors) {
    const entry = gguf.tensors.get(tensor.name)!;
    assert.equal(entry.type, tensor.type);
    assert.deepEqual(entry.shape, tensor.shape);
    assert.deepEqual(await entry.read(), tensor.data);
  }
});

Deno.test("writeGguf() honours a general.alignment given in the metadata", async () => {
  const bytes = writeGguf({ "general.alignment": { type: "u32", value: 64 } }, tensors);
  const gguf = await readGguf(memorySource(bytes));
  assert.equal(gguf.alignment, 64);
  assert.equal(gguf.dataOffset % 64, 0);
  assert.equal(bytes.byteLength % 64, 0);
  assert.deepEqual(await gguf.tensors.get("proj")!.read(), tensors[2].data);
});

Deno.test("writeGguf() reproduces llama.cpp's own GGUF files byte for byte", async () => {
  for (const file of ["lora-math-f16.gguf", "tiny-Q8_0.gguf"]) {
    const path = `${FIXTURE_DIR}/gguf/${file}`;
    const source = await openFileSource(path);
    try {
      const gguf = await readGguf(source);
      const inputs: GgufTensorInput[] = [];
      for (const t of gguf.tensors.values()) inputs.push({ ...t, data: await t.read() });
      const rewritten = writeGguf(gguf.typedMetadata, inputs);
      const original = await Deno.readFile(path);
      assert.equal(rewritten.byteLength, original.byteLength, file);
      assert.ok(rewritten.every((b, i) => b === original[i]), `${file} differs`);
    } finally {
      source.close();
    }
  }
});

Deno.test("writeGgufFile() streams the same bytes as writeGguf(), producing tensor data lazily", async () => {
  const path = await Deno.makeTempFile({ suffix: ".gguf" });
  try {
    const produced: string[] = [];
    const lazy = tensors.map((t) => ({ ...t, data: () => (produced.push(t.name), t.data) }));
    const written = await writeGgufFile(path, everyType, lazy);
    assert.deepEqual(produced, ["norm", "embed", "proj"]);
    const expected = writeGguf(everyType, tensors);
    assert.equal(written, expected.byteLength);
    assert.deepEqual(await Deno.readFile(path), expected);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("writeGguf() refuses values that do not fit their declared type", () => {
  // deno-lint-ignore no-explicit-any
  const write = (value: any) => () => writeGguf({ k: value }, []);
  assert.throws(write(5), { name: "TypeError", message: /"k": a number is ambiguous/ });
  assert.throws(write({ type: "u8", value: 300 }), {
    name: "RangeError",
    message: /300 does not fit a u8/,
  });
  assert.throws(write({ type: "u32", value: 1.5 }), {
    name: "RangeError",
    message: /not a safe integer/,
  });
  assert.throws(write({ type: "i64", value: 2n ** 63n }), {
    name: "RangeError",
    message: /does not fit a i64/,
  });
  assert.throws(write([1, 2]), {
    name: "TypeError",
    message: /metadata "k" item 0: expected a string, found number/,
  });
  assert.throws(write({ type: "u128", value: 1 }), {
    name: "TypeError",
    message: /unknown GGUF value type "u128"/,
  });
});

Deno.test("writeGguf() refuses tensors whose data, shape or name does not fit", () => {
  const f32 = { name: "w", type: GgmlType.F32, shape: [2, 3], data: new Uint8Array(24) };
  assert.throws(
    () => writeGguf({}, [{ ...f32, data: new Uint8Array(20) }]),
    /"w" F32 \[2,3\] needs 24 bytes of data, found 20/,
  );
  assert.throws(() => writeGguf({}, [f32, f32]), /tensor "w" is given twice/);
  assert.throws(() => writeGguf({}, [{ ...f32, shape: [1, 1, 1, 1, 24] }]), /5 dimensions/);
  assert.throws(() => writeGguf({}, [{ ...f32, shape: [0, 3] }]), /positive integers/);
  const q8 = { name: "q", type: GgmlType.Q8_0, shape: [1, 48], data: new Uint8Array(51) };
  assert.throws(
    () => writeGguf({}, [q8]),
    /"q" \(Q8_0, \[1,48\]\).*not a multiple of Q8_0's block of 32/,
  );
});
