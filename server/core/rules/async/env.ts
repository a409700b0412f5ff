import type { RuleContext } from '../context';
import type { AsyncEnv } from '../../django/asyncContext';
import { queryEvaluations, type QueryEvaluation } from '../../django/evaluation';
import { importsOf } from '../../python/imports';
import { requestPathOf, type RequestPathInfo } from '../../django/requestPath';
import type { Node } from '../../parsing/syntaxTree';

/** Per-file facts shared by the lock and async rules, computed once per RuleContext. */
export interface SharedFacts extends AsyncEnv {
  evaluations: QueryEvaluation[];
  requestPath(fn: Node | null): RequestPathInfo | undefined;
}

const cache = new WeakMap<RuleContext, SharedFacts>();

export function sharedFacts(ctx: RuleContext): SharedFacts {
  let f = cache.get(ctx);
  if (!f) {
    const root = ctx.file.tree.rootNode;
    const imports = importsOf(root, ctx.file.tree);
    let evals: QueryEvaluation[] | undefined;
    const rp = new Map<number, RequestPathInfo | null>();
    f = {
      root, imports, evaluator: ctx.evaluator,
      get evaluations() {
        evals ??= queryEvaluations(root, ctx.evaluator);
        return evals;
      },
      requestPath(fn) {
        if (!fn) return undefined;
        if (!rp.has(fn.id)) rp.set(fn.id, requestPathOf(fn, ctx.file.uri, ctx.workspace, imports) ?? null);
        return rp.get(fn.id) ?? undefined;
      },
    };
    cache.set(ctx, f);
  }
  return f;
}
