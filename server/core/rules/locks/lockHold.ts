import type { Node } from '../../parsing/syntaxTree';
import type { RuleContext } from '../context';
import { sharedFacts } from '../async/env';
import { transactionScopes, type TransactionScope } from '../../django/transactions';
import { CATEGORY_LABEL, cacheCall, classifyBlocking } from '../../django/blockingCalls';
import { callableWork, calledLocalFunction, enclosingLoop } from '../../django/asyncContext';
import { resolveHelper } from '../../django/helperCalls';
import { keywordArg, parentOf, walk } from '../../python/syntax';
import type { LockSite } from './lockFacts';

/** Slow work done while a row lock is held: what it is, where, and a typical (and worst, with a timeout) time. */
export interface Slow {
  node: Node;
  what: string;
  ms: number;
  worstMs?: number;
}

/** What runs under one row lock until the transaction commits. */
export interface LockHold {
  scope: TransactionScope;
  lock: LockSite;
  slow: Slow[];
  /** Queries evaluated in the transaction after the lock (each one a round trip while the row stays locked). */
  queries: number;
}

function ownScope(n: Node, body: Node): boolean {
  for (let p = parentOf(n); p && p.id !== body.id; p = parentOf(p)) {
    if (p.type === 'function_definition' || p.type === 'lambda' || p.type === 'class_definition') return false;
  }
  return true;
}

/**
 * A call to a module-level helper (this file's through `callableWork`, another workspace module's through its
 * function summary, up to three calls deep) that blocks: HTTP, sleep, mail, files. Unresolved calls add nothing.
 */
function helperSlow(ctx: RuleContext, call: Node): Slow | undefined {
  const facts = sharedFacts(ctx);
  const local = calledLocalFunction(call, facts.root);
  if (local) {
    const w = callableWork(local, facts);
    if (!w.blocking.length) return undefined;
    const first = w.blocking[0];
    return { node: call, what: `${CATEGORY_LABEL[first.category]} \`${first.name}\` inside ${local.childForFieldName('name')?.text}()`, ms: w.blocking.reduce((t, x) => t + x.estimatedMs, 0) };
  }
  const fn = call.childForFieldName('function');
  const hit = fn && (fn.type === 'identifier' || fn.type === 'attribute') ? resolveHelper(ctx, fn) : undefined;
  if (!hit?.uri || hit.summary.isAsync) return undefined; // same-file helpers were handled above
  const b = hit.summary.work?.find((w) => w.kind === 'blocking');
  if (!b?.label) return undefined;
  const chain = [hit.summary.name, ...(b.via ?? [])].map((n) => `${n}()`).join(' → ');
  return { node: call, what: `${b.label} \`${b.text}\` inside ${chain}`, ms: b.estimatedMs ?? 0 };
}

/** The work under each transaction's first row lock (locks outside a lexical transaction have none here). */
export function lockHolds(ctx: RuleContext, sites: readonly LockSite[]): LockHold[] {
  const facts = sharedFacts(ctx);
  const out: LockHold[] = [];
  if (sites.length === 0) return out;
  for (const scope of transactionScopes(facts.root)) {
    const inScope = (n: Node) => n.startIndex >= scope.body.startIndex && n.endIndex <= scope.body.endIndex && ownScope(n, scope.body);
    const lock = sites.filter((s) => inScope(s.evaluation.node)).sort((a, b) => a.evaluation.node.startIndex - b.evaluation.node.startIndex)[0];
    if (!lock) continue;
    const after = lock.evaluation.node.endIndex;
    const slow: Slow[] = [];
    walk(scope.body, (n) => {
      if (n.type === 'function_definition' || n.type === 'lambda' || n.type === 'class_definition') return false;
      if (n.type !== 'call' || n.startIndex < after) return true;
      const b = classifyBlocking(n);
      if (b) {
        const timeout = Number(keywordArg(n, 'timeout')?.text);
        slow.push({ node: n, what: `${CATEGORY_LABEL[b.category]} \`${b.name}\``, ms: b.estimatedMs, worstMs: Number.isFinite(timeout) ? timeout * 1000 : undefined });
        return true;
      }
      const c = cacheCall(n);
      if (c) {
        slow.push({ node: n, what: `cache round trip \`cache.${c.method}\``, ms: 2 });
        return true;
      }
      const h = helperSlow(ctx, n);
      if (h) slow.push(h);
      return true;
    });
    let queries = 0;
    for (const q of facts.evaluations) {
      if (q.node.startIndex < after || !inScope(q.node) || q === lock.evaluation) continue;
      queries++;
      const loop = enclosingLoop(q.node, scope.body);
      if (loop && loop.startIndex >= scope.body.startIndex) slow.push({ node: q.node, what: `a query per loop iteration (\`${q.node.text.split('\n')[0].slice(0, 60)}\`)`, ms: 2 * 20 });
    }
    out.push({ scope, lock, slow, queries });
  }
  return out;
}
