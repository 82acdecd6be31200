/**
 * Reading tool calls out of model text in the Hermes/Qwen format
 * (`<tool_call>{"name": ..., "arguments": {...}}</tool_call>`); malformed calls stay plain text.
 * @module
 */
import type { ToolCall } from "./backend.ts";

/** The tags around one call. */
export const TOOL_CALL_OPEN = "<tool_call>";
export const TOOL_CALL_CLOSE = "</tool_call>";

/** Parses the body of one `<tool_call>` block; null when it is not a valid call. */
export function parseToolCall(body: string, index: number, idPrefix: string): ToolCall | null {
  let value: unknown;
  try {
    value = JSON.parse(body.trim());
  } catch {
    return null;
  }
  const v = value as Record<string, unknown>;
  if (typeof v !== "object" || v === null || typeof v.name !== "string" || v.name === "") {
    return null;
  }
  const args = v.arguments ?? v.parameters ?? {};
  if (typeof args !== "object" || args === null || Array.isArray(args)) return null;
  return {
    id: `${idPrefix}_${index}`,
    type: "function",
    function: { name: v.name, arguments: JSON.stringify(args) },
  };
}

/** The longest suffix of `text` that is a proper prefix of `tag` (text to hold back). */
export function partialTagSuffix(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) {
    if (tag.startsWith(text.slice(text.length - n))) return n;
  }
  return 0;
}
