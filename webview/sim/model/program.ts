/**
 * Compiles endpoint step trees into one flat instruction array, so running a request is a
 * program counter walking typed arrays (no per-request tree walking or allocation).
 * Django/ASGI semantics that depend on the server are decided here:
 *  - under uvicorn a sync view runs inside one thread-sensitive sync_to_async hop;
 *  - under uvicorn an async view's ORM queries and cache calls hop once per operation
 *    (Django's async ORM/cache wrap the sync code) unless the step says `native`;
 *  - elsewhere a hop only costs its switch time (async_to_sync runs it on the request thread).
 */
import { CompiledDist, D_CONST, D_EXP, D_LOGN, D_UNIF } from '../rng';
import type { Duration, Endpoint, QueryCount, Scenario, Step } from '../types';

export const OP_CPU = 1;
export const OP_WAIT = 2;
export const OP_DBQ = 3;
export const OP_LOCK = 4;
export const OP_UNLOCK = 5;
export const OP_CACHE = 6;
export const OP_HOP_IN = 7;
export const OP_HOP_OUT = 8;
export const OP_REP = 9;
export const OP_REP_END = 10;
export const OP_JUMP = 11;
export const OP_END = 12;

/** Maximum nesting of `repeat` and of `lock` steps (per-request stacks have this many slots). */
export const MAX_NEST = 8;

export interface Program {
  kind: Int32Array;
  i1: Int32Array;
  i2: Int32Array;
  i3: Int32Array;
  f1: Float64Array;
  /** Index into the dist tables, -1 when the op has no duration. */
  dist: Int32Array;
  distKind: Int32Array;
  distP1: Float64Array;
  distP2: Float64Array;
  distMean: Float64Array;
  endpointStart: number[];
  lockNames: string[];
  lockBase: number[];
  lockKeys: number[];
  lockCount: number;
  /** Number of tracked cache keys (OP_CACHE i3 = key id + 1). */
  cacheKeys: number;
  /** True when some op uses the shared sync_to_async thread. */
  usesHopThread: boolean;
}

export function compileDist(d: Duration): CompiledDist {
  if (typeof d === 'number') return { kind: D_CONST, p1: d, p2: 0, mean: d };
  switch (d.dist) {
    case 'const': return { kind: D_CONST, p1: d.mean, p2: 0, mean: d.mean };
    case 'exp': return { kind: D_EXP, p1: d.mean, p2: 0, mean: d.mean };
    case 'uniform': return { kind: D_UNIF, p1: d.min, p2: d.max, mean: (d.min + d.max) / 2 };
    case 'lognormal': {
      if (d.mean <= 0) return { kind: D_CONST, p1: 0, p2: 0, mean: 0 };
      const s2 = Math.log(1 + d.cv * d.cv);
      return { kind: D_LOGN, p1: Math.log(d.mean) - s2 / 2, p2: Math.sqrt(s2), mean: d.mean };
    }
  }
}

export function queryCount(q: QueryCount | undefined): number {
  if (q === undefined) return 1;
  if (typeof q === 'number') return q;
  return Math.max(0, Math.round(q.base + q.perRow * q.n));
}

/** True when the steps run a query (a lock body with one is a select_for_update in transaction.atomic). */
function hasDb(steps: Step[]): boolean {
  return steps.some((s) => 'db' in s || ('lock' in s && hasDb(s.lock.steps)) || ('hop' in s && hasDb(s.hop.steps)) ||
    ('repeat' in s && s.repeat.times > 0 && hasDb(s.repeat.steps)) || ('cache' in s && hasDb(s.cache.miss ?? [])));
}

interface Op { kind: number; i1: number; i2: number; i3: number; f1: number; dist: number }

class Builder {
  ops: Op[] = [];
  dists: CompiledDist[] = [];
  locks = new Map<string, { index: number; base: number; keys: number }>();
  lockIds = 0;
  usesHopThread = false;
  cacheKeys = new Map<string, number>();

  constructor(private readonly uvicorn: boolean, private readonly cacheLatency: CompiledDist) {}

  emit(kind: number, i1 = 0, i2 = 0, i3 = 0, f1 = 0, dist = -1): number {
    this.ops.push({ kind, i1, i2, i3, f1, dist });
    return this.ops.length - 1;
  }

  distIndex(d: Duration | CompiledDist): number {
    const c = typeof d === 'object' && 'kind' in d ? d : compileDist(d);
    this.dists.push(c);
    return this.dists.length - 1;
  }

  lock(key: string, keys: number): { index: number; base: number; keys: number } {
    const found = this.locks.get(key);
    if (found) return found;
    const entry = { index: this.locks.size, base: this.lockIds, keys };
    this.lockIds += keys;
    this.locks.set(key, entry);
    return entry;
  }

  hopIn(): void {
    if (this.uvicorn) this.usesHopThread = true;
    this.emit(OP_HOP_IN, this.uvicorn ? 1 : 0);
  }

  hopOut(): void {
    this.emit(OP_HOP_OUT, this.uvicorn ? 1 : 0);
  }

  /** `autoHop`: we are in an async view under ASGI, outside any hop. */
  steps(steps: Step[], autoHop: boolean): void {
    for (const s of steps) this.step(s, autoHop);
  }

  private repeat(times: number, body: () => void): void {
    if (times === 1) { body(); return; }
    const rep = this.emit(OP_REP, times);
    const start = this.ops.length;
    body();
    this.emit(OP_REP_END, start);
    this.ops[rep].i2 = this.ops.length;
  }

  private step(s: Step, autoHop: boolean): void {
    if ('cpu' in s) {
      this.emit(OP_CPU, 0, 0, 0, 0, this.distIndex(s.cpu));
    } else if ('io' in s || 'sleep' in s) {
      const spec = 'io' in s ? s.io : s.sleep;
      const wait = typeof spec === 'object' && 'ms' in spec ? spec : { ms: spec, blocking: false };
      this.emit(OP_WAIT, wait.blocking ? 1 : 0, 0, 0, 0, this.distIndex(wait.ms));
    } else if ('db' in s) {
      const d = this.distIndex(s.db.ms);
      const hop = autoHop && !s.db.native;
      const blocking = s.db.blocking ? 1 : 0;
      this.repeat(queryCount(s.db.queries), () => {
        if (hop) this.hopIn();
        this.emit(OP_DBQ, blocking, 0, 0, 0, d);
        if (hop) this.hopOut();
      });
    } else if ('lock' in s) {
      const l = this.lock(s.lock.key, s.lock.keys ?? 1);
      this.emit(OP_LOCK, l.base, l.keys, l.index, hasDb(s.lock.steps) ? 1 : 0);
      this.steps(s.lock.steps, autoHop);
      this.emit(OP_UNLOCK);
    } else if ('cache' in s) {
      this.cache(s.cache, autoHop);
    } else if ('hop' in s) {
      this.hopIn();
      this.steps(s.hop.steps, false);
      this.hopOut();
    } else if ('repeat' in s) {
      this.repeat(s.repeat.times, () => this.steps(s.repeat.steps, autoHop));
    }
  }

  private cache(
    c: { op?: string; hitRatio?: number; key?: string; ttlMs?: number; miss?: Step[]; native?: boolean }, autoHop: boolean,
  ): void {
    const hop = autoHop && !c.native;
    const d = this.distIndex(this.cacheLatency);
    let key = 0;
    if (c.key !== undefined) {
      if (!this.cacheKeys.has(c.key)) this.cacheKeys.set(c.key, this.cacheKeys.size);
      key = (this.cacheKeys.get(c.key) as number) + 1;
    }
    const ttl = c.ttlMs ?? Infinity;
    if ((c.op ?? 'get') !== 'get') {
      if (hop) this.hopIn();
      this.emit(OP_CACHE, c.op === 'delete' ? 2 : 1, 0, key, ttl, d);
      if (hop) this.hopOut();
      return;
    }
    if (hop) this.hopIn();
    const get = this.emit(OP_CACHE, 0, 0, key, c.hitRatio ?? 1, d);
    if (hop) this.hopOut();
    this.steps(c.miss ?? [], autoHop);
    if (hop) this.hopIn();
    this.emit(OP_CACHE, 1, 0, key, ttl, d);
    if (hop) this.hopOut();
    if (hop) {
      const jump = this.emit(OP_JUMP);
      this.ops[get].i2 = this.ops.length;
      this.hopOut();
      this.ops[jump].i1 = this.ops.length;
    } else {
      this.ops[get].i2 = this.ops.length;
    }
  }
}

export function compileProgram(scenario: Scenario, endpoints: Endpoint[] = scenario.endpoints): Program {
  const uvicorn = scenario.server.workerClass === 'uvicorn';
  const b = new Builder(uvicorn, compileDist(scenario.cache?.latencyMs ?? 0.5));
  const endpointStart: number[] = [];
  const overhead = scenario.server.overheadMs;
  for (const ep of endpoints) {
    endpointStart.push(b.ops.length);
    if (overhead !== undefined) b.emit(OP_CPU, 0, 0, 0, 0, b.distIndex(overhead));
    if (uvicorn && !ep.async) {
      b.hopIn();
      b.steps(ep.steps, false);
      b.hopOut();
    } else {
      b.steps(ep.steps, uvicorn);
    }
    b.emit(OP_END);
  }
  const n = b.ops.length;
  const p: Program = {
    kind: new Int32Array(n), i1: new Int32Array(n), i2: new Int32Array(n), i3: new Int32Array(n),
    f1: new Float64Array(n), dist: new Int32Array(n),
    distKind: Int32Array.from(b.dists.map((d) => d.kind)),
    distP1: Float64Array.from(b.dists.map((d) => d.p1)),
    distP2: Float64Array.from(b.dists.map((d) => d.p2)),
    distMean: Float64Array.from(b.dists.map((d) => d.mean)),
    endpointStart,
    lockNames: [], lockBase: [], lockKeys: [], lockCount: b.lockIds, cacheKeys: b.cacheKeys.size,
    usesHopThread: b.usesHopThread,
  };
  b.ops.forEach((o, i) => {
    p.kind[i] = o.kind; p.i1[i] = o.i1; p.i2[i] = o.i2; p.i3[i] = o.i3; p.f1[i] = o.f1; p.dist[i] = o.dist;
  });
  for (const [name, l] of b.locks) {
    p.lockNames[l.index] = name;
    p.lockBase[l.index] = l.base;
    p.lockKeys[l.index] = l.keys;
  }
  return p;
}
