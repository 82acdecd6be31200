/**
 * `deno bundle main.ts` makes one self-contained synapse.js: run from an empty folder, with an
 * empty Deno cache and no deno.json, it answers --help and generates with the embedded model.
 */
import assert from "node:assert/strict";
import { COMMANDS } from "../../cli/mod.ts";
import { FIXTURE_DIR, REPO_ROOT } from "../fixture_paths.ts";

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

async function deno(args: string[], cwd: string, env: Record<string, string>): Promise<Output> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("the bundled synapse.js runs alone from an empty folder", async (t) => {
  const work = await Deno.makeTempDir({ prefix: "synapse-bundle-" });
  const bundle = `${work}/synapse.js`;
  const empty = `${work}/empty`;
  await Deno.mkdir(empty);
  // Everything the bundle might write (HOME, SYNAPSE_HOME, Deno's own cache) stays in `empty`.
  const env = { HOME: empty, SYNAPSE_HOME: `${empty}/.synapse`, DENO_DIR: `${empty}/.deno` };
  try {
    await t.step("deno bundle main.ts writes one file (the embedded model inlined)", async () => {
      const built = await deno(["bundle", "main.ts", "-o", bundle], REPO_ROOT, {});
      assert.equal(built.code, 0, built.stderr);
      const model = await Deno.stat(`${REPO_ROOT}engine/default_model/tiny-qwen3-q8_0.gguf`);
      assert.ok((await Deno.stat(bundle)).size > model.size, "the bundle carries the model");
    });

    await t.step("--help exits 0 and lists every command", async () => {
      const help = await deno(["run", "-A", bundle, "--help"], empty, env);
      assert.equal(help.code, 0, help.stderr);
      for (const command of COMMANDS) {
        assert.match(help.stdout, new RegExp(`^  ${command.name}\\b`, "m"), command.name);
      }
    });

    await t.step("run default --raw --json generates 8 ids", async () => {
      const run = await deno(
        [
          "run",
          "-A",
          bundle,
          "run",
          "default",
          "def fibonacci(n):",
          "--raw",
          "--json",
          "--max-tokens",
          "8",
        ],
        empty,
        env,
      );
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.trimEnd().split("\n");
      const line = JSON.parse(lines[lines.length - 1]);
      const golden = JSON.parse(await Deno.readTextFile(`${FIXTURE_DIR}/golden.json`));
      const fibonacci = golden.find((g: { input: string }) => g.input === "def fibonacci(n):");
      assert.deepEqual(line.prompt_ids, fibonacci.prompt_ids);
      assert.equal(line.ids.length, 8);
      assert.ok(line.ids.every((id: number) => Number.isInteger(id) && id >= 0 && id < 151936));
      assert.ok(line.text.length > 0);
    });
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
