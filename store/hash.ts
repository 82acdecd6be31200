/**
 * Streaming sha256 of files of any size (WebCrypto only digests whole buffers).
 * @module
 */
import { createHash } from "node:crypto";

/** Hex sha256 of the file at `path`, read in chunks. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path, { read: true });
  // The readable closes the file when it ends or fails.
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}
