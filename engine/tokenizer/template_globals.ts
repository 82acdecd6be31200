/**
 * The globals a chat template may call (`range`, `raise_exception`, `strftime_now`, the Python
 * spellings of true/false/none), with `range` charged to the render's budget so `range(1e12)`
 * fails instead of allocating.
 * @module
 */
import type { Environment } from "npm:@huggingface/jinja@0.5.11";
import { ChatTemplateError } from "./errors.ts";

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/**
 * Python's `strftime` for the directives chat templates use (`%d %b %Y` and friends), in English
 * and local time, as transformers renders `strftime_now`.
 *
 * @example
 * ```ts
 * import { strftime } from "./template_globals.ts";
 * console.assert(strftime(new Date(2024, 6, 26), "%d %b %Y") === "26 Jul 2024");
 * ```
 */
export function strftime(date: Date, format: string): string {
  return format.replace(/%[a-zA-Z%]/g, (directive) => {
    switch (directive) {
      case "%Y":
        return String(date.getFullYear());
      case "%y":
        return pad(date.getFullYear() % 100);
      case "%m":
        return pad(date.getMonth() + 1);
      case "%d":
        return pad(date.getDate());
      case "%e":
        return String(date.getDate()).padStart(2, " ");
      case "%b":
        return MONTHS[date.getMonth()].slice(0, 3);
      case "%B":
        return MONTHS[date.getMonth()];
      case "%a":
        return WEEKDAYS[date.getDay()].slice(0, 3);
      case "%A":
        return WEEKDAYS[date.getDay()];
      case "%H":
        return pad(date.getHours());
      case "%I":
        return pad(((date.getHours() + 11) % 12) + 1);
      case "%p":
        return date.getHours() < 12 ? "AM" : "PM";
      case "%M":
        return pad(date.getMinutes());
      case "%S":
        return pad(date.getSeconds());
      case "%%":
        return "%";
      default:
        return directive;
    }
  });
}

/** Python's `range`, charging its length to the render's step budget before building it. */
function chargedRange(charge: (items: number) => void) {
  return (start: unknown, stop?: unknown, step: unknown = 1): number[] => {
    let from = start, to = stop;
    if (to === undefined) [from, to] = [0, start];
    for (const [name, value] of [["start", from], ["stop", to], ["step", step]] as const) {
      if (typeof value !== "number" || !Number.isInteger(value)) {
        throw new ChatTemplateError(`chat template called range() with ${name} ${String(value)}`);
      }
    }
    const [a, b, s] = [from as number, to as number, step as number];
    if (s === 0) throw new ChatTemplateError("chat template called range() with step 0");
    const length = Math.max(0, Math.ceil((b - a) / s));
    charge(length);
    return Array.from({ length }, (_, i) => a + i * s);
  };
}

/**
 * Declares the template globals in `env`, leaving any name the caller already set untouched.
 * `range()` calls `charge` with its length before building it; `charge` throws to refuse.
 */
export function installTemplateGlobals(
  env: Environment,
  charge: (items: number) => void,
): void {
  const globals: Record<string, unknown> = {
    true: true,
    false: false,
    none: null,
    True: true,
    False: false,
    None: null,
    range: chargedRange(charge),
    raise_exception: (message: unknown) => {
      throw new ChatTemplateError(`chat template raised an exception: ${String(message)}`);
    },
    strftime_now: (format: unknown) => strftime(new Date(), String(format)),
  };
  for (const [name, value] of Object.entries(globals)) {
    if (!env.variables.has(name)) env.set(name, value);
  }
}
