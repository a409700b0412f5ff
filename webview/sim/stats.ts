/**
 * Per-endpoint measurement: latencies in completion order (for percentiles and batch means),
 * errors by cause, and time spent in the listen backlog.
 */
import type { EndpointStats, ErrorCause, Interval, LatencyStats } from './types';

const BATCHES = 20;
/** Student t 0.975 quantile with BATCHES - 1 = 19 degrees of freedom. */
const T_19 = 2.093;

export class Recorder {
  private lat = new Float64Array(256);
  n = 0;
  requests = 0;
  errors: Partial<Record<ErrorCause, number>> = {};
  errorCount = 0;
  acceptWaitSum = 0;
  waited = 0;
  dispatched = 0;

  constructor(readonly name: string) {}

  success(latency: number): void {
    if (this.n === this.lat.length) {
      const l = new Float64Array(this.n * 2);
      l.set(this.lat);
      this.lat = l;
    }
    this.lat[this.n++] = latency;
  }

  error(cause: ErrorCause): void {
    this.errors[cause] = (this.errors[cause] ?? 0) + 1;
    this.errorCount++;
  }

  acceptWait(ms: number): void {
    this.dispatched++;
    this.acceptWaitSum += ms;
    if (ms > 0) this.waited++;
  }

  latencies(): Float64Array {
    return this.lat.subarray(0, this.n);
  }

  summary(windowMs: number): EndpointStats {
    return {
      name: this.name,
      requests: this.requests,
      completed: this.n,
      throughput: windowMs > 0 ? (this.n * 1000) / windowMs : 0,
      errors: { ...this.errors },
      // Outcomes inside the window: successes plus errors.
      errorRate: this.n + this.errorCount > 0 ? this.errorCount / (this.n + this.errorCount) : 0,
      latency: latencyStats(this.latencies()),
      acceptWait: {
        mean: this.dispatched > 0 ? this.acceptWaitSum / this.dispatched : 0,
        fractionWaited: this.dispatched > 0 ? this.waited / this.dispatched : 0,
      },
    };
  }
}

/** Linear-interpolated quantile of sorted values. */
export function quantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function mean(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return v.length > 0 ? s / v.length : 0;
}

function tInterval(values: number[]): Interval {
  const k = values.length;
  const m = values.reduce((a, b) => a + b, 0) / k;
  const var_ = values.reduce((a, b) => a + (b - m) * (b - m), 0) / (k - 1);
  const h = T_19 * Math.sqrt(var_ / k);
  return { lo: m - h, hi: m + h };
}

export function latencyStats(inOrder: Float64Array): LatencyStats {
  const sorted = Float64Array.from(inOrder).sort();
  const n = sorted.length;
  let ci: LatencyStats['ci95'] = null;
  // Batch means: consecutive batches of completions are roughly independent on long runs.
  if (n >= BATCHES * 10) {
    const size = Math.floor(n / BATCHES);
    const means: number[] = [];
    const p95s: number[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const batch = inOrder.subarray(b * size, (b + 1) * size);
      means.push(mean(batch));
      p95s.push(quantile(Float64Array.from(batch).sort(), 0.95));
    }
    ci = { mean: tInterval(means), p95: tInterval(p95s) };
  }
  return {
    mean: mean(inOrder),
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    max: n > 0 ? sorted[n - 1] : 0,
    ci95: ci,
  };
}
