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
