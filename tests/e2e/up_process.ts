/**
 * Runs `synapse up` as a real process (as `deno task up` does, with -A, so it narrows itself)
 * and finds its address in its first output line.
 * @module
 */
import { REPO_ROOT } from "../fixture_paths.ts";

/** A running `synapse up`. */
export interface UpProcess {
  url: string;
  child: Deno.ChildProcess;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Sends `signal` and waits for the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
}

/** Starts `deno run -A main.ts up ARGS` with `vars`; resolves once it listens. */
export async function startUp(args: string[], vars: Record<string, string>): Promise<UpProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${REPO_ROOT}main.ts`, "up", ...args],
    cwd: REPO_ROOT,
    env: vars,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += value;
    }
  })();
  const deadline = Date.now() + 120_000;
  let url: string | null = null;
  while (!url) {
    const match = /synapse (http:\/\/\S+) serving/.exec(text);
    if (match) url = match[1];
    else if (Date.now() > deadline) throw new Error(`up did not start: ${text}`);
    else {
      const exited = await Promise.race([
        child.status.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 50)),
      ]);
      if (exited) throw new Error(`up exited: ${text}`);
    }
  }
  return {
    url,
    child,
    stderr: () => text,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch {
        // Already gone.
      }
      const { code } = await child.status;
      await pump;
      return code;
    },
  };
}
