/**
 * Work in steps: a generator that yields between small units of work (one file read, one render followed), so that
 * the language server's scan can hand the event loop to edits between them, while the CLI and everything
 * synchronous runs the same code to its end at once.
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs `steps` to the end, with no pause, and returns its result. */
export function runToEnd<T>(steps: Steps<T>): T {
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}
