import { ruleMeta, type Finding, type Rule } from '../types';
import { lockSites } from './lockFacts';
import { sharedFacts } from '../async/env';
import { transactionScopes } from '../../django/transactions';
import { CATEGORY_LABEL, cacheCall, classifyBlocking } from '../../django/blockingCalls';
import { callableWork, calledLocalFunction, enclosingLoop } from '../../django/asyncContext';
import { keywordArg, rangeOf, walk, parentOf } from '../../python/syntax';
import type { Node } from '../../parsing/syntaxTree';

export const meta = ruleMeta({
  code: 'DJP202',
  name: 'row-lock-held-across-slow-work',
  family: 'locks',
  defaultSeverity: 'warning',
  summary: 'A row locked with select_for_update() stays locked across slow work (HTTP, sleep, email, file I/O, cache, queries in a loop).',
});

interface Slow { node: Node; what: string; ms: number; worstMs?: number }

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    const reported = new Set<number>();
    const sites = lockSites(ctx);
    if (sites.length === 0) return findings;
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
        const helper = calledLocalFunction(n, facts.root);
        if (helper) {
          const w = callableWork(helper, facts);
          if (w.blocking.length) {
            const first = w.blocking[0];
            slow.push({ node: n, what: `${CATEGORY_LABEL[first.category]} \`${first.name}\` inside ${helper.childForFieldName('name')?.text}()`, ms: w.blocking.reduce((t, x) => t + x.estimatedMs, 0) });
          }
        }
        return true;
      });
      for (const q of facts.evaluations) {
        if (q.node.startIndex < after || !inScope(q.node) || q === lock.evaluation) continue;
        const loop = enclosingLoop(q.node, scope.body);
        if (loop && loop.startIndex >= scope.body.startIndex) slow.push({ node: q.node, what: `a query per loop iteration (\`${q.node.text.split('\n')[0].slice(0, 60)}\`)`, ms: 2 * 20 });
      }
      if (slow.length === 0) continue;
      const holdMs = 5 + slow.reduce((t, s) => t + s.ms, 0);
      const worstMs = 5 + slow.reduce((t, s) => t + (s.worstMs ?? s.ms), 0);
      const cap = (ms: number) => (1000 / ms >= 10 ? Math.round(1000 / ms) : Math.round((10000 / ms)) / 10);
      const lockLine = lock.evaluation.node.startPosition.row + 1;
      for (const s of slow.sort((a, b) => a.node.startIndex - b.node.startIndex)) {
        if (reported.has(s.node.id)) continue;
        reported.add(s.node.id);
        findings.push({
          code: meta.code,
          range: rangeOf(s.node),
          message: `The ${lock.rowKey} row locked at line ${lockLine} stays locked across ${s.what}. ` +
            `Estimated lock hold ≈ ${fmt(holdMs)}${worstMs > holdMs ? ` (up to ${fmt(worstMs)} at the timeout)` : ''}: requests for this row ` +
            `are serialised, capping them at ≈ ${cap(holdMs)}/s${worstMs > holdMs ? ` (≈ ${cap(worstMs)}/s when it times out)` : ''}. ` +
            `Move it after the transaction (\`transaction.on_commit(...)\`) or before the lock.`,
          cost: { kind: 'lock', rowKey: lock.rowKey, heldAcross: slow.map((x) => x.what), estimatedHoldMs: holdMs },
          related: [{ range: rangeOf(lock.evaluation.node), message: 'row lock taken here (released at commit)' }],
        });
      }
    }
    return findings;
  },
};

function ownScope(n: Node, body: Node): boolean {
  for (let p = parentOf(n); p && p.id !== body.id; p = parentOf(p)) {
    if (p.type === 'function_definition' || p.type === 'lambda' || p.type === 'class_definition') return false;
  }
  return true;
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`;
}
