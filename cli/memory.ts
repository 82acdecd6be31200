/**
 * `synapse memory`: look at and edit the knowledge graph from the shell — list, add, forget,
 * search facts, and move them in and out as JSON Lines.
 * @module
 */
import { parseArgs } from "node:util";
import { homeLayout } from "../config/mod.ts";
import {
  byteLines,
  exportFacts,
  type Fact,
  importFacts,
  learnFacts,
  MemoryError,
  MemoryStore,
} from "../memory/mod.ts";
import type { CommandEnv } from "./command.ts";

const HELP = `synapse memory: query and edit the knowledge graph (SYNAPSE_HOME/synapse.db)

Usage:
  synapse memory facts [--subject S] [--predicate P] [--object O] [--current] [--limit N] [--offset N] [--json]
  synapse memory add SUBJECT PREDICATE OBJECT [--not] [--confidence C] [--source S] [--json]
  synapse memory add --text "Paris is the capital of France." [--source S] [--json]
  synapse memory forget ID
  synapse memory search QUERY [--messages] [--limit N] [--offset N] [--json]
  synapse memory export [--out FILE]      write every fact as JSON Lines (stdout by default)
  synapse memory import FILE|-            read JSON Lines of facts (- for stdin)

Options:
  --db PATH   use this database file instead of SYNAPSE_HOME/synapse.db
  --json      print JSON (one object per line) instead of a table
  -h, --help  show this help
`;

const OPTIONS = {
  subject: { type: "string" },
  predicate: { type: "string" },
  object: { type: "string" },
  current: { type: "boolean" },
  limit: { type: "string" },
  offset: { type: "string" },
  json: { type: "boolean" },
  not: { type: "boolean" },
  confidence: { type: "string" },
  source: { type: "string" },
  text: { type: "string" },
  messages: { type: "boolean" },
  out: { type: "string" },
  db: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<typeof parse>["values"];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

/** A mistake in the command line: printed with a hint, exit code 2. */
class UsageError extends Error {}

/**
 * Runs `synapse memory ARGS`; returns the exit code: 0 done, 1 failed (e.g. unknown id),
 * 2 bad command line.
 */
export async function memoryCommand(argv: string[], env: CommandEnv): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    env.printError(`synapse memory: ${(error as Error).message}; see synapse memory --help\n`);
    return 2;
  }
  const [action, ...args] = parsed.positionals;
  if (parsed.values.help || action === undefined || action === "help") {
    env.print(HELP);
    return action === undefined && !parsed.values.help ? 2 : 0;
  }
  const run = ACTIONS[action];
  if (!run) {
    env.printError(
      `synapse memory: unknown action "${action}"; expected one of ${
        Object.keys(ACTIONS).join(", ")
      }\n`,
    );
    return 2;
  }
  try {
    const store = MemoryStore.open(parsed.values.db ?? homeLayout(env.home).databaseFile);
    try {
      return await run(store, args, parsed.values, env);
    } finally {
      store.close();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      env.printError(`synapse memory ${action}: ${error.message}; see synapse memory --help\n`);
      return 2;
    }
    if (error instanceof MemoryError || error instanceof Deno.errors.NotFound) {
      env.printError(`synapse memory ${action}: ${error.message.split("\n")[0]}\n`);
      return 1;
    }
    throw error;
  }
}

type Action = (
  store: MemoryStore,
  args: string[],
  values: Values,
  env: CommandEnv,
) => Promise<number>;

const ACTIONS: Record<string, Action> = {
  facts: (store, args, values, env) => {
    expectArgs(args, 0, "facts takes no arguments, only options");
    const facts = store.facts.query({
      subject: values.subject,
      predicate: values.predicate,
      object: values.object,
      currentOnly: values.current,
      ...page(values),
    });
    printFacts(facts, values, env);
    return Promise.resolve(0);
  },
  add: async (store, args, values, env) => {
    const source = values.source ?? "cli";
    const confidence = values.confidence === undefined
      ? undefined
      : number("--confidence", values.confidence);
    if (values.text !== undefined) {
      expectArgs(args, 0, "add --text takes no positional arguments");
      const { facts } = await learnFacts(store, values.text, { source, confidence });
      printFacts(facts, values, env);
      if (facts.length === 0) env.printError("no statement found in the text; nothing added\n");
      return facts.length > 0 ? 0 : 1;
    }
    expectArgs(args, 3, "add needs SUBJECT PREDICATE OBJECT (quote multi-word names)");
    const [subject, predicate, object] = args;
    const fact = store.facts.add({ subject, predicate, object, negated: values.not ?? false }, {
      confidence,
      source,
    });
    printFacts([fact], values, env);
    return 0;
  },
  forget: (store, args, _values, env) => {
    expectArgs(args, 1, "forget needs one fact ID");
    const id = number("ID", args[0]);
    if (!store.facts.forget(id)) {
      env.printError(`synapse memory forget: no fact with id ${id}\n`);
      return Promise.resolve(1);
    }
    env.print(`forgot fact #${id}\n`);
    return Promise.resolve(0);
  },
  search: (store, args, values, env) => {
    if (args.length === 0) throw new UsageError("search needs a QUERY");
    const query = args.join(" ");
    if (!values.messages) {
      printFacts(store.facts.search(query, page(values)), values, env);
      return Promise.resolve(0);
    }
    for (const hit of store.conversations.search(query, page(values))) {
      env.print(
        values.json
          ? `${JSON.stringify(hit)}\n`
          : `conversation ${hit.conversationId} message ${hit.messageId} (${hit.role}): ${hit.snippet}\n`,
      );
    }
    return Promise.resolve(0);
  },
  export: async (store, args, values, env) => {
    expectArgs(args, 0, "export takes no arguments; use --out FILE to write a file");
    if (values.out === undefined) {
      for (const line of exportFacts(store)) env.print(line);
      return 0;
    }
    const file = await Deno.open(values.out, { write: true, create: true, truncate: true });
    const encoder = new TextEncoder();
    let count = 0;
    try {
      for (const line of exportFacts(store)) {
        await writeAll(file, encoder.encode(line));
        count++;
      }
    } finally {
      file.close();
    }
    env.printError(`exported ${count} facts to ${values.out}\n`);
    return 0;
  },
  import: async (store, args, values, env) => {
    expectArgs(args, 1, "import needs a FILE (or - for stdin)");
    const file = args[0] === "-" ? undefined : await Deno.open(args[0], { read: true });
    const stream = file ? file.readable : Deno.stdin.readable;
    const report = await importFacts(store, byteLines(stream), { source: values.source });
    for (const e of report.errors) env.printError(`line ${e.line}: ${e.message}\n`);
    env.print(`imported ${report.imported}, skipped ${report.skipped}\n`);
    return report.skipped > 0 ? 1 : 0;
  },
};

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
}

function expectArgs(args: string[], count: number, message: string): void {
  if (args.length !== count) throw new UsageError(message);
}

function number(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) {
    throw new UsageError(`${name} must be a number, got ${JSON.stringify(text)}`);
  }
  return value;
}

function page(values: Values): { limit?: number; offset?: number } {
  return {
    limit: values.limit === undefined ? undefined : number("--limit", values.limit),
    offset: values.offset === undefined ? undefined : number("--offset", values.offset),
  };
}

/** One line per fact: `#id  subject | predicate | object  (confidence, source)`. */
export function formatFact(fact: Fact): string {
  const not = fact.negated ? "NOT " : "";
  const status = fact.supersededBy !== null ? `, superseded by #${fact.supersededBy}` : "";
  return `#${fact.id}  ${fact.subject} | ${not}${fact.predicate} | ${fact.object}  ` +
    `(${fact.confidence.toFixed(2)}, ${fact.source}${status})`;
}

function printFacts(facts: Fact[], values: Values, env: CommandEnv): void {
  for (const fact of facts) {
    env.print(values.json ? `${JSON.stringify(fact)}\n` : `${formatFact(fact)}\n`);
  }
}
