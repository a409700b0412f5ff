import type { Node } from '../parsing/syntaxTree';
import { calleeName, positionalArgs, unparen } from '../python/syntax';

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
export function literalLoopBound(iterable: Node): number | undefined {
  const e = unparen(iterable);
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
