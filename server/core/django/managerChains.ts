import type { Node } from '../parsing/syntaxTree';
import { CHAIN_METHODS } from './querysetValue';
import { identifiersNamed, parentOf } from '../python/syntax';

/**
 * How a manager expression (`row.items`) is used: the methods chained on it, and where the chain is evaluated
 * (iterated, passed to `len()`, bound to a name that is). Shared by the N+1 analysis of loops and by the function
 * summaries of helpers, which therefore do not depend on each other.
 */

const EVAL_FUNCS = new Set([
  'list', 'tuple', 'set', 'frozenset', 'sorted', 'len', 'sum', 'any', 'all', 'min', 'max', 'enumerate', 'dict',
  'reversed', 'next', 'iter', 'zip', 'bool', 'map', 'filter',
]);
const EVAL_METHODS = new Set(['join', 'extend', 'update', 'union']);
export const WRITE_METHODS: ReadonlySet<string> = new Set([
  'add', 'remove', 'set', 'clear', 'create', 'update', 'delete', 'get_or_create', 'update_or_create', 'bulk_create',
  'bulk_update',
]);

/** How an expression's value is consumed: evaluated here, bound to a local name, or unknown (passed on). */
function consumption(expr: Node): 'eval' | 'unknown' | Node {
  // Through parentheses iteratively: recursion overflowed the stack on thousands of nested parentheses.
  let e = expr;
  let p = parentOf(e);
  while (p?.type === 'parenthesized_expression') {
    e = p;
    p = parentOf(p);
  }
  if (!p) return 'unknown';
  switch (p.type) {
    case 'for_statement':
    case 'for_in_clause':
      return p.childForFieldName('right')?.id === e.id ? 'eval' : 'unknown';
    case 'argument_list': {
      const call = parentOf(p);
      const fn = call?.type === 'call' ? call.childForFieldName('function') : null;
      if (fn?.type === 'identifier' && EVAL_FUNCS.has(fn.text)) return 'eval';
      if (fn?.type === 'attribute' && EVAL_METHODS.has(fn.childForFieldName('attribute')?.text ?? '')) return 'eval';
      return 'unknown';
    }
    case 'subscript':
      return p.childForFieldName('value')?.id === e.id ? 'eval' : 'unknown';
    case 'if_statement':
    case 'elif_clause':
    case 'while_statement':
      return p.childForFieldName('condition')?.id === e.id ? 'eval' : 'unknown';
    case 'not_operator':
    case 'boolean_operator':
    case 'list_splat':
      return 'eval';
    case 'conditional_expression':
      return p.namedChildren[1]?.id === e.id ? 'eval' : 'unknown';
    case 'comparison_operator': {
      const ops = p.children.filter((c) => c && !c.isNamed).map((c) => c!.text);
      return ops.some((o) => o === 'in' || o === 'not in') && p.namedChildren[p.namedChildren.length - 1]?.id === e.id ? 'eval' : 'unknown';
    }
    case 'assignment':
      if (p.childForFieldName('right')?.id === e.id && p.childForFieldName('left')?.type === 'identifier') {
        return p.childForFieldName('left') as Node;
      }
      return 'unknown';
    default:
      return 'unknown';
  }
}

/** Methods called on `start` (`start.all().filter(...)`), and the outermost call. */
export function methodChain(start: Node): { methods: string[]; end: Node } {
  const methods: string[] = [];
  let cur = start;
  for (;;) {
    const attr = parentOf(cur);
    if (attr?.type !== 'attribute' || attr.childForFieldName('object')?.id !== cur.id) break;
    const call = parentOf(attr);
    if (call?.type !== 'call' || call.childForFieldName('function')?.id !== attr.id) break;
    const m = attr.childForFieldName('attribute')?.text ?? '';
    methods.push(m);
    cur = call;
    if (!CHAIN_METHODS.has(m)) break;
  }
  return { methods, end: cur };
}

export interface RawUse {
  expr: Node;
  methods: string[];
  evaluated: boolean;
}

/** Follows a manager expression through chains and one local variable to the places it is evaluated. */
export function usesFrom(start: Node, prefix: string[], region: Node[], depth: number): RawUse[] {
  const { methods: own, end } = methodChain(start);
  const methods = [...prefix, ...own];
  const last = methods[methods.length - 1];
  if (last !== undefined && !CHAIN_METHODS.has(last)) return [{ expr: end, methods, evaluated: true }];
  if (methods.length === 0 && depth === 0 && end.id === start.id) {
    // A bare manager (`row.items`) is only a handle; what it is passed to decides, and we do not know that.
    return [];
  }
  const c = consumption(end);
  if (c === 'eval') return [{ expr: end, methods, evaluated: true }];
  if (c === 'unknown' || depth > 1) return [];
  // `items = row.items.all()`: every later use of `items` in the same per-row code.
  const name = c.text;
  const out: RawUse[] = [];
  let evaluatedOnce = false;
  for (const scope of region) {
    for (const n of identifiersNamed(scope, name)) {
      if (n.startIndex <= c.endIndex) continue;
      const up = parentOf(n);
      if (up?.type === 'assignment' && up.childForFieldName('left')?.id === n.id) continue;
      for (const u of usesFrom(n, methods, region, depth + 1)) {
        const isEval = u.methods.length === methods.length;
        if (isEval) {
          if (evaluatedOnce) continue; // the first evaluation fills the QuerySet's result cache
          evaluatedOnce = true;
        }
        out.push({ ...u, expr: isEval ? end : u.expr });
      }
    }
  }
  return out;
}

/**
 * How a manager-like expression reached from `start` is used inside `region` (methods called on it and whether
 * that runs a query): the same classification as rows in a loop, for function summaries of helpers.
 */
export function chainUses(start: Node, region: Node[]): { methods: string[]; evaluated: boolean }[] {
  return usesFrom(start, [], region, 0).map((u) => ({ methods: u.methods, evaluated: u.evaluated }));
}
