/**
 * Validation of the parts OpenAI and Ollama chat requests share: messages (text content, tool
 * calls, tool results) and tool definitions.
 * @module
 */
import type { ChatMessage } from "../engine/mod.ts";
import type { ToolDefinition } from "./backend.ts";
import { InvalidRequestError } from "./errors.ts";
import { invalid } from "./params.ts";

/** Caps on what one request may carry. */
export const MESSAGE_LIMITS = { maxMessages: 10_000, maxTools: 128 };

const ROLES = new Set(["system", "developer", "user", "assistant", "tool"]);

function textContent(content: unknown, param: string): string {
  // Lone surrogates (valid in JSON, not in UTF-8) become U+FFFD before they reach a tokenizer.
  if (typeof content === "string") return content.toWellFormed();
  if (Array.isArray(content)) {
    return content.map((part, i) => {
      const p = part as Record<string, unknown>;
      if (p?.type === "text" && typeof p.text === "string") return p.text.toWellFormed();
      if (p?.type === "image_url" || p?.type === "input_audio" || p?.type === "file") {
        throw new InvalidRequestError(
          `${param}[${i}] is ${p.type}; this server accepts text content only`,
          param,
        );
      }
      return invalid(`${param}[${i}]`, 'a {"type":"text","text":...} part', part);
    }).join("");
  }
  return invalid(param, "a string or a list of text parts", content);
}

function toolCalls(value: unknown, param: string): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) invalid(param, "a list of tool calls", value);
  return value.map((call, i) => {
    const fn = (call as Record<string, unknown>)?.function as Record<string, unknown> | undefined;
    if (typeof fn?.name !== "string") invalid(`${param}[${i}].function.name`, "a string", fn?.name);
    // Templates want arguments as an object; OpenAI sends a JSON string, Ollama an object.
    let args = fn.arguments ?? {};
    if (typeof args === "string") {
      try {
        args = JSON.parse(args);
      } catch {
        invalid(`${param}[${i}].function.arguments`, "a JSON object (as text)", args);
      }
    }
    return { ...(call as object), type: "function", function: { name: fn.name, arguments: args } };
  });
}

/**
 * Validates `messages`: a non-empty list of {role, content}; `developer` is read as `system`.
 * The last message may not be from the assistant (prefill is not supported: 400).
 */
export function parseMessages(value: unknown, param = "messages"): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) {
    invalid(param, "a non-empty list of messages", value);
  }
  if (value.length > MESSAGE_LIMITS.maxMessages) {
    invalid(param, `at most ${MESSAGE_LIMITS.maxMessages} messages`, value);
  }
  const out = value.map((raw, i): ChatMessage => {
    const where = `${param}[${i}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      invalid(where, "an object with role and content", raw);
    }
    const m = raw as Record<string, unknown>;
    if (typeof m.role !== "string" || !ROLES.has(m.role)) {
      invalid(`${where}.role`, "one of system, user, assistant, tool", m.role);
    }
    const role = m.role === "developer" ? "system" : m.role as ChatMessage["role"];
    const calls = toolCalls(m.tool_calls, `${where}.tool_calls`);
    if (Array.isArray(m.images) && m.images.length > 0) {
      throw new InvalidRequestError(`${where}.images: this server accepts text only`, param);
    }
    const content = m.content === null || (m.content === undefined && calls)
      ? ""
      : textContent(m.content, `${where}.content`);
    const message: ChatMessage = { role, content };
    if (calls) message.tool_calls = calls;
    if (typeof m.tool_call_id === "string") message.tool_call_id = m.tool_call_id;
    if (typeof m.name === "string") message.name = m.name;
    return message;
  });
  if (out.at(-1)!.role === "assistant") {
    throw new InvalidRequestError(
      "the last message is from the assistant; continuing an assistant message (prefill) " +
        "is not supported, end with a user or tool message",
      param,
    );
  }
  return out;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const JSON_TYPES = new Set(["object", "array", "string", "number", "integer", "boolean", "null"]);

function checkParameters(schema: unknown, where: string): Record<string, unknown> | undefined {
  if (schema === undefined) return undefined;
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    invalid(where, "a JSON Schema object", schema);
  }
  const s = schema as Record<string, unknown>;
  const types = Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type];
  if (types.some((t) => typeof t !== "string" || !JSON_TYPES.has(t))) {
    invalid(`${where}.type`, "a JSON Schema type", s.type);
  }
  if (s.properties !== undefined) {
    const props = s.properties;
    if (typeof props !== "object" || props === null || Array.isArray(props)) {
      invalid(`${where}.properties`, "an object of schemas", props);
    }
    for (const [name, sub] of Object.entries(props)) {
      if (typeof sub !== "object" || sub === null) {
        invalid(`${where}.properties.${name}`, "a schema", sub);
      }
    }
  }
  if (
    s.required !== undefined &&
    (!Array.isArray(s.required) || s.required.some((r) => typeof r !== "string"))
  ) {
    invalid(`${where}.required`, "a list of property names", s.required);
  }
  return s;
}

/** Validates `tools`: at most 128 function tools with unique names and JSON Schema parameters. */
export function parseTools(value: unknown, param = "tools"): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) invalid(param, "a list of tools", value);
  if (value.length > MESSAGE_LIMITS.maxTools) {
    invalid(param, `at most ${MESSAGE_LIMITS.maxTools} tools`, value);
  }
  const names = new Set<string>();
  return value.map((raw, i) => {
    const where = `${param}[${i}]`;
    const tool = raw as Record<string, unknown>;
    if (tool?.type !== "function") invalid(`${where}.type`, '"function"', tool?.type);
    const fn = tool.function as Record<string, unknown> | undefined;
    if (typeof fn?.name !== "string" || !TOOL_NAME.test(fn.name)) {
      invalid(`${where}.function.name`, "1-64 letters, digits, '_' or '-'", fn?.name);
    }
    if (names.has(fn.name)) {
      throw new InvalidRequestError(
        `${where}.function.name: duplicate tool name "${fn.name}"`,
        param,
      );
    }
    names.add(fn.name);
    if (fn.description !== undefined && typeof fn.description !== "string") {
      invalid(`${where}.function.description`, "a string", fn.description);
    }
    const parameters = checkParameters(fn.parameters, `${where}.function.parameters`);
    return {
      type: "function",
      function: {
        name: fn.name,
        ...(fn.description ? { description: fn.description as string } : {}),
        ...(parameters ? { parameters } : {}),
      },
    };
  });
}
