import type { Node } from '../parsing/syntaxTree';
import type { ModelIndex, ModelInfo } from './modelIndex';
import type { QuerysetStep } from './querysetMethods';
import { CHAIN_METHODS, cloneQueryset, type QuerysetValue } from './querysetValue';

/** Custom methods calling custom methods: a few levels are real, a cycle must stop. */
const MAX_CUSTOM_DEPTH = 8;

/**
 * `Book.objects` / `Book.plain` / `author.books`: the manager's workspace classes are remembered on the queryset,
 * and an overridden `get_queryset()` (`super().get_queryset().select_related("x")`) applies to every query of it.
 * A get_queryset djperf cannot read leaves the rows' loads unknown.
 */
export function viaManager(models: ModelIndex, q: QuerysetValue, model: ModelInfo, attr: string | undefined, at: Node): QuerysetValue {
  const name = attr === undefined || attr === '_default_manager' ? model.defaultManager : attr === '_base_manager' ? undefined : attr;
  const classes = name ? model.managerClasses?.get(name) : undefined;
  if (!classes?.length) return q;
  q.managerClasses = classes;
  const getQueryset = models.customMethod(classes, 'get_queryset');
  if (!getQueryset) return q;
  if (!getQueryset.steps) {
    q.loadsUnknown ??= `${getQueryset.owner}.get_queryset(), which djperf cannot read`;
    return q;
  }
  return applySteps(models, q, getQueryset.steps, at, 0) ?? { ...q, loadsUnknown: `${getQueryset.owner}.get_queryset(), which djperf cannot read` };
}

/**
 * A call of a method that is not Django's on a queryset: a workspace QuerySet/Manager method is applied through its
 * summary (undefined: it does not return a readable queryset); 'django' means "not a custom method of a known
 * class": the caller treats it as Django's.
 */
export function customChain(models: ModelIndex, receiver: QuerysetValue, method: string, call: Node): QuerysetValue | undefined | 'django' {
  const classes = receiver.managerClasses;
  if (!classes?.length) return 'django';
  const found = models.customMethod(classes, method);
  if (!found) {
    // A manager class from outside the workspace (a library's): what its methods load is not known.
    if (!models.knowsClasses(classes)) return { ...cloneQueryset(receiver, { origin: call }), loadsUnknown: `${method}() of a manager class djperf cannot read` };
    return 'django';
  }
  if (!found.steps) return undefined;
  const next = cloneQueryset(receiver, { origin: call });
  next.calls = [...receiver.calls, call];
  return applySteps(models, next, found.steps, call, 0);
}

/** Applies summarised steps to a queryset (undefined: a step returns no readable queryset). */
export function applySteps(models: ModelIndex, q: QuerysetValue, steps: readonly QuerysetStep[], call: Node, depth: number): QuerysetValue | undefined {
  if (depth > MAX_CUSTOM_DEPTH) return undefined;
  let cur: QuerysetValue = q;
  for (const step of steps) {
    if (!CHAIN_METHODS.has(step.method)) {
      const found = (cur.managerClasses ? models.customMethod(cur.managerClasses, step.method) : undefined) ?? models.customMethodByName(step.method);
      if (!found?.steps) return undefined; // an instance, a count, or code djperf cannot read
      const inner = applySteps(models, cloneQueryset(cur, {}), found.steps, call, depth + 1);
      if (!inner) return undefined;
      cur = inner;
      continue;
    }
    cur = cloneQueryset(cur, {});
    applyDjangoStep(cur, step, call);
  }
  return cur;
}

/** What one of Django's chain methods, written with literal arguments in a summarised method, does to the loads. */
function applyDjangoStep(q: QuerysetValue, step: QuerysetStep, call: Node): void {
  if ((step.method === 'select_related' || step.method === 'prefetch_related') && !step.literal) {
    q.loadsUnknown ??= `${step.method}() with lookups djperf cannot read in a custom QuerySet method`;
    return;
  }
  const paths = (s: string): string[] => s.split('__').map((_, i, parts) => parts.slice(0, i + 1).join('__'));
  switch (step.method) {
    case 'select_related':
      if (step.args.length === 0) q.selectRelated = 'all';
      else if (q.selectRelated !== 'all') for (const a of step.args) for (const p of paths(a)) (q.selectRelated as Set<string>).add(p);
      break;
    case 'prefetch_related':
      for (const a of step.args) for (const p of paths(a)) if (!q.prefetch.has(p)) q.prefetch.set(p, { node: call });
      break;
    case 'values':
    case 'values_list':
      q.rows = 'values';
      break;
    case 'only':
      q.only = new Set(step.args);
      break;
    case 'defer':
      q.defer = new Set([...(q.defer ?? []), ...step.args]);
      break;
    case 'select_for_update':
      q.forUpdate = call;
      break;
    case 'none':
      q.loadsUnknown = 'an empty queryset (none())';
      break;
    default:
      break;
  }
}

/** Steps with custom methods replaced by what they do (undefined: one of them is not readable). */
export function flattenSteps(models: ModelIndex, classes: readonly string[], steps: readonly QuerysetStep[], depth = 0): QuerysetStep[] | undefined {
  if (depth > MAX_CUSTOM_DEPTH) return undefined;
  const out: QuerysetStep[] = [];
  for (const step of steps) {
    if (CHAIN_METHODS.has(step.method)) {
      out.push(step);
      continue;
    }
    const found = models.customMethod(classes, step.method) ?? models.customMethodByName(step.method);
    const inner = found?.steps ? flattenSteps(models, classes, found.steps, depth + 1) : undefined;
    if (!inner) return undefined;
    out.push(...inner);
  }
  return out;
}
