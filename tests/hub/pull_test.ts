import assert from "node:assert/strict";
import { join } from "node:path";
import {
  HostNotAllowedError,
  HubClient,
  HubError,
  IntegrityError,
  pullModel,
  type PullProgress,
} from "../../hub/mod.ts";
import { ModelStore, sha256File } from "../../store/mod.ts";
import { type LoopbackHub, startLoopbackHub } from "./loopback_hub.ts";

const SIZE = 3 * 1024 * 1024 + 123;

async function makeRepo(): Promise<string> {
  const dir = await Deno.makeTempDir();
  const bytes = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  await Deno.writeFile(join(dir, "model.gguf"), bytes);
  await Deno.writeTextFile(join(dir, "config.json"), '{"model_type":"qwen3"}\n');
  await Deno.writeTextFile(join(dir, "README.md"), "# test\n");
  return dir;
}

interface Ctx {
  hub: LoopbackHub;
  store: ModelStore;
  client: HubClient;
  repoDir: string;
}

async function withHub(fn: (ctx: Ctx) => Promise<void>, token?: string) {
  const repoDir = await makeRepo();
  const home = await Deno.makeTempDir();
  const hub = await startLoopbackHub([{
    repo: "acme/tiny",
    dir: repoDir,
    files: ["model.gguf", "config.json", "README.md"],
  }]);
  try {
    const client = new HubClient({ endpoint: hub.url, token });
    await fn({ hub, store: new ModelStore(join(home, "models")), client, repoDir });
  } finally {
    await hub.close();
    await Deno.remove(repoDir, { recursive: true });
    await Deno.remove(home, { recursive: true });
  }
}

const entry = { repo: "acme/tiny", revision: "main", files: ["*.gguf", "config.json"] };
const fast = { retryDelayMs: 10 };

function monotonic(events: PullProgress[]) {
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i].doneBytes >= events[i - 1].doneBytes, `progress went back at ${i}`);
  }
}

Deno.test("pull downloads the listed files, verifies them and installs a manifest", async () => {
  await withHub(async ({ store, client, repoDir, hub }) => {
    const events: PullProgress[] = [];
    const stored = await pullModel({
      name: "tiny:q8",
      entry,
      store,
      client,
      onProgress: (p) => events.push(p),
    });
    assert.equal(stored.name, "tiny:q8");
    assert.equal(stored.manifest.format, "gguf");
    assert.equal(stored.path, join(store.root, "tiny", "q8", "model.gguf"));
    assert.deepEqual(stored.manifest.files.map((f) => f.path), ["config.json", "model.gguf"]);
    assert.equal(
      stored.manifest.files[1].sha256,
      await sha256File(join(repoDir, "model.gguf")),
    );
    assert.deepEqual(await store.verify(stored), []);
    monotonic(events);
    assert.equal(events.at(-1)?.phase, "installed");
    assert.equal(events.at(-1)?.doneBytes, events.at(-1)?.totalBytes);
    assert.ok(events.filter((e) => e.phase === "downloading").length > 2, "progress shown");
    assert.ok(!hub.requests.some((r) => r.path.endsWith("README.md")), "only listed files fetched");
  });
});

Deno.test("a connection dropped mid-file is resumed with a Range request", async () => {
  await withHub(async ({ store, client, hub }) => {
    hub.faults = { drop: { file: "model.gguf", afterBytes: 1_000_000, times: 2 } };
    const events: PullProgress[] = [];
    const stored = await pullModel({
      name: "tiny",
      entry,
      store,
      client,
      ...fast,
      onProgress: (p) => events.push(p),
    });
    assert.deepEqual(await store.verify(stored), []);
    const ranges = hub.requests.filter((r) => r.path.endsWith("model.gguf")).map((r) => r.range);
    assert.deepEqual(ranges, [null, "bytes=1000000-", "bytes=2000000-"]);
    monotonic(events);
  });
});

Deno.test("an interrupted pull leaves no model, and running it again resumes", async () => {
  await withHub(async ({ store, client, hub }) => {
    hub.faults = { chunkBytes: 64 * 1024, chunkDelayMs: 5 };
    const abort = new AbortController();
    let seen = 0;
    await assert.rejects(() =>
      pullModel({
        name: "tiny",
        entry,
        store,
        client,
        signal: abort.signal,
        onProgress: (p) => {
          seen = p.doneBytes;
          if (p.doneBytes > 1_500_000) abort.abort(new Error("interrupted"));
        },
      }), /interrupted/);
    assert.deepEqual(await store.list(), [], "no manifest after an interrupted pull");
    const partial = (await Deno.stat(join(store.stagingDir("tiny"), "model.gguf.part"))).size;
    assert.ok(partial > 1_000_000 && partial < SIZE, `partial file kept (${partial})`);

    hub.faults = {};
    const events: PullProgress[] = [];
    await pullModel({ name: "tiny", entry, store, client, onProgress: (p) => events.push(p) });
    const resumed = hub.requests.filter((r) => r.path.endsWith("model.gguf")).at(-1);
    assert.equal(resumed?.range, `bytes=${partial}-`);
    const firstDownload = events.find((e) => e.phase === "downloading" && e.file === "model.gguf");
    assert.ok(firstDownload!.doneBytes >= partial, "progress starts where it stopped");
    assert.ok(seen > 0);
    monotonic(events);
    assert.equal((await store.list()).length, 1);
  });
});

Deno.test("a corrupted download is rejected, removed, and no manifest is written", async () => {
  await withHub(async ({ store, client, hub }) => {
    hub.faults = { corrupt: { file: "model.gguf", offset: 2_000_000 } };
    await assert.rejects(
      () => pullModel({ name: "tiny", entry, store, client }),
      (e: Error) => e instanceof IntegrityError && /model\.gguf: expected sha256/.test(e.message),
    );
    assert.deepEqual(await store.list(), []);
    await assert.rejects(
      () => Deno.stat(join(store.stagingDir("tiny"), "model.gguf.part")),
      Deno.errors.NotFound,
    );
    await assert.rejects(
      () => Deno.stat(join(store.stagingDir("tiny"), "model.gguf")),
      Deno.errors.NotFound,
    );
    hub.faults = {};
    const stored = await pullModel({ name: "tiny", entry, store, client });
    assert.deepEqual(await store.verify(stored), []);
  });
});

Deno.test("a small file is verified against the hub's git blob sha1", async () => {
  await withHub(async ({ store, client, hub }) => {
    hub.faults = { corrupt: { file: "config.json", offset: 3 } };
    await assert.rejects(
      () => pullModel({ name: "tiny", entry, store, client }),
      (e: Error) =>
        e instanceof IntegrityError && /config\.json: expected git sha1/.test(e.message),
    );
  });
});

Deno.test("a hub that ignores Range restarts the file without progress going backwards", async () => {
  await withHub(async ({ store, client, hub }) => {
    hub.faults = {
      drop: { file: "model.gguf", afterBytes: 1_000_000, times: 1 },
      ignoreRange: true,
    };
    const events: PullProgress[] = [];
    const stored = await pullModel({
      name: "tiny",
      entry,
      store,
      client,
      ...fast,
      onProgress: (p) => events.push(p),
    });
    assert.deepEqual(await store.verify(stored), []);
    monotonic(events);
  });
});

Deno.test("redirects to private addresses or other schemes are refused (SSRF)", async () => {
  await withHub(async ({ store, client, hub }) => {
    for (
      const location of ["http://10.0.0.7/x", "http://169.254.169.254/latest", "file:///etc/passwd"]
    ) {
      hub.faults = { redirect: { file: "model.gguf", location } };
      await assert.rejects(
        () => pullModel({ name: "tiny", entry, store, client }),
        HostNotAllowedError,
        location,
      );
    }
  });
});

Deno.test("the token is sent to the hub as a Bearer header", async () => {
  await withHub(async ({ store, client, hub }) => {
    await pullModel({ name: "tiny", entry, store, client });
    assert.ok(hub.requests.length > 0);
    assert.ok(hub.requests.every((r) => r.authorization === "Bearer hf_secret"));
  }, "hf_secret");
});

Deno.test("an unknown repo or a file the repo lacks is a clear error", async () => {
  await withHub(async ({ store, client }) => {
    await assert.rejects(
      () => pullModel({ name: "x", entry: { ...entry, repo: "acme/none" }, store, client }),
      (e: Error) => e instanceof HubError && /acme\/none.*not found/.test(e.message),
    );
    await assert.rejects(
      () => pullModel({ name: "x", entry: { ...entry, files: ["weights.bin"] }, store, client }),
      /no file matching "weights\.bin"/,
    );
    await assert.rejects(
      () => pullModel({ name: "x", entry: { ...entry, files: ["README.md"] }, store, client }),
      /expected a \.gguf file/,
    );
  });
});
