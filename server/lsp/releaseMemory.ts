/** The language server's memory policy: how far V8 lets the heap grow, and one full collection after a burst of work. */
import * as v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * One full garbage collection, for after a burst of work that left the heap at its peak (the background
 * workspace scan parses and analyses thousands of files; V8 would otherwise keep that garbage, and the RSS,
 * until allocation resumes). Node exposes `gc` only behind a flag, so the flag is set for a fresh context's
 * global; if that fails (another runtime), nothing happens.
 */
let collect: (() => void) | null | undefined;

export function releaseMemory(): void {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('gc');
      collect = typeof gc === 'function' ? (gc as () => void) : null;
    } catch {
      collect = null;
    }
  }
  collect?.();
}

/**
 * Old-space growth between full collections while the workspace is scanned, in percent of the live heap (V8 picks
 * 10-300 % by itself, from how fast the program allocates). A scan allocates fast and keeps little, so V8 let the
 * heap reach twice its live size: a 400 MB peak RSS on DefectDojo for 125 MB kept. 50 % keeps the peak near
 * 300 MB without slowing the scan. Between scans V8 chooses again: with the bound, keystrokes in a large models
 * module (each builds a new model index) ran more full collections and took longer (docs/performance.md).
 * `DJPERF_HEAP_GROWING_PERCENT` overrides it for benchmarks (0: V8's own).
 */
const SCAN_HEAP_GROWING_PERCENT = Number(process.env.DJPERF_HEAP_GROWING_PERCENT ?? 50);

/** Bounds the heap's growth for a scan (see SCAN_HEAP_GROWING_PERCENT), or gives V8 its own back; ignored by a runtime without the flag. */
export function boundHeapGrowth(scanning: boolean): void {
  if (!(SCAN_HEAP_GROWING_PERCENT > 0)) return;
  try {
    v8.setFlagsFromString(`--heap-growing-percent=${scanning ? SCAN_HEAP_GROWING_PERCENT : 0}`);
  } catch {
    // Not V8, or a V8 without the flag: the default growth.
  }
}
