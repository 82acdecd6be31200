/**
 * How `synapse run` is called: its flags (each mirrored by a `SYNAPSE_*` variable) and their
 * checked values, so a bad value is refused before any model is loaded.
 * @module
 */
import type { SamplingParams } from "../engine/mod.ts";
import { type CommandSpec, type ParsedArgs, UsageError } from "./options.ts";

/** How `run` is called. */
export const RUN_SPEC: CommandSpec = {
  name: "run",
  usage: "synapse run MODEL [PROMPT]",
  summary: "Generate from a model once and print the answer as it is produced",
  settings: ["models.backend"],
  switches: [
    {
      name: "raw",
      type: "boolean",
      env: "SYNAPSE_RAW",
      doc: "Continue PROMPT as plain text, without the chat template",
    },
    {
      name: "chat",
      type: "boolean",
      env: "SYNAPSE_CHAT",
      doc: "Send PROMPT as one user turn through the chat template (default)",
    },
    {
      name: "adapter",
      type: "string",
      env: "SYNAPSE_ADAPTER",
      doc: "Apply a LoRA adapter: a PEFT folder or a GGUF LoRA file",
      meta: "PATH",
    },
    {
      name: "max-tokens",
      type: "string",
      env: "SYNAPSE_MAX_TOKENS",
      doc: "Most tokens to generate [default 256]",
      meta: "N",
    },
    {
      name: "temperature",
      type: "string",
      env: "SYNAPSE_TEMPERATURE",
      doc: "Sampling temperature; 0 picks the most likely token [default 0]",
      meta: "T",
    },
    {
      name: "top-k",
      type: "string",
      env: "SYNAPSE_TOP_K",
      doc: "Sample among the K most likely tokens (0 = all) [default 0]",
      meta: "K",
    },
    {
      name: "top-p",
      type: "string",
      env: "SYNAPSE_TOP_P",
      doc: "Sample within probability mass P, in (0, 1] [default 1]",
      meta: "P",
    },
    {
      name: "seed",
      type: "string",
      env: "SYNAPSE_SEED",
      doc: "Seed for reproducible sampling (0 to 4294967295) [default: random]",
      meta: "N",
    },
    {
      name: "json",
      type: "boolean",
      env: "SYNAPSE_JSON",
      doc:
        'End with one line {"prompt_ids":[...],"ids":[...],"text":"...","runs_on":"..."}, no streaming',
    },
  ],
  minPositionals: 1,
  maxPositionals: 2,
  notes: [
    "MODEL is a GGUF file, an HF-layout folder (config.json, safetensors, tokenizer.json),",
    "`default` (the embedded tiny model) or the name of a pulled model (see synapse list).",
    "Without PROMPT, the prompt is read from standard input (one trailing newline dropped);",
    "a PROMPT that starts with '-' goes after `--`. Text streams to standard output as it is",
    "generated, ended by a newline when it lacks one; special tokens (the end-of-turn mark) are",
    "not printed.",
    "",
    "Examples:",
    '  synapse run default "What is 12 + 30?"',
    '  synapse run ./model.gguf "def fibonacci(n):" --raw --max-tokens 64',
    '  echo "What is 47 + 38?" | synapse run default --adapter ./adapters/math --json',
  ].join("\n"),
};

/** What `run` was asked to do, every value checked. */
export interface RunOptions {
  /** MODEL as given: a path, `default`, or a store name. */
  model: string;
  /** PROMPT as given; null when it is to be read from standard input. */
  prompt: string | null;
  /** Whether the prompt goes through the chat template. */
  chat: boolean;
  /** Path of a LoRA adapter to apply, or null. */
  adapter: string | null;
  maxTokens: number;
  sampling: SamplingParams;
  json: boolean;
}

/** Tokens generated when `--max-tokens` is not given. */
export const DEFAULT_MAX_TOKENS = 256;

/** The flags whose values may start with a dash (`--seed -1` is then refused by name). */
const NUMBER_FLAGS = ["max-tokens", "temperature", "top-k", "top-p", "seed"];

/**
 * Joins `--flag -3` into `--flag=-3` for the number flags, so a negative value reaches the value
 * check (which names the flag and the value) instead of being taken for an unknown option.
 */
export function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") return [...out, ...argv.slice(i)];
    const next = argv[i + 1];
    if (
      arg.startsWith("--") && NUMBER_FLAGS.includes(arg.slice(2)) && next !== undefined &&
      /^-[\d.]/.test(next)
    ) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function numberSwitch(
  args: ParsedArgs,
  name: string,
  pattern: RegExp,
  valid: (n: number) => boolean,
  expected: string,
): number | undefined {
  const text = args.switches[name];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (typeof text !== "string" || !pattern.test(text.trim()) || !valid(value)) {
    const variable = RUN_SPEC.switches?.find((s) => s.name === name)?.env;
    throw new UsageError(
      `--${name} (or ${variable}) must be ${expected}; got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** Checks the parsed arguments of `run`; throws UsageError naming the flag and its value. */
export function runOptions(args: ParsedArgs): RunOptions {
  const { raw, chat } = args.switches;
  if (raw === true && chat === true) {
    throw new UsageError(
      "--raw and --chat exclude each other (check SYNAPSE_RAW and SYNAPSE_CHAT)",
    );
  }
  const maxTokens = numberSwitch(
    args,
    "max-tokens",
    INTEGER,
    (n) => Number.isSafeInteger(n) && n >= 1,
    "a whole number of at least 1",
  );
  const sampling: SamplingParams = {
    temperature: numberSwitch(
      args,
      "temperature",
      DECIMAL,
      (n) => Number.isFinite(n) && n >= 0,
      "a number of at least 0",
    ) ?? 0,
    topK: numberSwitch(
      args,
      "top-k",
      INTEGER,
      (n) => Number.isSafeInteger(n) && n >= 0,
      "a whole number of at least 0",
    ),
    topP: numberSwitch(args, "top-p", DECIMAL, (n) => n > 0 && n <= 1, "a number in (0, 1]"),
    seed: numberSwitch(
      args,
      "seed",
      INTEGER,
      (n) => Number.isSafeInteger(n) && n >= 0 && n < 2 ** 32,
      "a whole number from 0 to 4294967295",
    ),
  };
  const adapter = args.switches.adapter;
  if (adapter === "") throw new UsageError("--adapter must be a path; got an empty string");
  return {
    model: args.positionals[0],
    prompt: args.positionals[1] ?? null,
    chat: raw !== true,
    adapter: typeof adapter === "string" ? adapter : null,
    maxTokens: maxTokens ?? DEFAULT_MAX_TOKENS,
    sampling,
    json: args.switches.json === true,
  };
}
