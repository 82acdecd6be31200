import assert from "node:assert/strict";
import { chatCompletionsUrl, CloudClient } from "../../swarm/cloud.ts";
import { CloudError } from "../../swarm/errors.ts";

/** Serves `handler` on a loopback port for the length of `fn`. */
async function withServer(
  handler: (req: Request) => Response | Promise<Response>,
  fn: (url: string) => Promise<void>,
): Promise<void> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

Deno.test("chatCompletionsUrl accepts a base URL with or without /v1", () => {
  assert.equal(chatCompletionsUrl("http://h:1"), "http://h:1/v1/chat/completions");
  assert.equal(chatCompletionsUrl("http://h:1/v1/"), "http://h:1/v1/chat/completions");
  assert.equal(
    chatCompletionsUrl("https://api.x/openai/v1"),
    "https://api.x/openai/v1/chat/completions",
  );
});

Deno.test("CloudClient sends the OpenAI request and reads the reply", async () => {
  let seen: Record<string, unknown> = {};
  let auth: string | null = null;
  await withServer(async (req) => {
    seen = await req.json();
    auth = req.headers.get("authorization");
    return Response.json({
      choices: [{
        message: { role: "assistant", content: "HELLO" },
        finish_reason: "stop",
        logprobs: {
          content: [{ token: "HELLO", logprob: -0.1, top_logprobs: [{ logprob: -0.1 }] }],
        },
      }],
      usage: { prompt_tokens: 7, completion_tokens: 1 },
    });
  }, async (url) => {
    const client = new CloudClient({ url, model: "big", apiKey: "secret" });
    const reply = await client.chat([{ role: "user", content: "Uppercase: hello" }], {
      maxTokens: 8,
      logprobs: 2,
    });
    assert.equal(reply.content, "HELLO");
    assert.deepEqual(reply.usage, { promptTokens: 7, completionTokens: 1 });
    assert.equal(reply.logprobs[0].logprob, -0.1);
  });
  assert.equal(auth, "Bearer secret");
  assert.deepEqual(seen, {
    model: "big",
    messages: [{ role: "user", content: "Uppercase: hello" }],
    temperature: 0,
    stream: false,
    max_tokens: 8,
    logprobs: true,
    top_logprobs: 2,
  });
});

Deno.test("CloudClient turns HTTP errors and malformed replies into CloudError", async () => {
  const replies = [
    () => new Response("overloaded", { status: 503 }),
    () => new Response("not json"),
    () => Response.json({ choices: [] }),
  ];
  let i = 0;
  await withServer(() => replies[i++](), async (url) => {
    const client = new CloudClient({ url, model: "m" });
    const messages = [{ role: "user", content: "x" }];
    await assert.rejects(() => client.chat(messages), (e: CloudError) => e.status === 503);
    await assert.rejects(() => client.chat(messages), /non-JSON/);
    await assert.rejects(() => client.chat(messages), /choices\[0\]\.message\.content/);
  });
});

Deno.test("CloudClient reports an unreachable endpoint and honours its timeout", async () => {
  const unreachable = new CloudClient({ url: "http://127.0.0.1:9", model: "m" });
  await assert.rejects(() => unreachable.chat([{ role: "user", content: "x" }]), CloudError);
  const late = (req: Request) =>
    new Promise<Response>((resolve) => {
      const timer = setTimeout(() => resolve(new Response("late")), 5000);
      req.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve(new Response("late"));
      });
    });
  await withServer(late, async (url) => {
    const slow = new CloudClient({ url, model: "m" });
    await assert.rejects(
      () => slow.chat([{ role: "user", content: "x" }], { timeoutMs: 50 }),
      /could not reach/,
    );
  });
});
