/**
 * Memory at scale: inserts synthetic facts through FactStore up to each size (100k and 1M by
 * default), then times indexed lookups and full-text queries there (p50, p99).
 * Run alone with `deno run -A bench/memory_bench.ts [--json] [--sizes 100000,1000000]`.
 * @module
 */
import { parseArgs } from "node:util";
import { DatabaseSync } from "node:sqlite";
import { MemoryStore } from "../memory/mod.ts";
import { seededRandom } from "../engine/mod.ts";

/** Options of {@linkcode runMemoryBench}. */
export interface MemoryBenchOptions {
  /** Fact counts at which to measure, ascending. Default [100_000, 1_000_000]. */
  sizes?: number[];
  /** Timed queries per kind and size. Default 1000. */
  queries?: number;
  /** Facts per insert transaction. Default 10_000. */
  batchSize?: number;
  /** Folder for the temporary database (removed afterwards). Default: a new temp folder. */
  dir?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** Latency percentiles in microseconds. */
export interface Percentiles {
  p50Us: number;
  p99Us: number;
}

/** Measurements at one database size. */
export interface MemoryBenchPoint {
  facts: number;
  /** Throughput of the inserts that brought the database to this size. */
  insertFactsPerSecond: number;
  /** `facts.query({subject})` on a random existing subject (about 3 facts each). */
  subjectLookup: Percentiles;
  /** `facts.query({subject, predicate})`. */
  subjectPredicateLookup: Percentiles;
  /** `facts.search(word, {limit: 20})`, one word that occurs in about 1 of 2,500 facts. */
  fullTextQuery: Percentiles;
  /** `facts.search("word word")`, two such words (most queries match few facts). */
  fullTextTwoWords: Percentiles;
  /** Database size on disk after a WAL checkpoint. */
  bytesOnDisk: number;
}

/** What {@linkcode runMemoryBench} returns. */
export interface MemoryBenchResult {
  bench: "memory";
  sqliteVersion: string;
  deno: string;
  points: MemoryBenchPoint[];
}

const PREDICATES = [
  "is a",
  "has",
  "located in",
  "uses",
  "born in",
  "written by",
  "part of",
  "made of",
  "owns",
  "likes",
  "contains",
  "founded by",
];

function vocabulary(size: number, random: () => number): string[] {
  const syllables = [
    "ka",
    "lo",
    "mi",
    "ra",
    "tu",
    "se",
    "no",
    "vi",
    "da",
    "pe",
    "zo",
    "ru",
    "fi",
    "ga",
  ];
  const words = new Set<string>();
  while (words.size < size) {
    const n = 2 + Math.floor(random() * 3);
    words.add(
      Array.from({ length: n }, () => syllables[Math.floor(random() * syllables.length)]).join(""),
    );
  }
  return [...words];
}

function factAt(i: number, words: string[]) {
  // Three facts per subject; objects are two words from the vocabulary.
  const w = words.length;
  return {
    subject: `entity ${Math.floor(i / 3)}`,
    predicate: PREDICATES[i % PREDICATES.length],
    object: `${words[(i * 7919) % w]} ${words[(i * 104_729 + 13) % w]}`,
  };
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    p50Us: Math.round(at(0.5) * 1000) / 1000 * 1000,
    p99Us: Math.round(at(0.99) * 1000) / 1000 * 1000,
  };
}

function time(queries: number, run: (i: number) => void): Percentiles {
  const samples: number[] = [];
  for (let i = 0; i < queries; i++) {
    const start = performance.now();
    run(i);
    samples.push(performance.now() - start);
  }
  return percentiles(samples);
}

function sizeOnDisk(path: string): number {
  return [path, `${path}-wal`].reduce((sum, p) => {
    try {
      return sum + Deno.statSync(p).size;
    } catch {
      return sum;
    }
  }, 0);
}

/** Inserts facts up to each size and measures lookups and full-text queries there. */
export async function runMemoryBench(options: MemoryBenchOptions = {}): Promise<MemoryBenchResult> {
  const sizes = options.sizes ?? [100_000, 1_000_000];
  const queries = options.queries ?? 1000;
  const batchSize = options.batchSize ?? 10_000;
  const log = options.log ?? (() => {});
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "synapse-memory-bench-" });
  const path = `${dir}/bench.db`;
  const random = seededRandom(42); // the same facts every run
  const words = vocabulary(5000, random);
  const store = MemoryStore.open(path);
  const points: MemoryBenchPoint[] = [];
  try {
    let inserted = 0;
    for (const size of sizes) {
      const start = performance.now();
      while (inserted < size) {
        const n = Math.min(batchSize, size - inserted);
        store.facts.addMany(Array.from({ length: n }, (_, k) => factAt(inserted + k, words)), {
          source: "bench",
        });
        inserted += n;
        if (inserted % 100_000 === 0) log(`inserted ${inserted} facts`);
      }
      const seconds = (performance.now() - start) / 1000;
      const subjects = Math.floor(size / 3);
      const pick = () => Math.floor(random() * subjects);
      points.push({
        facts: size,
        insertFactsPerSecond: Math.round((size - (points.at(-1)?.facts ?? 0)) / seconds),
        subjectLookup: time(queries, () => store.facts.query({ subject: `entity ${pick()}` })),
        subjectPredicateLookup: time(queries, () => {
          const s = pick();
          store.facts.query({
            subject: `entity ${s}`,
            predicate: PREDICATES[(s * 3) % PREDICATES.length],
          });
        }),
        fullTextQuery: time(
          queries,
          () => store.facts.search(words[Math.floor(random() * words.length)], { limit: 20 }),
        ),
        fullTextTwoWords: time(queries, () => {
          const a = words[Math.floor(random() * words.length)];
          const b = words[Math.floor(random() * words.length)];
          store.facts.search(`${a} ${b}`, { limit: 20 });
        }),
        bytesOnDisk: (store.checkpoint(), sizeOnDisk(path)),
      });
      log(`measured at ${size} facts`);
    }
  } finally {
    store.close();
    if (!options.dir) await Deno.remove(dir, { recursive: true });
  }
  const probe = new DatabaseSync(":memory:");
  const sqliteVersion = String(probe.prepare("SELECT sqlite_version() AS v").get()!.v);
  probe.close();
  return { bench: "memory", sqliteVersion, deno: Deno.version.deno, points };
}

/** The result as the stable table `deno task bench` prints. */
export function formatMemoryBench(result: MemoryBenchResult): string {
  const header =
    "| facts     | insert/s | subject p50/p99 us | subj+pred p50/p99 us | fts 1 word p50/p99 us | fts 2 words p50/p99 us | MB on disk |";
  const rule =
    "|-----------|----------|--------------------|----------------------|-----------------------|------------------------|------------|";
  const pair = (p: Percentiles) => `${p.p50Us.toFixed(0)} / ${p.p99Us.toFixed(0)}`;
  const rows = result.points.map((p) =>
    `| ${String(p.facts).padEnd(9)} | ${String(p.insertFactsPerSecond).padStart(8)} | ${
      pair(p.subjectLookup).padStart(18)
    } | ` +
    `${pair(p.subjectPredicateLookup).padStart(20)} | ${pair(p.fullTextQuery).padStart(21)} | ` +
    `${pair(p.fullTextTwoWords).padStart(22)} | ${(p.bytesOnDisk / 1e6).toFixed(1).padStart(10)} |`
  );
  return [`memory (SQLite ${result.sqliteVersion}, Deno ${result.deno})`, header, rule, ...rows]
    .join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { json: { type: "boolean" }, sizes: { type: "string" }, queries: { type: "string" } },
  });
  const result = await runMemoryBench({
    sizes: values.sizes?.split(",").map(Number),
    queries: values.queries === undefined ? undefined : Number(values.queries),
    log: (line) => console.error(line),
  });
  console.log(values.json ? JSON.stringify(result, null, 2) : formatMemoryBench(result));
}
