/**
 * `pull`: resolve a registry entry's files on the hub, download each into the store's staging
 * folder (resumable), verify it against the hub's hashes, and install the model with its
 * manifest in one rename. A failed pull leaves no manifest and a resumable staging folder.
 * @module
 */
import { dirname, join } from "node:path";
import type { RegistryEntry } from "../config/mod.ts";
import {
  formatModelName,
  type Manifest,
  type ManifestFile,
  type ModelStore,
  parseModelName,
  type StoredModel,
} from "../store/mod.ts";
import type { HubClient, RepoFile } from "./client.ts";
import { downloadFile } from "./download.ts";
import { HubError } from "./errors.ts";
import { verifyFile } from "./verify.ts";

/** Progress of a whole pull; `doneBytes` never goes backwards. */
export interface PullProgress {
  /** The file being fetched now. */
  file: string;
  doneBytes: number;
  totalBytes: number;
  /** Phase: listing, downloading, verifying, or installed. */
  phase: "listing" | "downloading" | "verifying" | "installed";
}

/** What `pullModel` needs. */
export interface PullOptions {
  /** The name to store it under, e.g. `qwen3:0.6b`. */
  name: string;
  entry: RegistryEntry;
  store: ModelStore;
  client: HubClient;
  onProgress?: (progress: PullProgress) => void;
  signal?: AbortSignal;
  /** Retries per file after a dropped connection (default 5). */
  retries?: number;
  retryDelayMs?: number;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")
    .replace(/\?/g, "[^/]");
  return new RegExp(`^${escaped}$`);
}

/** The repo files a registry entry asks for; throws when a name or pattern matches nothing. */
export function selectFiles(listing: readonly RepoFile[], patterns: readonly string[]): RepoFile[] {
  const chosen = new Map<string, RepoFile>();
  for (const pattern of patterns) {
    const re = globToRegExp(pattern);
    const matches = listing.filter((f) => re.test(f.path));
    if (matches.length === 0) {
      throw new HubError(`the repo has no file matching "${pattern}"`);
    }
    for (const m of matches) chosen.set(m.path, m);
  }
  for (const file of chosen.values()) {
    if (file.path.startsWith("/") || file.path.split("/").some((p) => p === ".." || p === "")) {
      throw new HubError(`the repo lists an unsafe file path ${JSON.stringify(file.path)}`);
    }
    if (file.sha256 === undefined && file.gitSha1 === undefined) {
      throw new HubError(`the hub gave no hash for ${file.path}, so it cannot be verified`);
    }
  }
  return [...chosen.values()].sort((a, b) => a.path.localeCompare(b.path));
}

function modelFormat(files: readonly RepoFile[]): Pick<Manifest, "format" | "entry"> {
  const ggufs = files.filter((f) => f.path.endsWith(".gguf"));
  if (ggufs.length > 0) return { format: "gguf", entry: ggufs[0].path };
  if (
    files.some((f) => f.path === "config.json") &&
    files.some((f) => f.path.endsWith(".safetensors"))
  ) {
    return { format: "safetensors", entry: "." };
  }
  throw new HubError(
    "expected a .gguf file, or config.json with .safetensors weights, among the files pulled",
  );
}

/** Progress bookkeeping of one pull: bytes on disk, reported without ever going back. */
class PullMeter {
  onDisk = 0;
  totalBytes = 0;
  #reported = 0;
  readonly #onProgress?: PullOptions["onProgress"];

  constructor(onProgress?: PullOptions["onProgress"]) {
    this.#onProgress = onProgress;
  }

  report(file: string, phase: PullProgress["phase"]): void {
    this.#reported = Math.max(this.#reported, Math.min(this.onDisk, this.totalBytes));
    this.#onProgress?.({ file, doneBytes: this.#reported, totalBytes: this.totalBytes, phase });
  }
}

/** Brings one file into the staging folder (resuming its `.part`) and verifies it. */
async function fetchFile(
  options: PullOptions,
  file: RepoFile,
  staging: string,
  meter: PullMeter,
): Promise<ManifestFile> {
  const { client, entry } = options;
  const target = join(staging, file.path);
  const part = `${target}.part`;
  await Deno.mkdir(dirname(target), { recursive: true });
  const already = await sizeIfExists(target);
  if (already !== null) {
    // Verified in an earlier run; checked again, since the manifest records its hash.
    meter.onDisk += already;
    meter.report(file.path, "verifying");
    return { path: file.path, size: file.size, sha256: await verifyFile(target, file) };
  }
  meter.onDisk += (await sizeIfExists(part)) ?? 0;
  meter.report(file.path, "downloading");
  const url = client.resolveUrl(entry.repo, entry.revision, file.path);
  await downloadFile(client, url, part, file.size, {
    signal: options.signal,
    retries: options.retries,
    retryDelayMs: options.retryDelayMs,
    onBytes: (delta) => {
      meter.onDisk += delta;
      meter.report(file.path, "downloading");
    },
  });
  meter.report(file.path, "verifying");
  const sha256 = await verifyFile(part, file).catch((error) => {
    meter.onDisk -= file.size;
    throw error;
  });
  await Deno.rename(part, target);
  return { path: file.path, size: file.size, sha256 };
}

/** Downloads, verifies and installs a model; returns the stored model. */
export async function pullModel(options: PullOptions): Promise<StoredModel> {
  const name = formatModelName(parseModelName(options.name));
  const { entry, store, client } = options;
  const meter = new PullMeter(options.onProgress);
  meter.report("", "listing");
  const listing = await client.listFiles(entry.repo, entry.revision, options.signal);
  const files = selectFiles(listing, entry.files);
  const format = modelFormat(files);
  meter.totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  const staging = store.stagingDir(name);
  const manifestFiles: ManifestFile[] = [];
  for (const file of files) manifestFiles.push(await fetchFile(options, file, staging, meter));
  const manifest: Manifest = {
    schema: 1,
    name,
    ...format,
    files: manifestFiles,
    source: { endpoint: client.endpoint, repo: entry.repo, revision: entry.revision },
    storedAt: new Date().toISOString(),
  };
  const stored = await store.install(staging, manifest);
  meter.report("", "installed");
  return stored;
}

async function sizeIfExists(path: string): Promise<number | null> {
  try {
    return (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}
