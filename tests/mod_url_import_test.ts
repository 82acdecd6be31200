/**
 * The library imported as a remote user imports it: `mod.ts` from an http URL, in a process with
 * no deno.json (so no import map), loading the embedded model and generating.
 */
import assert from "node:assert/strict";
import { FIXTURE_DIR, REPO_ROOT } from "./fixture_paths.ts";

const CONTENT_TYPES: Record<string, string> = {
  ts: "application/typescript; charset=utf-8",
  js: "application/javascript; charset=utf-8",
  json: "application/json; charset=utf-8",
};

/** Serves the files under REPO_ROOT on a loopback port; nothing outside it. */
function serveRepository(): { url: string; close(): Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    if (path.split("/").some((part) => part === "..") || path.includes("\0")) {
      return new Response("forbidden", { status: 403 });
    }
    try {
      const file = await Deno.open(`${REPO_ROOT}${path.slice(1)}`);
      if (!(await file.stat()).isFile) {
        file.close();
        return new Response("not a file", { status: 404 });
      }
      const type = CONTENT_TYPES[path.split(".").pop()!] ?? "application/octet-stream";
      return new Response(file.readable, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

/** The npm packages Deno has cached (the import needs them; there is no network). */
async function npmCache(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout)).npmCache;
}

/**
 * Runs `script` as its own file with `deno run -A --no-config FLAGS`, and a Deno cache of its
 * own (sharing only the npm packages) so remote modules do not pile up in the user's cache.
 */
async function runRemoteUser(script: string, flags: string[]) {
  const dir = await Deno.makeTempDir({ prefix: "synapse-url-import-" });
  try {
    await Deno.mkdir(`${dir}/deno`);
    await Deno.symlink(await npmCache(), `${dir}/deno/npm`);
    await Deno.writeTextFile(`${dir}/user.ts`, script);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-config", ...flags, `${dir}/user.ts`],
      cwd: dir,
      env: { DENO_DIR: `${dir}/deno`, NO_COLOR: "1" },
      stdin: "null",
    }).output();
    const decoder = new TextDecoder();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("mod.ts imported from a URL without our import map loads the default model and generates", async () => {
  const server = serveRepository();
  try {
    const script = `
      import { loadModel } from "${server.url}/mod.ts";
      const started = performance.now();
      const model = await loadModel("default");
      const loadMs = performance.now() - started;
      const promptIds = model.encode("def fibonacci(n):");
      const result = await model.generate({ promptIds, maxTokens: 4 }).result;
      console.log(JSON.stringify({ promptIds, ids: result.ids, vocab: model.info.vocabSize, loadMs }));
      model.close();
    `;
    // The embedded model is a byte import: without deno.json, the flag has to be given.
    const run = await runRemoteUser(script, ["--unstable-raw-imports"]);
    assert.equal(run.code, 0, run.stderr);
    const line = JSON.parse(run.stdout.trim().split("\n").pop()!);
    const golden = JSON.parse(await Deno.readTextFile(`${FIXTURE_DIR}/golden.json`));
    const fibonacci = golden.find((g: { input: string }) => g.input === "def fibonacci(n):");
    assert.deepEqual(line.promptIds, fibonacci.prompt_ids);
    assert.equal(line.vocab, 151936);
    assert.equal(line.ids.length, 4);
    assert.ok(line.ids.every((id: number) => Number.isInteger(id) && id >= 0 && id < line.vocab));
  } finally {
    await server.close();
  }
});

Deno.test("mod.ts imported from a URL needs no unstable flag until the embedded model is loaded", async () => {
  const server = serveRepository();
  try {
    const script = `
      import { DEFAULT_MODEL_NAME, isSpecialistName, MemoryStore } from "${server.url}/mod.ts";
      console.log(JSON.stringify({
        name: DEFAULT_MODEL_NAME,
        specialist: isSpecialistName("math"),
        memory: typeof MemoryStore,
      }));
    `;
    const run = await runRemoteUser(script, []);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout.trim().split("\n").pop()!), {
      name: "default",
      specialist: true,
      memory: "function",
    });
  } finally {
    await server.close();
  }
});
