/**
 * Calibration check: parses a measured load-test result (k6 `--summary-export` JSON, or the
 * `handleSummary` JSON shape; Locust `--csv` *_stats.csv) and lines it up against a SimResult.
 */
import type { SimResult } from './types';

export interface MeasuredStats {
  name: string;
  requests?: number;
  throughput?: number;
  errorRate?: number;
  mean?: number;
  p50?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  max?: number;
}

export interface Measured { source: 'k6' | 'locust'; overall: MeasuredStats; endpoints: MeasuredStats[] }

export interface ComparisonRow {
  endpoint: string;
  metric: 'throughput' | 'errorRate' | 'mean' | 'p50' | 'p90' | 'p95' | 'p99' | 'max';
  predicted: number;
  measured: number;
  /** (predicted - measured) / measured; null when measured is 0. */
  relError: number | null;
}

export interface Comparison {
  source: string;
  rows: ComparisonRow[];
  /**
   * Per-endpoint rows of the measurement that matched no scenario endpoint (by name or path), and
   * scenario endpoints with no measured row. Locust only: k6 summaries have no per-endpoint rows.
   */
  unmatched: { measured: string[]; endpoints: string[] };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function parseK6Summary(text: string): Measured {
  let json: unknown;
  try { json = JSON.parse(text); } catch (e) { throw new Error(`k6 summary: not JSON (${(e as Error).message})`); }
  const metrics = (json as { metrics?: Record<string, Record<string, unknown>> }).metrics;
  if (!metrics || typeof metrics !== 'object') throw new Error('k6 summary: no "metrics" object (expected the output of k6 run --summary-export=FILE)');
  // --summary-export puts the numbers directly on the metric; handleSummary's data nests them in "values".
  const values = (name: string): Record<string, unknown> | undefined => {
    const m = metrics[name];
    if (!m) return undefined;
    return typeof m.values === 'object' && m.values !== null ? (m.values as Record<string, unknown>) : m;
  };
  const dur = values('http_req_duration');
  if (!dur) throw new Error('k6 summary: metric http_req_duration is missing');
  const reqs = values('http_reqs');
  const failed = values('http_req_failed');
  const overall: MeasuredStats = {
    name: 'overall',
    requests: num(reqs?.count),
    throughput: num(reqs?.rate),
    errorRate: num(failed?.value) ?? num(failed?.rate),
    mean: num(dur.avg), p50: num(dur.med) ?? num(dur['p(50)']), p90: num(dur['p(90)']),
    p95: num(dur['p(95)']), p99: num(dur['p(99)']), max: num(dur.max),
  };
  return { source: 'k6', overall, endpoints: [] };
}

/** Splits one CSV line, honouring double-quoted fields. */
function csvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(cur); cur = ''; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseLocustStats(text: string): Measured {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new Error('locust stats: expected a header and at least one row');
  const header = csvLine(lines[0]).map((h) => h.trim());
  const col = (name: string): number => header.indexOf(name);
  for (const required of ['Name', 'Request Count', 'Average Response Time']) {
    if (col(required) < 0) throw new Error(`locust stats: column "${required}" missing (expected the *_stats.csv from locust --csv)`);
  }
  const get = (row: string[], name: string): number | undefined => {
    const i = col(name);
    if (i < 0 || row[i] === undefined || row[i].trim() === '' || row[i] === 'N/A') return undefined;
    const v = Number(row[i]);
    return Number.isFinite(v) ? v : undefined;
  };
  const stats = (row: string[]): MeasuredStats => {
    const count = get(row, 'Request Count');
    const fails = get(row, 'Failure Count');
    return {
      name: row[col('Name')],
      requests: count,
      throughput: get(row, 'Requests/s'),
      errorRate: count && fails !== undefined ? fails / count : undefined,
      mean: get(row, 'Average Response Time'),
      p50: get(row, '50%') ?? get(row, 'Median Response Time'),
      p90: get(row, '90%'), p95: get(row, '95%'), p99: get(row, '99%'),
      max: get(row, 'Max Response Time') ?? get(row, '100%'),
    };
  };
  const rows = lines.slice(1).map(csvLine);
  const agg = rows.find((r) => r[col('Name')] === 'Aggregated');
  const endpoints = rows.filter((r) => r !== agg).map(stats);
  return { source: 'locust', overall: agg ? stats(agg) : { name: 'overall' }, endpoints };
}

/** Detects the format from the content: JSON → k6, CSV header → Locust. */
export function parseMeasured(text: string): Measured {
  return text.trimStart().startsWith('{') ? parseK6Summary(text) : parseLocustStats(text);
}

const METRICS: ComparisonRow['metric'][] = ['throughput', 'errorRate', 'mean', 'p50', 'p90', 'p95', 'p99', 'max'];

/**
 * Throughput on both sides counts successful requests: the simulation's `throughput` excludes
 * errors, whereas Locust's "Requests/s" and k6's http_reqs rate include failed requests, so the
 * measured rate is scaled by (1 - errorRate) when the error rate is known.
 */
function successfulThroughput(m: MeasuredStats): number | undefined {
  if (m.throughput === undefined) return undefined;
  return m.errorRate !== undefined ? m.throughput * (1 - m.errorRate) : m.throughput;
}

export function compareResult(result: SimResult, measured: Measured, paths: Record<string, string> = {}): Comparison {
  const rows: ComparisonRow[] = [];
  const add = (endpoint: string, pred: Record<ComparisonRow['metric'], number>, m: MeasuredStats): void => {
    for (const metric of METRICS) {
      const mv = metric === 'throughput' ? successfulThroughput(m) : m[metric];
      if (mv === undefined) continue;
      const pv = pred[metric];
      rows.push({ endpoint, metric, predicted: pv, measured: mv, relError: mv !== 0 ? (pv - mv) / mv : null });
    }
  };
  const flat = (e: SimResult['overall']): Record<ComparisonRow['metric'], number> => ({
    throughput: e.throughput, errorRate: e.errorRate, mean: e.latency.mean, p50: e.latency.p50, p90: e.latency.p90,
    p95: e.latency.p95, p99: e.latency.p99, max: e.latency.max,
  });
  add('overall', flat(result.overall), measured.overall);
  const unmatched: Comparison['unmatched'] = { measured: [], endpoints: [] };
  const seen = new Set<string>();
  for (const m of measured.endpoints) {
    // Locust names requests by URL path or by the name= argument: match either.
    const ep = result.endpoints.find((e) => e.name === m.name || paths[e.name] === m.name);
    if (ep) { add(ep.name, flat(ep), m); seen.add(ep.name); } else unmatched.measured.push(m.name);
  }
  if (measured.endpoints.length > 0) unmatched.endpoints = result.endpoints.map((e) => e.name).filter((n) => !seen.has(n));
  return { source: measured.source, rows, unmatched };
}
