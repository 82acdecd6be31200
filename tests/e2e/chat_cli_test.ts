/**
 * `synapse chat` reading turns from a pipe and streaming answers, in its own process.
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../fixture_paths.ts";

Deno.test("synapse chat answers each piped line and exits 0 at the end of input", async () => {
  const home = await Deno.makeTempDir({ prefix: "synapse-chat-" });
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${REPO_ROOT}main.ts`, "chat", "--local", "--max-tokens", "4"],
      env: { SYNAPSE_HOME: home },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("def add(a, b):\n/clear\nimport os\n"));
    await writer.close();
    const output = await child.output();
    const out = new TextDecoder().decode(output.stdout);
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    assert.equal(
      out.split("\n").length - 1,
      2,
      `two answers, one per line: ${JSON.stringify(out)}`,
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
