import type { Endpoint, Scenario, ServerSpec, SimResult, Step } from '../../../webview/sim/types';
import { simulate } from '../../../webview/sim/simulate';
import type { DetectedDeployment, EndpointProfile, ProfileReport } from './types';

/**
 * Scenarios built from a detected deployment and endpoint profiles, and a small simulation cache: the DJP6xx
 * rules and `djperf profile` compare "as configured" with one change, at a reference load (docs/deployment.md).
 */

/** Requests per simulation: small so that the rules stay interactive. */
export const REFERENCE_REQUESTS = 1500;
/** Closed-loop reference load: this many users per worker slot, thinking ~1 s between requests. */
export const REFERENCE_USERS_PER_SLOT = 2;
export const REFERENCE_THINK_MS = 1000;
export const REFERENCE_SEED = 7;

export function slotsOf(server: ServerSpec): number {
  const workers = server.workers ?? 1;
  switch (server.workerClass) {
    case 'sync': return workers;
    case 'gthread': return workers * (server.threads ?? 1);
    case 'waitress': return workers * (server.threads ?? 4);
    default: return workers * Math.min(server.connections ?? 1000, 25);
  }
}

/** The simulator's ServerSpec of a detected deployment. */
export function serverSpec(dep: DetectedDeployment): ServerSpec {
  const s = dep.server;
  const out: ServerSpec = { workerClass: s.workerClass.value };
  if (s.workers) out.workers = s.workers.value;
  if (s.threads) out.threads = s.threads.value;
  if (s.connections) out.connections = s.connections.value;
  if (s.backlog) out.backlog = s.backlog.value;
  if (s.timeoutMs) out.timeoutMs = s.timeoutMs.value;
  return out;
}

export interface ScenarioOptions {
  /** Endpoints (ids) to run with their `fixed` steps. */
  fixed?: ReadonlySet<string>;
  server?: Partial<ServerSpec>;
  /** Replace the users of the reference load. */
  users?: number;
  requests?: number;
  /** Replace the think time of the reference load (ms, exponential). */
  thinkMs?: number;
  name?: string;
}

export function scenarioFor(dep: DetectedDeployment, endpoints: readonly EndpointProfile[], opts: ScenarioOptions = {}): Scenario {
  const server: ServerSpec = { ...serverSpec(dep), ...opts.server };
  if (server.workerClass !== 'gthread' && server.workerClass !== 'waitress') delete server.threads;
  const eps: Endpoint[] = endpoints.map((p) => {
    const steps: Step[] = opts.fixed?.has(p.id) && p.endpoint.fixed ? p.endpoint.fixed : p.endpoint.steps;
    return { name: p.id, ...(p.endpoint.path ? { path: p.endpoint.path } : {}), async: p.endpoint.async ?? false, steps };
  });
  const users = opts.users ?? Math.max(4, REFERENCE_USERS_PER_SLOT * slotsOf(server));
  const scenario: Scenario = {
    name: opts.name ?? dep.name ?? 'deployment',
    seed: REFERENCE_SEED,
    load: { type: 'closed', users, thinkMs: { dist: 'exp', mean: opts.thinkMs ?? REFERENCE_THINK_MS }, requests: opts.requests ?? REFERENCE_REQUESTS },
    server,
    endpoints: eps,
  };
  if (dep.machine?.cores) scenario.machine = { cores: dep.machine.cores.value };
  if (dep.db) {
    scenario.db = {};
    if (dep.db.maxConnections) scenario.db.maxConnections = dep.db.maxConnections.value;
    if (dep.db.connMaxAge) scenario.db.connMaxAge = Math.min(dep.db.connMaxAge.value, 1e6);
    if (dep.db.poolSize) scenario.db.poolSize = dep.db.poolSize.value;
    if (dep.db.host) scenario.db.host = dep.db.host.value;
  }
  if (dep.cache?.latencyMs) scenario.cache = { latencyMs: dep.cache.latencyMs.value };
  return scenario;
}

const cache = new WeakMap<object, Map<string, SimResult>>();

/** Simulates once per (report, scenario): the report object is new for every workspace generation. */
export function simulateCached(report: ProfileReport | object, scenario: Scenario): SimResult {
  let m = cache.get(report);
  if (!m) { m = new Map(); cache.set(report, m); }
  const key = JSON.stringify(scenario);
  let r = m.get(key);
  if (!r) {
    r = simulate(scenario, { seed: scenario.seed });
    m.set(key, r);
  }
  return r;
}

/** Latency stats of a subset of endpoints, weighted by completions. */
export function subsetStats(r: SimResult, ids: ReadonlySet<string>): { p95: number; p99: number; mean: number; completed: number; errorRate: number } {
  const eps = r.endpoints.filter((e) => ids.has(e.name));
  const completed = eps.reduce((n, e) => n + e.completed, 0);
  const requests = eps.reduce((n, e) => n + e.requests, 0);
  const w = (f: (e: SimResult['endpoints'][number]) => number) => (completed ? eps.reduce((n, e) => n + f(e) * e.completed, 0) / completed : 0);
  return {
    p95: w((e) => e.latency.p95), p99: Math.max(0, ...eps.map((e) => e.latency.p99)), mean: w((e) => e.latency.mean), completed,
    errorRate: requests ? eps.reduce((n, e) => n + e.errorRate * e.requests, 0) / requests : 0,
  };
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  return ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}
