/** `synapse bench`: the engine benchmark (see bench/main.ts). @module */
import type { CommandEnv } from "./command.ts";
import { benchMain } from "../bench/main.ts";

/** Entry point of `synapse bench`. */
export async function benchCommand(argv: string[], env: CommandEnv): Promise<number> {
  try {
    return await benchMain(argv, (line) => env.print(`${line}\n`));
  } catch (e) {
    env.printError(`synapse bench: ${(e as Error).message}\n`);
    return 1;
  }
}
