/**
 * Calibration check: parses a measured load-test result (k6 `--summary-export` JSON, or the
 * `handleSummary` JSON shape; Locust `--csv` *_stats.csv; wrk's text output; a plain CSV of
 * concurrency, throughput and latency percentiles) and lines it up against a SimResult.
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

export interface Measured {
  source: 'k6' | 'locust' | 'wrk' | 'csv';
  overall: MeasuredStats;
  endpoints: MeasuredStats[];
  /** Closed-loop concurrency of the measurement (wrk connections, the CSV's column), when known. */
  concurrency?: number;
}

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

/** wrk durations: "635.91us", "12.92ms", "1.20s", "1.00m", "2.00h". */
function wrkDuration(v: string): number | undefined {
  const m = /^([0-9.]+)(us|ms|s|m|h)$/.exec(v.trim());
  if (!m) return undefined;
  const x = Number(m[1]);
  const scale: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return Number.isFinite(x) ? x * scale[m[2]] : undefined;
}

/** wrk's text output (`wrk --latency` for the percentiles). */
export function parseWrk(text: string): Measured {
  const rps = /^Requests\/sec:\s*([0-9.]+)/m.exec(text);
  if (!rps) throw new Error('wrk: no "Requests/sec:" line (expected the text output of wrk)');
  const overall: MeasuredStats = { name: 'overall', throughput: Number(rps[1]) };
  const lat = /^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)/m.exec(text);
  if (lat) { overall.mean = wrkDuration(lat[1]); overall.max = wrkDuration(lat[3]); }
  const dist = text.split(/Latency Distribution/)[1];
  if (dist) {
    for (const m of dist.matchAll(/^\s*(50|75|90|99)(?:\.0+)?%\s+(\S+)/gm)) {
      const v = wrkDuration(m[2]);
      if (m[1] === '50') overall.p50 = v;
      else if (m[1] === '90') overall.p90 = v;
      else if (m[1] === '99') overall.p99 = v;
    }
  }
  const total = /^\s*([0-9]+) requests in/m.exec(text);
  if (total) overall.requests = Number(total[1]);
  // Failed requests: non-2xx/3xx responses plus socket read/write/timeout errors.
  const non2xx = /Non-2xx or 3xx responses:\s*([0-9]+)/.exec(text);
  const sock = /Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)/.exec(text);
  const failed = (non2xx ? Number(non2xx[1]) : 0) + (sock ? Number(sock[2]) + Number(sock[3]) + Number(sock[4]) : 0);
  if (overall.requests) overall.errorRate = failed / overall.requests;
  const conns = /([0-9]+) threads and ([0-9]+) connections/.exec(text);
  return { source: 'wrk', overall, endpoints: [], ...(conns ? { concurrency: Number(conns[2]) } : {}) };
}

const CSV_COLUMNS: Record<string, keyof MeasuredStats | 'concurrency' | 'endpoint'> = {
  concurrency: 'concurrency', users: 'concurrency', connections: 'concurrency', vus: 'concurrency',
  endpoint: 'endpoint', name: 'endpoint',
  throughput: 'throughput', rps: 'throughput', 'req/s': 'throughput', 'requests/s': 'throughput',
  requests: 'requests', errorrate: 'errorRate', error_rate: 'errorRate',
  mean: 'mean', avg: 'mean', p50: 'p50', median: 'p50', p90: 'p90', p95: 'p95', p99: 'p99', max: 'max',
};

/** One measured load level of a plain CSV. */
export interface MeasuredPoint extends Measured { concurrency: number }

/**
 * A plain CSV: a header naming some of concurrency (or users, connections, vus), endpoint (or
 * name; empty or "overall" for the whole mix), throughput (req/s), requests, errorRate (0..1),
 * mean, p50, p90, p95, p99, max (ms); one row per concurrency and endpoint. Returns one point per
 * concurrency, in the file's order.
 */
export function parsePlainCsv(text: string): MeasuredPoint[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (lines.length < 2) throw new Error('csv: expected a header and at least one row');
  const header = csvLine(lines[0]).map((h) => CSV_COLUMNS[h.trim().toLowerCase()]);
  if (!header.includes('concurrency')) throw new Error('csv: column "concurrency" (or users, connections, vus) missing');
  if (!header.includes('throughput') && !header.includes('mean') && !header.includes('p99')) {
    throw new Error('csv: no measured column (throughput, mean, p50, p90, p95, p99, max)');
  }
  const points: MeasuredPoint[] = [];
  lines.slice(1).forEach((line, i) => {
    const row = csvLine(line);
    const stats: MeasuredStats = { name: 'overall' };
    let conc: number | undefined;
    header.forEach((key, k) => {
      const cell = (row[k] ?? '').trim();
      if (key === undefined || cell === '') return;
      if (key === 'endpoint') { if (cell.toLowerCase() !== 'overall') stats.name = cell; return; }
      const v = Number(cell);
      if (!Number.isFinite(v)) throw new Error(`csv: row ${i + 2}: "${cell}" is not a number`);
      if (key === 'concurrency') conc = v;
      else if (key !== 'name') stats[key] = v;
    });
    if (conc === undefined || !Number.isInteger(conc) || conc < 1) throw new Error(`csv: row ${i + 2}: concurrency must be an integer ≥ 1`);
    let p = points.find((x) => x.concurrency === conc);
    if (!p) { p = { source: 'csv', concurrency: conc, overall: { name: 'overall' }, endpoints: [] }; points.push(p); }
    if (stats.name === 'overall') p.overall = stats; else p.endpoints.push(stats);
  });
  return points;
}

/** The first line that is not blank or a # comment, split into trimmed cells. */
function csvHeader(text: string): string[] {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trimStart().startsWith('#')) ?? '';
  return csvLine(line).map((h) => h.trim());
}

/** Detects the format from the content: JSON → k6, wrk's text, a Locust or a plain CSV. */
export function parseMeasured(text: string): Measured {
  const t = text.trimStart();
  if (t.startsWith('{')) return parseK6Summary(text);
  if (/^Requests\/sec:/m.test(text)) return parseWrk(text);
  const head = csvHeader(text);
  if (head.includes('Request Count')) return parseLocustStats(text);
  if (head.some((h) => CSV_COLUMNS[h.toLowerCase()] === 'concurrency')) {
    const points = parsePlainCsv(text);
    if (points.length !== 1) throw new Error(`csv: ${points.length} concurrency levels; compare them one at a time (parseMeasuredPoints)`);
    return points[0];
  }
  return parseLocustStats(text);
}

/** Every load level of a measurement: the CSV's concurrency points, or the single measurement. */
export function parseMeasuredPoints(text: string): Measured[] {
  const t = text.trimStart();
  if (!t.startsWith('{') && !/^Requests\/sec:/m.test(text)) {
    const head = csvHeader(text);
    if (!head.includes('Request Count') && head.some((h) => CSV_COLUMNS[h.toLowerCase()] === 'concurrency')) return parsePlainCsv(text);
  }
  return [parseMeasured(text)];
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
