/**
 * Downloads one file into a `.part` file that survives interruption: each attempt asks for the
 * missing bytes with `Range`, retries dropped connections, and never writes past the size the
 * hub declared.
 * @module
 */
import type { HubClient } from "./client.ts";
import { HubError } from "./errors.ts";

/** Options for one file's download. */
export interface DownloadOptions {
  /** Called with the number of bytes added to the `.part` file (negative after a restart). */
  onBytes?: (delta: number) => void;
  signal?: AbortSignal;
  /** Attempts after a dropped connection or a 5xx/429 (default 5). */
  retries?: number;
  /** First pause between attempts, doubled each time (default 250 ms). */
  retryDelayMs?: number;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
}

class RetryableError extends Error {}

/**
 * Fetches `url` into `partPath` until it holds `expectedSize` bytes, resuming from whatever the
 * file already holds. The content is not verified here (see `verifyFile`).
 */
export async function downloadFile(
  client: HubClient,
  url: URL,
  partPath: string,
  expectedSize: number,
  options: DownloadOptions = {},
): Promise<void> {
  const retries = options.retries ?? 5;
  let delay = options.retryDelayMs ?? 250;
  for (let attempt = 0;; attempt++) {
    try {
      await attemptDownload(client, url, partPath, expectedSize, options);
      return;
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      const retryable = error instanceof RetryableError || error instanceof TypeError;
      if (!retryable || attempt >= retries) {
        if (!retryable) throw error;
        throw new HubError(
          `downloading ${url.pathname} failed after ${attempt + 1} attempts ` +
            `(${(error as Error).message}); run pull again to resume`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay *= 2;
    }
  }
}

async function attemptDownload(
  client: HubClient,
  url: URL,
  partPath: string,
  expectedSize: number,
  options: DownloadOptions,
): Promise<void> {
  let offset = await sizeOf(partPath);
  if (offset > expectedSize) {
    await Deno.truncate(partPath, 0);
    options.onBytes?.(-offset);
    offset = 0;
  }
  if (offset === expectedSize) return;
  const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
  const response = await client.fetch(url, { headers, signal: options.signal });
  if (response.status === 416) {
    await response.body?.cancel();
    await Deno.truncate(partPath, 0);
    options.onBytes?.(-offset);
    throw new RetryableError("the hub refused the resume range; restarting the file");
  }
  if (response.status >= 500 || response.status === 429) {
    await response.body?.cancel();
    throw new RetryableError(`HTTP ${response.status}`);
  }
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel();
    throw new HubError(`fetching ${url.pathname}: HTTP ${response.status}`, response.status);
  }
  if (response.status === 206) {
    const start = /^bytes (\d+)-/.exec(response.headers.get("content-range") ?? "");
    if (!start || Number(start[1]) !== offset) {
      await response.body?.cancel();
      throw new HubError(`fetching ${url.pathname}: the hub resumed at the wrong offset`);
    }
  } else if (offset > 0) {
    // The server ignored Range: start the file over.
    await Deno.truncate(partPath, 0);
    options.onBytes?.(-offset);
    offset = 0;
  }
  await appendBody(response, partPath, offset, expectedSize, url, options);
}

async function appendBody(
  response: Response,
  partPath: string,
  offset: number,
  expectedSize: number,
  url: URL,
  options: DownloadOptions,
): Promise<void> {
  if (!response.body) throw new RetryableError("empty response");
  const file = await Deno.open(partPath, { create: true, append: true });
  try {
    let written = offset;
    try {
      for await (const chunk of response.body) {
        if (written + chunk.length > expectedSize) {
          throw new HubError(
            `fetching ${url.pathname}: the hub sent more than the ${expectedSize} bytes it listed`,
          );
        }
        let done = 0;
        while (done < chunk.length) done += await file.write(chunk.subarray(done));
        written += chunk.length;
        options.onBytes?.(chunk.length);
      }
    } catch (error) {
      if (error instanceof HubError || options.signal?.aborted) throw error;
      throw new RetryableError(
        `connection dropped at byte ${written}: ${(error as Error).message}`,
      );
    }
    if (written !== expectedSize) {
      throw new RetryableError(`connection ended at byte ${written} of ${expectedSize}`);
    }
  } finally {
    file.close();
  }
}
