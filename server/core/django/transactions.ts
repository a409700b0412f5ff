import type { Node } from '../parsing/syntaxTree';
import { decoratorsOf, nodesOfTypes, unparen, parentOf } from '../python/syntax';
import { qualifiedName } from '../python/semantic/infer';

/** Where a transaction around some code comes from. */
export interface TransactionScope {
  kind: 'atomic-block' | 'atomic-decorator';
  /** The `with` statement or the decorated function. */
  node: Node;
  /** The statements run inside the transaction. */
  body: Node;
}

const ATOMIC = new Set(['django.db.transaction.atomic', 'django.db.transaction.Atomic']);

/** `transaction.atomic`, `atomic`, `transaction.atomic(using="x")`, `atomic(savepoint=False)`. */
export function isAtomicExpr(node: Node | null | undefined): boolean {
  if (!node) return false;
  let n = unparen(node);
  if (n.type === 'call') n = n.childForFieldName('function') ?? n;
  const name = qualifiedName(n);
  if (name && ATOMIC.has(name)) return true;
  // `from django.db import transaction` resolves above; unresolved spellings are accepted only in Django's own shape.
  return !name && (n.text === 'transaction.atomic');
}

function withItemValues(withStmt: Node): Node[] {
  const clause = withStmt.namedChildren.find((c) => c?.type === 'with_clause');
  const out: Node[] = [];
  for (const item of clause?.namedChildren ?? []) {
    const v = item?.childForFieldName('value');
    if (!v) continue;
    out.push(v.type === 'as_pattern' ? (v.namedChildren[0] ?? v) : v);
  }
  return out;
}

export function isAsyncWith(withStmt: Node): boolean {
  return withStmt.children.some((c) => c?.type === 'async');
}

/** `with transaction.atomic():` (sync) statements' atomic item, or undefined. */
export function atomicWithItem(withStmt: Node): Node | undefined {
  if (withStmt.type !== 'with_statement') return undefined;
  return withItemValues(withStmt).find((v) => isAtomicExpr(v));
}

export function hasDecorator(def: Node, pred: (expr: Node) => boolean): Node | undefined {
  for (const d of decoratorsOf(def)) {
    const e = d.namedChildren[0];
    if (e && pred(e)) return d;
  }
  return undefined;
}

/**
 * The innermost transaction that `node` runs in within its own function: an enclosing sync
 * `with transaction.atomic():` or an `@transaction.atomic` on the function. Not ATOMIC_REQUESTS (see requestPath).
 */
export function enclosingTransaction(node: Node): TransactionScope | undefined {
  let child = node;
  for (let p = parentOf(node); p; child = p, p = parentOf(p)) {
    if (p.type === 'with_statement' && !isAsyncWith(p) && p.childForFieldName('body')?.id === child.id && atomicWithItem(p)) {
      return { kind: 'atomic-block', node: p, body: child };
    }
    if (p.type === 'lambda') return undefined;
    if (p.type === 'function_definition') {
      if (hasDecorator(p, (e) => isAtomicExpr(e))) return { kind: 'atomic-decorator', node: p, body: p.childForFieldName('body') ?? p };
      return undefined;
    }
    if (p.type === 'class_definition') return undefined;
  }
  return undefined;
}

/** `@transaction.non_atomic_requests` (or `@non_atomic_requests(using=...)`). */
export function isNonAtomicRequests(def: Node): boolean {
  return !!hasDecorator(def, (e) => {
    const n = e.type === 'call' ? e.childForFieldName('function') : e;
    return (qualifiedName(n) ?? n?.text ?? '').endsWith('non_atomic_requests');
  });
}

/** The node types an atomic scope starts at (found through the tree's per-type index, not a walk). */
const SCOPE_CANDIDATES = ['with_statement', 'function_definition'];

/** Every sync atomic scope of a file (with-blocks and decorated functions). */
export function transactionScopes(root: Node): TransactionScope[] {
  const out: TransactionScope[] = [];
  for (const n of nodesOfTypes(root, SCOPE_CANDIDATES)) {
    if (n.type === 'with_statement' && !isAsyncWith(n) && atomicWithItem(n)) {
      const body = n.childForFieldName('body');
      if (body) out.push({ kind: 'atomic-block', node: n, body });
    } else if (n.type === 'function_definition' && hasDecorator(n, (e) => isAtomicExpr(e))) {
      const body = n.childForFieldName('body');
      if (body) out.push({ kind: 'atomic-decorator', node: n, body });
    }
  }
  return out.sort((a, b) => a.node.startIndex - b.node.startIndex);
}
