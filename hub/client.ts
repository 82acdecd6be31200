/**
 * A client for the Hugging Face hub's HTTP layout: the tree API for file sizes and hashes,
 * `/{repo}/resolve/{rev}/{file}` for content, redirects followed only to allowed hosts, and the
 * token sent to the endpoint's own host only.
 * @module
 */
import { HubError } from "./errors.ts";
import { HostPolicy } from "./hosts.ts";

/** One file of a repo, as the hub describes it. */
export interface RepoFile {
  /** Path inside the repo. */
  readonly path: string;
  readonly size: number;
  /** sha256 (hex) for files stored in LFS. */
  readonly sha256?: string;
  /** Git blob sha1 (hex) for small files kept in git. */
  readonly gitSha1?: string;
}

/** How to reach the hub. */
export interface HubClientOptions {
  /** Base URL, e.g. `https://huggingface.co` (`HF_ENDPOINT`). */
  readonly endpoint: string;
  /** Access token (`HF_TOKEN`), sent as a Bearer header to the endpoint's host only. */
  readonly token?: string;
  /** Extra hosts downloads may be redirected to (`*.domain` patterns allowed). */
  readonly allowedHosts?: readonly string[];
  /** Most redirects followed per request (default 5). */
  readonly maxRedirects?: number;
}

interface TreeEntry {
  type?: string;
  path?: string;
  size?: number;
  oid?: string;
  lfs?: { oid?: string; size?: number };
}

const MAX_TREE_PAGES = 100;

/** Talks to one hub endpoint. */
export class HubClient {
  readonly endpoint: string;
  readonly #token?: string;
  readonly #policy: HostPolicy;
  readonly #maxRedirects: number;

  constructor(options: HubClientOptions) {
    const url = new URL(options.endpoint);
    this.endpoint = url.href.replace(/\/$/, "");
    this.#token = options.token || undefined;
    this.#policy = new HostPolicy(this.endpoint, options.allowedHosts ?? []);
    this.#policy.check(url);
    this.#maxRedirects = options.maxRedirects ?? 5;
  }

  /** The URL of a file's content. */
  resolveUrl(repo: string, revision: string, path: string): URL {
    const file = path.split("/").map(encodeURIComponent).join("/");
    return new URL(`${this.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`);
  }

  /** Every file of `repo` at `revision`, with sizes and hashes (follows `Link: rel=next`). */
  async listFiles(repo: string, revision: string, signal?: AbortSignal): Promise<RepoFile[]> {
    let url: URL | null = new URL(
      `${this.endpoint}/api/models/${repo}/tree/${encodeURIComponent(revision)}?recursive=true`,
    );
    const files: RepoFile[] = [];
    for (let page = 0; url && page < MAX_TREE_PAGES; page++) {
      const response = await this.fetch(url, { signal });
      if (!response.ok) {
        await response.body?.cancel();
        throw new HubError(
          response.status === 404 || response.status === 401
            ? `repo ${repo} at ${revision} not found on ${this.endpoint} (HTTP ${response.status})`
            : `listing ${repo} failed: HTTP ${response.status}`,
          response.status,
        );
      }
      const body = await response.json().catch(() => null);
      if (!Array.isArray(body)) throw new HubError(`listing ${repo}: expected a JSON array`);
      for (const entry of body as TreeEntry[]) {
        const file = toRepoFile(entry);
        if (file) files.push(file);
      }
      url = nextLink(response.headers.get("link"), url);
    }
    return files;
  }

  /**
   * GET (or HEAD) `url`, following redirects by hand so each hop is checked against the host
   * policy; the token goes to the endpoint's host only.
   */
  async fetch(url: URL, init: RequestInit = {}): Promise<Response> {
    let current = url;
    for (let hop = 0; hop <= this.#maxRedirects; hop++) {
      this.#policy.check(current);
      const headers = new Headers(init.headers);
      if (this.#token && this.#policy.isEndpoint(current)) {
        headers.set("authorization", `Bearer ${this.#token}`);
      } else {
        headers.delete("authorization");
      }
      const response = await fetch(current, { ...init, headers, redirect: "manual" });
      if (response.status < 300 || response.status >= 400 || response.status === 304) {
        return response;
      }
      const location = response.headers.get("location");
      await response.body?.cancel();
      if (!location) throw new HubError(`redirect without Location from ${current.href}`);
      current = new URL(location, current);
    }
    throw new HubError(`more than ${this.#maxRedirects} redirects fetching ${url.href}`);
  }
}

function toRepoFile(entry: TreeEntry): RepoFile | null {
  if (entry.type !== "file" || typeof entry.path !== "string") return null;
  const size = entry.lfs?.size ?? entry.size;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw new HubError(`listing: file ${entry.path} has no valid size`);
  }
  const sha256 = entry.lfs?.oid;
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) {
    throw new HubError(`listing: file ${entry.path} has a malformed sha256`);
  }
  const gitSha1 = sha256 === undefined && /^[0-9a-f]{40}$/.test(entry.oid ?? "")
    ? entry.oid
    : undefined;
  return { path: entry.path, size, sha256, gitSha1 };
}

function nextLink(header: string | null, base: URL): URL | null {
  const match = header && /<([^>]+)>\s*;\s*rel="?next"?/.exec(header);
  return match ? new URL(match[1], base) : null;
}
