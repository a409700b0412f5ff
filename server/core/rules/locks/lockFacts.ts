import type { Node } from '../../parsing/syntaxTree';
import type { RuleContext } from '../context';
import type { QueryEvaluation } from '../../django/evaluation';
import { sharedFacts } from '../async/env';
import { asyncFunctionOf, functionOf } from '../../django/asyncContext';
import { keywordArg, rangeOf } from '../../python/syntax';
import { calleeMethod } from '../../python/syntax';

/** A `select_for_update()` queryset evaluated in sync code: where the row lock is taken. */
export interface LockSite {
  evaluation: QueryEvaluation;
  /** The `select_for_update(...)` call. */
  forUpdate: Node;
  /** Function running the evaluation (null at module level). */
  fn: Node | null;
  model: string;
  /** `catalog.ProductStock(product_id=product_id)`: the locked row as the message shows it. */
  rowKey: string;
}

/** The filtering keyword arguments that pick the locked rows (`get(pk=…)`, `filter(product_id=…)`). */
export function lookups(site: QueryEvaluation): Node[] {
  const calls = [...(site.qs?.calls ?? []), ...(site.kind === 'method' ? [site.node] : [])];
  const out: Node[] = [];
  for (const c of calls) {
    const m = calleeMethod(c);
    if (!m || !['filter', 'get', 'aget', 'first', 'last', 'exclude'].includes(m) || m === 'exclude') continue;
    for (const a of c.childForFieldName('arguments')?.namedChildren ?? []) if (a?.type === 'keyword_argument') out.push(a);
  }
  return out;
}

export function lockSites(ctx: RuleContext, opts: { async?: boolean } = {}): LockSite[] {
  const facts = sharedFacts(ctx);
  const out: LockSite[] = [];
  for (const e of facts.evaluations) {
    const fu = e.qs?.forUpdate;
    if (!fu || !e.qs) continue;
    const inAsync = e.isAsync || !!asyncFunctionOf(e.node);
    if (!!opts.async !== inAsync) continue;
    const model = ctx.workspace.models.get(e.qs.model);
    const keys = lookups(e).map((k) => k.text.replace(/\s+/g, '')).join(', ');
    out.push({ evaluation: e, forUpdate: fu, fn: functionOf(e.node), model: e.qs.model, rowKey: `${model?.name ?? e.qs.model}(${keys})` });
  }
  return out;
}

export function evaluationRange(e: QueryEvaluation) {
  if (e.kind === 'iterate') {
    const r = rangeOf(e.node);
    return { start: r.start, end: rangeOf(e.target).end };
  }
  return rangeOf(e.node);
}

export function hasKeyword(call: Node, name: string): boolean {
  return !!keywordArg(call, name);
}
