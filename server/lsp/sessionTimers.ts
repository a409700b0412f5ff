/** How the timers are armed (Node's own; tests pass a clock they advance by hand). */
export interface Clock {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

const NODE_CLOCK: Clock = {
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/**
 * The session's keyed timers (one per open document, the templates of a folder, the dependants, the rescan). Work
 * given a delay waits for a pause in typing: each edit (`typing`) starts the delay of every pending piece again, so
 * that analysing other open documents, templates, dependants or the workspace never runs between two keystrokes of a
 * burst and holds up the next one's diagnostics (DefectDojo's models module: the viewsets module open beside it was
 * analysed again 150 ms after each keystroke that changed the models, in the middle of the typing). Work due now
 * (no delay) is never put off.
 */
export class SessionTimers {
  private readonly pending = new Map<string, { timer: unknown; delayMs: number; run: () => void }>();

  constructor(private readonly clock: Clock = NODE_CLOCK) {}

  /** Runs `run` once after `delayMs` (replacing what `key` had pending). */
  set(key: string, delayMs: number, run: () => void): void {
    this.cancel(key);
    const timer = this.clock.setTimeout(() => {
      this.pending.delete(key);
      run();
    }, delayMs);
    this.pending.set(key, { timer, delayMs, run });
  }

  has(key: string): boolean {
    return this.pending.has(key);
  }

  /** Drops what `key` had pending; true when there was something. */
  cancel(key: string): boolean {
    const entry = this.pending.get(key);
    if (!entry) return false;
    this.clock.clearTimeout(entry.timer);
    this.pending.delete(key);
    return true;
  }

  /** A keystroke: every delayed piece of work waits its whole delay again. */
  typing(): void {
    for (const [key, { delayMs, run }] of [...this.pending]) if (delayMs > 0) this.set(key, delayMs, run);
  }

  clear(): void {
    for (const { timer } of this.pending.values()) this.clock.clearTimeout(timer);
    this.pending.clear();
  }
}
