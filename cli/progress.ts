/**
 * The pull progress line: bytes done of total, rate, ETA; redrawn in place on a terminal,
 * printed as occasional lines otherwise, or as NDJSON events with `--json`.
 * @module
 */
import type { PullProgress } from "../hub/mod.ts";
import { humanBytes } from "./common.ts";

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--";
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${s}s`;
}

/** One rendered line for `progress` (pure, for tests). */
export function progressLine(progress: PullProgress, bytesPerSecond: number, width = 24): string {
  const { doneBytes, totalBytes } = progress;
  const fraction = totalBytes > 0 ? doneBytes / totalBytes : 0;
  const filled = Math.round(fraction * width);
  const bar = "█".repeat(filled) + "░".repeat(width - filled);
  const eta = bytesPerSecond > 0 ? (totalBytes - doneBytes) / bytesPerSecond : Infinity;
  return `${progress.phase.padEnd(11)} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ` +
    `${humanBytes(doneBytes)}/${humanBytes(totalBytes)} ${humanBytes(bytesPerSecond)}/s ETA ${
      duration(eta)
    }`;
}

/** Renders progress events to `write`; returns the callback to give `pullModel`. */
export function progressReporter(
  write: (text: string) => void,
  options: { json: boolean; tty: boolean; now?: () => number },
): (progress: PullProgress) => void {
  const now = options.now ?? (() => performance.now());
  const start = now();
  let firstBytes = -1;
  let lastDraw = -Infinity;
  return (progress) => {
    const t = now();
    if (firstBytes < 0 && progress.phase === "downloading") firstBytes = progress.doneBytes;
    const elapsed = (t - start) / 1000;
    const rate = elapsed > 0 && firstBytes >= 0 ? (progress.doneBytes - firstBytes) / elapsed : 0;
    const final = progress.phase === "installed";
    if (options.json) {
      if (final || t - lastDraw >= 250) {
        lastDraw = t;
        write(JSON.stringify({ ...progress, bytesPerSecond: Math.round(rate) }) + "\n");
      }
      return;
    }
    const interval = options.tty ? 100 : 2000;
    if (!final && t - lastDraw < interval) return;
    lastDraw = t;
    const line = progressLine(progress, rate);
    write(options.tty ? `\r${line}\x1b[K${final ? "\n" : ""}` : `${line}\n`);
  };
}
