/**
 * Checks a downloaded file against the hub's listing: size, then sha256 for LFS files or the
 * git blob sha1 for small files; a file that does not match is deleted.
 * @module
 */
import { createHash } from "node:crypto";
import type { RepoFile } from "./client.ts";
import { IntegrityError } from "./errors.ts";

/** The sha256 (hex) of a file and, when asked, its git blob sha1. */
export async function hashFile(
  path: string,
  withGitSha1 = false,
): Promise<{ sha256: string; gitSha1?: string }> {
  const size = (await Deno.stat(path)).size;
  const sha256 = createHash("sha256");
  const sha1 = withGitSha1 ? createHash("sha1").update(`blob ${size}\0`) : null;
  const file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) {
    sha256.update(chunk);
    sha1?.update(chunk);
  }
  return { sha256: sha256.digest("hex"), gitSha1: sha1?.digest("hex") };
}

/**
 * Verifies `path` against `expected`; returns its sha256. On a mismatch the file is removed and
 * IntegrityError thrown.
 */
export async function verifyFile(path: string, expected: RepoFile): Promise<string> {
  const size = (await Deno.stat(path)).size;
  const reject = async (what: string, wanted: string, found: string): Promise<never> => {
    await Deno.remove(path).catch(() => {});
    throw new IntegrityError(expected.path, `${what} ${wanted}`, found);
  };
  if (size !== expected.size) await reject("size", String(expected.size), `${size} bytes`);
  const hashes = await hashFile(path, expected.sha256 === undefined);
  if (expected.sha256 !== undefined && hashes.sha256 !== expected.sha256) {
    await reject("sha256", expected.sha256, hashes.sha256);
  }
  if (expected.gitSha1 !== undefined && hashes.gitSha1 !== expected.gitSha1) {
    await reject("git sha1", expected.gitSha1, hashes.gitSha1!);
  }
  return hashes.sha256;
}
