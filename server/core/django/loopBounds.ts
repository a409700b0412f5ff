import type { Node } from '../parsing/syntaxTree';
import { calleeName, identifiersNamed, parentOf, positionalArgs, unparen } from '../python/syntax';
import { scopeOf } from '../python/semantic/bindings';
import { pageRowLimit } from './pagination';

/** Builtins whose result has at most as many elements as their one argument. */
const COLLECTION_BUILDERS = new Set(['set', 'list', 'tuple', 'sorted', 'frozenset', 'enumerate', 'reversed']);

/** Iterators that hand out chunks of a collection: a loop over them runs once per chunk, which is the batching fix. */
const BATCHERS = /(?:^|\.)(?:batched|chunked|chunks|grouper|ichunked|chunked_iterator|batch_iterator)$/;

/** The value of the only binding of a name before `name` in its scope, when it is a plain assignment (`recent = qs[:5]`). */
function onlyAssignedValue(name: Node): Node | undefined {
  const before = scopeOf(name).bindings.get(name.text)?.filter((b) => b.start <= name.startIndex) ?? [];
  return before.length === 1 && before[0].kind === 'assignment' && !before[0].path?.length ? before[0].value : undefined;
}

const GROWERS = new Set(['append', 'extend', 'add', 'update', 'insert', '__iadd__']);

/** `names.append(x)` / `names.extend(rows)` anywhere in the scope: the collection's size is the data's again. */
function isGrown(name: Node, scope: Node): boolean {
  for (const id of identifiersNamed(scope, name.text)) {
    const attr = parentOf(id);
    const method = attr?.type === 'attribute' && attr.childForFieldName('object')?.id === id.id ? attr.childForFieldName('attribute')?.text : undefined;
    if (method && GROWERS.has(method) && parentOf(attr as Node)?.type === 'call') return true;
    if (attr?.type === 'augmented_assignment' && attr.childForFieldName('left')?.id === id.id) return true;
  }
  return false;
}

/** `for chunk in batched(ids, 500)`: a query per chunk is deliberate batching, not an N+1. */
export function isBatchLoop(iterable: Node): boolean {
  const e = unparen(iterable);
  return e.type === 'call' && BATCHERS.test(calleeName(e) ?? '') && positionalArgs(e).length >= 2;
}

/** Above this, `range(k)` is a real N even when k is written in the code. */
export const SMALL_RANGE_LIMIT = 20;

function intLiteral(node: Node | undefined): number | undefined {
  if (!node || node.type !== 'integer') return undefined;
  const v = Number(node.text.replace(/_/g, ''));
  return Number.isSafeInteger(v) ? v : undefined;
}

/**
 * How many times a loop over `iterable` runs when the code itself bounds it: a literal tuple/list/set (its
 * element count, `for field in ("a", "b")`) or `range(k)` / `range(a, b)` with small literal bounds. Such a loop
 * repeats a query a fixed, small number of times: not an N+1, whatever the data. Undefined: not bounded in the code.
 */
export function literalLoopBound(iterable: Node, depth = 0): number | undefined {
  const e = unparen(iterable);
  if (depth > 3) return undefined;
  // `names = set([... for i in range(1, 6)])`: a name bound once to a collection built from a bounded loop.
  if (e.type === 'identifier') {
    const only = onlyAssignedValue(e);
    return only && !isGrown(e, scopeOf(e).node) ? literalLoopBound(only, depth + 1) : undefined;
  }
  if (e.type === 'list_comprehension' || e.type === 'set_comprehension' || e.type === 'generator_expression') {
    const fors = e.namedChildren.filter((c) => c.type === 'for_in_clause');
    const right = fors.length === 1 ? fors[0].childForFieldName('right') : null;
    return right ? literalLoopBound(right, depth + 1) : undefined;
  }
  if (e.type === 'call' && COLLECTION_BUILDERS.has(calleeName(e) ?? '') && positionalArgs(e).length === 1) {
    return literalLoopBound(positionalArgs(e)[0], depth + 1);
  }
  if (e.type === 'tuple' || e.type === 'list' || e.type === 'set') {
    // A starred element (`[*rows]`) brings the data's size back.
    if (e.namedChildren.some((c) => c?.type === 'list_splat' || c?.type === 'parenthesized_list_splat')) return undefined;
    return e.namedChildren.length;
  }
  if (e.type === 'call' && calleeName(e) === 'range') {
    const args = positionalArgs(e);
    if (args.length === 0 || args.length > 2 || e.childForFieldName('arguments')?.namedChildren.length !== args.length) return undefined;
    const [a, b] = args.length === 1 ? [0, intLiteral(args[0])] : [intLiteral(args[0]), intLiteral(args[1])];
    if (a === undefined || b === undefined) return undefined;
    const n = Math.max(0, b - a);
    return n <= SMALL_RANGE_LIMIT ? n : undefined;
  }
  return undefined;
}

/** `qs[:k]` / `qs[a:b]` with literal bounds: at most this many rows. Undefined: not a literal slice. */
function literalSlice(expr: Node): number | undefined {
  const e = unparen(expr);
  if (e.type !== 'subscript') return undefined;
  const slice = e.childForFieldName('subscript');
  if (slice?.type !== 'slice') return undefined;
  // tree-sitter's slice: [start] ':' [stop] [':' step]; a step or a missing stop leaves the size to the data.
  const parts: (Node | undefined)[] = [undefined];
  for (const c of slice.children) {
    if (c.type === ':') parts.push(undefined);
    else parts[parts.length - 1] = c;
  }
  if (parts.length !== 2) return undefined;
  const start = parts[0] ? intLiteral(parts[0]) : 0;
  const stop = intLiteral(parts[1]);
  if (start === undefined || stop === undefined || start < 0 || stop < 0) return undefined;
  return Math.max(0, stop - start);
}

/**
 * How many rows a loop over `iterable` walks when the code caps it: a literal slice of the queryset, on the loop
 * itself or on the only assignment of the variable it iterates (`recent = qs[:5]`). Undefined: the data decides
 * (the configured N applies).
 */
export function sliceRowLimit(iterable: Node): number | undefined {
  const direct = literalSlice(iterable);
  if (direct !== undefined) return direct;
  const e = unparen(iterable);
  if (e.type !== 'identifier') return undefined;
  const only = onlyAssignedValue(e);
  return only ? literalSlice(only) : undefined;
}

/** Rows a loop over `iterable` walks when the code caps it: a literal slice, or a page of a `Paginator(qs, k)`. */
export function loopRowLimit(iterable: Node): { limit: number; source: string } | undefined {
  const slice = sliceRowLimit(iterable);
  if (slice !== undefined) return { limit: slice, source: 'a literal slice' };
  const page = pageRowLimit(iterable);
  return page ? { limit: page.limit, source: `the page size of ${page.paginator.text.replace(/\s+/g, ' ').slice(0, 60)}` } : undefined;
}

/** The cost's `rowLimits` (outermost first, aligned with rowFactors), set only when some loop is capped. */
export function rowLimitsOf(iterablesOutermostFirst: readonly (Node | undefined)[]): { rowLimits?: (number | null)[]; rowLimitSources?: (string | null)[] } {
  const caps = iterablesOutermostFirst.map((it) => (it ? loopRowLimit(it) : undefined));
  if (!caps.some((c) => c)) return {};
  return { rowLimits: caps.map((c) => c?.limit ?? null), rowLimitSources: caps.map((c) => c?.source ?? null) };
}
