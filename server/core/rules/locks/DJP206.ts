import { ruleMeta, type Finding, type Rule } from '../types';
import type { RuleContext } from '../context';
import type { Node } from '../../parsing/syntaxTree';
import { enclosingTransaction } from '../../django/transactions';
import { calleeMethod, identifiersNamed, nodesOfType, parentOf, rangeOf } from '../../python/syntax';
import { methodChain } from '../../django/managerChains';
import { bindingOf } from '../../python/semantic/infer';
import { scopeOf } from '../../python/semantic/bindings';

export const meta = ruleMeta({
  code: 'DJP206',
  name: 'select-for-update-never-evaluated',
  family: 'locks',
  defaultSeverity: 'warning',
  summary: 'A select_for_update() queryset is built inside a transaction but never evaluated (or only create()s rows): no row is locked.',
});

/** Whether anything in the binding's scope reads the name bound by this assignment target. */
function isRead(target: Node): boolean {
  const scope = scopeOf(target);
  const binding = bindingOf(target) ?? scope.bindings.get(target.text)?.find((b) => b.node.id === target.id);
  if (!binding) return true; // unknown: assume it is used
  for (const id of identifiersNamed(scope.node, target.text)) {
    if (id.id === target.id) continue;
    const b = bindingOf(id);
    if (!b || b === binding) return true;
  }
  return false;
}

/**
 * Methods that end a locking chain without a SELECT: `create()` is `Model(**kw).save(force_insert=True)` and
 * `bulk_create()` inserts (Django 3.2; checked by test/django/callee_counts.py), so nothing is locked.
 */
const INSERTS = new Set(['create', 'bulk_create', 'acreate', 'abulk_create']);

function unevaluated(ctx: RuleContext, forUpdate: Node): { top: Node; model: string; name?: string; insert?: string } | undefined {
  // The queryset chain `select_for_update()` is part of, up to its first evaluating call (`.get()`), if any.
  const top = methodChain(forUpdate).end;
  const method = top.type === 'call' ? calleeMethod(top) : undefined;
  if (method && INSERTS.has(method)) {
    const receiver = ctx.evaluator.evaluate(top.childForFieldName('function')?.childForFieldName('object'));
    if (receiver?.kind !== 'queryset') return undefined;
    return { top, model: ctx.workspace.models.get(receiver.model)?.name ?? receiver.model, insert: method };
  }
  // `.get()`, `.first()`, `.update()`…: the chain runs its query where it is built.
  const value = ctx.evaluator.evaluate(top);
  if (value?.kind !== 'queryset') return undefined;
  const model = ctx.workspace.models.get(value.model)?.name ?? value.model;
  const parent = parentOf(top);
  if (parent?.type === 'expression_statement') return { top, model };
  if (parent?.type === 'assignment' && parent.childForFieldName('right')?.id === top.id) {
    const left = parent.childForFieldName('left');
    if (left?.type === 'identifier' && !isRead(left)) return { top, model, name: left.text };
  }
  return undefined;
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const findings: Finding[] = [];
    if (!ctx.file.text.includes('select_for_update')) return findings;
    for (const call of nodesOfType(ctx.file.tree.rootNode, 'call')) {
      if (calleeMethod(call) !== 'select_for_update' || !enclosingTransaction(call)) continue;
      const hit = unevaluated(ctx, call);
      if (!hit) continue;
      const what = hit.name ? `is assigned to \`${hit.name}\`, which nothing reads` : 'is built and dropped';
      findings.push({
        code: meta.code,
        range: rangeOf(call),
        message: hit.insert
          ? `select_for_update().${hit.insert}() locks nothing: ${hit.insert}() only INSERTs ${hit.model} rows and never runs ` +
            `the locking SELECT. To serialise concurrent creators, lock an existing row they share (a parent, e.g. ` +
            `\`Parent.objects.select_for_update().get(pk=...)\`) inside the transaction first, or rely on a unique constraint.`
          : `This select_for_update() queryset ${what}: a queryset runs no query until it is evaluated, so no row is ` +
            `locked and the writes below are not protected. Evaluate it inside the transaction (\`.get(...)\`, \`list(...)\`, ` +
            `\`for row in ...\`) before the writes that depend on it.`,
        // No lock is held at all: the cost is the race the lock was meant to prevent, not a wait.
        cost: { kind: 'lock', rowKey: `${hit.model} rows`, heldAcross: [], taken: false },
        related: [{ range: rangeOf(hit.top), message: hit.insert ? `${hit.insert}() inserts without a SELECT` : 'the queryset, never evaluated' }],
      });
    }
    return findings;
  },
};
