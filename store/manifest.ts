/**
 * The manifest beside every stored model: where it came from and each file's size and sha256,
 * validated on read so a tampered manifest cannot point outside the model's folder.
 * @module
 */

/** One file of a stored model. */
export interface ManifestFile {
  /** Relative path inside the model's folder (no `..`, not absolute). */
  readonly path: string;
  readonly size: number;
  /** Hex sha256 of the content, as verified when the file was stored. */
  readonly sha256: string;
}

/** `manifest.json` of one stored model. */
export interface Manifest {
  readonly schema: 1;
  /** Canonical `model:tag`. */
  readonly name: string;
  /** `gguf` (one file is the model) or `safetensors` (the folder is an HF-layout model). */
  readonly format: "gguf" | "safetensors";
  /** The file to load for `gguf`; `.` (the folder) for `safetensors`. */
  readonly entry: string;
  readonly files: readonly ManifestFile[];
  /** Where it was pulled from, when it was. */
  readonly source?: { readonly endpoint: string; readonly repo: string; readonly revision: string };
  /** ISO time it was stored. */
  readonly storedAt: string;
}

/** Thrown for a manifest that is not what the store writes. */
export class ManifestError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = "ManifestError";
  }
}

function safeRelative(path: unknown): path is string {
  return typeof path === "string" && path.length > 0 && path.length < 1024 &&
    !path.startsWith("/") && !path.includes("\\") && !/^[a-zA-Z]:/.test(path) &&
    !path.split("/").some((p) => p === ".." || p === "." || p === "") && !path.includes("\0");
}

/** Validates parsed JSON as a manifest; throws ManifestError naming the bad field. */
export function validateManifest(value: unknown, where = "manifest.json"): Manifest {
  const fail = (message: string): never => {
    throw new ManifestError(where, message);
  };
  if (typeof value !== "object" || value === null) return fail("expected a JSON object");
  const m = value as Record<string, unknown>;
  if (m.schema !== 1) fail(`expected schema 1, found ${JSON.stringify(m.schema)}`);
  if (typeof m.name !== "string") fail("expected a string name");
  if (m.format !== "gguf" && m.format !== "safetensors") fail("format must be gguf or safetensors");
  if (!Array.isArray(m.files) || m.files.length === 0) fail("files must be a non-empty list");
  const seen = new Set<string>();
  for (const f of m.files as Record<string, unknown>[]) {
    if (!safeRelative(f?.path)) {
      fail(`file path ${JSON.stringify(f?.path)} is not a plain relative path`);
    }
    if (seen.has(f.path as string)) fail(`file ${f.path} is listed twice`);
    seen.add(f.path as string);
    if (!Number.isSafeInteger(f.size) || (f.size as number) < 0) {
      fail(`file ${f.path} has a bad size`);
    }
    if (typeof f.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(f.sha256)) {
      fail(`file ${f.path} has a bad sha256`);
    }
  }
  if (m.format === "gguf" ? !seen.has(m.entry as string) : m.entry !== ".") {
    fail(`entry ${JSON.stringify(m.entry)} is not one of its files`);
  }
  if (typeof m.storedAt !== "string") fail("expected storedAt");
  return m as unknown as Manifest;
}

/** Reads and validates the manifest at `path`. */
export async function readManifest(path: string): Promise<Manifest> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw error;
    throw new ManifestError(path, `not valid JSON (${(error as Error).message})`);
  }
  return validateManifest(parsed, path);
}
