/**
 * `synapse chat` reading turns from a pipe and streaming answers, in its own process; `/clear`
 * forgets the conversation.
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../fixture_paths.ts";
import { postJson, startTestServer } from "../server/harness.ts";

async function expected(url: string, content: string): Promise<string> {
  const { body } = await postJson(`${url}/v1/chat/completions`, {
    model: "default",
    messages: [{ role: "user", content }],
    max_tokens: 4,
  });
  return (body.choices as { message: { content: string } }[])[0].message.content;
}

Deno.test({
  name: "synapse chat answers each piped line like the API does and exits 0 at the end of input",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "synapse-chat-" });
    const srv = await startTestServer();
    try {
      const answers = [
        await expected(srv.url, "def add(a, b):"),
        await expected(srv.url, "import os"),
      ];
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
      assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
      assert.equal(new TextDecoder().decode(output.stdout), `${answers[0]}\n${answers[1]}\n`);
    } finally {
      await srv.close();
      await Deno.remove(home, { recursive: true });
    }
  },
});
