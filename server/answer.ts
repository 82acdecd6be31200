/**
 * Turns the model's streamed text into answer deltas: thinking (`<think>…</think>`) into
 * `reasoning`, `<tool_call>` blocks into tool calls keyed by index, everything else into
 * `content`, holding back text that may still be the start of a tag.
 * @module
 */
import type { ChatDelta, ToolCall } from "./backend.ts";
import { parseToolCall, partialTagSuffix, TOOL_CALL_CLOSE, TOOL_CALL_OPEN } from "./tool_calls.ts";

const THINK_OPEN = "<think>";
const THINK_CLOSE = "</think>";

type Mode = "start" | "think" | "content" | "call";

/** Assembles one answer. */
export class AnswerAssembler {
  readonly #tools: boolean;
  readonly #idPrefix: string;
  #mode: Mode;
  #buffer = "";
  content = "";
  reasoning = "";
  readonly toolCalls: ToolCall[] = [];

  /** `tools`: parse tool calls; `thinking`: a leading `<think>` block is reasoning. */
  constructor(options: { tools: boolean; thinking: boolean; idPrefix: string }) {
    this.#tools = options.tools;
    this.#idPrefix = options.idPrefix;
    this.#mode = options.thinking ? "start" : "content";
  }

  /** Adds text; returns the delta it releases (null when everything is held back). */
  push(text: string): ChatDelta | null {
    this.#buffer += text;
    const delta: ChatDelta = {};
    for (let progress = true; progress;) progress = this.#step(delta, false);
    return emptyDelta(delta) ? null : delta;
  }

  /** Releases everything held back at the end of generation. */
  finish(): ChatDelta | null {
    const delta: ChatDelta = {};
    for (let progress = true; progress;) progress = this.#step(delta, true);
    if (this.#buffer || this.#mode === "call") {
      // An unterminated tool call (or tag) is shown as the plain text it is.
      const text = this.#mode === "call" ? TOOL_CALL_OPEN + this.#buffer : this.#buffer;
      this.#emit(delta, this.#mode === "think" ? "reasoning" : "content", text);
      this.#buffer = "";
      if (this.#mode === "call") this.#mode = "content";
    }
    return emptyDelta(delta) ? null : delta;
  }

  #emit(delta: ChatDelta, field: "content" | "reasoning", text: string): void {
    if (!text) return;
    delta[field] = (delta[field] ?? "") + text;
    this[field] += text;
  }

  #step(delta: ChatDelta, final: boolean): boolean {
    switch (this.#mode) {
      case "start": {
        const trimmed = this.#buffer.trimStart();
        if (trimmed.startsWith(THINK_OPEN)) {
          this.#buffer = trimmed.slice(THINK_OPEN.length);
          this.#mode = "think";
          return true;
        }
        if (!final && THINK_OPEN.startsWith(trimmed)) return false;
        this.#mode = "content";
        return true;
      }
      case "think":
        return this.#until(delta, THINK_CLOSE, "reasoning", final, () => {
          this.#buffer = this.#buffer.replace(/^\s+/, "");
          this.#mode = "content";
        });
      case "content":
        if (!this.#tools) {
          this.#emit(delta, "content", this.#buffer);
          this.#buffer = "";
          return false;
        }
        return this.#until(delta, TOOL_CALL_OPEN, "content", final, () => (this.#mode = "call"));
      case "call":
        return this.#call(delta);
    }
  }

  /** Emits text up to `tag` into `field`; on the tag, calls `next`. */
  #until(
    delta: ChatDelta,
    tag: string,
    field: "content" | "reasoning",
    final: boolean,
    next: () => void,
  ): boolean {
    const at = this.#buffer.indexOf(tag);
    if (at >= 0) {
      this.#emit(delta, field, this.#buffer.slice(0, at));
      this.#buffer = this.#buffer.slice(at + tag.length);
      next();
      return true;
    }
    const held = final ? 0 : partialTagSuffix(this.#buffer, tag);
    this.#emit(delta, field, this.#buffer.slice(0, this.#buffer.length - held));
    this.#buffer = this.#buffer.slice(this.#buffer.length - held);
    return false;
  }

  #call(delta: ChatDelta): boolean {
    const end = this.#buffer.indexOf(TOOL_CALL_CLOSE);
    if (end < 0) return false;
    const body = this.#buffer.slice(0, end);
    this.#buffer = this.#buffer.slice(end + TOOL_CALL_CLOSE.length).replace(/^\s+/, "");
    this.#mode = "content";
    const call = parseToolCall(body, this.toolCalls.length, this.#idPrefix);
    if (!call) {
      this.#emit(delta, "content", `${TOOL_CALL_OPEN}${body}${TOOL_CALL_CLOSE}`);
      return true;
    }
    (delta.toolCalls ??= []).push({ index: this.toolCalls.length, ...call });
    this.toolCalls.push(call);
    return true;
  }
}

function emptyDelta(delta: ChatDelta): boolean {
  return !delta.content && !delta.reasoning && !delta.toolCalls?.length;
}
