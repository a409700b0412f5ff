/**
 * Bucketed time series for charts. Counts are added as requests finish; time averages are
 * taken from the accumulators at each bucket boundary. Past MAX_BUCKETS the buckets are merged
 * pairwise and the width doubles, so memory stays bounded on any run length.
 */
import type { TimeSeries } from '../types';
import type { Accumulators } from './acc';

const MAX_BUCKETS = 400;

export class SeriesBuilder {
  private done: number[] = [];
  private errs: number[] = [];
  private latSum: number[] = [];
  private latMax: number[] = [];
  private queue: number[] = [];
  private queueMax: number[] = [];
  private cpu: number[] = [];
  private db: number[] = [];
  private inFlight: number[] = [];
  private prev: number[];

  constructor(
    public bucketMs: number,
    private readonly ids: { backlog: number; cores: number; db: number; inFlight: number },
    private readonly cores: number,
    private readonly dbCores: number,
  ) {
    this.prev = [0, 0, 0, 0];
  }

  private ensure(i: number): void {
    while (this.done.length <= i) {
      this.done.push(0); this.errs.push(0); this.latSum.push(0); this.latMax.push(0);
      this.queue.push(0); this.queueMax.push(0); this.cpu.push(0); this.db.push(0); this.inFlight.push(0);
    }
  }

  completed(t: number, latency: number): void {
    const i = Math.floor(t / this.bucketMs);
    this.ensure(i);
    if (latency < 0) { this.errs[i]++; return; }
    this.done[i]++;
    this.latSum[i] += latency;
    if (latency > this.latMax[i]) this.latMax[i] = latency;
  }

  /** Called at the end of bucket `i` (time (i+1) * bucketMs) with the max backlog seen in it. */
  sample(i: number, now: number, acc: Accumulators, backlogMax: number): void {
    this.ensure(i);
    const ids = [this.ids.backlog, this.ids.cores, this.ids.db, this.ids.inFlight];
    const avg = ids.map((id, k) => {
      acc.flush(id, now);
      const v = (acc.total[id] - this.prev[k]) / this.bucketMs;
      this.prev[k] = acc.total[id];
      return v;
    });
    this.queue[i] = avg[0];
    this.queueMax[i] = backlogMax;
    this.cpu[i] = avg[1] / this.cores;
    this.db[i] = avg[2] / this.dbCores;
    this.inFlight[i] = avg[3];
    if (this.done.length > MAX_BUCKETS && i % 2 === 1) this.merge();
  }

  private merge(): void {
    const pair = (a: number[], f: (x: number, y: number) => number): number[] => {
      const out: number[] = [];
      for (let i = 0; i < a.length; i += 2) out.push(i + 1 < a.length ? f(a[i], a[i + 1]) : a[i]);
      return out;
    };
    const sum = (x: number, y: number): number => x + y;
    const avg = (x: number, y: number): number => (x + y) / 2;
    this.done = pair(this.done, sum); this.errs = pair(this.errs, sum); this.latSum = pair(this.latSum, sum);
    this.latMax = pair(this.latMax, Math.max); this.queueMax = pair(this.queueMax, Math.max);
    this.queue = pair(this.queue, avg); this.cpu = pair(this.cpu, avg); this.db = pair(this.db, avg);
    this.inFlight = pair(this.inFlight, avg);
    this.bucketMs *= 2;
  }

  build(endMs: number): TimeSeries {
    const n = Math.min(this.done.length, Math.max(1, Math.ceil(endMs / this.bucketMs)));
    const s = this.bucketMs / 1000;
    const cut = (a: number[]): number[] => a.slice(0, n);
    return {
      bucketMs: this.bucketMs,
      t: Array.from({ length: n }, (_, i) => i * this.bucketMs),
      throughput: cut(this.done).map((d) => d / s),
      errors: cut(this.errs),
      meanLatency: cut(this.latSum).map((l, i) => (this.done[i] > 0 ? l / this.done[i] : 0)),
      maxLatency: cut(this.latMax),
      queueDepth: cut(this.queue),
      queueMax: cut(this.queueMax),
      cpu: cut(this.cpu),
      db: cut(this.db),
      inFlight: cut(this.inFlight),
    };
  }
}
