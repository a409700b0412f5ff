import { ruleMeta, type Finding, type Rule } from '../types';
import { lockSites } from './lockFacts';
import { lockHolds } from './lockHold';
import { rangeOf } from '../../python/syntax';

export const meta = ruleMeta({
  code: 'DJP202',
  name: 'row-lock-held-across-slow-work',
  family: 'locks',
  defaultSeverity: 'warning',
  summary: 'A row locked with select_for_update() stays locked across slow work (HTTP, sleep, email, file I/O, cache, queries in a loop).',
});

export const rule: Rule = {
  meta,
  check(ctx) {
    const findings: Finding[] = [];
    const reported = new Set<number>();
    for (const { lock, slow } of lockHolds(ctx, lockSites(ctx))) {
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

function fmt(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`;
}
