/**
 * Small validation toolkit (errors name the JSON path) and the validators for durations and
 * endpoint steps. Hand-written so the engine has no dependencies.
 */
import { MAX_NEST } from './model/program';

export type Json = Record<string, unknown>;

export class Checker {
  readonly errors: string[] = [];

  fail(path: string, msg: string): void {
    this.errors.push(`${path}: ${msg}`);
  }

  isObject(v: unknown): v is Json {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  }

  object(v: unknown, path: string): Json | null {
    if (this.isObject(v)) return v;
    this.fail(path, 'must be an object');
    return null;
  }

  /** Reports keys the schema does not know (typos would otherwise be silently ignored). */
  known(o: Json, path: string, keys: string[]): void {
    for (const k of Object.keys(o)) if (!keys.includes(k)) this.fail(`${path}.${k}`, `unknown field (expected one of: ${keys.join(', ')})`);
  }

  number(o: Json, key: string, path: string, opts: { min?: number; max?: number; int?: boolean; required?: boolean; gt?: number } = {}): void {
    const v = o[key];
    const p = `${path}.${key}`;
    if (v === undefined) { if (opts.required) this.fail(p, 'is required'); return; }
    const what = opts.int ? 'an integer' : 'a number';
    let bound = '';
    if (opts.min !== undefined) bound = ` ≥ ${opts.min}`;
    else if (opts.gt !== undefined) bound = ` > ${opts.gt}`;
    if (opts.max !== undefined) bound += `${bound ? ' and' : ''} ≤ ${opts.max}`;
    const bad = typeof v !== 'number' || !Number.isFinite(v) || (opts.int && !Number.isInteger(v)) ||
      (opts.min !== undefined && v < opts.min) || (opts.gt !== undefined && v <= opts.gt) ||
      (opts.max !== undefined && v > opts.max);
    if (bad) this.fail(p, `must be ${what}${bound}`);
  }

  bool(o: Json, key: string, path: string): void {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') this.fail(`${path}.${key}`, 'must be true or false');
  }

  string(o: Json, key: string, path: string, required = false): void {
    const v = o[key];
    if (v === undefined) { if (required) this.fail(`${path}.${key}`, 'is required'); return; }
    if (typeof v !== 'string' || v.length === 0) this.fail(`${path}.${key}`, 'must be a non-empty string');
  }

  oneOf(o: Json, key: string, path: string, values: readonly string[], required = false): void {
    const v = o[key];
    if (v === undefined) { if (required) this.fail(`${path}.${key}`, `is required (one of: ${values.join(', ')})`); return; }
    if (typeof v !== 'string' || !values.includes(v)) this.fail(`${path}.${key}`, `must be one of: ${values.join(', ')}`);
  }

  /** Duration: a number of ms, or {dist: const|exp|lognormal|uniform, ...}. */
  duration(v: unknown, path: string): void {
    if (typeof v === 'number') {
      if (!Number.isFinite(v) || v < 0) this.fail(path, 'must be a duration in ms ≥ 0');
      return;
    }
    if (!this.isObject(v)) { this.fail(path, 'must be a number of ms or {"dist": "exp"|"lognormal"|"const"|"uniform", ...}'); return; }
    const d = v.dist;
    if (d === 'const' || d === 'exp') {
      this.known(v, path, ['dist', 'mean']);
      this.number(v, 'mean', path, { min: 0, required: true });
    } else if (d === 'lognormal') {
      this.known(v, path, ['dist', 'mean', 'cv']);
      this.number(v, 'mean', path, { min: 0, required: true });
      this.number(v, 'cv', path, { min: 0, max: 20, required: true });
    } else if (d === 'uniform') {
      this.known(v, path, ['dist', 'min', 'max']);
      this.number(v, 'min', path, { min: 0, required: true });
      this.number(v, 'max', path, { min: 0, required: true });
      if (typeof v.min === 'number' && typeof v.max === 'number' && v.max < v.min) this.fail(`${path}.max`, 'must be ≥ min');
    } else {
      this.fail(`${path}.dist`, 'must be one of: const, exp, lognormal, uniform');
    }
  }
}

const STEP_KINDS = ['cpu', 'db', 'lock', 'cache', 'io', 'sleep', 'hop', 'repeat'];

/** `depth`: step lists entered so far (hop, cache miss, lock and repeat bodies all count). */
export interface StepContext { lockDepth: number; repeatDepth: number; depth?: number }

/** Steps nest at most this deep: validation and the engine recurse once per level (10,000 nested hops overflowed the stack). */
export const MAX_STEP_DEPTH = 64;

export function checkSteps(c: Checker, v: unknown, path: string, ctx: StepContext): void {
  if (!Array.isArray(v)) { c.fail(path, 'must be an array of steps'); return; }
  const depth = (ctx.depth ?? 0) + 1;
  if (depth > MAX_STEP_DEPTH) { c.fail(path, `steps nest at most ${MAX_STEP_DEPTH} deep`); return; }
  v.forEach((s, i) => checkStep(c, s, `${path}[${i}]`, { ...ctx, depth }));
}

function checkWait(c: Checker, v: unknown, path: string): void {
  if (c.isObject(v) && 'ms' in v) {
    c.known(v, path, ['ms', 'blocking']);
    c.duration(v.ms, `${path}.ms`);
    c.bool(v, 'blocking', path);
  } else {
    c.duration(v, path);
  }
}

function checkStep(c: Checker, s: unknown, path: string, ctx: StepContext): void {
  const o = c.object(s, path);
  if (!o) return;
  const keys = Object.keys(o);
  if (keys.length !== 1 || !STEP_KINDS.includes(keys[0])) {
    c.fail(path, `a step must have exactly one of: ${STEP_KINDS.join(', ')}`);
    return;
  }
  const kind = keys[0];
  const p = `${path}.${kind}`;
  const body = o[kind];
  switch (kind) {
    case 'cpu': c.duration(body, p); return;
    case 'io': case 'sleep': checkWait(c, body, p); return;
    case 'db': {
      const d = c.object(body, p);
      if (!d) return;
      c.known(d, p, ['queries', 'ms', 'native', 'blocking']);
      if (d.ms === undefined) c.fail(`${p}.ms`, 'is required (DB service time per query)');
      else c.duration(d.ms, `${p}.ms`);
      c.bool(d, 'native', p);
      c.bool(d, 'blocking', p);
      const q = d.queries;
      if (c.isObject(q)) {
        c.known(q, `${p}.queries`, ['base', 'perRow', 'n']);
        c.number(q, 'base', `${p}.queries`, { min: 0, required: true });
        c.number(q, 'perRow', `${p}.queries`, { min: 0, required: true });
        c.number(q, 'n', `${p}.queries`, { min: 0, max: 1e6, required: true });
      } else {
        c.number(d, 'queries', p, { min: 0, max: 1e6, int: true });
      }
      return;
    }
    case 'lock': {
      const l = c.object(body, p);
      if (!l) return;
      c.known(l, p, ['key', 'keys', 'steps']);
      c.string(l, 'key', p, true);
      c.number(l, 'keys', p, { min: 1, max: 100000, int: true });
      if (ctx.lockDepth + 1 > MAX_NEST) { c.fail(p, `locks nest at most ${MAX_NEST} deep`); return; }
      checkSteps(c, l.steps, `${p}.steps`, { ...ctx, lockDepth: ctx.lockDepth + 1 });
      return;
    }
    case 'cache': {
      const k = c.object(body, p);
      if (!k) return;
      c.known(k, p, ['op', 'hitRatio', 'key', 'ttlMs', 'miss', 'native']);
      c.string(k, 'key', p);
      c.number(k, 'ttlMs', p, { gt: 0 });
      c.oneOf(k, 'op', p, ['get', 'set', 'delete']);
      c.number(k, 'hitRatio', p, { min: 0, max: 1 });
      c.bool(k, 'native', p);
      if ((k.op ?? 'get') === 'get' && k.hitRatio === undefined && k.key === undefined) c.fail(`${p}.hitRatio`, 'is required for a cache get (0..1), unless the entry is tracked with key');
      if (k.key !== undefined && k.hitRatio !== undefined) c.fail(`${p}.hitRatio`, 'give either hitRatio or key, not both');
      if (k.miss !== undefined) checkSteps(c, k.miss, `${p}.miss`, ctx);
      return;
    }
    case 'hop': {
      const h = c.object(body, p);
      if (!h) return;
      c.known(h, p, ['steps']);
      checkSteps(c, h.steps, `${p}.steps`, ctx);
      return;
    }
    case 'repeat': {
      const r = c.object(body, p);
      if (!r) return;
      c.known(r, p, ['times', 'steps']);
      c.number(r, 'times', p, { min: 0, max: 1e6, int: true, required: true });
      if (ctx.repeatDepth + 2 > MAX_NEST) { c.fail(p, `repeats nest at most ${MAX_NEST - 1} deep`); return; }
      checkSteps(c, r.steps, `${p}.steps`, { ...ctx, repeatDepth: ctx.repeatDepth + 1 });
      return;
    }
  }
}
