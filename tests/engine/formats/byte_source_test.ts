/**
 * openFileSource() and memorySource(): exact reads at any offset, serialized concurrent file
 * reads, range checks, and behaviour after close or when the file shrinks underneath.
 * @module
 */
import assert from "node:assert/strict";
import { memorySource, ModelFormatError, openFileSource } from "../../../engine/formats/mod.ts";
import { filled } from "./format_files.ts";

async function withTempFile(bytes: Uint8Array, use: (path: string) => Promise<void>) {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeFile(path, bytes);
    await use(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("openFileSource() reads exactly the requested bytes, even many at once", async () => {
  const bytes = filled(300_000, 5);
  await withTempFile(bytes, async (path) => {
    const source = await openFileSource(path);
    assert.equal(source.size, bytes.length);
    assert.equal(source.name, path);
    const ranges = Array.from(
      { length: 50 },
      (_, i) => [(i * 7919) % 250_000, 1 + i * 997] as const,
    );
    const reads = await Promise.all(ranges.map(([offset, length]) => source.read(offset, length)));
    reads.forEach((got, i) =>
      assert.deepEqual(got, bytes.subarray(ranges[i][0], ranges[i][0] + ranges[i][1]))
    );
    assert.deepEqual(await source.read(bytes.length, 0), new Uint8Array());
    source.close();
  });
});

Deno.test("byte sources reject ranges outside the source with a RangeError", async () => {
  await withTempFile(filled(100, 0), async (path) => {
    const file = await openFileSource(path);
    for (const source of [file, memorySource(filled(100, 0))]) {
      await assert.rejects(source.read(90, 11), {
        name: "RangeError",
        message: /ends past the end \(100 bytes\)/,
      });
      await assert.rejects(source.read(-1, 2), RangeError);
      await assert.rejects(source.read(0.5, 2), RangeError);
    }
    file.close();
  });
});

Deno.test("byte sources reject reads after close, and close twice without error", async () => {
  await withTempFile(filled(10, 0), async (path) => {
    for (const source of [await openFileSource(path), memorySource(filled(10, 0))]) {
      source.close();
      source.close();
      await assert.rejects(source.read(0, 1), Deno.errors.BadResource);
    }
  });
});

Deno.test("openFileSource() reports a file that shrank after opening as truncated", async () => {
  await withTempFile(filled(1000, 0), async (path) => {
    const source = await openFileSource(path);
    await Deno.truncate(path, 100);
    const error = await source.read(50, 100).then(() => null, (e) => e);
    assert.ok(error instanceof ModelFormatError);
    assert.match(error.message, /truncated: file ended at byte 100 .* \(changed on disk\?\)/);
    source.close();
  });
});

Deno.test("memorySource() returns views of its bytes without copying", async () => {
  const bytes = filled(16, 0);
  const view = await memorySource(bytes, "embedded").read(4, 8);
  assert.equal(view.buffer, bytes.buffer);
  assert.deepEqual(view, bytes.subarray(4, 12));
});
