/**
 * The fixture's chat tasks for the swarm's engine-backed tests: held-out questions with their
 * answers, the specialists found in its adapters folder, and the model loaded once per file.
 * @module
 */
import { join } from "node:path";
import type { Model } from "../../engine/mod.ts";
import { type SpecialistConfig, specialistsFromDir } from "../../swarm/mod.ts";
import { FIXTURE_DIR } from "../fixture_paths.ts";
import { releaseOnUnload } from "../release_on_unload.ts";

/** A fixture task name. */
export type TaskName = "math" | "geography" | "lists";

/** One question, its exact answer and the specialist trained for it. */
export interface TaskQuestion {
  question: string;
  answer: string;
  task: TaskName;
}

interface TasksFile {
  tasks: Record<TaskName, { train: [string, string][]; test: [string, string][] }>;
}

const tasks = JSON.parse(await Deno.readTextFile(join(FIXTURE_DIR, "tasks.json"))) as TasksFile;

/** Held-out questions `from` .. `from + count` of `task`. */
export function heldOut(task: TaskName, from: number, count: number): TaskQuestion[] {
  const test = tasks.tasks[task].test;
  if (from + count > test.length) {
    throw new RangeError(
      `${task} has ${test.length} held-out questions; asked for ${from + count}`,
    );
  }
  return test.slice(from, from + count).map(([question, answer]) => ({ question, answer, task }));
}

/** The training samples tasks.json lists for `task` (5 each). */
export function trainingSamples(task: TaskName): TaskQuestion[] {
  return tasks.tasks[task].train.map(([question, answer]) => ({ question, answer, task }));
}

/** `a` and `b` interleaved (a0, b0, a1, b1, ...). */
export function interleave<T>(a: readonly T[], b: readonly T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) out.push(a[i]);
    if (i < b.length) out.push(b[i]);
  }
  return out;
}

/** The fixture's three specialists (geography, lists, math), with no cue keywords. */
export function fixtureSpecialists(): Promise<SpecialistConfig[]> {
  return specialistsFromDir(join(FIXTURE_DIR, "adapters"));
}

let model: Promise<Model> | null = null;

/** The embedded tiny model, loaded once per test file and closed when the file unloads. */
export function fixtureModel(): Promise<Model> {
  model ??= import("../../engine/mod.ts").then((engine) => engine.loadModel("default")).then(
    (m) => (releaseOnUnload(m), m),
  );
  return model;
}

/** Deno.test options for tests that hold the model (its GPU work outlives single tests). */
export function engineTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
}
