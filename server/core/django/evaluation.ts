import type { Node } from '../parsing/syntaxTree';
import type { QuerysetEvaluator } from './querysetEvaluator';
import { INSTANCE_METHODS, TERMINAL_METHODS, type InstanceValue, type QuerysetValue } from './querysetValue';
import { calleeMethod, decoratorsOf, nodesOfTypes, positionalArgs, returnValues, unparen } from '../python/syntax';
import { bindingOf } from '../python/semantic/infer';
import { ASYNC_MODEL_METHODS, ASYNC_QUERYSET_METHODS, ASYNC_RELATED_MANAGER_METHODS } from './djangoVersion';

const ASYNC_NAMES = new Set([...ASYNC_QUERYSET_METHODS.values(), ...ASYNC_RELATED_MANAGER_METHODS.values(), ...ASYNC_MODEL_METHODS.values(), 'aaggregate']);

/**
 * Where a query actually runs. Building a queryset is lazy; it runs when a method such as `get()`/`count()`
 * is called, when it is iterated (`for`, a comprehension, `list()`), measured (`len()`), tested (`bool()`,
 * `if qs:`), indexed (`qs[0]`) or searched (`x in qs`), and when a model instance is saved/deleted/refreshed.
 */
export type EvaluationKind = 'method' | 'iterate' | 'comprehension' | 'wrapper' | 'len' | 'bool' | 'index' | 'in' | 'instance-method' | 'shortcut';

export interface QueryEvaluation {
  /** The expression that runs the query (the call, the `for` statement, the comprehension clause …). */
  node: Node;
  kind: EvaluationKind;
  /** The method (`get`, `save`) or wrapper (`list`) involved. */
  method?: string;
  /** The queryset evaluated (not set for instance methods). */
  qs?: QuerysetValue;
  instance?: InstanceValue;
  /** The evaluated expression (receiver of the method, iterable of the loop, argument of the wrapper). */
  target: Node;
  /** `async for`, `await qs.aget()`: the async API. */
  isAsync: boolean;
}

const WRAPPERS = new Set(['list', 'tuple', 'sorted', 'set', 'dict', 'sum', 'max', 'min', 'any', 'all', 'frozenset']);
const INSTANCE_QUERY_METHODS = new Set(['save', 'delete', 'refresh_from_db', 'asave', 'adelete', 'arefresh_from_db']);
const SHORTCUTS = new Set(['get_object_or_404', 'get_list_or_404', 'aget_object_or_404', 'aget_list_or_404']);
const NON_QUERY_TERMINALS = new Set(['values_list_flat']);

function hasAsyncToken(n: Node): boolean {
  return n.children.some((c) => c?.type === 'async');
}

/** The node types `queryEvaluations` looks at. */
const EVALUATION_NODES: readonly string[] = [
  'call', 'for_statement', 'for_in_clause', 'subscript', 'comparison_operator', 'if_statement', 'while_statement', 'not_operator',
];

/** Every query evaluation inside `root` (nested functions and lambdas included; callers filter by scope). */
export function queryEvaluations(root: Node, evaluator: QuerysetEvaluator): QueryEvaluation[] {
  const out: QueryEvaluation[] = [];
  for (const n of nodesOfTypes(root, EVALUATION_NODES)) {
    switch (n.type) {
      case 'call': {
        const fn = n.childForFieldName('function');
        if (fn?.type === 'attribute') {
          const method = calleeMethod(n) ?? '';
          const recvNode = fn.childForFieldName('object');
          if (!recvNode) break;
          if (INSTANCE_METHODS.has(method) || (TERMINAL_METHODS.has(method) && !NON_QUERY_TERMINALS.has(method))) {
            const qs = evaluator.queryset(recvNode);
            if (qs) out.push({ node: n, kind: 'method', method, qs, target: recvNode, isAsync: ASYNC_NAMES.has(method) });
            break;
          }
          if (INSTANCE_QUERY_METHODS.has(method)) {
            const inst = evaluator.evaluate(recvNode);
            if (inst?.kind === 'instance') out.push({ node: n, kind: 'instance-method', method, instance: inst, target: recvNode, isAsync: ASYNC_NAMES.has(method) });
          }
        } else if (fn?.type === 'identifier') {
          const arg = positionalArgs(n)[0];
          if (SHORTCUTS.has(fn.text)) {
            out.push({ node: n, kind: 'shortcut', method: fn.text, target: arg ?? n, isAsync: fn.text.startsWith('a') });
          } else if (arg && (WRAPPERS.has(fn.text) || fn.text === 'len' || fn.text === 'bool' || fn.text === 'enumerate')) {
            const qs = evaluator.queryset(arg);
            if (!qs) break;
            // A generator/comprehension argument reports its own clause.
            if (fn.text === 'enumerate') break;
            const kind: EvaluationKind = fn.text === 'len' ? 'len' : fn.text === 'bool' ? 'bool' : 'wrapper';
            out.push({ node: n, kind, method: fn.text, qs, target: arg, isAsync: false });
          }
        }
        break;
      }
      case 'for_statement': {
        const right = n.childForFieldName('right');
        if (!right) break;
        const iter = unparen(right);
        if (iter.type === 'call' && WRAPPERS.has(iter.childForFieldName('function')?.text ?? '')) break; // list(qs) reports itself
        const qs = evaluator.queryset(enumerateArg(iter));
        if (qs && !isIteratorCall(iter)) out.push({ node: n, kind: 'iterate', qs, target: right, isAsync: hasAsyncToken(n) });
        else if (qs) out.push({ node: n, kind: 'iterate', method: 'iterator', qs, target: right, isAsync: hasAsyncToken(n) });
        break;
      }
      case 'for_in_clause': {
        const right = n.childForFieldName('right');
        if (!right) break;
        const iter = unparen(right);
        if (iter.type === 'call' && WRAPPERS.has(iter.childForFieldName('function')?.text ?? '')) break;
        const qs = evaluator.queryset(enumerateArg(iter));
        if (qs) out.push({ node: n, kind: 'comprehension', qs, target: right, isAsync: hasAsyncToken(n) });
        break;
      }
      case 'subscript': {
        const sub = n.childForFieldName('subscript');
        const value = n.childForFieldName('value');
        if (!value || !sub || sub.type === 'slice') break;
        const qs = evaluator.queryset(value);
        if (qs) out.push({ node: n, kind: 'index', qs, target: value, isAsync: false });
        break;
      }
      case 'comparison_operator': {
        const ops = n.children.filter((c) => c && !c.isNamed).map((c) => c!.type);
        if (!ops.includes('in')) break;
        const right = n.namedChildren[n.namedChildCount - 1];
        const qs = right ? evaluator.queryset(right) : undefined;
        if (qs && right) out.push({ node: n, kind: 'in', qs, target: right, isAsync: false });
        break;
      }
      case 'if_statement':
      case 'while_statement':
      case 'not_operator': {
        const cond = n.type === 'not_operator' ? n.childForFieldName('argument') : n.childForFieldName('condition');
        if (!cond) break;
        const c = unparen(cond);
        if (c.type !== 'identifier' && c.type !== 'attribute') break;
        const qs = evaluator.queryset(c);
        if (qs) out.push({ node: c, kind: 'bool', qs, target: c, isAsync: false });
        break;
      }
      default:
        break;
    }
  }
  const live = out.filter((e) => e.kind === 'method' || e.kind === 'instance-method' || e.kind === 'shortcut' || !isMaterialized(e.target));
  return dropCachedReuses(live);
}

/** Evaluations that fill a queryset's result cache: iterating it whole, `list()`-like wrappers, `len()`, `bool()`. */
const FILLS_CACHE: ReadonlySet<EvaluationKind> = new Set(['iterate', 'comprehension', 'wrapper', 'len', 'bool']);
/** Uses that read the cache once it is filled (`count()`/`exists()` answer from it too). */
const READS_CACHE: ReadonlySet<EvaluationKind> = new Set(['iterate', 'comprehension', 'wrapper', 'len', 'bool', 'index', 'in']);
const CACHE_METHODS = new Set(['count', 'exists']);

/**
 * Straight-line reuse of one evaluated queryset runs no query: after `len(qs)`, `list(qs)`, `if qs:` or a full loop,
 * iterating `qs` again (or `qs.count()`) reads Django's result cache. Only a name bound once before both uses counts,
 * and only when the first use runs on every path to the second (not in a branch, loop or nested function of its own).
 */
function dropCachedReuses(evaluations: QueryEvaluation[]): QueryEvaluation[] {
  const fills = evaluations.filter((e) => FILLS_CACHE.has(e.kind) && e.method !== 'iterator' && unparen(e.target).type === 'identifier');
  if (fills.length === 0) return evaluations;
  return evaluations.filter((e) => {
    const reads = READS_CACHE.has(e.kind) || (e.kind === 'method' && CACHE_METHODS.has(e.method ?? ''));
    const target = unparen(e.target);
    if (!reads || target.type !== 'identifier' || e.method === 'iterator') return true;
    const binding = bindingOf(target);
    if (!binding) return true;
    return !fills.some((f) => f !== e && f.node.endIndex <= e.node.startIndex && bindingOf(unparen(f.target)) === binding &&
      binding.start <= f.node.startIndex && runsBefore(f.node, e.node));
  });
}

const BRANCHES: ReadonlySet<string> = new Set([
  'if_statement', 'elif_clause', 'else_clause', 'for_statement', 'while_statement', 'try_statement', 'except_clause',
  'finally_clause', 'with_statement', 'match_statement', 'case_clause', 'conditional_expression', 'boolean_operator',
  'function_definition', 'lambda', 'class_definition', 'list_comprehension', 'set_comprehension',
  'dictionary_comprehension', 'generator_expression',
]);

/** Whether `first` runs on every path that reaches `later`: no branch, loop or scope holds `first` without `later`. */
function runsBefore(first: Node, later: Node): boolean {
  for (let p = first.parent; p; p = p.parent) {
    if (later.startIndex >= p.startIndex && later.endIndex <= p.endIndex) return true;
    if (!BRANCHES.has(p.type)) continue;
    // The head of an `if`/`while` (condition) or a `for` (iterable) runs whenever the statement runs.
    const head = p.childForFieldName('condition') ?? (p.type === 'for_statement' ? p.childForFieldName('right') : null);
    if (!head || first.startIndex < head.startIndex || first.endIndex > head.endIndex) return false;
  }
  return false;
}

function enumerateArg(iter: Node): Node {
  if (iter.type === 'call' && iter.childForFieldName('function')?.text === 'enumerate') return positionalArgs(iter)[0] ?? iter;
  return iter;
}

function isIteratorCall(iter: Node): boolean {
  return iter.type === 'call' && calleeMethod(iter) === 'iterator';
}

const MATERIALIZERS = new Set(['list', 'tuple', 'sorted', 'set', 'reversed', 'frozenset']);

/**
 * Whether an expression the evaluator tracks as a queryset is in fact an already-evaluated list of its rows
 * (`list(qs)`, a variable bound to one, or what `await sync_to_async(lambda: list(qs))()` returns): using it runs no query.
 */
export function isMaterialized(node: Node, depth = 0): boolean {
  if (depth > 8) return false;
  const n = unparen(node);
  if (n.type === 'call') {
    const fn = n.childForFieldName('function');
    if (fn?.type === 'identifier' && MATERIALIZERS.has(fn.text)) return true;
    // A helper of this file that returns `list(qs)` on every path hands back rows, not a queryset.
    const b = fn?.type === 'identifier' ? bindingOf(fn) : undefined;
    if (b?.kind === 'function' && b.definition && b.definition.child(0)?.type !== 'async') {
      const values = returnValues(b.definition);
      return !!values?.length && values.every((v) => isMaterialized(v, depth + 1));
    }
    return false;
  }
  if (n.type === 'list_comprehension' || n.type === 'set_comprehension') return true;
  if (n.type === 'identifier') {
    const b = bindingOf(n);
    return !!b?.value && (b.kind === 'assignment' || b.kind === 'walrus') && !b.path && isMaterialized(b.value, depth + 1);
  }
  if (n.type === 'await') {
    const call = n.namedChildren[0];
    if (call?.type !== 'call') return false;
    const fn = call.childForFieldName('function');
    let target: Node | undefined;
    if (fn?.type === 'call' && /(^|\.)(database_)?sync_to_async$/.test(fn.childForFieldName('function')?.text ?? '')) target = positionalArgs(fn)[0];
    else if (fn?.type === 'identifier') target = fn;
    if (!target) return false;
    const t = unparen(target);
    if (t.type === 'lambda') {
      const body = t.childForFieldName('body');
      return !!body && isMaterialized(body, depth + 1);
    }
    if (t.type === 'identifier') {
      const root = t.tree.rootNode; // `.parent` costs O(depth) in tree-sitter: never climb to the root
      for (const stmt of root.namedChildren) {
        const def = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
        if (def?.type !== 'function_definition' || def.childForFieldName('name')?.text !== t.text) continue;
        if (fn?.type === 'identifier' && decoratorsOf(def).length === 0) return false;
        const ret = def.childForFieldName('body')?.namedChildren.find((c) => c?.type === 'return_statement');
        const v = ret?.namedChildren[0];
        return !!v && isMaterialized(v, depth + 1);
      }
    }
  }
  return false;
}
