import { clipCode } from '../text/clip';
import type { Node } from '../parsing/syntaxTree';
import type { QuerysetEvaluator } from './querysetEvaluator';
import type { QuerysetValue } from './querysetValue';
import { identifiersNamed, inDocumentOrder, nodesOfTypes, parentOf, positionalArgs, unparen } from '../python/syntax';
import { COMPREHENSIONS, enclosingFunction, loopBinding } from '../python/scopes';

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
  /** `map(lambda p: ..., qs)`: the lambda whose parameter is the row (`loop` is the map call). */
  lambda?: Node;
  /** `map(helper, qs)`: the callable applied to each row (`target`; no row variable in this file). */
  mapHelper?: Node;
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

/**
 * Comprehension clauses analysed as row loops, per comprehension. Real code has a few; a hostile file with
 * thousands made the analysis cubic (every clause's loop walks every later clause).
 */
const MAX_COMPREHENSION_LOOPS = 20;

/** `map(lambda p: ..., qs)` / `map(helper, qs)` over model instances: a row loop without a `for`. */
function mapLoop(n: Node, evaluator: QuerysetEvaluator): RowLoop | undefined {
  const fn = n.childForFieldName('function');
  if (fn?.type !== 'identifier' || fn.text !== 'map') return undefined;
  const args = positionalArgs(n);
  if (args.length !== 2 || n.childForFieldName('arguments')?.namedChildren.length !== 2) return undefined;
  const callable = unparen(args[0]);
  if (callable.type !== 'lambda' && callable.type !== 'identifier' && callable.type !== 'attribute') return undefined;
  const source = evaluator.queryset(args[1]);
  if (!source || source.rows !== 'instances') return undefined;
  if (callable.type !== 'lambda') {
    return { loop: n, target: callable, rowVar: '', iterable: args[1], source, perRow: [], mapHelper: callable };
  }
  const params = callable.childForFieldName('parameters')?.namedChildren.filter((c): c is Node => !!c) ?? [];
  const body = callable.childForFieldName('body');
  if (params.length !== 1 || params[0].type !== 'identifier' || !body) return undefined;
  return { loop: n, target: params[0], rowVar: params[0].text, iterable: args[1], source, perRow: [body], lambda: callable };
}

/** What `findRowLoops` looks at: loops and comprehensions, and the calls of a name `map`. */
const LOOP_NODES: readonly string[] = ['for_statement', ...COMPREHENSIONS];

/** The calls `map(...)` inside `root` (through the identifiers named `map`: a file has thousands of calls, few of them). */
function mapCalls(root: Node): Node[] {
  const out: Node[] = [];
  for (const id of identifiersNamed(root, 'map')) {
    const call = parentOf(id);
    if (call?.type === 'call' && call.childForFieldName('function')?.id === id.id && call.startIndex >= root.startIndex && call.endIndex <= root.endIndex) out.push(call);
  }
  return out;
}

export function findRowLoops(root: Node, evaluator: QuerysetEvaluator): RowLoop[] {
  const loops: RowLoop[] = [];
  for (const n of inDocumentOrder([nodesOfTypes(root, LOOP_NODES), mapCalls(root)])) {
    if (n.type === 'call') {
      const m = mapLoop(n, evaluator);
      if (m) loops.push(m);
    } else if (n.type === 'for_statement') {
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
      let seen = 0;
      clauses.forEach((clause, i) => {
        if (clause.type !== 'for_in_clause' || ++seen > MAX_COMPREHENSION_LOOPS) return;
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
  }
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
    for (const n of identifiersNamed(scope, loop.rowVar)) {
      if (!isRowUse(loop, n)) continue;
      const chain: Node[] = [];
      const names: string[] = [];
      let cur: Node = n;
      for (let up = parentOf(cur); up?.type === 'attribute' && up.childForFieldName('object')?.id === cur.id; up = parentOf(cur)) {
        cur = up;
        chain.push(cur);
        names.push(cur.childForFieldName('attribute')?.text ?? '');
      }
      // `row.author = x` and `del row.author` store the last attribute: only the chain before it is loaded.
      if (chain.length > 0 && isStoreTarget(cur)) {
        chain.pop();
        names.pop();
      }
      out.push({ loop, identifier: n, chain, names });
    }
  }
  return out.sort((a, b) => a.identifier.startIndex - b.identifier.startIndex);
}

const TARGET_GROUPS = new Set(['pattern_list', 'tuple_pattern', 'list_pattern', 'expression_list']);

/** Whether `node` is written, not read: an assignment's target (possibly in a tuple of targets) or a `del` operand. */
function isStoreTarget(node: Node): boolean {
  let cur = node;
  let up = parentOf(cur);
  while (up && TARGET_GROUPS.has(up.type)) {
    cur = up;
    up = parentOf(up);
  }
  if (up?.type === 'assignment') return up.childForFieldName('left')?.id === cur.id;
  return up?.type === 'delete_statement';
}

/** Whether the identifier `n` (named like the row variable) is bound by this loop (shadowing respected). */
export function isRowUse(loop: RowLoop, n: Node): boolean {
  if (!loop.rowVar || n.text !== loop.rowVar) return false;
  const binding = loopBinding(n);
  if (loop.lambda) return !binding && enclosingFunction(n)?.id === loop.lambda.id;
  return !!binding && binding.target.id === loop.target.id;
}

/** The iterated expressions of the loop and its outer loops, outermost first (aligned with rowFactors). */
export function loopIterables(loop: RowLoop): Node[] {
  const out: Node[] = [];
  for (let l: RowLoop | undefined = loop; l; l = l.outer) out.unshift(l.iterable);
  return out;
}

/** `rows of Book.objects.all()` and outer factors, outermost first. */
export function rowFactors(loop: RowLoop): string[] {
  const out: string[] = [];
  for (let l: RowLoop | undefined = loop; l; l = l.outer) out.unshift(`rows of ${clipCode(l.iterable.text, 80)}`);
  return out;
}
