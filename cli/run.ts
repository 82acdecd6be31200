/**
 * `synapse run MODEL [PROMPT]`: loads a model in this process, generates once from PROMPT (or
 * standard input) and streams the text as it is produced, or prints ids and text as one JSON line.
 * @module
 */
import {
  DEFAULT_MODEL_NAME,
  type GenerateResult,
  IncrementalDecoder,
  loadModel,
  type Model,
} from "../engine/mod.ts";
import { formatModelName, isValidModelName, ModelStore, parseModelName } from "../store/mod.ts";
import type { CommandEnv } from "./command.ts";
import { argsOrHelp, commandConfig } from "./common.ts";
import { type ParsedArgs, UsageError } from "./options.ts";
import { joinNegativeValues, RUN_SPEC, type RunOptions, runOptions } from "./run_options.ts";

export { RUN_SPEC } from "./run_options.ts";

/** Thrown when MODEL is neither `default`, an existing path, nor a pulled model's name. */
export class ModelNotFoundError extends Error {
  /** MODEL as the user gave it. */
  readonly model: string;

  constructor(model: string) {
    super(
      `model "${model}" not found: expected a GGUF file, a model folder, "default" or the name ` +
        "of a pulled model (synapse list shows them)",
    );
    this.name = "ModelNotFoundError";
    this.model = model;
  }
}

/** What one `run` generated. */
export interface RunOutcome {
  promptIds: number[];
  /** Generated ids, including the end-of-turn id when generation stopped on it. */
  ids: number[];
  /** The generated text, special tokens left out (what was streamed). */
  text: string;
  result: GenerateResult;
}

async function pathExists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/**
 * The `loadModel` spec for MODEL: `default` (also `default:latest`), an existing file or folder
 * as is, else a model in the store of this SYNAPSE_HOME.
 */
export async function resolveModelSpec(
  model: string,
  env: CommandEnv,
  args: ParsedArgs,
): Promise<string> {
  if (model === DEFAULT_MODEL_NAME) return model;
  if (await pathExists(model)) return model;
  if (!isValidModelName(model)) throw new ModelNotFoundError(model);
  if (formatModelName(parseModelName(model)) === `${DEFAULT_MODEL_NAME}:latest`) {
    return DEFAULT_MODEL_NAME;
  }
  const config = await commandConfig(env, args);
  const stored = await new ModelStore(config.layout.modelsDir).get(model);
  if (!stored) throw new ModelNotFoundError(model);
  return stored.path;
}

/** Reads the prompt from standard input (one trailing newline dropped); refuses a terminal. */
async function promptFromStdin(): Promise<string> {
  if (Deno.stdin.isTerminal()) {
    throw new UsageError(
      "missing PROMPT: give it after MODEL or pipe it on standard input (synapse chat talks)",
    );
  }
  const text = await new Response(Deno.stdin.readable).text();
  return text.replace(/\r?\n$/, "");
}

/** The adapter's name inside the model: its file or folder name. */
function adapterName(path: string): string {
  return path.replace(/[\/\\]+$/, "").split(/[\/\\]/).pop()!.replace(/\.gguf$/i, "") || "adapter";
}

/**
 * Generates once from `prompt` with `model`, calling `onText` with each piece of text as it is
 * produced (IncrementalDecoder, special tokens skipped).
 */
export async function generateOnce(
  model: Model,
  prompt: string,
  options: Omit<RunOptions, "model" | "prompt" | "json">,
  onText: (text: string) => void = () => {},
): Promise<RunOutcome> {
  const rendered = options.chat
    ? model.renderChat([{ role: "user", content: prompt }], {
      addGenerationPrompt: true,
      enableThinking: false,
    })
    : prompt;
  const promptIds = model.encode(rendered);
  let adapter: string | null = null;
  if (options.adapter !== null) {
    adapter = adapterName(options.adapter);
    await model.loadAdapter(adapter, options.adapter);
  }
  const stream = model.generate({
    promptIds,
    adapter,
    maxTokens: options.maxTokens,
    sampling: options.sampling,
  });
  const decoder = new IncrementalDecoder(model, { skipSpecialTokens: true });
  let text = "";
  const emit = (piece: string) => {
    if (piece === "") return;
    text += piece;
    onText(piece);
  };
  for await (const token of stream) emit(decoder.push(token.id));
  emit(decoder.flush());
  const result = await stream.result;
  return { promptIds: result.promptIds, ids: result.ids, text, result };
}

/** Runs `run`. */
export async function runCommand(argv: string[], env: CommandEnv): Promise<number> {
  const args = argsOrHelp(RUN_SPEC, joinNegativeValues(argv), env);
  if (!args) return 0;
  const options = runOptions(args);
  if (options.adapter !== null && !(await pathExists(options.adapter))) {
    throw new UsageError(`--adapter: no such file or folder: ${options.adapter}`);
  }
  const spec = await resolveModelSpec(options.model, env, args);
  const prompt = options.prompt ?? await promptFromStdin();
  const { models } = await commandConfig(env, args);
  const model = await loadModel(spec, { backend: models.backend });
  try {
    const outcome = await generateOnce(
      model,
      prompt,
      options,
      options.json ? undefined : env.print,
    );
    if (options.json) {
      const line = {
        prompt_ids: outcome.promptIds,
        ids: outcome.ids,
        text: outcome.text,
        runs_on: model.runsOn,
      };
      env.print(JSON.stringify(line) + "\n");
    } else if (!outcome.text.endsWith("\n")) {
      env.print("\n");
    }
    return 0;
  } finally {
    model.close();
  }
}
