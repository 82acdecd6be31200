/**
 * Reading GPU buffers back: the canvas path (no 10 ms poll sleep) and the mapAsync path return
 * exactly the bytes the buffers hold, for ranges of any aligned size and place.
 */
import assert from "node:assert/strict";
import { acquireGpu, type Gpu, seededRandom } from "../../../engine/mod.ts";

/** A buffer holding `bytes` random bytes, and those bytes. */
function filled(gpu: Gpu, bytes: number, seed: number): { buffer: GPUBuffer; data: Uint8Array } {
  const random = seededRandom(seed);
  const data = new Uint8Array(bytes).map(() => Math.floor(random() * 256));
  return { buffer: gpu.storage(bytes, "readback test", data), data };
}

for (const canvasReadback of [true, false]) {
  const path = canvasReadback ? "canvas" : "mapAsync";

  Deno.test(`readRanges (${path}): every range comes back byte for byte, in order`, async () => {
    const gpu = await acquireGpu(undefined, { canvasReadback });
    try {
      assert.equal(gpu.readsAreImmediate, canvasReadback);
      const a = filled(gpu, 70_000, 1), b = filled(gpu, 1_000, 2);
      // Odd row counts, a range inside another buffer's middle, one of zero bytes.
      const ranges = [
        { buffer: a.buffer, offset: 4, bytes: 252 },
        { buffer: b.buffer, offset: 996, bytes: 4 },
        { buffer: a.buffer, offset: 1_024, bytes: 66_000 },
        { buffer: b.buffer, offset: 0, bytes: 0 },
        { buffer: b.buffer, offset: 8, bytes: 992 },
      ];
      const got = await gpu.readRanges(ranges);
      ranges.forEach((r, i) => {
        const source = r.buffer === a.buffer ? a.data : b.data;
        assert.deepEqual(got[i], source.subarray(r.offset, r.offset + r.bytes), `range ${i}`);
        assert.equal(got[i].byteOffset % 4, 0, "results can be viewed as words");
      });
    } finally {
      gpu.destroy();
    }
  });

  Deno.test(`readRanges (${path}): a read follows the work submitted before it`, async () => {
    const gpu = await acquireGpu(undefined, { canvasReadback });
    try {
      const { buffer } = filled(gpu, 4_096, 3);
      for (let round = 0; round < 3; round++) {
        const next = new Uint32Array(1_024).fill(round * 7 + 1);
        gpu.device.queue.writeBuffer(buffer, 0, next);
        const [got] = await gpu.readRanges([{ buffer, offset: 0, bytes: 4_096 }]);
        assert.deepEqual(new Uint32Array(got.buffer, got.byteOffset, 1_024), next);
      }
    } finally {
      gpu.destroy();
    }
  });
}

Deno.test("readRanges: a read larger than a canvas holds still comes back whole", async () => {
  const gpu = await acquireGpu();
  try {
    const bytes = gpu.device.limits.maxTextureDimension2D * 256 + 4_096;
    const { buffer, data } = filled(gpu, bytes, 4);
    const [got] = await gpu.readRanges([{ buffer, offset: 0, bytes }]);
    assert.equal(got.length, bytes);
    assert.ok(got.every((v, i) => v === data[i]));
  } finally {
    gpu.destroy();
  }
});

Deno.test("readRanges: unaligned ranges are refused with the range named", async () => {
  const gpu = await acquireGpu();
  try {
    const { buffer } = filled(gpu, 64, 5);
    await assert.rejects(
      gpu.readRanges([{ buffer, offset: 2, bytes: 8 }]),
      /readback range 2\+8 is not 4-byte aligned/,
    );
  } finally {
    gpu.destroy();
  }
});

Deno.test("mapAsync readbacks reuse their pooled buffer", async () => {
  const gpu = await acquireGpu(undefined, { canvasReadback: false });
  try {
    const { buffer } = filled(gpu, 1_024, 6);
    await gpu.read(buffer, 1_024);
    const created = gpu.stagingBuffersCreated;
    for (let i = 0; i < 5; i++) await gpu.read(buffer, 1_024);
    assert.equal(gpu.stagingBuffersCreated, created);
  } finally {
    gpu.destroy();
  }
});
