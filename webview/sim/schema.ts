/**
 * validateScenario: checks an untrusted JSON value against the Scenario format and rejects
 * unbounded scenarios, with messages naming the JSON path (e.g. `server.workers: must be an
 * integer ≥ 1`).
 */
import { compileDist } from './model/program';
import { Checker, checkSteps, Json } from './schemaSteps';
import type { Duration, Scenario } from './types';

export const MAX_SCENARIO_REQUESTS = 5_000_000;
export const MAX_SCENARIO_USERS = 100_000;
const MAX_PROCESSES = 1024;
const MAX_SLOTS = 1_000_000;

export type Validation = { ok: true; scenario: Scenario } | { ok: false; errors: string[] };

const WORKER_CLASSES = ['sync', 'gthread', 'gevent', 'uvicorn', 'waitress'] as const;

export function validateScenario(input: unknown): Validation {
  const c = new Checker();
  const root = c.object(input, '$');
  if (!root) return { ok: false, errors: c.errors };
  c.known(root, '$', ['name', 'description', 'seed', 'load', 'endpoints', 'server', 'machine', 'db', 'cache', 'network', 'variability', '$schema']);
  c.string(root, 'name', '$');
  c.number(root, 'seed', '$', { min: 0, max: 2 ** 32 - 1, int: true });
  checkServer(c, root.server);
  checkMachine(c, root);
  checkEndpoints(c, root.endpoints);
  checkLoad(c, root.load, root.endpoints);
  checkVariability(c, root);
  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  const scenario = withGroupUsers(root as unknown as Scenario);
  checkBounds(c, scenario as unknown as Json);
  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  return { ok: true, scenario };
}

/** With user groups, `load.users` is their sum (filled in when omitted). */
function withGroupUsers(s: Scenario): Scenario {
  if (s.load.type !== 'closed' || !s.load.groups || s.load.users !== undefined) return s;
  return { ...s, load: { ...s.load, users: s.load.groups.reduce((n, g) => n + g.users, 0) } };
}

function checkVariability(c: Checker, root: Json): void {
  if (root.variability === undefined) return;
  const v = c.object(root.variability, 'variability');
  if (!v) return;
  c.known(v, 'variability', ['requestCv']);
  c.number(v, 'requestCv', 'variability', { min: 0, max: 20 });
}

function checkServer(c: Checker, v: unknown): void {
  if (v === undefined) { c.fail('server', 'is required'); return; }
  const s = c.object(v, 'server');
  if (!s) return;
  c.known(s, 'server', ['workerClass', 'workers', 'threads', 'connections', 'backlog', 'timeoutMs', 'overheadMs', 'hopMs', 'memoryPerWorkerMB', 'gilSwitchMs', 'pinConnections', 'acceptBurst', 'responseTailMs']);
  c.number(s, 'gilSwitchMs', 'server', { min: 0, max: 10000 });
  c.bool(s, 'pinConnections', 'server');
  c.bool(s, 'acceptBurst', 'server');
  c.number(s, 'responseTailMs', 'server', { min: 0, max: 1000 });
  c.oneOf(s, 'workerClass', 'server', WORKER_CLASSES, true);
  c.number(s, 'workers', 'server', { min: 1, max: MAX_PROCESSES, int: true });
  c.number(s, 'threads', 'server', { min: 1, max: 10000, int: true });
  c.number(s, 'connections', 'server', { min: 1, max: 100000, int: true });
  c.number(s, 'backlog', 'server', { min: 0, max: 10_000_000, int: true });
  if (s.timeoutMs !== null) c.number(s, 'timeoutMs', 'server', { gt: 0 });
  if (s.overheadMs !== undefined) c.duration(s.overheadMs, 'server.overheadMs');
  c.number(s, 'hopMs', 'server', { min: 0 });
  c.number(s, 'memoryPerWorkerMB', 'server', { min: 0 });
  if (s.threads !== undefined && s.workerClass !== 'gthread' && s.workerClass !== 'waitress') {
    c.fail('server.threads', `only applies to gthread and waitress (for ${String(s.workerClass)} use ${s.workerClass === 'sync' ? 'workers' : 'connections'})`);
  }
}

function checkMachine(c: Checker, root: Json): void {
  if (root.machine !== undefined) {
    const m = c.object(root.machine, 'machine');
    if (m) {
      c.known(m, 'machine', ['cores', 'contextSwitchOverhead', 'wakeCostMs', 'backgroundThreads']);
      c.number(m, 'cores', 'machine', { gt: 0, max: 1024 });
      c.number(m, 'backgroundThreads', 'machine', { min: 0, max: 10000 });
      c.number(m, 'contextSwitchOverhead', 'machine', { min: 0, max: 10 });
      c.number(m, 'wakeCostMs', 'machine', { min: 0, max: 10 });
    }
  }
  if (root.db !== undefined) {
    const d = c.object(root.db, 'db');
    if (d) {
      c.known(d, 'db', ['host', 'cores', 'maxConnections', 'poolSize', 'connMaxAge', 'connectMs', 'connectAppCpuMs', 'connectDbCpuMs', 'disconnectDbCpuMs', 'connectRoundTrips', 'rttMs', 'contention']);
      c.oneOf(d, 'host', 'db', ['shared', 'separate']);
      c.number(d, 'cores', 'db', { gt: 0, max: 1024 });
      c.number(d, 'connectAppCpuMs', 'db', { min: 0 });
      c.number(d, 'connectDbCpuMs', 'db', { min: 0 });
      c.number(d, 'disconnectDbCpuMs', 'db', { min: 0 });
      c.number(d, 'connectRoundTrips', 'db', { min: 0, max: 100, int: true });
      c.number(d, 'maxConnections', 'db', { min: 1, max: 1_000_000, int: true });
      c.number(d, 'poolSize', 'db', { min: 1, max: 100_000, int: true });
      c.number(d, 'connMaxAge', 'db', { min: 0 });
      c.number(d, 'connectMs', 'db', { min: 0 });
      c.number(d, 'rttMs', 'db', { min: 0 });
      c.number(d, 'contention', 'db', { min: 0, max: 100 });
    }
  }
  if (root.cache !== undefined) {
    const k = c.object(root.cache, 'cache');
    if (k) {
      c.known(k, 'cache', ['latencyMs']);
      if (k.latencyMs !== undefined) c.duration(k.latencyMs, 'cache.latencyMs');
    }
  }
  if (root.network !== undefined) {
    const n = c.object(root.network, 'network');
    if (n) {
      c.known(n, 'network', ['rttMs']);
      c.number(n, 'rttMs', 'network', { min: 0 });
    }
  }
}

function checkEndpoints(c: Checker, v: unknown): void {
  if (!Array.isArray(v) || v.length === 0) { c.fail('endpoints', 'must be a non-empty array'); return; }
  const names = new Set<string>();
  v.forEach((e, i) => {
    const p = `endpoints[${i}]`;
    const o = c.object(e, p);
    if (!o) return;
    c.known(o, p, ['name', 'path', 'weight', 'async', 'steps', 'fixed', 'fixDescription', 'description']);
    c.string(o, 'name', p, true);
    if (typeof o.name === 'string') {
      if (names.has(o.name)) c.fail(`${p}.name`, `duplicate endpoint name "${o.name}"`);
      names.add(o.name);
    }
    c.string(o, 'path', p);
    c.number(o, 'weight', p, { min: 0 });
    c.bool(o, 'async', p);
    checkSteps(c, o.steps, `${p}.steps`, { lockDepth: 0, repeatDepth: 0 });
    if (o.fixed !== undefined) checkSteps(c, o.fixed, `${p}.fixed`, { lockDepth: 0, repeatDepth: 0 });
    c.string(o, 'fixDescription', p);
  });
  if (v.every((e) => c.isObject(e) && e.weight === 0)) c.fail('endpoints', 'at least one endpoint needs a weight > 0');
}

function checkGroups(c: Checker, l: Json, endpoints: unknown): void {
  const v = l.groups;
  if (!Array.isArray(v) || v.length === 0) { c.fail('load.groups', 'must be a non-empty array of {name, users, thinkMs?, mix?}'); return; }
  const known = new Set(Array.isArray(endpoints) ? endpoints.map((e) => (c.isObject(e) ? e.name : undefined)) : []);
  const names = new Set<string>();
  let total = 0;
  v.forEach((g, i) => {
    const p = `load.groups[${i}]`;
    const o = c.object(g, p);
    if (!o) return;
    c.known(o, p, ['name', 'users', 'thinkMs', 'mix']);
    c.string(o, 'name', p, true);
    if (typeof o.name === 'string') {
      if (names.has(o.name)) c.fail(`${p}.name`, `duplicate group name "${o.name}"`);
      names.add(o.name);
    }
    c.number(o, 'users', p, { min: 1, int: true, required: true });
    if (typeof o.users === 'number') total += o.users;
    if (o.thinkMs !== undefined) c.duration(o.thinkMs, `${p}.thinkMs`);
    if (o.mix !== undefined) {
      const m = c.object(o.mix, `${p}.mix`);
      if (!m) return;
      let sum = 0;
      for (const [name, w] of Object.entries(m)) {
        if (!known.has(name)) c.fail(`${p}.mix.${name}`, 'names no endpoint');
        c.number(m, name, `${p}.mix`, { min: 0 });
        if (typeof w === 'number') sum += w;
      }
      if (sum <= 0) c.fail(`${p}.mix`, 'needs a weight > 0');
    }
  });
  if (l.users !== undefined && typeof l.users === 'number' && l.users !== total) {
    c.fail('load.users', `must equal the groups' users (${total}) or be omitted`);
  }
}

function checkLoad(c: Checker, v: unknown, endpoints: unknown): void {
  if (v === undefined) { c.fail('load', 'is required'); return; }
  const l = c.object(v, 'load');
  if (!l) return;
  c.oneOf(l, 'type', 'load', ['open', 'closed', 'batch'], true);
  if (l.type === 'open') {
    c.known(l, 'load', ['type', 'rate', 'stages', 'startRate', 'durationS', 'requests', 'warmupS']);
    c.number(l, 'rate', 'load', { gt: 0 });
    c.number(l, 'startRate', 'load', { min: 0 });
    if (l.stages !== undefined) {
      if (!Array.isArray(l.stages) || l.stages.length === 0) c.fail('load.stages', 'must be a non-empty array of {durationS, target}');
      else l.stages.forEach((st, i) => {
        const o = c.object(st, `load.stages[${i}]`);
        if (!o) return;
        c.known(o, `load.stages[${i}]`, ['durationS', 'target']);
        c.number(o, 'durationS', `load.stages[${i}]`, { gt: 0, required: true });
        c.number(o, 'target', `load.stages[${i}]`, { min: 0, required: true });
      });
      if (l.rate !== undefined) c.fail('load.rate', 'give either rate or stages, not both');
    } else if (l.rate === undefined) {
      c.fail('load.rate', 'is required for an open load (requests per second), or give load.stages');
    }
    if (l.stages === undefined && l.durationS === undefined && l.requests === undefined) {
      c.fail('load', 'needs durationS or requests');
    }
  } else if (l.type === 'closed') {
    c.known(l, 'load', ['type', 'users', 'thinkMs', 'groups', 'durationS', 'requests', 'warmupS', 'keepAlive', 'clientCpuMs', 'clientThreads', 'separateWarmup', 'clientTurnaroundMs']);
    c.number(l, 'users', 'load', { min: 1, int: true, required: l.groups === undefined });
    c.bool(l, 'separateWarmup', 'load');
    if (l.groups !== undefined) checkGroups(c, l, endpoints);
    c.bool(l, 'keepAlive', 'load');
    c.number(l, 'clientCpuMs', 'load', { min: 0 });
    c.number(l, 'clientTurnaroundMs', 'load', { min: 0 });
    c.number(l, 'clientThreads', 'load', { min: 1, max: 1024, int: true });
    if (l.thinkMs !== undefined) c.duration(l.thinkMs, 'load.thinkMs');
    if (l.durationS === undefined && l.requests === undefined) c.fail('load', 'needs durationS or requests');
  } else if (l.type === 'batch') {
    c.known(l, 'load', ['type', 'items', 'chunkSize']);
    c.number(l, 'items', 'load', { min: 1, int: true, required: true });
    c.number(l, 'chunkSize', 'load', { min: 1, int: true });
    return;
  }
  c.number(l, 'durationS', 'load', { gt: 0 });
  c.number(l, 'requests', 'load', { min: 1, int: true });
  c.number(l, 'warmupS', 'load', { min: 0 });
}

/** Rejects scenarios that would run for too long or use too much memory. */
function checkBounds(c: Checker, root: Json): void {
  const s = root as unknown as Scenario;
  const load = s.load;
  const cap = MAX_SCENARIO_REQUESTS.toLocaleString('en-US');
  if (load.type === 'batch') {
    if (load.items > MAX_SCENARIO_REQUESTS) c.fail('load.items', `must be ≤ ${cap}`);
  } else if (load.type === 'open') {
    let expected = Infinity;
    if (load.stages) {
      let prev = load.startRate ?? 0;
      expected = load.stages.reduce((sum, st) => { const n = ((prev + st.target) / 2) * st.durationS; prev = st.target; return sum + n; }, 0);
    } else if (load.durationS !== undefined) expected = (load.rate ?? 0) * load.durationS;
    if (load.requests !== undefined) expected = Math.min(expected, load.requests);
    if (expected > MAX_SCENARIO_REQUESTS) {
      c.fail('load', `would generate about ${Math.round(expected).toLocaleString('en-US')} requests; the limit is ${cap} (lower durationS, rate or requests)`);
    }
  } else {
    if (load.users > MAX_SCENARIO_USERS) c.fail('load.users', `must be ≤ ${MAX_SCENARIO_USERS.toLocaleString('en-US')}`);
    if (load.requests !== undefined && load.requests > MAX_SCENARIO_REQUESTS) c.fail('load.requests', `must be ≤ ${cap}`);
    if (load.requests === undefined && load.durationS !== undefined) {
      // Upper bound on the request rate: every user issues one request per think time (≥ 1 ms).
      const think = Math.max(compileDist((load.thinkMs ?? 0) as Duration).mean, 1);
      const bound = (load.users * load.durationS * 1000) / think;
      if (bound > MAX_SCENARIO_REQUESTS * 20) {
        c.fail('load', `${load.users} users for ${load.durationS} s could issue far more than ${cap} requests; set load.requests (the run stops at it)`);
      }
    }
  }
  const workers = s.server.workers ?? 1;
  const slots = s.server.threads ?? s.server.connections ?? 1;
  if (workers * slots > MAX_SLOTS) c.fail('server', `workers × threads/connections must be ≤ ${MAX_SLOTS.toLocaleString('en-US')}`);
}
