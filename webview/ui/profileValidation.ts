/**
 * Hand-written validator of a ProfileReport arriving from the extension (or restored from getState): every field the
 * view reads is checked, each endpoint's simulator steps go through the engine's own `validateScenario`, and errors
 * name the JSON path. No `any`: the value stays `unknown` until it has passed.
 */
import type { ProfileReport } from '../../server/core/profiles/types';
import { validateScenario } from '../sim/schema';

type Json = Record<string, unknown>;

const DEFAULT_NAMES = ['rows', 'queryMs', 'externalMs', 'cpuMs', 'cacheHitRatio', 'lockHoldMs', 'requestCpuMs', 'lockKeys', 'authQueries'];
const HANDLER_KINDS = ['function', 'class', 'method', 'viewset-action'];
const WORKER_CLASSES = ['sync', 'gthread', 'gevent', 'uvicorn', 'waitress'];
const SERVER_NUMBERS = ['workers', 'threads', 'connections', 'backlog', 'hopMs', 'memoryPerWorkerMB'];
const MACHINE_NUMBERS = ['cores', 'contextSwitchOverhead'];
const DB_NUMBERS = ['cores', 'maxConnections', 'poolSize', 'connMaxAge', 'connectMs', 'rttMs', 'contention'];

/** Collects errors (capped: a huge malformed message must not produce a huge error list). */
export class Errors {
  readonly list: string[] = [];
  add(path: string, msg: string): void {
    if (this.list.length < 20) this.list.push(`${path}: ${msg}`);
  }
}

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function str(o: Json, key: string, path: string, e: Errors, required = true): void {
  const v = o[key];
  if (v === undefined && !required) return;
  if (typeof v !== 'string') e.add(`${path}.${key}`, 'must be a string');
}

function bool(o: Json, key: string, path: string, e: Errors, required = true): void {
  const v = o[key];
  if (v === undefined && !required) return;
  if (typeof v !== 'boolean') e.add(`${path}.${key}`, 'must be true or false');
}

function strings(o: Json, key: string, path: string, e: Errors, required = false): void {
  const v = o[key];
  if (v === undefined && !required) return;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) e.add(`${path}.${key}`, 'must be an array of strings');
}

function obj(v: unknown, path: string, e: Errors): Json | undefined {
  if (isObject(v)) return v;
  e.add(path, 'must be an object');
  return undefined;
}

function arr(v: unknown, path: string, e: Errors): unknown[] {
  if (Array.isArray(v)) return v;
  e.add(path, 'must be an array');
  return [];
}

function valueSource(v: unknown, path: string, e: Errors): void {
  const s = obj(v, path, e);
  if (!s) return;
  str(s, 'note', path, e);
  str(s, 'file', path, e, false);
  str(s, 'uri', path, e, false);
  if (s.line !== undefined && !(isInt(s.line) && s.line >= 1)) e.add(`${path}.line`, 'must be an integer ≥ 1');
}

function sourced(v: unknown, path: string, e: Errors, check: (value: unknown) => string | null): void {
  const s = obj(v, path, e);
  if (!s) return;
  const why = check(s.value);
  if (why) e.add(`${path}.value`, why);
  valueSource(s.source, `${path}.source`, e);
}

const numberValue = (v: unknown): string | null => (isFiniteNumber(v) && v >= 0 ? null : 'must be a number ≥ 0');
const stringValue = (v: unknown): string | null => (typeof v === 'string' ? null : 'must be a string');
const durationValue = (v: unknown): string | null => {
  if (isFiniteNumber(v) && v >= 0) return null;
  if (isObject(v) && typeof v.dist === 'string') return null; // the full check happens in validateScenario on the built scenario
  return 'must be a duration (ms or {dist, …})';
};

function sourcedGroup(v: unknown, path: string, e: Errors, numbers: string[], extra: Record<string, (value: unknown) => string | null>): void {
  if (v === undefined) return;
  const g = obj(v, path, e);
  if (!g) return;
  for (const [k, val] of Object.entries(g)) {
    const check = extra[k] ?? (numbers.includes(k) ? numberValue : undefined);
    if (!check) { e.add(`${path}.${k}`, 'unknown field'); continue; }
    sourced(val, `${path}.${k}`, e, check);
  }
}

export function checkDeployment(v: unknown, path: string, e: Errors): void {
  const d = obj(v, path, e);
  if (!d) return;
  const server = obj(d.server, `${path}.server`, e);
  if (server) {
    if (server.workerClass === undefined) e.add(`${path}.server.workerClass`, 'is required');
    sourcedGroup(server, `${path}.server`, e, SERVER_NUMBERS, {
      workerClass: (x) => (typeof x === 'string' && WORKER_CLASSES.includes(x) ? null : `must be one of: ${WORKER_CLASSES.join(', ')}`),
      overheadMs: durationValue,
      // null: the server kills nothing (uvicorn, waitress, gthread's heartbeat).
      timeoutMs: (x) => (x === null || (typeof x === 'number' && Number.isFinite(x) && x >= 0) ? null : 'must be a number ≥ 0, or null for no timeout'),
    });
  }
  sourcedGroup(d.machine, `${path}.machine`, e, MACHINE_NUMBERS, {});
  sourcedGroup(d.db, `${path}.db`, e, DB_NUMBERS, {
    atomicRequests: (x) => (typeof x === 'boolean' ? null : 'must be true or false'),
    host: (x) => (x === 'shared' || x === 'separate' ? null : 'must be "shared" or "separate"'),
  });
  sourcedGroup(d.cache, `${path}.cache`, e, [], { backend: stringValue, latencyMs: durationValue });
  arr(d.sources, `${path}.sources`, e).forEach((s, i) => valueSource(s, `${path}.sources[${i}]`, e));
  strings(d, 'conflicts', path, e, true);
  strings(d, 'notes', path, e);
  strings(d, 'endpointIds', path, e);
  str(d, 'name', path, e, false);
  if (d.program !== undefined && !['gunicorn', 'uvicorn', 'waitress'].includes(String(d.program))) e.add(`${path}.program`, 'must be gunicorn, uvicorn or waitress');
  for (const k of ['app', 'settingsModule', 'rootUrlconf']) if (d[k] !== undefined) sourced(d[k], `${path}.${k}`, e, stringValue);
}

function checkHandler(v: unknown, path: string, e: Errors): void {
  const h = obj(v, path, e);
  if (!h) return;
  str(h, 'uri', path, e);
  str(h, 'name', path, e);
  bool(h, 'async', path, e);
  if (typeof h.kind !== 'string' || !HANDLER_KINDS.includes(h.kind)) e.add(`${path}.kind`, `must be one of: ${HANDLER_KINDS.join(', ')}`);
  const r = obj(h.range, `${path}.range`, e);
  for (const end of ['start', 'end']) {
    const p = r && obj(r[end], `${path}.range.${end}`, e);
    if (p && !(isInt(p.line) && p.line >= 0 && isInt(p.character) && p.character >= 0)) e.add(`${path}.range.${end}`, 'must be {line, character} (integers ≥ 0)');
  }
}

function checkEndpointSteps(v: unknown, path: string, e: Errors): void {
  // The engine's validator knows every step shape; wrap the endpoint in the smallest valid scenario.
  const probe = validateScenario({ load: { type: 'closed', users: 1, requests: 1 }, server: { workerClass: 'sync' }, endpoints: [v] });
  if (!probe.ok) for (const msg of probe.errors) e.add(path, msg.replace(/^endpoints\[0\]/, 'endpoint'));
}

function checkProfile(v: unknown, path: string, e: Errors): void {
  const p = obj(v, path, e);
  if (!p) return;
  str(p, 'id', path, e);
  str(p, 'route', path, e, false);
  strings(p, 'methods', path, e);
  checkHandler(p.handler, `${path}.handler`, e);
  checkEndpointSteps(p.endpoint, `${path}.endpoint`, e);
  arr(p.findings, `${path}.findings`, e).forEach((f, i) => {
    const q = `${path}.findings[${i}]`;
    const o = obj(f, q, e);
    if (!o) return;
    str(o, 'code', q, e);
    str(o, 'cost', q, e);
    if (!(isInt(o.line) && o.line >= 0)) e.add(`${q}.line`, 'must be an integer ≥ 0');
  });
  arr(p.defaults, `${path}.defaults`, e).forEach((d, i) => {
    const q = `${path}.defaults[${i}]`;
    const o = obj(d, q, e);
    if (!o) return;
    if (typeof o.name !== 'string' || !DEFAULT_NAMES.includes(o.name)) e.add(`${q}.name`, `must be one of: ${DEFAULT_NAMES.join(', ')}`);
    if (!isFiniteNumber(o.value)) e.add(`${q}.value`, 'must be a number');
    str(o, 'description', q, e);
  });
  bool(p, 'readOnly', path, e);
  bool(p, 'usesRequestUser', path, e);
  str(p, 'cacheUnsafe', path, e, false);
  strings(p, 'notes', path, e);
  if (p.cacheAdvice !== undefined) {
    const q = `${path}.cacheAdvice`;
    const c = obj(p.cacheAdvice, q, e);
    if (c) {
      if (!['view', 'fragment', 'get_or_set'].includes(String(c.kind))) e.add(`${q}.kind`, 'must be view, fragment or get_or_set');
      str(c, 'key', q, e);
      str(c, 'rationale', q, e);
      if (!isFiniteNumber(c.ttlSeconds)) e.add(`${q}.ttlSeconds`, 'must be a number');
      arr(c.invalidateAt, `${q}.invalidateAt`, e).forEach((w, i) => {
        const o = obj(w, `${q}.invalidateAt[${i}]`, e);
        if (o) { str(o, 'uri', `${q}.invalidateAt[${i}]`, e); str(o, 'what', `${q}.invalidateAt[${i}]`, e); if (!isInt(o.line)) e.add(`${q}.invalidateAt[${i}].line`, 'must be an integer'); }
      });
    }
  }
  if (p.urlconf !== undefined) {
    const u = obj(p.urlconf, `${path}.urlconf`, e);
    if (u) { str(u, 'uri', `${path}.urlconf`, e); str(u, 'name', `${path}.urlconf`, e, false); if (!isInt(u.line)) e.add(`${path}.urlconf.line`, 'must be an integer'); }
  }
}

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export function checkProfileReport(v: unknown, path = 'report'): Checked<ProfileReport> {
  const e = new Errors();
  const r = obj(v, path, e);
  if (r) {
    const eps = arr(r.endpoints, `${path}.endpoints`, e);
    if (eps.length > 5000) e.add(`${path}.endpoints`, 'more than 5000 endpoints');
    else eps.forEach((p, i) => checkProfile(p, `${path}.endpoints[${i}]`, e));
    const ids = eps.map((p) => (isObject(p) ? p.id : undefined));
    if (new Set(ids).size !== ids.length) e.add(`${path}.endpoints`, 'endpoint ids must be unique');
    checkDeployment(r.deployment, `${path}.deployment`, e);
    if (r.deployments !== undefined) arr(r.deployments, `${path}.deployments`, e).forEach((d, i) => checkDeployment(d, `${path}.deployments[${i}]`, e));
  }
  return e.list.length === 0 ? { ok: true, value: v as ProfileReport } : { ok: false, errors: e.list };
}
