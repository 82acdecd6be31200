/**
 * Facts as JSON Lines, one `{"kind":"fact",...}` object per line: export in id order, import
 * line by line with a report of what was skipped and why.
 * @module
 */
import { MemoryInputError } from "./errors.ts";
import { tripleOf } from "./fact_rows.ts";
import type { MemoryStore } from "./memory_store.ts";
import { describe } from "./text.ts";
import type { Fact } from "./types.ts";

/** One exported fact. */
export interface FactRecord {
  kind: "fact";
  subject: string;
  predicate: string;
  object: string;
  negated: boolean;
  confidence: number;
  source: string;
  mentions: number;
  createdAt: string;
  updatedAt: string;
}

/** What {@linkcode importFacts} did. */
export interface ImportReport {
  imported: number;
  skipped: number;
  /** The first 100 problems: 1-based line number and what was wrong. */
  errors: { line: number; message: string }[];
}

const MAX_REPORTED_ERRORS = 100;
const MAX_LINE_BYTES = 64 * 1024;
const BATCH = 500;

/** The export record of a fact. */
export function factRecord(fact: Fact): FactRecord {
  return {
    kind: "fact",
    ...tripleOf(fact),
    negated: fact.negated,
    confidence: fact.confidence,
    source: fact.source,
    mentions: fact.mentions,
    createdAt: fact.createdAt,
    updatedAt: fact.updatedAt,
  };
}

/** Every fact as one JSON line (with its newline), in id order, read page by page. */
export function* exportFacts(store: MemoryStore): Generator<string> {
  for (const fact of store.facts.each()) yield JSON.stringify(factRecord(fact)) + "\n";
}

/**
 * Imports JSON lines of facts (as {@linkcode exportFacts} writes them). Each line is validated
 * alone: bad JSON, invalid UTF-8, a wrong kind or bad fields skip that line and are reported.
 * A fact already stored keeps the higher confidence, so importing twice changes nothing.
 */
export async function importFacts(
  store: MemoryStore,
  lines: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: { source?: string } = {},
): Promise<ImportReport> {
  const report: ImportReport = { imported: 0, skipped: 0, errors: [] };
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let batch: { line: number; text: Uint8Array | string }[] = [];
  let lineNumber = 0;
  const flush = () => {
    store.transaction(() =>
      batch.forEach((entry) => importLine(store, entry, decoder, report, options))
    );
    batch = [];
  };
  for await (const text of lines) {
    lineNumber++;
    batch.push({ line: lineNumber, text });
    if (batch.length >= BATCH) flush();
  }
  flush();
  return report;
}

function importLine(
  store: MemoryStore,
  entry: { line: number; text: Uint8Array | string },
  decoder: TextDecoder,
  report: ImportReport,
  options: { source?: string },
): void {
  try {
    const record = parseRecord(entry.text, decoder);
    if (record === undefined) return;
    store.facts.merge(record, {
      confidence: record.confidence,
      source: options.source ?? record.source ?? "import",
    });
    report.imported++;
  } catch (error) {
    if (!(error instanceof MemoryInputError || error instanceof SyntaxError)) throw error;
    report.skipped++;
    if (report.errors.length < MAX_REPORTED_ERRORS) {
      report.errors.push({ line: entry.line, message: error.message });
    }
  }
}

/** The record on one line, undefined for a blank line; throws for anything else. */
function parseRecord(
  raw: Uint8Array | string,
  decoder: TextDecoder,
): Partial<FactRecord> | undefined {
  if (raw.length > MAX_LINE_BYTES) {
    throw new MemoryInputError(
      "line",
      `expected at most ${MAX_LINE_BYTES} bytes, found ${raw.length}`,
    );
  }
  let text: string;
  try {
    text = typeof raw === "string" ? raw : decoder.decode(raw);
  } catch {
    throw new MemoryInputError("line", "expected UTF-8 text, found invalid bytes");
  }
  if (text.trim() === "") return undefined;
  const record = JSON.parse(text) as Partial<FactRecord>;
  if (typeof record !== "object" || record === null || Array.isArray(record)) {
    throw new MemoryInputError("line", `expected a JSON object, found ${describe(record)}`);
  }
  if (record.kind !== undefined && record.kind !== "fact") {
    throw new MemoryInputError("kind", `expected "fact", found ${describe(record.kind)}`);
  }
  return record;
}

/** Splits a byte stream into lines (without "\n"), keeping each line's bytes undecoded. */
export async function* byteLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  let pending = new Uint8Array(0);
  for await (const chunk of stream) {
    const joined = new Uint8Array(pending.length + chunk.length);
    joined.set(pending);
    joined.set(chunk, pending.length);
    let start = 0;
    for (let i = 0; i < joined.length; i++) {
      if (joined[i] === 0x0a) {
        yield joined.subarray(start, i);
        start = i + 1;
      }
    }
    pending = joined.slice(start);
    // A "line" longer than any valid record is passed on (and reported) rather than buffered.
    if (pending.length > MAX_LINE_BYTES) {
      yield pending;
      pending = new Uint8Array(0);
    }
  }
  if (pending.length > 0) yield pending;
}
