/**
 * `synapse pull` / `show` / `rm` against a real loopback hub serving the fixture's GGUF.
 */
import assert from "node:assert/strict";
import { FIXTURE_DIR } from "../fixture_paths.ts";
import { startLoopbackHub } from "../hub/loopback_hub.ts";
import { tempCli } from "./cli_env.ts";

const REGISTRY =
  "registry:\n  tiny:q8:\n    repo: synapse/tiny-qwen3\n    files: [gguf/tiny-Q8_0.gguf]\n";

async function setup() {
  const hub = await startLoopbackHub([{
    repo: "synapse/tiny-qwen3",
    dir: FIXTURE_DIR,
    files: ["gguf/tiny-Q8_0.gguf", "config.json"],
  }]);
  const cli = await tempCli({ HF_ENDPOINT: hub.url });
  await Deno.writeTextFile(`${cli.home}/config.yaml`, REGISTRY);
  return {
    hub,
    cli,
    async done() {
      await hub.close();
      await cli.cleanup();
    },
  };
}

Deno.test("pull shows progress, stores the verified model, and show/list/rm see it", async () => {
  const { hub, cli, done } = await setup();
  try {
    hub.faults = { chunkBytes: 1 << 20, chunkDelayMs: 40 };
    const pulled = await cli.run(["pull", "tiny:q8", "--json"]);
    assert.equal(pulled.code, 0, pulled.err);
    const events = pulled.err.trim().split("\n").map((l) => JSON.parse(l));
    assert.ok(events.filter((e) => e.phase === "downloading").length >= 2, "progress events");
    assert.ok(events.every((e) => typeof e.bytesPerSecond === "number"));
    assert.equal(events.at(-1).phase, "installed");
    assert.equal(events.at(-1).doneBytes, 28174912);
    assert.equal(JSON.parse(pulled.out).name, "tiny:q8");

    const shown = await cli.run(["show", "tiny:q8", "--verify", "--json"]);
    assert.equal(shown.code, 0);
    const info = JSON.parse(shown.out);
    assert.deepEqual(info.problems, []);
    assert.equal(
      info.manifest.files[0].sha256,
      "3f4710cd3247385962fdfb8bf85859861fc7ed3621e4b4663fbd78631cb8a1d1",
      "sha256 as published in the fixture README",
    );
    const listed = await cli.run(["list"]);
    assert.match(listed.out, /tiny:q8\s+gguf\s+28\.2 MB/);

    const removed = await cli.run(["rm", "tiny:q8", "--port", "1"]);
    assert.equal(removed.code, 0);
    assert.doesNotMatch((await cli.run(["list"])).out, /tiny:q8/);
  } finally {
    await done();
  }
});

Deno.test("a corrupted download fails pull with one line, a non-zero exit and nothing stored", async () => {
  const { hub, cli, done } = await setup();
  try {
    hub.faults = { corrupt: { file: "gguf/tiny-Q8_0.gguf", offset: 12345 } };
    const result = await cli.run(["pull", "tiny:q8"]);
    assert.equal(result.code, 1);
    const lastLine = result.err.trim().split("\n").at(-1)!;
    assert.match(lastLine, /synapse pull: gguf\/tiny-Q8_0\.gguf: expected sha256 3f4710cd/);
    assert.match((await cli.run(["list"])).out, /^NAME.*\ndefault:latest[^\n]*\n$/s);
  } finally {
    await done();
  }
});

Deno.test("a dropped connection is resumed and the pull completes", async () => {
  const { hub, cli, done } = await setup();
  try {
    hub.faults = { drop: { file: "gguf/tiny-Q8_0.gguf", afterBytes: 10_000_000, times: 1 } };
    const result = await cli.run(["pull", "tiny:q8"]);
    assert.equal(result.code, 0, result.err);
    assert.ok(hub.requests.some((r) => r.range === "bytes=10000000-"));
    assert.equal((await cli.run(["show", "tiny:q8", "--verify"])).code, 0);
  } finally {
    await done();
  }
});
