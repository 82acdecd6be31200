/**
 * readGguf() on broken files, each made by mutating bytes of a small file from our own writer:
 * every one must fail with a ModelFormatError that names the problem, before allocating.
 * @module
 */
import assert from "node:assert/strict";
import { memorySource, ModelFormatError, readGguf } from "../../../engine/formats/mod.ts";
import {
  after,
  assertFormatError,
  find,
  patched,
  recordingSource,
  smallGguf,
} from "./format_files.ts";

const file = smallGguf();
const read = (bytes: Uint8Array) => readGguf(memorySource(bytes, "bad.gguf"));

/** Offsets inside the tensor info of `name`: n_dims, first dim, type, data offset. */
function tensorInfo(bytes: Uint8Array, name: string, nDims = 2) {
  const nDimsAt = after(bytes, name);
  return {
    nDimsAt,
    dimAt: nDimsAt + 4,
    typeAt: nDimsAt + 4 + 8 * nDims,
    offsetAt: nDimsAt + 8 + 8 * nDims,
  };
}

Deno.test("readGguf() reads the small test file it is about to break", async () => {
  const gguf = await read(file);
  assert.deepEqual([...gguf.tensors.keys()], ["tensor.one", "tensor.two"]);
  assert.deepEqual(gguf.metadata.get("tokenizer.ggml.tokens"), ["hello", "wörld", "!"]);
});

Deno.test("readGguf() rejects a file whose magic is not GGUF", async () => {
  const bad = file.slice();
  bad.set(new TextEncoder().encode("GGUX"), 0);
  await assertFormatError(read(bad), /^bad\.gguf: not a GGUF file \(magic "GGUX" = 0x47475558/);
  await assertFormatError(read(new Uint8Array([0x47, 0x47])), /not a GGUF file \(only 2 bytes/);
});

Deno.test("readGguf() rejects versions other than 2 and 3, and big-endian files", async () => {
  await assertFormatError(
    read(patched(file, 4, 1, 4)),
    /unsupported GGUF version 1 \(expected 2 or 3\)/,
  );
  await assertFormatError(
    read(patched(file, 4, 0x03000000, 4)),
    /big-endian GGUF files are not supported/,
  );
});

Deno.test("readGguf() rejects the file cut at every byte of its header", async () => {
  const { dataOffset } = await read(file);
  for (let cut = 0; cut < dataOffset; cut++) {
    const error = await read(file.subarray(0, cut)).then(() => null, (e) => e);
    assert.ok(error instanceof ModelFormatError, `cut at ${cut}: ${error}`);
  }
});

Deno.test("readGguf() says where a truncated header ends: header, metadata or tensor info", async () => {
  await assertFormatError(
    read(file.subarray(0, 12)),
    /truncated: the file ends at byte 12 inside the GGUF header/,
  );
  // past the array's type and count (16 bytes), 30 of its 36 bytes of strings
  const insideTokens = after(file, "tokenizer.ggml.tokens") + 16 + 30;
  await assertFormatError(
    read(file.subarray(0, insideTokens)),
    /truncated: .* inside the value of metadata key "tokenizer\.ggml\.tokens"/,
  );
  const insideInfo = tensorInfo(file, "tensor.two").dimAt + 3;
  await assertFormatError(
    read(file.subarray(0, insideInfo)),
    /truncated: .* inside the info of tensor "tensor\.two"/,
  );
});

Deno.test("readGguf() rejects a file cut inside tensor data, naming the tensor and both sizes", async () => {
  // tensor.two's 204 bytes are followed by 20 bytes of padding to the alignment
  const cut = file.length - 30;
  await assertFormatError(
    read(file.subarray(0, cut)),
    new RegExp(
      `tensor "tensor\\.two" data ends at byte ${file.length - 20} but the file has ${cut} bytes`,
    ),
  );
});

Deno.test("readGguf() rejects a tensor whose data offset points past the end of the file", async () => {
  const { offsetAt } = tensorInfo(file, "tensor.one");
  await assertFormatError(
    read(patched(file, offsetAt, 1 << 20, 8)),
    /tensor "tensor\.one" data ends at byte \d+ but the file has \d+ bytes/,
  );
});

Deno.test("readGguf() rejects an unknown tensor type, naming the tensor and the type id", async () => {
  const { typeAt } = tensorInfo(file, "tensor.one");
  await assertFormatError(
    read(patched(file, typeAt, 99, 4)),
    /tensor "tensor\.one" has unknown type id 99/,
  );
  await assertFormatError(
    read(patched(file, typeAt, 10, 4)),
    /tensor "tensor\.one" has type Q2_K \(id 10\), which synapse cannot load/,
  );
});

Deno.test("readGguf() fails fast on a tensor count of 2^62 without reading past the header", async () => {
  for (const [at, what] of [[8, "tensors"], [16, "metadata keys"]] as const) {
    const source = recordingSource(patched(file, at, 2n ** 62n, 8));
    await assertFormatError(
      readGguf(source),
      new RegExp(`header declares 4611686018427387904 ${what} \\(at most`),
    );
    assert.ok(source.longestRead <= file.length);
  }
  await assertFormatError(
    read(patched(file, 8, 1000, 8)),
    /declares 1000 tensors, which need at least 33000 bytes/,
  );
});

Deno.test("readGguf() fails fast on a string length of 2^40", async () => {
  const keyLengthAt = find(file, "general.architecture") - 8;
  const source = recordingSource(patched(file, keyLengthAt, 2n ** 40n, 8));
  await assertFormatError(
    readGguf(source),
    /metadata key #0 declares a string of 1099511627776 bytes/,
  );
  assert.ok(source.longestRead <= file.length);
  const valueLengthAt = after(file, "general.name") + 4;
  await assertFormatError(
    read(patched(file, valueLengthAt, 2n ** 40n, 8)),
    /the value of metadata key "general\.name" declares a string of 1099511627776 bytes/,
  );
});

Deno.test("readGguf() fails fast on an array length of 2^50", async () => {
  const countAt = after(file, "tokenizer.ggml.tokens") + 8;
  const source = recordingSource(patched(file, countAt, 2n ** 50n, 8));
  await assertFormatError(
    readGguf(source),
    /"tokenizer\.ggml\.tokens" declares an array of 1125899906842624 string items, which needs at least 9007199254740992 bytes/,
  );
  assert.ok(source.longestRead <= file.length);
});

Deno.test("readGguf() rejects tensors with 0 or 9 dimensions", async () => {
  const { nDimsAt } = tensorInfo(file, "tensor.two");
  for (const nDims of [0, 9]) {
    await assertFormatError(
      read(patched(file, nDimsAt, nDims, 4)),
      new RegExp(`tensor "tensor\\.two" has ${nDims} dimensions \\(expected 1 to 4\\)`),
    );
  }
});

Deno.test("readGguf() rejects zero dims and dims whose product passes 2^53", async () => {
  const { dimAt } = tensorInfo(file, "tensor.one");
  await assertFormatError(
    read(patched(file, dimAt + 8, 0, 8)),
    /tensor "tensor\.one" has dimension 0/,
  );
  const huge = patched(patched(file, dimAt, 2n ** 40n, 8), dimAt + 8, 2n ** 40n, 8);
  await assertFormatError(
    read(huge),
    /tensor "tensor\.one" dims \[1099511627776,1099511627776\] hold more than 2\^53/,
  );
});

Deno.test("readGguf() rejects rows that are not a whole number of quantization blocks", async () => {
  const { dimAt } = tensorInfo(file, "tensor.two");
  await assertFormatError(
    read(patched(file, dimAt, 48, 8)),
    /tensor "tensor\.two" has rows of 48 elements, not a multiple of Q8_0's block of 32/,
  );
});

Deno.test("readGguf() rejects a tensor data offset that is not aligned", async () => {
  const { offsetAt } = tensorInfo(file, "tensor.two");
  const offset = Number(new DataView(file.buffer).getBigUint64(offsetAt, true));
  await assertFormatError(
    read(patched(file, offsetAt, offset + 4, 8)),
    new RegExp(
      `tensor "tensor\\.two" data offset ${offset + 4} is not a multiple of the alignment 32`,
    ),
  );
});

Deno.test("readGguf() rejects duplicate tensor names and duplicate metadata keys", async () => {
  const twoTensors = file.slice();
  twoTensors.set(new TextEncoder().encode("tensor.one"), find(file, "tensor.two"));
  await assertFormatError(read(twoTensors), /tensor "tensor\.one" appears twice/);
  const twoKeys = file.slice();
  twoKeys.set(new TextEncoder().encode("general.name"), find(file, "general.flag"));
  await assertFormatError(read(twoKeys), /metadata key "general\.name" appears twice/);
});

Deno.test("readGguf() rejects a general.alignment that is not a u32 power of two up to 1 MiB", async () => {
  const aligned = smallGguf({ "general.alignment": { type: "u32", value: 64 } });
  assert.equal((await read(aligned)).alignment, 64);
  const valueAt = after(aligned, "general.alignment") + 4;
  await assertFormatError(
    read(patched(aligned, valueAt, 48, 4)),
    /power of two from 1 to 1048576, found 48/,
  );
  await assertFormatError(read(patched(aligned, valueAt, 2 ** 30, 4)), /found 1073741824/);
  await assertFormatError(
    read(patched(aligned, valueAt - 4, 5, 4)),
    /general\.alignment must be a u32, found a i32/,
  );
});

Deno.test("readGguf() rejects unknown metadata value types and bools other than 0 and 1", async () => {
  const typeAt = after(file, "general.flag");
  await assertFormatError(
    read(patched(file, typeAt, 13, 4)),
    /the value of metadata key "general\.flag" has unknown value type id 13/,
  );
  const bad = file.slice();
  bad[typeAt + 4] = 2;
  await assertFormatError(read(bad), /"general\.flag" is a bool stored as 2 \(expected 0 or 1\)/);
});

Deno.test("readGguf() rejects arrays nested deeper than 8 levels", async () => {
  // deno-lint-ignore no-explicit-any
  let nested: any = { type: "array", itemType: "u8", value: [1] };
  for (let depth = 1; depth < 9; depth++) {
    nested = { type: "array", itemType: "array", value: [nested] };
  }
  await assertFormatError(
    read(smallGguf({ "test.nested": nested })),
    /nests arrays deeper than 8 levels/,
  );
});
