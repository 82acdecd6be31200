/**
 * The `synapse` executable: parses argv and dispatches to a command in `cli/`; nothing else.
 * @module
 */
import { main } from "./cli/mod.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
