/**
 * Where the tests find the shared tiny-qwen3 fixture: `$SYNAPSE_FIXTURES`, else
 * `../shared/fixtures/tiny-qwen3` beside the repository (CI and developers), else
 * `.fixtures/tiny-qwen3` inside it (copied there for runs on the device machine).
 * @module
 */
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function locateFixture(): string {
  const candidates = [
    Deno.env.get("SYNAPSE_FIXTURES"),
    `${repoRoot}../shared/fixtures/tiny-qwen3`,
    `${repoRoot}.fixtures/tiny-qwen3`,
  ].filter((p): p is string => !!p);
  const found = candidates.find((p) => exists(`${p}/config.json`));
  if (!found) {
    throw new Error(`tiny-qwen3 fixture not found; looked in: ${candidates.join(", ")}`);
  }
  return found.replace(/\/$/, "");
}

/** Absolute path of the tiny-qwen3 fixture folder (no trailing slash). */
export const FIXTURE_DIR: string = locateFixture();

/** Absolute path of the repository root (with trailing slash). */
export const REPO_ROOT: string = repoRoot;
