/**
 * Narrow permissions for `synapse up`: when the process holds more than serving needs (run
 * permission, e.g. under `deno task up` with -A), it re-runs itself with only network on its
 * address, read on SYNAPSE_HOME, the code and given model paths, write on SYNAPSE_HOME, and the
 * SYNAPSE_ and HF_ variables. Documented in docs/decisions/0006-serve-permissions.md.
 * @module
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

/** What the narrowed process may touch. */
export interface PermissionScope {
  home: string;
  host: string;
  port: number;
  /** Extra paths to read (a `--model` file, the specialists folder). */
  readPaths: readonly string[];
}

/** The Deno flags for `scope`. */
export function permissionFlags(scope: PermissionScope, codeDir: string): string[] {
  const host = scope.host.includes(":") ? `[${scope.host}]` : scope.host;
  const read = [scope.home, codeDir, ...scope.readPaths];
  return [
    // Port 0 cannot be named in advance, so it gets the host only.
    `--allow-net=${scope.port === 0 ? host : `${host}:${scope.port}`}`,
    `--allow-read=${[...new Set(read)].join(",")}`,
    `--allow-write=${scope.home}`,
    // LOG_TOKENS and LOG_STREAM are read by the yaml package's parser.
    "--allow-env=SYNAPSE_*,HF_*,HOME,USERPROFILE,NO_COLOR,LOG_TOKENS,LOG_STREAM",
    "--allow-sys=systemMemoryInfo",
    "--no-prompt",
  ];
}

/** Whether this process could narrow itself: it may spawn Deno and runs from source. */
export function canNarrow(): boolean {
  return Deno.permissions.querySync({ name: "run" }).state === "granted" &&
    Deno.mainModule.startsWith("file:") && /deno(\.exe)?$/.test(Deno.execPath());
}

/**
 * Runs `synapse up` again with narrow permissions; forwards SIGINT/SIGTERM; resolves with its
 * exit code.
 */
export async function runNarrowed(
  scope: PermissionScope,
  argv: readonly string[],
): Promise<number> {
  const main = fileURLToPath(Deno.mainModule);
  const codeDir = dirname(main);
  const config = `${codeDir}/deno.json`;
  let hasConfig = false;
  try {
    hasConfig = Deno.statSync(config).isFile;
  } catch {
    // Installed without a deno.json beside main.ts.
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...permissionFlags(scope, codeDir),
      ...(hasConfig ? ["--config", config] : []),
      main,
      "up",
      ...argv,
    ],
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const forward = (signal: Deno.Signal) => () => {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  };
  const onInt = forward("SIGINT");
  const onTerm = forward("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", onTerm);
  try {
    return (await child.status).code;
  } finally {
    Deno.removeSignalListener("SIGINT", onInt);
    if (Deno.build.os !== "windows") Deno.removeSignalListener("SIGTERM", onTerm);
  }
}
