/**
 * advise(): searches the knobs a team controls (workers, threads, worker class, pool size,
 * persistent connections, cache hit ratio, code fixes given as `endpoint.fixed`), simulates
 * each candidate with a modest request count and the same seed (common random numbers make the
 * comparison fair), and ranks them by p95 latency and throughput under the stated limits.
 */
import { DEFAULTS, slotsPerProcess } from './model/config';
import { explainBottleneck } from './bottleneck';
import { simulate } from './simulate';
import type { Scenario, SimResult, Step, WorkerClass } from './types';

export interface AdviceLimits {
  /** Cores of the app machine (overrides machine.cores). */
  cores?: number;
  memoryMB?: number;
  /** DB connections the app may hold in total. */
  dbConnections?: number;
  /** Requests simulated per candidate (default 3000: interactive speed). */
  requestsPerCandidate?: number;
  seed?: number;
}

export interface Advice {
  title: string;
  baseline: boolean;
  feasible: boolean;
  /** Why not feasible, if so. */
  violates: string[];
  p95Ms: number;
  meanMs: number;
  throughput: number;
  errorRate: number;
  bottleneck: string;
  scenario: Scenario;
}

interface Candidate { title: string; scenario: Scenario }

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function hasStep(steps: Step[], pred: (s: Step) => boolean): boolean {
  return steps.some((s) => pred(s) ||
    ('lock' in s && hasStep(s.lock.steps, pred)) || ('hop' in s && hasStep(s.hop.steps, pred)) ||
    ('repeat' in s && hasStep(s.repeat.steps, pred)) || ('cache' in s && hasStep(s.cache.miss ?? [], pred)));
}

function mapCacheGets(steps: Step[], hit: number): Step[] {
  return steps.map((s): Step => {
    if ('cache' in s) return { cache: { ...s.cache, hitRatio: (s.cache.op ?? 'get') === 'get' ? hit : s.cache.hitRatio, miss: s.cache.miss && mapCacheGets(s.cache.miss, hit) } };
    if ('lock' in s) return { lock: { ...s.lock, steps: mapCacheGets(s.lock.steps, hit) } };
    if ('hop' in s) return { hop: { steps: mapCacheGets(s.hop.steps, hit) } };
    if ('repeat' in s) return { repeat: { ...s.repeat, steps: mapCacheGets(s.repeat.steps, hit) } };
    return s;
  });
}

/** Shrinks the load so one candidate simulates quickly. */
function shorten(s: Scenario, requests: number): Scenario {
  const out = clone(s);
  const l = out.load;
  if (l.type === 'batch') return out;
  if (l.type === 'open' && l.stages) return out;
  delete l.durationS;
  l.requests = Math.min(l.requests ?? requests, requests);
  l.warmupS = 0;
  return out;
}

function withServer(base: Scenario, title: string, patch: Partial<Scenario['server']>, cls?: WorkerClass): Candidate {
  const s = clone(base);
  if (cls) {
    s.server = { workerClass: cls, workers: s.server.workers, backlog: s.server.backlog, overheadMs: s.server.overheadMs,
      hopMs: s.server.hopMs, memoryPerWorkerMB: s.server.memoryPerWorkerMB, timeoutMs: s.server.timeoutMs };
  }
  Object.assign(s.server, patch);
  return { title, scenario: s };
}

function candidates(base: Scenario, cores: number): Candidate[] {
  const out: Candidate[] = [];
  const srv = base.server;
  const workers = srv.workers ?? DEFAULTS.workers;
  const cls = srv.workerClass;
  const workerSet = new Set([1, 2, 4, 8, 16, cores, 2 * cores + 1].filter((w) => w !== workers && w <= 64));
  for (const w of [...workerSet].sort((a, b) => a - b)) out.push(withServer(base, `${w} ${cls} workers`, { workers: w }));
  if (cls === 'gthread' || cls === 'waitress') {
    for (const t of [2, 4, 8, 16, 32]) if (t !== slotsPerProcess(base)) out.push(withServer(base, `${t} threads per worker`, { threads: t }));
  }
  if (cls !== 'sync') out.push(withServer(base, `sync workers × ${2 * cores + 1}`, { workers: 2 * cores + 1 }, 'sync'));
  if (cls !== 'gthread') out.push(withServer(base, `gthread ${cores} workers × 4 threads`, { workers: cores, threads: 4 }, 'gthread'));
  if (cls !== 'gevent') out.push(withServer(base, `gevent ${cores} workers`, { workers: cores, connections: 1000 }, 'gevent'));
  if (cls !== 'uvicorn') out.push(withServer(base, `uvicorn ${cores} workers`, { workers: cores }, 'uvicorn'));
  const usesDb = base.endpoints.some((e) => hasStep(e.steps, (s) => 'db' in s));
  if (usesDb) {
    if ((base.db?.connMaxAge ?? DEFAULTS.connMaxAge) === 0) {
      const s = clone(base);
      s.db = { ...s.db, connMaxAge: 60 };
      out.push({ title: 'persistent DB connections (CONN_MAX_AGE=60)', scenario: s });
    }
    for (const size of [2, 5, 10, 20]) {
      if (size === base.db?.poolSize) continue;
      const s = clone(base);
      s.db = { ...s.db, poolSize: size };
      out.push({ title: `DB pool of ${size} per worker`, scenario: s });
    }
  }
  if (base.endpoints.some((e) => hasStep(e.steps, (s) => 'cache' in s && (s.cache.op ?? 'get') === 'get'))) {
    for (const hit of [0.9, 0.99]) {
      const s = clone(base);
      s.endpoints = s.endpoints.map((e) => ({ ...e, steps: mapCacheGets(e.steps, hit) }));
      out.push({ title: `cache hit ratio ${hit * 100} %`, scenario: s });
    }
  }
  const fixable = base.endpoints.filter((e) => e.fixed);
  for (const ep of fixable) {
    const s = clone(base);
    s.endpoints = s.endpoints.map((e) => (e.name === ep.name && e.fixed ? { ...e, steps: e.fixed } : e));
    out.push({ title: ep.fixDescription ?? `apply the fix to ${ep.name}`, scenario: s });
  }
  if (fixable.length > 1) {
    const s = clone(base);
    s.endpoints = s.endpoints.map((e) => (e.fixed ? { ...e, steps: e.fixed } : e));
    out.push({ title: 'apply all code fixes', scenario: s });
  }
  return out;
}

function violations(s: Scenario, limits: AdviceLimits): string[] {
  const v: string[] = [];
  const workers = s.server.workers ?? DEFAULTS.workers;
  const mem = workers * (s.server.memoryPerWorkerMB ?? DEFAULTS.memoryPerWorkerMB);
  if (limits.memoryMB !== undefined && mem > limits.memoryMB) v.push(`needs ${mem} MB of memory (limit ${limits.memoryMB} MB)`);
  const conns = workers * (s.db?.poolSize ?? slotsPerProcess(s));
  const usesDb = s.endpoints.some((e) => hasStep(e.steps, (st) => 'db' in st));
  if (usesDb && limits.dbConnections !== undefined && conns > limits.dbConnections) {
    v.push(`may open ${conns} DB connections (limit ${limits.dbConnections})`);
  }
  return v;
}

function toAdvice(title: string, baseline: boolean, s: Scenario, r: SimResult, violates: string[]): Advice {
  return {
    title, baseline, feasible: violates.length === 0, violates,
    p95Ms: r.overall.latency.p95, meanMs: r.overall.latency.mean, throughput: r.overall.throughput,
    errorRate: r.overall.errorRate, bottleneck: explainBottleneck(s, r), scenario: s,
  };
}

/** Ranks candidate changes (baseline included) best first: feasible, few errors, low p95, high throughput. */
export function advise(scenario: Scenario, limits: AdviceLimits = {}): Advice[] {
  const base = clone(scenario);
  if (limits.cores !== undefined) base.machine = { ...base.machine, cores: limits.cores };
  const cores = base.machine?.cores ?? DEFAULTS.cores;
  const n = limits.requestsPerCandidate ?? 3000;
  const seed = limits.seed ?? scenario.seed ?? 1;
  const all: Candidate[] = [{ title: 'current configuration', scenario: base }, ...candidates(base, cores)];
  const out = all.map((c, i) => {
    const r = simulate(shorten(c.scenario, n), { seed });
    return toAdvice(c.title, i === 0, c.scenario, r, violations(c.scenario, limits));
  });
  const bad = (a: Advice): number => (a.errorRate > 0.01 ? 1 : 0);
  return out.sort((a, b) =>
    Number(b.feasible) - Number(a.feasible) || bad(a) - bad(b) || a.p95Ms - b.p95Ms || b.throughput - a.throughput);
}
