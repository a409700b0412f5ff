/**
 * Time-average accumulators: each has a level; the integral of the level over time is kept
 * twice, for the measurement window (reset at the end of warm-up, frozen at the stop time) and
 * since time zero (used for time-series buckets).
 */
export class Accumulators {
  level: Float64Array;
  private last: Float64Array;
  window: Float64Array;
  total: Float64Array;
  private frozen = false;
  windowStart = 0;
  windowEnd = 0;

  constructor(readonly count: number) {
    this.level = new Float64Array(count);
    this.last = new Float64Array(count);
    this.window = new Float64Array(count);
    this.total = new Float64Array(count);
  }

  add(id: number, delta: number, now: number): void {
    const dt = now - this.last[id];
    if (dt > 0) {
      const a = this.level[id] * dt;
      this.total[id] += a;
      if (!this.frozen) this.window[id] += a;
      this.last[id] = now;
    }
    this.level[id] += delta;
  }

  flush(id: number, now: number): void {
    this.add(id, 0, now);
  }

  startWindow(now: number): void {
    for (let i = 0; i < this.count; i++) {
      this.flush(i, now);
      this.window[i] = 0;
    }
    this.windowStart = now;
  }

  stopWindow(now: number): void {
    if (this.frozen) return;
    for (let i = 0; i < this.count; i++) this.flush(i, now);
    this.frozen = true;
    this.windowEnd = now;
  }

  /** Time-average level over the measurement window. */
  mean(id: number): number {
    const len = this.windowEnd - this.windowStart;
    return len > 0 ? this.window[id] / len : 0;
  }
}
