import { clipCode } from '../text/clip';
import type { Node } from '../parsing/syntaxTree';
import type { RuleContext } from '../rules/context';
import type { QueryCost } from '../rules/types';
import type { RelationInfo } from './modelIndex';
import { CHAIN_METHODS, type PrefetchInfo, type QuerysetValue } from './querysetValue';
import { loopIterables, rowAccesses, rowFactors, type RowLoop } from './rowLoops';
import { calleeName, keywordArg, positionalArgs, rangeOf, walk, parentOf } from '../python/syntax';
import type { RelatedLocation } from '../rules/types';
import { COMPREHENSIONS } from '../python/scopes';
import { helperCalls, helperLabel, type HelperRowCall } from './helperCalls';
import { usesFrom, WRITE_METHODS } from './managerChains';
import { isBatchLoop, literalLoopBound, rowLimitsOf } from './loopBounds';
import type { ParamRead } from '../workspace/functionSummaries';
import { MemoKey } from '../memo';

/**
 * Shared facts of the N+1 family (DJP102–DJP107): how each related manager reached from a row is used, what
 * a prefetch cache serves, which loop a query runs in and what the loop's queryset costs once.
 */

/** Queries that load a queryset once: the query itself plus one per prefetch_related lookup level. */
export function loadQueries(q: QuerysetValue): number {
  return 1 + q.prefetch.size;
}

/** What a related-manager use does per row. */
export type ManagerUseKind =
  /** Iterating / list() / len() / bool / indexing or slicing of `row.rel.all()` (any number of all()). */
  | 'evaluate'
  | 'count' | 'exists' | 'contains'
  /** `first()`: served from the cache only when the prefetched queryset is ordered. */
  | 'first'
  /** filter()/values_list()/order_by()/get()/in_bulk()/last()/…: always a new query. */
  | 'requery'
  | 'aggregate'
  /** add()/remove()/set()/clear()/create()/update()/delete() on the manager. */
  | 'write';

export interface ManagerUse {
  loop: RowLoop;
  /** `row.items`: the attribute node that yields the manager. */
  manager: Node;
  /** Relation path from the row to the manager: `items`, `author__books`. */
  path: string;
  rel: RelationInfo;
  /** The expression that is evaluated (`row.items.all()`, `row.items.count()`), or the manager for variables. */
  expr: Node;
  /** Methods called from the manager on, in order (through a local variable too). */
  methods: string[];
  /** The method that makes it a query (`values_list`), if any. */
  decisive?: string;
  kind: ManagerUseKind;
  /** The row queryset's prefetch entry for `path` (with or without to_attr). */
  prefetch?: PrefetchInfo;
  /** Served from the prefetch cache: no query. */
  served: boolean;
  /** The use is inside a helper the row is passed to: `manager` and `expr` are then the call site. */
  via?: { call: HelperRowCall; read: ParamRead };
}

/** `row.items.count()`, or for a helper `render_row(p)` (render_row() runs `product.items.count()`), for messages. */
export function describeUse(use: ManagerUse): string {
  const text = `\`${clipCode(use.expr.text, 100)}\``;
  return use.via ? `${text} (${helperLabel(use.via.call)} runs \`${use.via.read.text}\`)` : text;
}

export function kindOf(methods: string[]): { kind: ManagerUseKind; decisive?: string } {
  const chain = methods.filter((m) => CHAIN_METHODS.has(m));
  const last = methods[methods.length - 1];
  const terminal = last !== undefined && !CHAIN_METHODS.has(last) ? last : undefined;
  const breaking = chain.find((m) => m !== 'all');
  if (terminal && WRITE_METHODS.has(terminal)) return { kind: 'write', decisive: terminal };
  if (terminal === 'aggregate') return { kind: 'aggregate', decisive: terminal };
  if (breaking) return { kind: 'requery', decisive: breaking };
  switch (terminal) {
    case undefined:
      return { kind: 'evaluate' };
    case 'count':
    case 'exists':
    case 'contains':
    case 'first':
      return { kind: terminal, decisive: terminal };
    default:
      return { kind: 'requery', decisive: terminal };
  }
}

/** Whether `first()` on the prefetched manager is answered from the cache (the prefetched queryset is ordered). */
function prefetchOrdered(ctx: RuleContext, info: PrefetchInfo, targetModel: string | undefined): boolean {
  if (targetModel && ctx.workspace.models.get(targetModel)?.ordered) return true;
  if (info.node.type === 'call' && /(^|\.)Prefetch$/.test(calleeName(info.node) ?? '')) {
    const qs = keywordArg(info.node, 'queryset') ?? positionalArgs(info.node)[1];
    if (qs && /\.order_by\(\s*[^)\s]/.test(qs.text)) return true;
  }
  return false;
}

/** Uses a prefetch could answer: silent when the row queryset's loads are unknown (a re-query runs whatever was loaded). */
const SERVABLE: ReadonlySet<ManagerUseKind> = new Set<ManagerUseKind>(['evaluate', 'count', 'exists', 'contains', 'first']);

function computeManagerUses(ctx: RuleContext): ManagerUse[] {
  const models = ctx.workspace.models;
  const out: ManagerUse[] = [];
  for (const loop of ctx.rowLoops()) {
    for (const access of rowAccesses(loop)) {
      let model = loop.source.model;
      for (let i = 0; i < access.names.length; i++) {
        const rel = models.relation(model, access.names[i]);
        if (!rel?.target) break;
        if (!rel.many) {
          model = rel.target;
          continue;
        }
        const path = access.names.slice(0, i + 1).join('__');
        const manager = access.chain[i];
        const prefetch = loop.source.prefetch.get(path);
        for (const raw of usesFrom(manager, [], loop.perRow, 0)) {
          if (!raw.evaluated) continue;
          const { kind, decisive } = kindOf(raw.methods);
          let served = false;
          if (prefetch && !prefetch.toAttr) {
            if (kind === 'evaluate' || kind === 'count' || kind === 'exists' || kind === 'contains') served = true;
            if (kind === 'first') served = prefetchOrdered(ctx, prefetch, rel.target);
          }
          out.push({ loop, manager, path, rel, expr: raw.expr, methods: raw.methods, decisive, kind, prefetch, served });
        }
        break;
      }
    }
    for (const call of helperCalls(ctx, loop)) {
      for (const read of call.reads) {
        if (!read.evaluated) continue;
        let model = loop.source.model;
        for (let i = 0; i < read.attrs.length; i++) {
          const rel = models.relation(model, read.attrs[i]);
          if (!rel?.target) break;
          if (!rel.many) {
            model = rel.target;
            continue;
          }
          if (i !== read.attrs.length - 1) break;
          const path = read.attrs.join('__');
          const prefetch = loop.source.prefetch.get(path);
          const { kind, decisive } = kindOf(read.methods);
          let served = false;
          if (prefetch && !prefetch.toAttr) {
            if (kind === 'evaluate' || kind === 'count' || kind === 'exists' || kind === 'contains') served = true;
            if (kind === 'first') served = prefetchOrdered(ctx, prefetch, rel.target);
          }
          out.push({ loop, manager: call.call, path, rel, expr: call.call, methods: read.methods, decisive, kind, prefetch, served, via: { call, read } });
          break;
        }
      }
    }
  }
  return out;
}

const MANAGER_USES = new MemoKey<ManagerUse[]>('related manager uses');

/** Every use of a related manager reached from a row of a queryset loop, classified (computed once per file). */
const REPORTABLE_USES = new MemoKey<ManagerUse[]>('related manager uses worth reporting');

/**
 * Every use of a related manager reached from a row of a queryset loop, classified (computed once per file), except
 * uses a prefetch could answer on rows whose loads are unknown (`prefetch_related(*lookups)`): djperf cannot tell.
 */
export function managerUses(ctx: RuleContext): ManagerUse[] {
  return ctx.memos.get(REPORTABLE_USES, () => allManagerUses(ctx).filter((u) => !(u.loop.source.loadsUnknown && SERVABLE.has(u.kind))));
}

/** All related-manager uses, reportable or not: their calls are not generic queries in a loop either. */
export function allManagerUses(ctx: RuleContext): ManagerUse[] {
  return ctx.memos.get(MANAGER_USES, () => computeManagerUses(ctx));
}

export function managerCost(use: ManagerUse, perRow = 1, ctx?: RuleContext): QueryCost {
  // Loops inside the row loop (`for role in roles:` under `for story in stories:`) run the query again each time:
  // a related manager's query is not cached on the row.
  const inner = ctx ? iterationLoops(ctx, use.expr).filter((l) => l.loop.startIndex > use.loop.loop.startIndex && l.loop.endIndex <= use.loop.loop.endIndex).reverse() : [];
  return {
    kind: 'queries', base: loadQueries(use.loop.source), perRow, rowFactors: [...rowFactors(use.loop), ...inner.map((l) => l.factor)],
    ...rowLimitsOf([...loopIterables(use.loop), ...inner.map((l) => l.iterable)]),
    relationPath: use.path, model: use.loop.source.model,
  };
}

/**
 * The loop's queryset, and for a helper's parameter typed from its callers the callers: only those that do not load
 * `path` when the use is one a load would serve (the fix belongs there), every caller otherwise.
 */
export function loopRelated(loop: RowLoop, path?: string): RelatedLocation[] {
  return [
    { range: rangeOf(loop.iterable), message: 'rows come from this queryset' },
    ...(loop.source.origin.id !== loop.iterable.id ? [{ range: rangeOf(loop.source.origin), message: 'queryset defined here' }] : []),
    ...passedByRelated(loop.source, path),
  ];
}

/**
 * The callers that pass a helper's rows (the parameter typed from them), or only those whose own queryset does
 * not load `path` when given: the fix belongs there when the helper does not load it itself.
 */
export function passedByRelated(q: QuerysetValue, path?: string): RelatedLocation[] {
  return (q.passedBy ?? [])
    .filter((p) => !path || !(p.selectRelated === 'all' || p.selectRelated.has(path) || p.prefetched.has(path)))
    .map((p) => ({ uri: p.uri, range: p.range, message: path ? `this caller passes rows that do not load ${path}` : 'this caller passes the rows' }));
}

// ---------------------------------------------------------------------------------------------------------------
// Loops of any kind (for, while, comprehensions): where a query runs once per iteration.

export interface IterationLoop {
  /** for_statement, while_statement or comprehension node. */
  loop: Node;
  /** Names bound per iteration: loop targets and names assigned in the body. */
  variant: Set<string>;
  /** What one iteration walks (`rows of Book.objects.all()`, `iterations of urls`). */
  factor: string;
  /** The iterated expression (for / comprehension), if any. */
  iterable?: Node;
  body?: Node;
}

function targetNames(target: Node | null, out: Set<string>): void {
  if (!target) return;
  if (target.type === 'identifier') out.add(target.text);
  else for (const c of target.namedChildren) if (c) targetNames(c, out);
}

function assignedNames(body: Node, out: Set<string>): void {
  walk(body, (n) => {
    if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda') return false;
    if (n.type === 'assignment' || n.type === 'augmented_assignment') targetNames(n.childForFieldName('left'), out);
    else if (n.type === 'named_expression') targetNames(n.childForFieldName('name'), out);
    else if (n.type === 'for_statement' || n.type === 'for_in_clause') targetNames(n.childForFieldName('left'), out);
    else if (n.type === 'with_item') {
      const v = n.childForFieldName('value');
      if (v?.type === 'as_pattern') targetNames(v.childForFieldName('alias') ?? v.namedChildren[1] ?? null, out);
    }
    return true;
  });
}

function describeIterable(ctx: RuleContext, iterable: Node): string {
  const text = clipCode(iterable.text, 80);
  return ctx.evaluator.queryset(iterable) ? `rows of ${text}` : `iterations of ${text}`;
}

/** Per analysis and loop node: what a loop binds is the same for every call site inside it (a walk of the body). */
const ITERATION_LOOPS = new MemoKey<Map<number, IterationLoop>>('iteration loops');
const FIXED_LOOPS = new MemoKey<Map<number, boolean>>('loops that repeat a fixed few times');
const FOR_CLAUSES = new MemoKey<Map<number, readonly Node[]>>('for clauses of a comprehension');

function cachedLoop(ctx: RuleContext, loop: Node, build: () => IterationLoop): IterationLoop {
  return ctx.memos.entry(ITERATION_LOOPS, loop.id, build);
}

/**
 * Whether `loop` repeats its body a fixed few times (a literal bound, a batch loop), memoised per loop: every query
 * site asks it of each loop around it, and 1,000 nested loops made that quadratic in the bound's evaluation.
 */
function fixedRepeats(ctx: RuleContext, loop: Node, decide: () => boolean): boolean {
  return ctx.memos.entry(FIXED_LOOPS, loop.id, decide);
}

/**
 * A comprehension's `for` clauses, memoised per comprehension: every query site inside one asks for them (2,000
 * clauses made that quadratic).
 */
function forClauses(ctx: RuleContext, comprehension: Node): readonly Node[] {
  return ctx.memos.entry(FOR_CLAUSES, comprehension.id, () => comprehension.namedChildren.filter((c) => c.type === 'for_in_clause'));
}

/** The nearest loop whose every iteration runs `node` (stops at function boundaries). */
export function iterationLoop(ctx: RuleContext, node: Node): IterationLoop | undefined {
  let child: Node = node;
  for (let p = parentOf(node); p; child = p, p = parentOf(p)) {
    if (p.type === 'function_definition' || p.type === 'lambda' || p.type === 'class_definition') return undefined;
    if (p.type === 'for_statement') {
      const body = p.childForFieldName('body');
      if (body?.id !== child.id) continue;
      // `for f in ("a", "b")` repeats the work a fixed few times: the N, if any, is an outer loop's.
      const right = p.childForFieldName('right');
      if (right && fixedRepeats(ctx, p, () => literalLoopBound(right) !== undefined || isBatchLoop(right))) continue;
      const loop = p;
      return cachedLoop(ctx, loop, () => {
        const variant = new Set<string>();
        targetNames(loop.childForFieldName('left'), variant);
        assignedNames(body, variant);
        const iterable = loop.childForFieldName('right') ?? undefined;
        return { loop, variant, factor: iterable ? describeIterable(ctx, iterable) : 'iterations', iterable, body };
      });
    }
    if (p.type === 'while_statement') {
      const body = p.childForFieldName('body');
      if (body?.id !== child.id && p.childForFieldName('condition')?.id !== child.id) continue;
      const loop = p;
      return cachedLoop(ctx, loop, () => {
        const variant = new Set<string>();
        if (body) assignedNames(body, variant);
        return { loop, variant, factor: `iterations of while ${loop.childForFieldName('condition')?.text.slice(0, 60) ?? ''}`, body: body ?? undefined };
      });
    }
    if (COMPREHENSIONS.has(p.type)) {
      const fors = forClauses(ctx, p);
      const first = fors[0];
      if (first && first.id === child.id) continue; // the first iterable is evaluated once
      if (fors.length === 1 && fixedRepeats(ctx, p, () => literalLoopBound(first?.childForFieldName('right') ?? p) !== undefined)) continue;
      const loop = p;
      return cachedLoop(ctx, loop, () => {
        const variant = new Set<string>();
        for (const c of fors) targetNames(c.childForFieldName('left'), variant);
        const iterable = first?.childForFieldName('right') ?? undefined;
        return { loop, variant, factor: iterable ? describeIterable(ctx, iterable) : 'iterations', iterable };
      });
    }
  }
  return undefined;
}

/** All loops around `node` in its function, innermost first. */
export function iterationLoops(ctx: RuleContext, node: Node): IterationLoop[] {
  const out: IterationLoop[] = [];
  for (let l = iterationLoop(ctx, node); l; l = iterationLoop(ctx, l.loop)) out.push(l);
  return out;
}

/** Whether `expr` reads a name bound per iteration of `loop`. */
export function dependsOnLoop(expr: Node, loop: IterationLoop): boolean {
  let hit = false;
  walk(expr, (n) => {
    if (hit) return false;
    if (n.type === 'identifier' && loop.variant.has(n.text)) {
      const parent = parentOf(n);
      // `x.name` in `obj.name`: only the object part is a name read.
      if (parent?.type === 'attribute' && parent.childForFieldName('attribute')?.id === n.id) return true;
      if (parent?.type === 'keyword_argument' && parent.childForFieldName('name')?.id === n.id) return true;
      hit = true;
    }
    return true;
  });
  return hit;
}

/** Cost of something that runs `perRow` times per iteration of the given loops (innermost first). */
export function loopCost(ctx: RuleContext, loops: IterationLoop[], perRow: number, model?: string): QueryCost {
  const outer = loops[loops.length - 1];
  const q = outer?.iterable ? ctx.evaluator.queryset(outer.iterable) : undefined;
  return {
    kind: 'queries', base: q ? loadQueries(q) : 0, perRow, rowFactors: [...loops].reverse().map((l) => l.factor),
    ...rowLimitsOf([...loops].reverse().map((l) => l.iterable)),
    ...(model ? { model } : {}),
  };
}
