/** Starts serve_memory.ts as a subprocess (so a test can SIGKILL it) and talks to it. */

const SCRIPT = new URL("./serve_memory.ts", import.meta.url).pathname;

/** A running memory server subprocess. */
export interface ServerProcess {
  url: string;
  child: Deno.ChildProcess;
  /** Sends `signal` and waits for the process to end. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** Starts a server over the database at `path`; resolves once it listens. */
export async function startServer(path: string): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, path],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!/listening (\d+)/.test(seen)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`memory server exited before listening; output: ${seen}`);
    seen += value;
  }
  const port = seen.match(/listening (\d+)/)![1];
  // Keep draining stdout so the child never blocks on a full pipe.
  (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch { /* the process was killed */ }
  })();
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: async (signal: Deno.Signal = "SIGTERM") => {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      return await child.status;
    },
  };
}

/** POSTs JSON; returns status and parsed body. */
export async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}
