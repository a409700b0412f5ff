/** How often at most the worker reports progress: a message per file cost DefectDojo's scan 60 ms of postMessage. */
const PROGRESS_INTERVAL_MS = 100;

/** Files analysed, reported to the main thread at most every PROGRESS_INTERVAL_MS (and the rest by `flush`). */
export class ProgressBatch {
  private count = 0;
  private last = performance.now();

  constructor(private readonly report: (count: number) => void, private readonly intervalMs = PROGRESS_INTERVAL_MS) {}

  add(): void {
    this.count++;
    if (performance.now() - this.last >= this.intervalMs) this.flush();
  }

  flush(): void {
    if (this.count > 0) this.report(this.count);
    this.count = 0;
    this.last = performance.now();
  }
}
