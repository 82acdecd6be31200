/** Shared helpers of the memory tests: temporary database folders. */

/** A fresh folder for one test's database; `dispose()` removes it. */
export function tempDir(): { dir: string; path: string; dispose(): void } {
  const dir = Deno.makeTempDirSync({ prefix: "synapse-memory-" });
  return {
    dir,
    path: `${dir}/synapse.db`,
    dispose: () => Deno.removeSync(dir, { recursive: true }),
  };
}

/** SHA-256 of a file, hex, to show that a refused file was not modified. */
export async function fileDigest(path: string): Promise<string> {
  const bytes = await Deno.readFile(path);
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
