import type { Duration, Step } from '../../../webview/sim/types';
import { DEFAULT_ROWS } from '../config/config';
import type { NamedDefault } from './types';
import type { Atom, HandlerWork, LockSection } from './atoms';

type DefaultName = NamedDefault['name'];

/**
 * The named defaults of every quantity the code does not tell (docs/deployment.md lists them). A profile lists
 * the ones its steps use, so the UI can show and change them.
 */
export const NAMED_DEFAULTS: Readonly<Record<DefaultName, { value: number; description: string }>> = {
  rows: { value: DEFAULT_ROWS, description: 'rows per queryset / items per loop (N)' },
  queryMs: { value: 2, description: 'database service time per query, ms (exponential)' },
  externalMs: { value: 300, description: 'one external call (HTTP, SMTP), ms (lognormal, cv 0.5)' },
  cpuMs: { value: 400, description: 'CPU time of a CPU-heavy section (pandas/numpy, nested pure-Python loops), ms' },
  cacheHitRatio: { value: 0.9, description: 'hit ratio of a cache read whose key varies per request' },
  lockHoldMs: { value: 0, description: 'extra time a row lock is held beyond the modelled steps, ms' },
  requestCpuMs: { value: 2, description: 'CPU per request for routing, middleware and rendering, ms' },
  lockKeys: { value: 1, description: 'distinct rows a select_for_update contends on (1: one hot row, e.g. a popular product)' },
  authQueries: { value: 2, description: 'queries of the auth middleware when request.user is read (session + user)' },
};

export class DefaultsUsed {
  private readonly used = new Map<DefaultName, NamedDefault>();
  /**
   * `overrides` win over everything; `base` (the user's configured N) replaces only the named default, so a value
   * the code tells (paginate_by = 50) still wins over it.
   */
  constructor(private readonly overrides: Partial<Record<DefaultName, number>> = {}, private readonly base: Partial<Record<DefaultName, number>> = {}) {}
  get(name: DefaultName, description?: string, value?: number): number {
    const d = NAMED_DEFAULTS[name];
    const v = this.overrides[name] ?? value ?? this.base[name] ?? d.value;
    if (!this.used.has(name)) this.used.set(name, { name, value: v, description: description ?? d.description });
    return v;
  }
  list(): NamedDefault[] {
    const order = Object.keys(NAMED_DEFAULTS);
    return [...this.used.values()].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  }
}

interface Ctx { fixed: boolean; d: DefaultsUsed; locks: LockSection[]; isAsync: boolean }

function dbMs(d: DefaultsUsed): Duration { return { dist: 'exp', mean: d.get('queryMs') }; }

function ioDuration(a: Atom, d: DefaultsUsed): Duration {
  if (a.ms !== undefined) return a.ms;
  if (a.msRange) {
    d.get('externalMs', `one external call, ms: ${a.msRange.min}-${a.msRange.max} ms from the ${a.msRange.from} (uniform)`, (a.msRange.min + a.msRange.max) / 2);
    return { dist: 'uniform', min: a.msRange.min, max: a.msRange.max };
  }
  return { dist: 'lognormal', mean: d.get('externalMs'), cv: 0.5 };
}

function leaf(a: Atom, c: Ctx): Step | undefined {
  const blocking = !!a.blocking && !(c.fixed && a.fixUnblock);
  switch (a.kind) {
    case 'io': {
      const ms = ioDuration(a, c.d);
      return { io: blocking ? { ms, blocking: true } : ms };
    }
    case 'sleep': {
      const ms = a.ms ?? 0;
      return { sleep: blocking ? { ms, blocking: true } : ms };
    }
    case 'cpu':
      return { cpu: { dist: 'lognormal', mean: c.d.get('cpuMs'), cv: 0.3 } };
    case 'hop':
      return { hop: { steps: build(a.inner ?? [], { ...c, locks: a.innerLocks ?? [] }) } };
    case 'cache':
      return { cache: { op: a.cache?.op ?? 'get' } };
    default:
      return undefined;
  }
}

/** Turns atoms (source order) into simulator steps; `c.fixed` applies djperf's fixes. */
function build(atoms: readonly Atom[], c: Ctx): Step[] {
  const out: Step[] = [];
  const consumed = new Set<Atom>();
  const missIds = new Set(atoms.filter((a) => a.kind === 'cache' && a.cache?.missId !== undefined).map((a) => a.cache!.missId!));
  let db: { base: number; perRow: number; blocking: boolean } | undefined;
  let rep: { times: number; steps: Step[] } | undefined;
  const flush = () => {
    if (db) {
      const queries = db.perRow ? { base: db.base, perRow: db.perRow, n: c.d.get('rows') } : db.base;
      if (queries !== 0) out.push({ db: { queries, ms: dbMs(c.d), ...(db.blocking ? { blocking: true } : {}) } });
      db = undefined;
    }
    if (rep) { out.push({ repeat: rep }); rep = undefined; }
  };
  for (let i = 0; i < atoms.length; i++) {
    const a = atoms[i];
    if (consumed.has(a)) continue;
    if (a.missOf !== undefined && missIds.has(a.missOf)) continue; // built inside its cache read
    if (a.lock !== undefined && !(c.fixed && a.fixOutOfLock)) {
      flush();
      const lock = c.locks[a.lock];
      const inside: Atom[] = [];
      const after: Atom[] = [];
      for (let j = i; j < atoms.length; j++) {
        const b = atoms[j];
        if (b.lock !== a.lock) continue;
        consumed.add(b);
        const plain = { ...b };
        delete plain.lock;
        if (c.fixed && b.fixOutOfLock) after.push(plain); else inside.push(plain);
      }
      const keys = lock?.keys ?? c.d.get('lockKeys');
      out.push({ lock: { key: lock?.key ?? 'row', ...(keys > 1 ? { keys } : {}), steps: build(inside, c) } });
      out.push(...build(after, c));
      continue;
    }
    if (a.kind === 'cache' && a.cache?.op === 'get' && a.cache.missId !== undefined) {
      flush();
      const miss = atoms.filter((b) => b.missOf === a.cache!.missId).map((b) => { const x = { ...b }; delete x.missOf; return x; });
      const tracked = a.cache.key !== undefined && a.cache.ttlMs !== undefined && !a.cache.dynamicKey;
      out.push({ cache: {
        op: 'get',
        ...(tracked ? { key: a.cache.key, ttlMs: a.cache.ttlMs } : { hitRatio: c.d.get('cacheHitRatio') }),
        miss: build(miss, c),
      } });
      continue;
    }
    if (a.kind === 'db') {
      const blocking = !!a.blocking && !(c.fixed && a.fixUnblock);
      if (rep || (db && db.blocking !== blocking)) flush();
      db ??= { base: 0, perRow: 0, blocking };
      if (c.fixed && a.fixedQueries) {
        db.base += a.fixedQueries.base;
        db.perRow += a.fixedQueries.perRow;
      } else if (a.loop > 0 && a.rows !== undefined) db.base += (a.queries ?? 1) * a.rows; // the code caps the loop: not N
      else if (a.loop > 0) db.perRow += a.queries ?? 1;
      else db.base += a.queries ?? 1;
      continue;
    }
    const step = leaf(a, c);
    if (!step) continue;
    if (a.loop > 0 && (a.kind === 'io' || a.kind === 'sleep' || a.kind === 'hop')) {
      if (db) { const keep = rep; rep = undefined; flush(); rep = keep; }
      // A loop the code caps repeats its cap (the same N as the findings'); others the named default N.
      const times = a.rows ?? c.d.get('rows');
      if (rep && rep.times !== times) flush();
      rep ??= { times, steps: [] };
      rep.steps.push(step);
      continue;
    }
    flush();
    out.push(step);
  }
  flush();
  return out;
}

export interface AssembledSteps {
  steps: Step[];
  fixed: Step[];
  defaults: NamedDefault[];
}

/** The simulator steps of a handler, before and after djperf's fixes, and the named defaults they use. */
export function assembleSteps(work: HandlerWork, overrides: Partial<Record<DefaultName, number>> = {}, base: Partial<Record<DefaultName, number>> = {}): AssembledSteps {
  const d = new DefaultsUsed(overrides, base);
  const head = (fixed: boolean): Step[] => {
    const s: Step[] = [{ cpu: d.get('requestCpuMs') }];
    if (work.usesRequestUser) {
      const blocking = work.isAsync && !fixed;
      s.push({ db: { queries: d.get('authQueries'), ms: dbMs(d), ...(blocking ? { blocking: true } : {}) } });
    }
    return s;
  };
  const steps = [...head(false), ...build(work.atoms, { fixed: false, d, locks: work.locks, isAsync: work.isAsync })];
  const fixed = [...head(true), ...build(work.atoms, { fixed: true, d, locks: work.locks, isAsync: work.isAsync })];
  return { steps, fixed, defaults: d.list() };
}
