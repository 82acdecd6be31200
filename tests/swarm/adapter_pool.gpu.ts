import assert from "node:assert/strict";
import { join } from "node:path";
import { AdapterPool } from "../../swarm/adapter_pool.ts";
import { Swarm } from "../../swarm/mod.ts";
import { FIXTURE_DIR } from "../fixture_paths.ts";
import { fixtureModel } from "./fixture_tasks.ts";

/** A host that records loads and unloads; `gate` can hold a load open. */
class RecordingHost {
  loaded = new Set<string>();
  log: string[] = [];
  gate: Promise<void> | null = null;
  failNext = false;
  async loadAdapter(name: string, path: string): Promise<void> {
    this.log.push(`load ${name} ${path.split("/").at(-1)}`);
    if (this.gate) await this.gate;
    if (this.failNext) {
      this.failNext = false;
      throw new Error("half-written file");
    }
    this.loaded.add(name);
  }
  unloadAdapter(name: string): void {
    this.log.push(`unload ${name}`);
    this.loaded.delete(name);
  }
}

async function adapterFiles(dir: string, names: string[]): Promise<Record<string, string>> {
  const paths: Record<string, string> = {};
  for (const n of names) {
    paths[n] = join(dir, `${n}.gguf`);
    await Deno.writeTextFile(paths[n], `v1 ${n}`);
  }
  return paths;
}

Deno.test("the pool keeps at most capacity adapters and evicts the least recently used", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const paths = await adapterFiles(dir, ["a", "b", "c"]);
    const host = new RecordingHost();
    const pool = new AdapterPool(host, { capacity: 2 });
    for (const [n, p] of Object.entries(paths)) pool.register(n, p);
    (await pool.acquire("a")).release();
    (await pool.acquire("b")).release();
    (await pool.acquire("a")).release();
    (await pool.acquire("c")).release();
    assert.deepEqual(pool.residents(), ["a", "c"]);
    assert.deepEqual([...host.loaded].sort(), ["a@1", "c@1"]);
    assert.ok(host.log.includes("unload b@1"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("concurrent first uses of one adapter share a single load", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const paths = await adapterFiles(dir, ["a"]);
    const host = new RecordingHost();
    const pool = new AdapterPool(host);
    pool.register("a", paths.a);
    const leases = await Promise.all([pool.acquire("a"), pool.acquire("a"), pool.acquire("a")]);
    assert.deepEqual(leases.map((l) => l.adapter), ["a@1", "a@1", "a@1"]);
    assert.equal(host.log.filter((l) => l.startsWith("load")).length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a changed adapter file is hot-swapped without blocking requests", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const paths = await adapterFiles(dir, ["a"]);
    const host = new RecordingHost();
    const pool = new AdapterPool(host, { checkIntervalMs: 0 });
    pool.register("a", paths.a);
    (await pool.acquire("a")).release();
    await Deno.writeTextFile(paths.a, "v2 a, a longer file");
    let open!: () => void;
    host.gate = new Promise((resolve) => open = resolve);
    // The swap starts in the background; the request gets the old version at once.
    const during = await pool.acquire("a");
    assert.equal(during.adapter, "a@1");
    const swapped = pool.refresh();
    const again = await pool.acquire("a");
    assert.equal(again.adapter, "a@1");
    open();
    await swapped;
    assert.equal((await pool.acquire("a")).adapter, "a@2");
    assert.deepEqual([...host.loaded], ["a@2"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failed reload keeps the old version and is retried on the next check", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const paths = await adapterFiles(dir, ["a"]);
    const host = new RecordingHost();
    const errors: string[] = [];
    const pool = new AdapterPool(host, {
      checkIntervalMs: 0,
      onError: (name, e) => errors.push(`${name}: ${(e as Error).message}`),
    });
    pool.register("a", paths.a);
    (await pool.acquire("a")).release();
    await Deno.writeTextFile(paths.a, "v2 a, a longer file");
    host.failNext = true;
    await pool.refresh();
    assert.deepEqual(errors, ["a: half-written file"]);
    assert.equal((await pool.acquire("a")).adapter, "a@1");
    await pool.refresh();
    assert.equal((await pool.acquire("a")).adapter, "a@3");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("eviction prefers adapters no request is using", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const paths = await adapterFiles(dir, ["a", "b", "c"]);
    const host = new RecordingHost();
    const pool = new AdapterPool(host, { capacity: 2 });
    for (const [n, p] of Object.entries(paths)) pool.register(n, p);
    const busy = await pool.acquire("a");
    (await pool.acquire("b")).release();
    (await pool.acquire("c")).release();
    assert.deepEqual(pool.residents(), ["a", "c"]);
    busy.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("acquiring an unregistered specialist throws and capacity must be positive", async () => {
  const pool = new AdapterPool(new RecordingHost());
  await assert.rejects(() => pool.acquire("ghost"), RangeError);
  assert.throws(() => new AdapterPool(new RecordingHost(), { capacity: 0 }), RangeError);
});

Deno.test({
  name: "on the engine, a specialist whose adapter files are replaced answers with the new adapter",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const copyAdapter = async (from: string) => {
      for (const file of ["adapter_config.json", "adapter_model.safetensors"]) {
        await Deno.copyFile(join(FIXTURE_DIR, "adapters", from, file), join(dir, file));
      }
    };
    try {
      await copyAdapter("lists");
      const swarm = new Swarm({
        model: await fixtureModel(),
        specialists: [{ name: "hot", adapter: dir }],
        adapterCheckIntervalMs: 60_000,
      });
      const ask = async (content: string) =>
        (await swarm.chat({
          messages: [{ role: "user", content }],
          specialist: "hot",
          maxTokens: 8,
        })
          .result).content;
      assert.equal(await ask("Reverse the list: 1 2 3"), "3 2 1");
      await new Promise((resolve) => setTimeout(resolve, 20));
      await copyAdapter("math");
      await swarm.adapters.refresh();
      assert.equal(await ask("What is 12 + 30?"), "42");
      assert.deepEqual(swarm.model.adapterNames().filter((n) => n.startsWith("hot@")), ["hot@2"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
