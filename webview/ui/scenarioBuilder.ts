/**
 * Turns endpoint profiles, the detected deployment and the user's what-if inputs into a simulator Scenario.
 * Pure (no DOM): the UI builds scenarios synchronously so the caps it applies show up at once, and the worker
 * only simulates. Every unbounded input is capped here with a notice the view shows next to the inputs.
 */
import type { DetectedDeployment, EndpointProfile, ProfileReport } from '../../server/core/profiles/types';
import type { DbSpec, Duration, Endpoint, QueryCount, Scenario, ServerSpec, Step, UserGroup, WorkerClass } from '../sim/types';

export const WORKER_CLASSES: readonly WorkerClass[] = ['sync', 'gthread', 'gevent', 'uvicorn', 'waitress'];

/** What the user can change. `null` means "as profiled" (each endpoint keeps its own default). */
export interface WhatIfInputs {
  loadMode: 'closed' | 'open';
  users: number;
  thinkMs: number;
  /** Open load: requests per second. */
  rate: number;
  durationS: number;
  rows: number | null;
  queryMs: number | null;
  /** 0..1 */
  cacheHitRatio: number | null;
  workerClass: WorkerClass;
  workers: number;
  threads: number;
  /** DB connections per worker process (django-db-connection-pool / psycopg pool); null = one per thread. */
  dbPool: number | null;
  /**
   * Closed load only: user groups, one per line `name | users | think ms | endpoint, endpoint` (the
   * endpoints are optional: the whole mix). Empty: one population of `users` with `thinkMs`.
   */
  groups?: string;
}

/** Parses the groups text; lines that do not parse are skipped with a notice each. */
export function parseGroups(text: string, endpointNames: readonly string[], notices: string[]): UserGroup[] {
  const out: UserGroup[] = [];
  text.split(/\r?\n/).forEach((line, k) => {
    if (line.trim() === '') return;
    const [name = '', users = '', think = '', eps = ''] = line.split('|').map((x) => x.trim());
    const u = Math.round(Number(users));
    const t = think === '' ? 0 : Number(think);
    const mixNames = eps === '' ? [] : eps.split(',').map((x) => x.trim()).filter((x) => x !== '');
    const unknown = mixNames.filter((n) => !endpointNames.includes(n));
    let why = '';
    if (name === '' || out.some((g) => g.name === name)) why = 'needs a unique name';
    else if (!Number.isFinite(u) || u < 1 || u > LIMITS.users) why = `users must be 1..${fmt(LIMITS.users)}`;
    else if (!Number.isFinite(t) || t < 0 || t > LIMITS.thinkMs) why = `think time must be 0..${fmt(LIMITS.thinkMs)} ms`;
    else if (unknown.length > 0) why = `no endpoint named ${unknown.map((n) => `"${n}"`).join(', ')}`;
    if (why) { notices.push(`group line ${k + 1} skipped: ${why}`); return; }
    const g: UserGroup = { name, users: u, thinkMs: { dist: 'exp', mean: t } };
    if (mixNames.length > 0) g.mix = Object.fromEntries(mixNames.map((n) => [n, 1]));
    out.push(g);
  });
  return out;
}

/** Caps that keep a what-if interactive (one run < 100 ms, a whole sweep well under a second). */
export const LIMITS = {
  users: 10_000,
  rate: 5_000,
  durationS: 3_600,
  thinkMs: 600_000,
  rows: 10_000,
  queryMs: 10_000,
  workers: 64,
  threads: 256,
  dbPool: 1_000,
  /** Requests simulated in the main run. */
  requests: 20_000,
  /** Requests per point of a sweep. */
  sweepRequests: 3_000,
  /** Requests per candidate of `advise`. */
  adviceRequests: 1_500,
  /** Simulated operations (queries, hops, CPU bursts) per run: an N+1 with N = 1000 gets fewer requests. */
  operations: 100_000,
  /** Floor of the budget: fewer samples would make p95/p99 meaningless. */
  minRequests: 200,
} as const;

export interface Built {
  scenario: Scenario;
  /** The inputs after capping (what the scenario was built from). */
  inputs: WhatIfInputs;
  /** Caps applied and other things the user should know about this run, one sentence each. */
  notices: string[];
}

/** The profiles a selection covers: one endpoint, or the deployment's URLconf mix (`null`). */
export function selectedProfiles(report: ProfileReport, selection: string | null): EndpointProfile[] {
  if (selection !== null) {
    const one = report.endpoints.find((p) => p.id === selection);
    if (one) return [one];
  }
  const ids = report.deployment.endpointIds;
  const served = ids ? report.endpoints.filter((p) => ids.includes(p.id)) : [];
  return served.length > 0 ? served : report.endpoints;
}

export function namedDefault(p: EndpointProfile, name: EndpointProfile['defaults'][number]['name']): number | undefined {
  return p.defaults.find((d) => d.name === name)?.value;
}

/** Inputs as detected: the deployment's server knobs, the endpoint's named defaults (or "as profiled" for a mix). */
export function defaultInputs(report: ProfileReport, selection: string | null): WhatIfInputs {
  const d = report.deployment;
  const profiles = selectedProfiles(report, selection);
  const single = selection !== null && profiles.length === 1 ? profiles[0] : undefined;
  const workerClass = d.server.workerClass.value;
  return {
    loadMode: 'closed',
    users: 50,
    thinkMs: 1000,
    rate: 20,
    durationS: 60,
    rows: single ? namedDefault(single, 'rows') ?? null : null,
    queryMs: single ? namedDefault(single, 'queryMs') ?? null : null,
    cacheHitRatio: single ? namedDefault(single, 'cacheHitRatio') ?? null : null,
    workerClass,
    workers: d.server.workers?.value ?? 1,
    threads: d.server.threads?.value ?? (workerClass === 'waitress' ? 4 : 1),
    dbPool: d.db?.poolSize?.value ?? null,
  };
}

const fmt = (n: number): string => n.toLocaleString('en-US');

function cap(value: number, min: number, max: number, label: string, notices: string[], int = false): number {
  let v = Number.isFinite(value) ? value : min;
  if (int) v = Math.round(v);
  if (v > max) { notices.push(`${label} capped at ${fmt(max)} (asked ${fmt(value)})`); return max; }
  if (v < min) { notices.push(`${label} raised to ${fmt(min)} (asked ${fmt(value)})`); return min; }
  return v;
}

/** Brings every input into its range; each change is reported. */
export function clampInputs(i: WhatIfInputs): { inputs: WhatIfInputs; notices: string[] } {
  const n: string[] = [];
  const opt = (v: number | null, min: number, max: number, label: string, int = false): number | null =>
    (v === null ? null : cap(v, min, max, label, n, int));
  const inputs: WhatIfInputs = {
    loadMode: i.loadMode === 'open' ? 'open' : 'closed',
    users: cap(i.users, 1, LIMITS.users, 'users', n, true),
    thinkMs: cap(i.thinkMs, 0, LIMITS.thinkMs, 'think time (ms)', n),
    rate: cap(i.rate, 0.1, LIMITS.rate, 'arrival rate (req/s)', n),
    durationS: cap(i.durationS, 1, LIMITS.durationS, 'duration (s)', n),
    rows: opt(i.rows, 0, LIMITS.rows, 'N (rows)', true),
    queryMs: opt(i.queryMs, 0, LIMITS.queryMs, 'per-query ms'),
    cacheHitRatio: opt(i.cacheHitRatio, 0, 1, 'cache hit ratio'),
    workerClass: WORKER_CLASSES.includes(i.workerClass) ? i.workerClass : 'sync',
    workers: cap(i.workers, 1, LIMITS.workers, 'workers', n, true),
    threads: cap(i.threads, 1, LIMITS.threads, 'threads', n, true),
    dbPool: opt(i.dbPool, 1, LIMITS.dbPool, 'DB pool', true),
    ...(typeof i.groups === 'string' && i.groups.trim() !== '' ? { groups: i.groups.slice(0, 10_000) } : {}),
  };
  return { inputs, notices: relevantNotices(inputs, n) };
}

/** Drops notices about inputs the current load mode does not use (the arrival rate of a closed load …). */
function relevantNotices(i: WhatIfInputs, notices: string[]): string[] {
  const unused = i.loadMode === 'closed' ? ['arrival rate'] : ['users', 'think time'];
  if (i.workerClass !== 'gthread' && i.workerClass !== 'waitress') unused.push('threads');
  return notices.filter((m) => !unused.some((u) => m.startsWith(u)));
}

// ---- step rewriting -------------------------------------------------------------------------------------------

interface StepEdits {
  rows: number | null;
  /** The profile's default N: `repeat` loops that ran N times follow the new N. */
  defaultRows: number | undefined;
  /** Multiplies every DB step's per-query time (queryMs / the profile's queryMs default). */
  queryScale: number;
  cacheHitRatio: number | null;
}

function scaleDuration(d: Duration, k: number): Duration {
  if (k === 1) return d;
  if (typeof d === 'number') return d * k;
  switch (d.dist) {
    case 'uniform': return { dist: 'uniform', min: d.min * k, max: d.max * k };
    case 'lognormal': return { dist: 'lognormal', mean: d.mean * k, cv: d.cv };
    default: return { dist: d.dist, mean: d.mean * k };
  }
}

export function durationMean(d: Duration): number {
  if (typeof d === 'number') return d;
  return d.dist === 'uniform' ? (d.min + d.max) / 2 : d.mean;
}

export function editSteps(steps: Step[], e: StepEdits): Step[] {
  return steps.map((s): Step => {
    if ('db' in s) {
      const q = s.db.queries;
      const queries = typeof q === 'object' && e.rows !== null ? { ...q, n: e.rows } : q;
      return { db: { ...s.db, ...(queries === undefined ? {} : { queries }), ms: scaleDuration(s.db.ms, e.queryScale) } };
    }
    if ('lock' in s) return { lock: { ...s.lock, steps: editSteps(s.lock.steps, e) } };
    if ('hop' in s) return { hop: { steps: editSteps(s.hop.steps, e) } };
    if ('repeat' in s) {
      const follows = e.rows !== null && e.defaultRows !== undefined && s.repeat.times === e.defaultRows;
      return { repeat: { times: follows ? Math.max(e.rows ?? 0, 0) : s.repeat.times, steps: editSteps(s.repeat.steps, e) } };
    }
    if ('cache' in s) {
      const c = s.cache;
      const isGet = (c.op ?? 'get') === 'get' && c.key === undefined;
      return {
        cache: {
          ...c,
          ...(isGet && e.cacheHitRatio !== null ? { hitRatio: e.cacheHitRatio } : {}),
          ...(c.miss ? { miss: editSteps(c.miss, e) } : {}),
        },
      };
    }
    return s;
  });
}

/** The mean per-query time the profile assumed: its `queryMs` default, else the first DB step's mean. */
function profileQueryMs(p: EndpointProfile): number | undefined {
  const named = namedDefault(p, 'queryMs');
  if (named !== undefined) return named;
  const first = (steps: Step[]): number | undefined => {
    for (const s of steps) {
      if ('db' in s) return durationMean(s.db.ms);
      const inner = 'lock' in s ? s.lock.steps : 'hop' in s ? s.hop.steps : 'repeat' in s ? s.repeat.steps : 'cache' in s ? s.cache.miss ?? [] : [];
      const v = first(inner);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  return first(p.endpoint.steps);
}

function endpointFor(p: EndpointProfile, i: WhatIfInputs, name: string, weight: number | undefined): Endpoint {
  const base = profileQueryMs(p);
  const edits: StepEdits = {
    rows: i.rows,
    defaultRows: namedDefault(p, 'rows'),
    queryScale: i.queryMs !== null && base !== undefined && base > 0 ? i.queryMs / base : 1,
    cacheHitRatio: i.cacheHitRatio,
  };
  const ep = p.endpoint;
  const out: Endpoint = { name, steps: editSteps(ep.steps, edits) };
  if (ep.path !== undefined) out.path = ep.path;
  if (weight !== undefined) out.weight = weight;
  if (ep.async !== undefined) out.async = ep.async;
  if (ep.fixed) out.fixed = editSteps(ep.fixed, edits);
  if (ep.fixDescription !== undefined) out.fixDescription = ep.fixDescription;
  return out;
}

// ---- cost estimate (keeps request counts modest) ---------------------------------------------------------------

function queryCount(q: QueryCount | undefined): number {
  if (q === undefined) return 1;
  return typeof q === 'number' ? q : q.base + q.perRow * q.n;
}

/** Simulated operations per request: a rough event count (queries, hops, CPU bursts, cache calls). */
export function operationsPerRequest(steps: Step[]): number {
  let ops = 0;
  for (const s of steps) {
    if ('db' in s) ops += queryCount(s.db.queries);
    else if ('lock' in s) ops += 1 + operationsPerRequest(s.lock.steps);
    else if ('hop' in s) ops += 1 + operationsPerRequest(s.hop.steps);
    else if ('repeat' in s) ops += s.repeat.times * operationsPerRequest(s.repeat.steps);
    else if ('cache' in s) ops += 1 + (1 - (s.cache.hitRatio ?? 0)) * operationsPerRequest(s.cache.miss ?? []);
    else ops += 1;
  }
  return ops;
}

/** Simulated operations of the mix's average request: each endpoint by its weight, plus arrival and reply. */
export function operationsPerMixRequest(endpoints: readonly Endpoint[]): number {
  const total = endpoints.reduce((sum, e) => sum + (e.weight ?? 1), 0) || 1;
  return endpoints.reduce((sum, e) => sum + ((e.weight ?? 1) / total) * (2 + operationsPerRequest(e.steps)), 0);
}

function requestBudget(endpoints: Endpoint[], wanted: number): number {
  const ops = operationsPerMixRequest(endpoints);
  return Math.max(LIMITS.minRequests, Math.min(wanted, Math.floor(LIMITS.operations / Math.max(ops, 1))));
}

// ---- the scenario ----------------------------------------------------------------------------------------------

function serverSpec(d: DetectedDeployment, i: WhatIfInputs): ServerSpec {
  const s = d.server;
  const out: ServerSpec = { workerClass: i.workerClass, workers: i.workers };
  if (i.workerClass === 'gthread' || i.workerClass === 'waitress') out.threads = i.threads;
  if ((i.workerClass === 'gevent' || i.workerClass === 'uvicorn') && s.connections) out.connections = s.connections.value;
  if (s.backlog) out.backlog = s.backlog.value;
  if (s.timeoutMs) out.timeoutMs = s.timeoutMs.value;
  if (s.overheadMs) out.overheadMs = s.overheadMs.value;
  if (s.hopMs) out.hopMs = s.hopMs.value;
  if (s.memoryPerWorkerMB) out.memoryPerWorkerMB = s.memoryPerWorkerMB.value;
  return out;
}

function dbSpec(d: DetectedDeployment, i: WhatIfInputs): DbSpec {
  const out: DbSpec = {};
  const db = d.db ?? {};
  if (db.host) out.host = db.host.value;
  for (const k of ['cores', 'maxConnections', 'connMaxAge', 'connectMs', 'rttMs', 'contention'] as const) {
    const v = db[k];
    if (v) out[k] = v.value;
  }
  if (i.dbPool !== null) out.poolSize = i.dbPool;
  return out;
}

/** Unique simulator endpoint names (the mix may hold two `list` handlers from different apps). */
function uniqueNames(profiles: EndpointProfile[]): string[] {
  const seen = new Map<string, number>();
  return profiles.map((p) => {
    const base = p.endpoint.name || p.id;
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    return k === 1 ? base : `${base} (${k})`;
  });
}

export interface BuildOptions {
  /** Requests wanted (the cost budget may lower it); default LIMITS.requests. */
  requests?: number;
}

export function buildScenario(report: ProfileReport, selection: string | null, raw: WhatIfInputs, opts: BuildOptions = {}): Built {
  const { inputs: i, notices } = clampInputs(raw);
  const d = report.deployment;
  const profiles = selectedProfiles(report, selection);
  const names = uniqueNames(profiles);
  const endpoints = profiles.map((p, k) => endpointFor(p, i, names[k], profiles.length > 1 ? p.endpoint.weight ?? 1 : undefined));
  if (endpoints.length > 1 && endpoints.every((e) => e.weight === 0)) endpoints.forEach((e) => { e.weight = 1; });

  const groups = i.loadMode === 'closed' && i.groups ? parseGroups(i.groups, endpoints.map((e) => e.name), notices) : [];
  const users = groups.length > 0 ? groups.reduce((n, g) => n + g.users, 0) : i.users;
  const wanted = opts.requests ?? LIMITS.requests;
  const budget = requestBudget(endpoints, wanted);
  const expected = i.loadMode === 'open'
    ? i.rate * i.durationS
    : (users * i.durationS * 1000) / Math.max(groups.length > 0 ? Math.min(...groups.map((g) => durationMean(g.thinkMs ?? 0))) : i.thinkMs, 1);
  const requests = Math.max(1, Math.min(budget, Math.ceil(expected)));
  if (opts.requests === undefined && expected > budget) {
    const why = budget < wanted ? ` (${fmt(Math.round(LIMITS.operations / budget))} operations per request)` : '';
    notices.push(`simulates the first ${fmt(requests)} requests of the ${fmt(i.durationS)} s asked${why}, to stay interactive`);
  }
  const load: Scenario['load'] = i.loadMode === 'open'
    ? { type: 'open', rate: i.rate, durationS: i.durationS, requests }
    : { type: 'closed', users, thinkMs: { dist: 'exp', mean: i.thinkMs }, durationS: i.durationS, requests, ...(groups.length > 0 ? { groups } : {}) };

  const scenario: Scenario = {
    name: selection === null ? `${d.name ?? 'deployment'}: URLconf mix` : profiles[0].id,
    seed: 1,
    load,
    endpoints,
    server: serverSpec(d, i),
  };
  const cores = d.machine?.cores?.value;
  if (cores !== undefined) scenario.machine = { cores, ...(d.machine?.contextSwitchOverhead ? { contextSwitchOverhead: d.machine.contextSwitchOverhead.value } : {}) };
  const db = dbSpec(d, i);
  if (Object.keys(db).length > 0) scenario.db = db;
  if (d.cache?.latencyMs) scenario.cache = { latencyMs: d.cache.latencyMs.value };
  return { scenario, inputs: i, notices };
}

/** The same scenario with every proposed code fix (`endpoint.fixed`) applied; null when nothing is fixable. */
export function withFixes(s: Scenario): Scenario | null {
  if (!s.endpoints.some((e) => e.fixed)) return null;
  return {
    ...s,
    name: `${s.name ?? 'scenario'} (fixed)`,
    endpoints: s.endpoints.map((e) => (e.fixed ? { ...e, steps: e.fixed } : e)),
  };
}

/** Sweep points around the current value: ¼×, ½×, 1×, 2×, 4× (deduplicated, within the caps). */
export function loadSweep(i: WhatIfInputs): number[] {
  const base = i.loadMode === 'open' ? i.rate : i.users;
  const max = i.loadMode === 'open' ? LIMITS.rate : LIMITS.users;
  const round = (v: number): number => (i.loadMode === 'open' ? Math.round(v * 10) / 10 : Math.round(v));
  const pts = [0.25, 0.5, 1, 2, 4].map((k) => round(Math.min(max, Math.max(i.loadMode === 'open' ? 0.1 : 1, base * k))));
  return [...new Set(pts)].sort((a, b) => a - b);
}

export function workersSweep(i: WhatIfInputs): number[] {
  const pts = [1, 2, 4, 8, 16, i.workers].filter((w) => w >= 1 && w <= LIMITS.workers);
  return [...new Set(pts)].sort((a, b) => a - b);
}

/** Inputs with the load (users or rate, whichever the mode uses) set to `x`. */
export function withLoad(i: WhatIfInputs, x: number): WhatIfInputs {
  return i.loadMode === 'open' ? { ...i, rate: x } : { ...i, users: x };
}

/**
 * Whether the cache hit ratio input changes these endpoints, and if not, why: it sets the hit ratio of cache reads
 * whose key djperf does not know; an entry with a known key gets its hits from its TTL and the writes that
 * invalidate it, which the simulation follows (editSteps leaves it alone).
 */
export function cacheInputUse(profiles: readonly EndpointProfile[]): { applies: boolean; note: string | null } {
  let unkeyed = 0;
  const keyed = new Map<string, number | undefined>();
  const walk = (steps: readonly Step[]): void => {
    for (const s of steps) {
      if ('cache' in s) {
        if ((s.cache.op ?? 'get') === 'get') {
          if (s.cache.key === undefined) unkeyed++;
          else keyed.set(s.cache.key, s.cache.ttlMs);
        }
        walk(s.cache.miss ?? []);
      } else if ('lock' in s) walk(s.lock.steps);
      else if ('hop' in s) walk(s.hop.steps);
      else if ('repeat' in s) walk(s.repeat.steps);
    }
  };
  for (const p of profiles) walk(p.endpoint.steps);
  const keys = [...keyed].map(([k, ttl]) => `${k}${ttl !== undefined ? ` (TTL ${fmt(Math.round(ttl / 1000))} s)` : ''}`).join(', ');
  const them = profiles.length === 1 ? 'this endpoint' : 'these endpoints';
  if (unkeyed > 0) return { applies: true, note: keyed.size ? `applies to the cache reads without a known key; ${keys} follow their TTL and invalidations` : null };
  if (keyed.size) return { applies: false, note: `not used here: the cache key ${keys} is known, so its hits follow from the TTL and the writes that invalidate it` };
  return { applies: false, note: `not used here: no cache read in ${them}` };
}
