import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Manifest,
  ManifestError,
  ModelNotStoredError,
  ModelStore,
  sha256File,
  validateManifest,
} from "../../store/mod.ts";

async function withStore(fn: (store: ModelStore, root: string) => Promise<void>) {
  const root = await Deno.makeTempDir();
  try {
    await fn(new ModelStore(join(root, "models")), root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function stage(store: ModelStore, name: string, files: Record<string, string>) {
  const staging = store.stagingDir(name);
  await Deno.mkdir(staging, { recursive: true });
  const entries = [];
  for (const [path, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(staging, path), text);
    entries.push({ path, size: text.length, sha256: await sha256File(join(staging, path)) });
  }
  const manifest: Manifest = {
    schema: 1,
    name,
    format: "gguf",
    entry: Object.keys(files)[0],
    files: entries,
    storedAt: new Date(0).toISOString(),
  };
  return { staging, manifest };
}

Deno.test("an installed model is listed, found by name and points at its GGUF file", async () => {
  await withStore(async (store) => {
    const { staging, manifest } = await stage(store, "tiny:q8", { "tiny.gguf": "GGUF..." });
    const stored = await store.install(staging, manifest);
    assert.equal(stored.path, join(store.root, "tiny", "q8", "tiny.gguf"));
    assert.equal(stored.size, 7);
    assert.deepEqual((await store.list()).map((m) => m.name), ["tiny:q8"]);
    assert.equal((await store.get("TINY:q8"))?.path, stored.path);
    assert.equal(await store.get("tiny"), null, "tag latest is another model");
    await assert.rejects(() => Deno.stat(staging), Deno.errors.NotFound);
  });
});

Deno.test("installing again replaces the older copy atomically", async () => {
  await withStore(async (store) => {
    const first = await stage(store, "m:1", { "m.gguf": "old" });
    await store.install(first.staging, first.manifest);
    const second = await stage(store, "m:1", { "m.gguf": "newer" });
    const stored = await store.install(second.staging, second.manifest);
    assert.equal(await Deno.readTextFile(stored.path), "newer");
    assert.equal((await store.list()).length, 1);
  });
});

Deno.test("remove() deletes a model and reports whether it existed", async () => {
  await withStore(async (store) => {
    const { staging, manifest } = await stage(store, "gone:1", { "g.gguf": "x" });
    await store.install(staging, manifest);
    assert.equal(await store.remove("gone:1"), true);
    assert.equal(await store.remove("gone:1"), false);
    assert.deepEqual(await store.list(), []);
    await assert.rejects(() => store.require("gone:1"), ModelNotStoredError);
  });
});

Deno.test("folders without a manifest (partial pulls) are not listed", async () => {
  await withStore(async (store) => {
    await Deno.mkdir(join(store.root, "half", "latest"), { recursive: true });
    await Deno.mkdir(store.stagingDir("other"), { recursive: true });
    assert.deepEqual(await store.list(), []);
  });
});

Deno.test("verify() finds a changed byte and a missing file", async () => {
  await withStore(async (store) => {
    const { staging, manifest } = await stage(store, "v:1", { "v.gguf": "abcdef", "b.json": "{}" });
    const stored = await store.install(staging, manifest);
    assert.deepEqual(await store.verify(stored), []);
    await Deno.writeTextFile(stored.path, "abcdeX");
    await Deno.remove(join(stored.dir, "b.json"));
    const problems = await store.verify(stored);
    assert.equal(problems.length, 2);
    assert.match(problems[0], /v\.gguf: sha256 differs/);
    assert.match(problems[1], /b\.json: missing/);
  });
});

Deno.test("a manifest with a path escaping the model folder is rejected", () => {
  const base = {
    schema: 1,
    name: "x:1",
    format: "gguf",
    entry: "a.gguf",
    storedAt: "now",
    files: [{ path: "a.gguf", size: 1, sha256: "0".repeat(64) }],
  };
  assert.doesNotThrow(() => validateManifest(base));
  for (const path of ["../a", "/etc/passwd", "a/../../b", "C:/x", "", "a//b"]) {
    const files = [...base.files, { path, size: 1, sha256: "0".repeat(64) }];
    assert.throws(() => validateManifest({ ...base, files }), ManifestError, path);
  }
  const dup = [...base.files, ...base.files];
  assert.throws(() => validateManifest({ ...base, files: dup }), /listed twice/);
  assert.throws(() => validateManifest({ ...base, entry: "b.gguf" }), /entry/);
});
