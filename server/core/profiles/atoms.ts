import type { Node } from '../parsing/syntaxTree';
import type { RuleContext } from '../rules/context';
import type { ReportedFinding } from '../analyzer';
import type { QueryCost } from '../rules/types';
import type { ImportMap } from '../python/imports';
import { resolveCallee } from '../python/imports';
import { calleeMethod, decoratorsOf, isAsyncDef, keywordArg, positionalArgs, stringValue, unparen, walk, parentOf } from '../python/syntax';
import { queryEvaluations, type QueryEvaluation } from '../django/evaluation';
import { loadQueries } from '../django/n1Analysis';
import { isLoaded } from '../django/querysetValue';
import { cacheCall, classifyBlocking } from '../django/blockingCalls';
import { atomicWithItem, isAtomicExpr, hasDecorator } from '../django/transactions';
import { literalLoopBound, loopRowLimit } from '../django/loopBounds';
import { enclosingLoop, isAwaited, localFunction, threadHopOf, callableWork, type AsyncEnv } from '../django/asyncContext';
import { bindingOf } from '../python/semantic/infer';
import { callsGilFreeWork } from './gilFreeCalls';
import { unpackedValue } from '../python/semantic/bindings';

/**
 * One unit of work found in a handler (a query, an HTTP call, a cache read, a thread hop …), in source order,
 * with what djperf's fixes would make of it. `assemble.ts` turns atoms into simulator steps.
 */
export interface Atom {
  kind: 'db' | 'io' | 'sleep' | 'cpu' | 'cache' | 'hop';
  /** Source order key (call-site offset; helper atoms get fractional offsets after it). */
  order: number;
  /** 0-based line in `uri`. */
  line: number;
  uri: string;
  /** Loops around it inside the handler (0: once per request). */
  loop: number;
  /** db: queries once (loop 0) or per row (loop ≥ 1). */
  queries?: number;
  /**
   * Iterations of the loop around it when the code caps them (a slice, a Paginator/DRF page size, a literal tuple):
   * the same N the finding's cost, hover and message use. Undefined: the named default N (`rows`) applies.
   */
  rows?: number;
  /** Blocks the event loop (sync work inline in an async def). */
  blocking?: boolean;
  /** io/sleep/cpu: a fixed duration (ms) taken from the code, else the named default applies. */
  ms?: number;
  /** io: a range read from a docstring (`~300-800 ms`). */
  msRange?: { min: number; max: number; from: string };
  /** cpu: a CPU-heavy section (pandas/numpy, nested pure-Python loops), not the per-request baseline. */
  heavy?: string;
  /** Models read (`app.Model`) and writes done, for caching advice. */
  reads?: string[];
  write?: { model: string; what: string };
  /** The finding that priced it (N+1 family), and the fixed cost. */
  code?: string;
  fixedQueries?: { base: number; perRow: number };
  /** A fix makes it non-blocking (async family) or moves it out of the lock (DJP202). */
  fixUnblock?: boolean;
  fixOutOfLock?: boolean;
  /** Inside a row-lock section (`lock` index into the handler's locks). */
  lock?: number;
  /** Inside the miss path of a cache read (`cache` atom's missId). */
  missOf?: number;
  cache?: { op: 'get' | 'set' | 'delete'; key?: string; ttlMs?: number; missId?: number; dynamicKey?: boolean };
  /** hop: the work run in the worker thread (and its own lock sections). */
  inner?: Atom[];
  innerLocks?: LockSection[];
  /** Request-user dependent (auth middleware queries). */
  auth?: boolean;
  /** io run concurrently by one asyncio.gather (id of the gather call). */
  gathered?: number;
}

export interface LockSection {
  uri: string;
  key: string;
  /** Distinct rows the lock is spread over, when known (per-user rows); otherwise the `lockKeys` default. */
  keys?: number;
  model: string;
  /** `select_for_update` start offset and the end of the transaction. */
  from: number;
  to: number;
  line: number;
  /** Came from a helper (its offsets are in the helper's file). */
  helper?: boolean;
}

/** One file as the profile builder sees it: its rule context, imports and the findings of the other families. */
export interface AnalyzedFile {
  uri: string;
  root: Node;
  ctx: RuleContext;
  imports: ImportMap;
  findings: ReportedFinding[];
}

export interface AtomEnv {
  /** Resolves a called name to a function in the workspace (one level of helpers). */
  resolveHelper(call: Node, file: AnalyzedFile): { fn: Node; file: AnalyzedFile } | undefined;
}

export interface HandlerWork {
  atoms: Atom[];
  locks: LockSection[];
  notes: string[];
  findings: ReportedFinding[];
  usesRequestUser: boolean;
  /** Query params read (`request.GET.get("page")`). */
  queryParams: string[];
  isAsync: boolean;
  /** Reads request.body / POST / data / FILES. */
  readsBody?: boolean;
}

const N1_FIXED: Readonly<Record<string, number>> = {
  // extra queries once per request after the fix (select_related joins; prefetch_related adds one per relation …)
  DJP101: 0, DJP102: 1, DJP103: 0, DJP104: 0, DJP105: 1, DJP106: 1, DJP107: 0, DJP108: 1, DJP109: 0,
  // The method reads the related rows from a prefetch instead: one query per request for the relation.
  DJP112: 1,
};
const ASYNC_UNBLOCK = new Set(['DJP301', 'DJP302', 'DJP303', 'DJP304', 'DJP305']);
const WRITE_METHODS = new Set(['create', 'update', 'delete', 'bulk_create', 'bulk_update', 'get_or_create', 'update_or_create', 'add', 'remove',
  'set', 'clear', 'acreate', 'aupdate', 'adelete', 'abulk_create', 'abulk_update', 'aget_or_create', 'aupdate_or_create', 'aadd', 'aremove', 'aset', 'aclear',
  'save', 'asave']);
const M2M_WRITE_QUERIES: Readonly<Record<string, number>> = { add: 2, aadd: 2, set: 3, aset: 3, remove: 1, aremove: 1, clear: 1, aclear: 1 };
const CPU_LIBS = /^(pandas|numpy|scipy|sklearn|polars|statsmodels)\b/;
const LOGIN_DECORATORS = /(^|\.)(login_required|permission_required|staff_member_required|user_passes_test)$/;
const HTTP_VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'request', 'send']);

function inRange(n: { startIndex: number; endIndex: number }, r: { startIndex: number; endIndex: number }): boolean {
  return n.startIndex >= r.startIndex && n.endIndex <= r.endIndex;
}

function nestedIn(n: Node, fn: Node): boolean {
  for (let p = parentOf(n); p && p.id !== fn.id; p = parentOf(p)) {
    if (p.type === 'function_definition' || p.type === 'lambda' || p.type === 'class_definition') return true;
  }
  return false;
}

/** The loop statement or comprehension a `for` / `for_in_clause` belongs to. */
function loopSpan(n: Node): Node {
  return n.type === 'for_in_clause' ? (parentOf(n) ?? n) : n;
}

/**
 * Whether time inside `span` goes to waiting (a query, I/O, a thread hop), recorded as atoms of this handler: a
 * nested loop that queries per iteration is DB-bound, not CPU work for the GIL (DJP601 needs Python CPU evidence).
 */
function waitsInside(atoms: readonly Atom[], span: Node): boolean {
  return atoms.some((a) => (a.kind === 'db' || a.kind === 'io' || a.kind === 'hop') && a.order >= span.startIndex && a.order < span.endIndex);
}

export function rowsOfCost(cost: QueryCost): Pick<Atom, 'rows'> {
  const rows = cost.rowLimits?.[0];
  return rows !== undefined && rows !== null ? { rows } : {};
}

/** `for f in ("a", "b")` / `range(3)`: a fixed handful of iterations, not a data-sized loop. */
function boundedByLiteral(n: Node): boolean {
  const iterable = n.childForFieldName('right');
  return !!iterable && literalLoopBound(iterable) !== undefined;
}

/** The cap the code puts on the innermost loop around `n` inside `fn` (see Atom.rows). */
function loopCap(n: Node, fn: Node): number | undefined {
  const l = enclosingLoop(n, fn);
  const clause = l && l.type !== 'for_statement' && l.type !== 'while_statement' ? l.namedChildren.find((c) => c?.type === 'for_in_clause') : undefined;
  const iterable = l?.type === 'for_statement' ? l.childForFieldName('right') : clause?.childForFieldName('right');
  return iterable ? loopRowLimit(iterable)?.limit ?? literalLoopBound(iterable) : undefined;
}

function loopDepth(n: Node, fn: Node): number {
  let d = 0;
  let cur: Node | undefined = (n.type === 'for_in_clause' ? parentOf(n) : null) ?? n;
  while (cur) {
    const l = enclosingLoop(cur, fn);
    if (!l) break;
    d++;
    cur = l;
  }
  return d;
}

/** Max nesting of loops inside a function body (nested defs excluded). */
function maxLoopNesting(fn: Node): number {
  let max = 0;
  const body = fn.childForFieldName('body');
  if (!body) return 0;
  walk(body, (n) => {
    if (n.type === 'function_definition' || n.type === 'class_definition') return false;
    if (n.type === 'for_statement' || n.type === 'while_statement' || n.type === 'for_in_clause') max = Math.max(max, loopDepth(n, fn) + 1);
    return true;
  });
  return max;
}

function docstringRange(fn: Node): { min: number; max: number; from: string } | undefined {
  const first = fn.childForFieldName('body')?.namedChildren[0];
  const s = first?.type === 'expression_statement' ? first.namedChildren[0] : undefined;
  if (s?.type !== 'string') return undefined;
  const m = /(\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)\s*(ms|s)\b/.exec(s.text);
  if (!m) return undefined;
  const k = m[3] === 's' ? 1000 : 1;
  return { min: Number(m[1]) * k, max: Number(m[2]) * k, from: `docstring of ${fn.childForFieldName('name')?.text}` };
}

/** Literal string a cache key expression denotes (`"k"` or a module-level `K = "k"`), else undefined. */
function constantKey(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  const lit = stringValue(node);
  if (lit !== undefined) return lit;
  if (node.type === 'identifier') {
    const b = bindingOf(node);
    const v = b?.kind === 'assignment' && b.value ? unpackedValue(b.value, b.path) : undefined;
    return v ? stringValue(unparen(v)) : undefined;
  }
  return undefined;
}

function ttlOf(call: Node, pos: number): number | undefined {
  const arg = positionalArgs(call)[pos] ?? keywordArg(call, 'timeout');
  const n = arg ? Number(arg.text) : NaN;
  return Number.isFinite(n) ? n * 1000 : undefined;
}

/**
 * Collects the atoms of one function (a handler, or a helper at `depth` 1): queries, N+1 costs from findings,
 * blocking and external I/O, cache reads with their miss path, lock sections, thread hops, CPU-heavy hints.
 */
export function collectAtoms(fn: Node, file: AnalyzedFile, env: AtomEnv, opts: { depth: number; asyncCtx: boolean; baseOrder: number; baseLoop: number; lock?: number; missOf?: number } ): HandlerWork {
  const work: HandlerWork = { atoms: [], locks: [], notes: [], findings: [], usesRequestUser: false, queryParams: [], isAsync: opts.asyncCtx };
  const body = fn.type === 'lambda' ? fn.childForFieldName('body') : fn.childForFieldName('body');
  if (!body) return work;
  const ctx = file.ctx;
  const asyncEnv: AsyncEnv = { root: file.root, evaluator: ctx.evaluator, imports: file.imports };
  const fnParent = parentOf(fn);
  const span = (fn.type === 'function_definition' && fnParent?.type === 'decorated_definition') ? fnParent : fn;
  const order = (n: Node) => (opts.depth === 0 ? n.startIndex : opts.baseOrder + n.startIndex / 1e7);
  const loopOf = (n: Node) => opts.baseLoop + loopDepth(n, fn);
  const capOf = (n: Node): Pick<Atom, 'rows'> => {
    const rows = loopOf(n) > opts.baseLoop ? loopCap(n, fn) : undefined;
    return rows !== undefined ? { rows } : {};
  };
  const base = (n: Node): Pick<Atom, 'order' | 'line' | 'uri' | 'loop' | 'lock' | 'missOf' | 'rows'> => ({
    order: order(n), line: n.startPosition.row, uri: file.uri, loop: loopOf(n), ...capOf(n),
    ...(opts.lock !== undefined ? { lock: opts.lock } : {}), ...(opts.missOf !== undefined ? { missOf: opts.missOf } : {}),
  });
  const skip = new Set<number>(); // node ids handled as part of something else (hop targets, cache.set in a miss path)

  // Findings of the other families inside this function (helpers' findings are reported by their own file).
  const findings = file.findings.filter((f) => {
    const start = f.range.start.line;
    return start >= span.startPosition.row && start <= span.endPosition.row && !nestedLine(fn, start, file);
  });
  work.findings.push(...findings);

  // request.user and login decorators.
  if (/\brequest\.user\b/.test(body.text) || decoratorsOf(fn).some((d) => LOGIN_DECORATORS.test((d.namedChildren[0]?.type === 'call' ? d.namedChildren[0]?.childForFieldName('function')?.text : d.namedChildren[0]?.text) ?? ''))) {
    work.usesRequestUser = true;
  }
  if (/\brequest\.(body|POST|data|FILES)\b/.test(body.text)) work.readsBody = true;
  for (const m of body.text.matchAll(/request\.(?:GET|query_params)\.get\(\s*['"](\w+)['"]/g)) if (!work.queryParams.includes(m[1])) work.queryParams.push(m[1]);
  for (const m of body.text.matchAll(/request\.(?:GET|query_params)\[\s*['"](\w+)['"]\s*\]/g)) if (!work.queryParams.includes(m[1])) work.queryParams.push(m[1]);

  // Lock sections: select_for_update evaluated inside a transaction (atomic block or decorator) of this function.
  const evals = queryEvaluations(body, ctx.evaluator).filter((e) => !nestedIn(e.node, fn));
  for (const e of evals) {
    if (!e.qs?.forUpdate) continue;
    let end: number | undefined;
    for (let p = parentOf(e.node); p && p.id !== fn.id; p = parentOf(p)) {
      if (p.type === 'with_statement' && atomicWithItem(p)) { end = p.endIndex; break; }
    }
    if (end === undefined && hasDecorator(fn, (x) => isAtomicExpr(x))) end = fn.endIndex;
    if (end === undefined) {
      work.notes.push(`line ${e.node.startPosition.row + 1}: select_for_update() outside a transaction locks nothing (the row lock ends with the autocommit query)`);
      continue;
    }
    const lookup = e.node.type === 'call' ? (e.node.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => a?.type === 'keyword_argument') : [];
    const perUser = lookup.some((a) => /request\.user/.test(a.text));
    const fields = lookup.map((a) => a.childForFieldName('name')?.text).filter(Boolean).join(',');
    const model = e.qs.model.split('.').pop() as string;
    work.locks.push({ uri: file.uri, key: `${model}:${perUser ? 'per-user' : fields || 'row'}`, ...(perUser ? { keys: 1000 } : {}), model: e.qs.model, from: e.node.startIndex, to: end, line: e.node.startPosition.row });
  }
  const lockAt = (n: Node): number | undefined => {
    if (opts.lock !== undefined) return opts.lock;
    const i = work.locks.findIndex((l) => l.uri === file.uri && n.startIndex >= l.from && n.startIndex < l.to && !l.helper);
    return i < 0 ? undefined : i;
  };

  // Cache reads with a miss path: `v = cache.get(K)` then `if v is None:` / `if not v:`.
  const misses: { id: number; body: Node }[] = [];
  let missSeq = opts.baseOrder * 1000 + 1;
  walk(body, (n) => {
    if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda') return false;
    if (n.type !== 'call') return true;
    const c = cacheCall(n);
    if (!c) return true;
    const keyNode = positionalArgs(n)[0] ?? keywordArg(n, 'key');
    const key = constantKey(keyNode);
    const atom: Atom = { kind: 'cache', ...base(n), lock: lockAt(n), cache: { op: 'get', ...(key !== undefined ? { key } : { dynamicKey: true }) } };
    if (atom.lock === undefined) delete atom.lock;
    if (findings.some((f) => f.code === 'DJP202' && rangesOverlap(f.range, n))) atom.fixOutOfLock = true;
    if (c.method === 'get' || c.method === 'get_many' || c.method === 'has_key') {
      const assign = parentOf(n)?.type === 'assignment' ? parentOf(n) : undefined;
      const name = assign?.childForFieldName('left')?.text;
      const stmt = parentOf(assign);
      let next = stmt?.nextNamedSibling;
      while (next?.type === 'comment') next = next.nextNamedSibling;
      if (name && next?.type === 'if_statement') {
        const cond = next.childForFieldName('condition')?.text ?? '';
        if (new RegExp(`^(not\\s+${name}|${name}\\s+is\\s+None|${name}\\s*==\\s*None)\\b`).test(cond.trim())) {
          const cons = next.childForFieldName('consequence');
          if (cons) {
            const id = missSeq++;
            misses.push({ id, body: cons });
            atom.cache!.missId = id;
            walk(cons, (m) => {
              if (m.type === 'call' && cacheCall(m)?.method === 'set') {
                skip.add(m.id);
                const ttl = ttlOf(m, 2);
                if (ttl !== undefined) atom.cache!.ttlMs = ttl;
              }
              return true;
            });
          }
        }
      }
    } else if (c.method === 'get_or_set') {
      const ttl = ttlOf(n, 2);
      if (ttl !== undefined) atom.cache!.ttlMs = ttl;
      const id = missSeq++;
      atom.cache!.missId = id;
      const dflt = positionalArgs(n)[1] ?? keywordArg(n, 'default');
      const target = dflt && (dflt.type === 'lambda' ? dflt : dflt.type === 'identifier' ? localFunction(file.root, dflt.text) : undefined);
      if (target) {
        if (target.type === 'lambda') skip.add(target.id);
        const sub = collectAtoms(target, file, env, { depth: opts.depth + 1, asyncCtx: opts.asyncCtx, baseOrder: order(n), baseLoop: loopOf(n) });
        for (const a of sub.atoms) work.atoms.push({ ...a, missOf: id });
      }
    } else if (c.method.startsWith('delete') || c.method === 'clear' || c.method === 'touch') atom.cache!.op = 'delete';
    else atom.cache!.op = 'set';
    if (!skip.has(n.id)) work.atoms.push(atom);
    return true;
  });
  const missAt = (n: Node): number | undefined => {
    if (opts.missOf !== undefined) return opts.missOf;
    return misses.find((m) => inRange(n, m.body))?.id;
  };
  const place = (a: Atom, n: Node): Atom => {
    const lock = lockAt(n);
    const miss = missAt(n);
    const out = { ...a };
    if (lock !== undefined) out.lock = lock; else delete out.lock;
    if (miss !== undefined) out.missOf = miss; else delete out.missOf;
    return out;
  };
  for (const a of work.atoms) if (a.kind === 'cache' && a.missOf === undefined && opts.missOf === undefined) {
    const m = misses.find((x) => a.order > x.body.startIndex && a.order < x.body.endIndex);
    if (m && a.cache?.missId !== m.id) a.missOf = m.id;
  }

  // N+1 findings price per-row queries; the evaluations they cover are not counted twice.
  const n1 = findings.filter((f) => f.cost?.kind === 'queries' && /^DJP1/.test(f.code));
  const evalNode = (e: QueryEvaluation) => (e.kind === 'iterate' || e.kind === 'comprehension' ? e.target : e.node);
  const covered = (e: QueryEvaluation) => n1.some((f) => rangesOverlap(f.range, evalNode(e)));
  for (const f of n1) {
    const cost = f.cost as QueryCost;
    const node = nodeAtRange(file.root, f.range);
    if (!node) continue;
    const nested = cost.rowFactors.length > 1;
    if (nested) work.notes.push(`line ${f.range.start.line + 1}: ${f.code} runs in nested loops (${cost.rowFactors.join(' × ')}); modelled as ${cost.perRow} query per row of the outer loop times rows`);
    const inLoop = Math.max(1, loopOf(node));
    const ev = evals.find((e) => rangesOverlap(f.range, evalNode(e)));
    const reads = [...(ev?.qs?.model ? [ev.qs.model] : []), ...pathModels(cost.model, cost.relationPath, ctx)];
    const atom: Atom = {
      // The finding's own N (its outermost loop's cap) prices it, as in its hover and message.
      kind: 'db', ...base(node), loop: inLoop, queries: cost.perRow, code: f.code, rows: undefined, ...rowsOfCost(cost),
      fixedQueries: { base: N1_FIXED[f.code] ?? 0, perRow: 0 },
      ...(reads.length ? { reads } : {}),
    };
    const w = ev && writeOf(ev);
    if (w) atom.write = w;
    if (opts.asyncCtx && !ev?.isAsync) atom.blocking = true;
    work.atoms.push(place(atom, node));
  }

  // Plain query evaluations (once per request, or per row inside a loop).
  for (const e of evals) {
    if (covered(e) || skip.has(e.node.id)) continue;
    const q = !e.qs ? 1 : e.method && M2M_WRITE_QUERIES[e.method] && e.qs.relatedFrom ? M2M_WRITE_QUERIES[e.method]
      : servedByPrefetch(e) ? 0 : loadQueries(e.qs);
    if (q === 0) continue;
    const reads: string[] = [];
    if (e.qs && !WRITE_METHODS.has(e.method ?? '')) reads.push(e.qs.model, ...relatedModels(e.qs, ctx));
    if (e.kind === 'shortcut') {
      const m = ctx.evaluator.modelClass(positionalArgs(e.node)[0]) ?? ctx.evaluator.queryset(positionalArgs(e.node)[0])?.model;
      const key = typeof m === 'string' ? m : m?.key;
      if (key) reads.push(key);
    }
    const atom: Atom = { kind: 'db', ...base(e.node), queries: q, ...(reads.length ? { reads } : {}) };
    const w = writeOf(e);
    if (w) atom.write = w;
    if (opts.asyncCtx && !e.isAsync) {
      atom.blocking = true;
      if (findings.some((f) => ASYNC_UNBLOCK.has(f.code) && rangesOverlap(f.range, e.node))) atom.fixUnblock = true;
    }
    work.atoms.push(place(atom, e.node));
  }

  // Lazy loads of a single related object outside loops (`book.author.name` after `get()`): one query each.
  const lazySeen = new Set<string>();
  walk(body, (n) => {
    if (n.type === 'function_definition' || n.type === 'lambda' || n.type === 'class_definition') return false;
    if (n.type !== 'attribute') return true;
    const obj = n.childForFieldName('object');
    const attr = n.childForFieldName('attribute')?.text ?? '';
    if (!obj || loopOf(n) > opts.baseLoop || findings.some((f) => rangesOverlap(f.range, n))) return true;
    const inst = ctx.evaluator.evaluate(obj);
    if (inst?.kind !== 'instance') return true;
    const rel = ctx.workspace.models.relation(inst.model, attr);
    if (!rel || rel.many || !['fk', 'o2o', 'reverse-o2o', 'parent-link'].includes(rel.kind)) return true;
    if (inst.from && isLoaded(inst.from, attr)) return true;
    const up = parentOf(n);
    if (up?.type === 'call' && up.childForFieldName('function')?.id === n.id) return true;
    const key = `${obj.text}.${attr}`;
    if (lazySeen.has(key)) return true;
    lazySeen.add(key);
    const a: Atom = { kind: 'db', ...base(n), queries: 1, ...(rel.target ? { reads: [rel.target] } : {}) };
    if (opts.asyncCtx) a.blocking = true;
    work.atoms.push(place(a, n));
    return true;
  });

  // Lazy FK loads in async code (DJP303 on a non-request.user attribute): one blocking query each.
  for (const f of findings.filter((x) => x.code === 'DJP303')) {
    const node = nodeAtRange(file.root, f.range);
    if (!node || /request\.user/.test(node.text) || evals.some((e) => rangesOverlap(f.range, e.node))) continue;
    work.atoms.push(place({ kind: 'db', ...base(node), queries: 1, blocking: true, fixUnblock: true, code: 'DJP303' }, node));
  }

  // Calls: blocking I/O, sleeps, thread hops, CPU libraries, helpers.
  let heavySeen = false;
  const gatherNoted = new Set<number>();
  walk(body, (n) => {
    if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda') return false;
    if (n.type !== 'call' || skip.has(n.id)) return true;
    const name = resolveCallee(n, file.imports) ?? '';
    const awaited = isAwaited(n);
    // asyncio.sleep(x)
    if (/^asyncio\.sleep$/.test(name)) {
      const s = Number(positionalArgs(n)[0]?.text);
      if (s > 0) work.atoms.push(place({ kind: 'sleep', ...base(n), ms: s * 1000 }, n));
      return true;
    }
    const hop = opts.asyncCtx ? threadHopOf(n, asyncEnv) : undefined;
    if (hop) {
      if (!awaited && !isGathered(n)) {
        work.notes.push(`line ${n.startPosition.row + 1}: ${n.text.slice(0, 40)}… is never awaited: the coroutine is dropped and its work never runs`);
        return false;
      }
      const inner: Atom[] = [];
      const innerLocks: LockSection[] = [];
      const cw = callableWork(hop.target, asyncEnv);
      if (cw.boundQuery) {
        const recv = cw.boundQuery.node.childForFieldName('object');
        const qs = ctx.evaluator.queryset(recv);
        const inst = qs ? undefined : ctx.evaluator.evaluate(recv);
        const model = qs?.model ?? (inst?.kind === 'instance' ? inst.model : undefined);
        const a: Atom = { kind: 'db', order: 0, line: n.startPosition.row, uri: file.uri, loop: 0, queries: 1, ...(model ? { reads: [model] } : {}) };
        if (model && WRITE_METHODS.has(cw.boundQuery.method)) a.write = { model, what: `${cw.boundQuery.node.text}()` };
        inner.push(a);
      }
      else if (cw.fn) {
        const sub = collectAtoms(cw.fn, file, env, { depth: opts.depth + 1, asyncCtx: false, baseOrder: 0, baseLoop: 0 });
        inner.push(...sub.atoms);
        if (sub.locks.length) innerLocks.push(...sub.locks);
        work.notes.push(...sub.notes);
        work.findings.push(...sub.findings.filter((f) => !work.findings.includes(f)));
        if (sub.usesRequestUser) work.usesRequestUser = true;
      }
      if (hop.target?.type === 'lambda' || cw.fn?.type === 'lambda') skip.add(n.id);
      work.atoms.push(place({ kind: 'hop', ...base(n), inner, ...(innerLocks.length ? { innerLocks } : {}) }, n));
      return false;
    }
    const blocking = classifyBlocking(n) ?? httpLike(n, file.imports);
    if (blocking) {
      const cat = blocking.category;
      const atom: Atom = cat === 'sleep'
        ? { kind: 'sleep', ...base(n), ms: blocking.estimatedMs }
        : { kind: 'io', ...base(n), ...(cat === 'http' || cat === 'socket' || cat === 'email' ? {} : { ms: blocking.estimatedMs }) };
      const gathered = opts.asyncCtx && isGathered(n);
      if (gathered) {
        atom.loop = gatherLoop(n, fn, opts.baseLoop);
        if (!gatherNoted.has(atom.loop)) work.notes.push(`line ${n.startPosition.row + 1}: calls run concurrently under asyncio.gather: modelled as one call's latency`);
        gatherNoted.add(atom.loop);
        if (work.atoms.some((a) => a.kind === 'io' && a.gathered === gatherId(n))) return true;
        atom.gathered = gatherId(n);
      } else if (opts.asyncCtx && !awaited) {
        atom.blocking = true;
        if (findings.some((f) => ASYNC_UNBLOCK.has(f.code) && rangesOverlap(f.range, n))) atom.fixUnblock = true;
      }
      if (findings.some((f) => f.code === 'DJP202' && rangesOverlap(f.range, n))) atom.fixOutOfLock = true;
      const doc = docstringRange(fn);
      if (atom.kind === 'io' && doc && opts.depth > 0) atom.msRange = doc;
      work.atoms.push(place(atom, n));
      return true;
    }
    if (CPU_LIBS.test(name) && !heavySeen) {
      heavySeen = true;
      work.atoms.push(place({ kind: 'cpu', ...base(n), heavy: `${name.split('.')[0]} call` }, n));
      return true;
    }
    if (/^asyncio\.gather$/.test(name) || name === 'async_to_sync' || /\.async_to_sync$/.test(name)) {
      if (/async_to_sync/.test(name) && opts.asyncCtx) work.notes.push(`line ${n.startPosition.row + 1}: async_to_sync() inside an async def raises RuntimeError`);
      return true;
    }
    // One level of helpers.
    if (opts.depth === 0 && !cacheCall(n)) {
      const helper = env.resolveHelper(n, file);
      if (helper && helper.fn.id !== fn.id) {
        const hAsync = isAsyncDef(helper.fn);
        if (hAsync && !awaited) return true;
        const sub = collectAtoms(helper.fn, helper.file, env, {
          depth: 1, asyncCtx: opts.asyncCtx, baseOrder: order(n), baseLoop: loopOf(n),
          ...(lockAt(n) !== undefined ? { lock: lockAt(n) } : {}), ...(missAt(n) !== undefined ? { missOf: missAt(n) } : {}),
        });
        const callFindings = findings.filter((f) => ASYNC_UNBLOCK.has(f.code) && rangesOverlap(f.range, n));
        const lockOffset = work.locks.length;
        work.locks.push(...sub.locks.map((l) => ({ ...l, helper: true })));
        for (const a of sub.atoms) {
          if (callFindings.length && a.blocking) a.fixUnblock = true;
          if (opts.lock === undefined && lockAt(n) === undefined && a.lock !== undefined) a.lock += lockOffset;
          work.atoms.push(a);
        }
        for (const f of sub.findings) if (!work.findings.includes(f)) work.findings.push(f);
        if (sub.usesRequestUser) work.usesRequestUser = true;
        work.notes.push(...sub.notes);
        const nesting = loopOf(n) + maxLoopNesting(helper.fn);
        if (!heavySeen && nesting >= 2 && !sub.atoms.some((a) => a.kind === 'db' || a.kind === 'io' || a.kind === 'hop') &&
            !callsGilFreeWork(helper.fn, helper.file.imports)) {
          heavySeen = true;
          work.atoms.push(place({ kind: 'cpu', ...base(n), loop: 0, heavy: `${helper.fn.childForFieldName('name')?.text}() runs pure-Python loops ${nesting} deep` }, n));
        }
        if (!heavySeen && sub.atoms.some((a) => a.heavy)) heavySeen = true;
        return false;
      }
    }
    return true;
  });
  // The function's own pure-Python loop nests (not over querysets) are CPU-heavy from depth 2.
  if (!heavySeen && opts.depth === 0) {
    walk(body, (n) => {
      if (heavySeen || n.type === 'function_definition' || n.type === 'lambda') return false;
      if ((n.type === 'for_statement' || n.type === 'for_in_clause') && loopDepth(n, fn) >= 1 && !evals.some((e) => inRange(e.node, n) || inRange(n, e.node)) &&
          !waitsInside(work.atoms, loopSpan(n)) && !boundedByLiteral(n) && !callsGilFreeWork(loopSpan(n), file.imports)) {
        heavySeen = true;
        work.atoms.push(place({ kind: 'cpu', ...base(n), loop: 0, heavy: 'nested pure-Python loops' }, n));
      }
      return true;
    });
  }
  work.atoms.sort((a, b) => a.order - b.order);
  return work;
}

const PREFETCH_SERVED = new Set(['exists', 'count', 'all']);

/** `row.rel.all()` / `.exists()` / `.count()` / iteration / len() of a prefetched relation: answered from the cache. */
function servedByPrefetch(e: QueryEvaluation): boolean {
  const qs = e.qs;
  if (!qs?.relatedFrom?.prefetched || qs.relatedFrom.prefetched.toAttr) return false;
  if (qs.calls.some((c) => calleeMethodName(c) !== 'all')) return false;
  return e.kind !== 'method' || PREFETCH_SERVED.has(e.method ?? '');
}

function calleeMethodName(call: Node): string | undefined {
  return calleeMethod(call);
}

function isGathered(n: Node): boolean {
  for (let p = parentOf(n); p; p = parentOf(p)) {
    if (p.type === 'call' && /gather$/.test(p.childForFieldName('function')?.text ?? '')) return true;
    if (p.type === 'function_definition' || p.type === 'expression_statement') return false;
  }
  return false;
}

function gatherCall(n: Node): Node | undefined {
  for (let p = parentOf(n); p; p = parentOf(p)) {
    if (p.type === 'call' && /gather$/.test(p.childForFieldName('function')?.text ?? '')) return p;
    if (p.type === 'function_definition') return undefined;
  }
  return undefined;
}

function gatherId(n: Node): number { return gatherCall(n)?.id ?? -1; }

function gatherLoop(n: Node, fn: Node, baseLoop: number): number {
  const g = gatherCall(n);
  return baseLoop + (g ? loopDepth(g, fn) : 0);
}

/** `http.post(...)` where `http` is bound to `session or requests`, a Session, an httpx client … */
function httpLike(call: Node, imports: ImportMap): { category: 'http'; estimatedMs: number } | undefined {
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'attribute') return undefined;
  const method = calleeMethod(call) ?? '';
  const recv = fn.childForFieldName('object');
  if (!HTTP_VERBS.has(method) || recv?.type !== 'identifier') return undefined;
  // What the name was last assigned, in the code as written (`http = session or requests`); none for a parameter.
  const b = bindingOf(recv);
  const last = b && b.kind !== 'parameter' && b.value ? unpackedValue(b.value, b.path) : undefined;
  const text = last?.text ?? '';
  const mods = [...imports.values()];
  if (/\b(requests|httpx|Session|session|urllib3)\b/.test(text) && mods.some((m) => /^(requests|httpx|urllib3)\b/.test(m))) return { category: 'http', estimatedMs: 300 };
  if (!last && (!b || b.kind === 'parameter') && /^(session|http|client)$/.test(recv.text) && mods.some((m) => /^(requests|httpx)\b/.test(m))) return { category: 'http', estimatedMs: 300 };
  return undefined;
}

export function writeOf(e: QueryEvaluation): { model: string; what: string } | undefined {
  const m = e.method ?? '';
  if (!WRITE_METHODS.has(m)) return undefined;
  if (e.kind === 'instance-method' && e.instance) return { model: e.instance.model, what: `${e.target.text}.${m}()` };
  if (!e.qs) return undefined;
  if (e.qs.relatedFrom && M2M_WRITE_QUERIES[m] !== undefined) {
    return { model: `${e.qs.relatedFrom.model}.${e.qs.relatedFrom.accessor}`, what: `${e.target.text}.${m}()` };
  }
  return { model: e.qs.model, what: `${e.target.text.length > 50 ? `${e.target.text.slice(0, 47)}…` : e.target.text}.${m}()` };
}

/** Models a queryset also reads through select_related / prefetch_related (`likes` -> `Logbook.likes`). */
function relatedModels(qs: NonNullable<QueryEvaluation['qs']>, ctx: RuleContext): string[] {
  const out: string[] = [];
  const paths = [...(qs.selectRelated === 'all' ? [] : qs.selectRelated), ...qs.prefetch.keys()];
  for (const p of paths) {
    let model = qs.model;
    for (const seg of p.split('__')) {
      const rel = ctx.workspace.models.relation(model, seg);
      if (!rel) break;
      if (rel.kind === 'm2m' || rel.kind === 'reverse-m2m') out.push(`${model}.${seg}`);
      if (!rel.target) break;
      out.push(rel.target);
      model = rel.target;
    }
  }
  return out;
}

/** Models (and M2M relations as `Model.accessor`) along a relation path from a model. */
export function pathModels(model: string | undefined, path: string | undefined, ctx: RuleContext): string[] {
  if (!model) return [];
  if (path && /,/.test(path)) return [...new Set(path.split(/,\s*/).flatMap((p) => pathModels(model, p, ctx)))];
  const info = ctx.workspace.models.get(model) ?? ctx.workspace.models.find(model.split('.').pop() as string);
  if (!info) return [];
  const out: string[] = [info.key];
  let cur = info.key;
  for (const seg of (path ?? '').split('__').filter(Boolean)) {
    const rel = ctx.workspace.models.relation(cur, seg);
    if (!rel) break;
    if (rel.kind === 'm2m' || rel.kind === 'reverse-m2m') out.push(`${cur}.${seg}`);
    if (!rel.target) break;
    out.push(rel.target);
    cur = rel.target;
  }
  return out;
}

function rangesOverlap(r: { start: { line: number; character: number }; end: { line: number; character: number } }, n: Node): boolean {
  const a0 = r.start.line * 1e6 + r.start.character;
  const a1 = r.end.line * 1e6 + r.end.character;
  const b0 = n.startPosition.row * 1e6 + n.startPosition.column;
  const b1 = n.endPosition.row * 1e6 + n.endPosition.column;
  return a0 < b1 && b0 < a1;
}

function nodeAtRange(root: Node, r: { start: { line: number; character: number }; end: { line: number; character: number } }): Node | undefined {
  return root.descendantForPosition({ row: r.start.line, column: r.start.character }, { row: r.end.line, column: Math.max(0, r.end.character - 1) }) ?? undefined;
}

/** Whether a line of the function belongs to a nested def (its findings are that function's, not this one's). */
function nestedLine(fn: Node, line: number, file: AnalyzedFile): boolean {
  // Find the first non-whitespace named node on that line.
  const text = file.ctx.file.lineMap.lineText(line);
  const col = text.length - text.trimStart().length;
  const n: Node | null = file.root.descendantForPosition({ row: line, column: col });
  for (let p: Node | null = n; p && p.id !== fn.id; p = parentOf(p)) {
    if (p.type === 'function_definition' || p.type === 'class_definition' || p.type === 'lambda') return true;
  }
  return false;
}

