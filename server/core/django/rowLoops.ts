import type { Node } from 'web-tree-sitter';
import type { QuerysetEvaluator } from './querysetEvaluator';
import type { QuerysetValue } from './querysetValue';
import { walk } from '../python/syntax';
import { COMPREHENSIONS, loopBinding } from '../python/scopes';

/** A loop (statement or comprehension clause) whose variable walks model instances of a queryset. */
export interface RowLoop {
  /** for_statement or the comprehension node. */
  loop: Node;
  /** The identifier bound to each row. */
  target: Node;
  rowVar: string;
  /** The iterated expression (for messages and related information). */
  iterable: Node;
  source: QuerysetValue;
  /** Nodes evaluated once per row: the loop body, or the comprehension's element and later clauses. */
  perRow: Node[];
  /** The nearest enclosing row loop: costs multiply. */
  outer?: RowLoop;
}

/** One use of a row variable: `row.a.b` as the chain of attribute nodes, innermost first. */
export interface RowAccess {
  loop: RowLoop;
  identifier: Node;
  /** `row.a`, `row.a.b`, … */
  chain: Node[];
  /** Attribute names along the chain. */
  names: string[];
}

function loopTarget(left: Node, right: Node): { target: Node; iterable: Node } | undefined {
  if (left.type === 'identifier') return { target: left, iterable: right };
  if ((left.type === 'pattern_list' || left.type === 'tuple_pattern') && right.type === 'call' &&
      right.childForFieldName('function')?.text === 'enumerate') {
    const second = left.namedChildren[1];
    const arg = right.childForFieldName('arguments')?.namedChildren[0];
    if (second?.type === 'identifier' && arg) return { target: second, iterable: arg };
  }
  return undefined;
}

export function findRowLoops(root: Node, evaluator: QuerysetEvaluator): RowLoop[] {
  const loops: RowLoop[] = [];
  walk(root, (n) => {
    if (n.type === 'for_statement') {
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      const body = n.childForFieldName('body');
      const t = left && right ? loopTarget(left, right) : undefined;
      if (t && body) {
        const source = evaluator.queryset(t.iterable);
        if (source && source.rows === 'instances') {
          loops.push({ loop: n, target: t.target, rowVar: t.target.text, iterable: t.iterable, source, perRow: [body] });
        }
      }
    } else if (COMPREHENSIONS.has(n.type)) {
      const clauses = n.namedChildren.filter((c): c is Node => !!c);
      const element = n.childForFieldName('body');
      clauses.forEach((clause, i) => {
        if (clause.type !== 'for_in_clause') return;
        const left = clause.childForFieldName('left');
        const right = clause.childForFieldName('right');
        const t = left && right ? loopTarget(left, right) : undefined;
        if (!t) return;
        const source = evaluator.queryset(t.iterable);
        if (!source || source.rows !== 'instances') return;
        const perRow = clauses.slice(i + 1).filter((c) => c.id !== element?.id);
        if (element) perRow.unshift(element);
        loops.push({ loop: n, target: t.target, rowVar: t.target.text, iterable: t.iterable, source, perRow });
      });
    }
    return true;
  });
  for (const l of loops) {
    l.outer = loops
      .filter((o) => o !== l && o.perRow.some((s) => s.startIndex <= l.loop.startIndex && l.loop.endIndex <= s.endIndex))
      .sort((a, b) => b.loop.startIndex - a.loop.startIndex)[0];
  }
  return loops;
}

/** Every `row…` use inside the loop that is bound by this loop (shadowing respected). */
export function rowAccesses(loop: RowLoop): RowAccess[] {
  const out: RowAccess[] = [];
  for (const scope of loop.perRow) {
    walk(scope, (n) => {
      if (n.type !== 'identifier' || n.text !== loop.rowVar) return true;
      const binding = loopBinding(n);
      if (!binding || binding.target.id !== loop.target.id) return true;
      const chain: Node[] = [];
      const names: string[] = [];
      let cur: Node = n;
      while (cur.parent?.type === 'attribute' && cur.parent.childForFieldName('object')?.id === cur.id) {
        cur = cur.parent;
        chain.push(cur);
        names.push(cur.childForFieldName('attribute')?.text ?? '');
      }
      out.push({ loop, identifier: n, chain, names });
      return true;
    });
  }
  return out.sort((a, b) => a.identifier.startIndex - b.identifier.startIndex);
}

/** `rows of Book.objects.all()` and outer factors, outermost first. */
export function rowFactors(loop: RowLoop): string[] {
  const out: string[] = [];
  for (let l: RowLoop | undefined = loop; l; l = l.outer) out.unshift(`rows of ${l.iterable.text.replace(/\s+/g, ' ').slice(0, 80)}`);
  return out;
}
