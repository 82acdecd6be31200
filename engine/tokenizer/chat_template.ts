/**
 * Jinja chat templates rendered under limits: a template ships inside a downloaded model, so a
 * broken or hostile one must fail with a ChatTemplateError, never hang or exhaust memory.
 * @module
 */
import { Environment, Interpreter, Template } from "npm:@huggingface/jinja@0.5.11";
import { ChatTemplateError } from "./errors.ts";
import { installTemplateGlobals } from "./template_globals.ts";

/** Bounds on one render. Rendering is synchronous, so these are checked as it goes. */
export interface ChatTemplateLimits {
  /**
   * Most UTF-16 code units any string the template builds may hold, on top of twice the size of
   * the strings passed in (so a long conversation still renders). Default 4 MiB.
   */
  maxOutputChars?: number;
  /** Most evaluations of template nodes plus items made by `range()`. Default 10,000,000. */
  maxSteps?: number;
  /** Wall-clock budget of one render in milliseconds. Default 2,000. */
  timeoutMs?: number;
}

/** The limits used where a caller gives none. */
export const DEFAULT_CHAT_TEMPLATE_LIMITS: Readonly<Required<ChatTemplateLimits>> = {
  maxOutputChars: 4 * 1024 * 1024,
  maxSteps: 10_000_000,
  timeoutMs: 2_000,
};

type Statement = Parameters<Interpreter["evaluate"]>[0];
type Scope = Parameters<Interpreter["evaluate"]>[1];
type RuntimeValue = ReturnType<Interpreter["evaluate"]>;
type Program = Template["parsed"];

/** The interpreter with a step counter, a deadline and a size check on every value it makes. */
class GuardedInterpreter extends Interpreter {
  #steps = 0;
  readonly #maxSteps: number;
  readonly #maxChars: number;
  readonly #deadline: number;
  readonly #timeoutMs: number;

  constructor(env: Environment, limits: Required<ChatTemplateLimits>, maxChars: number) {
    super(env);
    this.#maxSteps = limits.maxSteps;
    this.#maxChars = maxChars;
    this.#timeoutMs = limits.timeoutMs;
    this.#deadline = performance.now() + limits.timeoutMs;
  }

  /** Counts `steps` against the budget; throws once it is spent or the deadline has passed. */
  charge(steps: number): void {
    this.#steps += steps;
    if (this.#steps > this.#maxSteps) {
      throw new ChatTemplateError(`chat template ran past ${this.#maxSteps} steps`);
    }
    // Checked on every node: a loop with an empty body runs without evaluating any.
    if (performance.now() > this.#deadline) {
      throw new ChatTemplateError(`chat template ran past its ${this.#timeoutMs} ms budget`);
    }
  }

  override evaluate(statement: Statement, environment: Scope): RuntimeValue {
    this.charge(1);
    const value = super.evaluate(statement, environment);
    if (typeof value.value === "string" && value.value.length > this.#maxChars) {
      throw new ChatTemplateError(
        `chat template built a string of ${value.value.length} characters; ` +
          `the limit is ${this.#maxChars}`,
      );
    }
    return value;
  }
}

/** Total length of the strings in `value` (walked to a bounded depth). */
function stringChars(value: unknown, depth = 0): number {
  if (typeof value === "string") return value.length;
  if (value === null || typeof value !== "object" || depth > 32) return 0;
  let total = 0;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    total += stringChars(item, depth + 1);
  }
  return total;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A parsed chat template. Construction throws ChatTemplateError when the source does not parse;
 * `render` throws it when the template fails or runs past its limits.
 *
 * @example
 * ```ts
 * import { ChatTemplate } from "./chat_template.ts";
 * const template = new ChatTemplate(
 *   "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}",
 * );
 * const text = template.render({ messages: [{ role: "user", content: "hi" }] });
 * console.assert(text === "<user>hi");
 * ```
 */
export class ChatTemplate {
  /** The Jinja source. */
  readonly source: string;
  readonly #program: Program;
  readonly #limits: Required<ChatTemplateLimits>;

  constructor(source: string, limits: ChatTemplateLimits = {}) {
    this.source = source;
    this.#limits = { ...DEFAULT_CHAT_TEMPLATE_LIMITS, ...limits };
    try {
      this.#program = new Template(source).parsed;
    } catch (error) {
      throw new ChatTemplateError(`chat template does not parse: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  /** Renders the template with `context` as its variables (`messages`, `add_generation_prompt`...). */
  render(context: Readonly<Record<string, unknown>>): string {
    const env = new Environment();
    try {
      for (const [name, value] of Object.entries(context)) env.set(name, value);
      const maxChars = this.#limits.maxOutputChars + 2 * stringChars(context);
      const interpreter = new GuardedInterpreter(env, this.#limits, maxChars);
      installTemplateGlobals(env, (items) => interpreter.charge(items));
      const result = interpreter.run(this.#program);
      return String(result.value);
    } catch (error) {
      if (error instanceof ChatTemplateError) throw error;
      throw new ChatTemplateError(`chat template failed: ${describe(error)}`, { cause: error });
    }
  }
}
