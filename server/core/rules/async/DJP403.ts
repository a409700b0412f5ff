import { ruleMeta, type Finding, type Rule } from '../types';
import { sharedFacts } from './env';
import { describeTarget, threadHops } from './hops';
import { asyncFunctionOf, enclosingLoop } from '../../django/asyncContext';
import { rangeOf } from '../../python/syntax';

export const meta = ruleMeta({
  code: 'DJP403',
  name: 'thread-hop-per-iteration',
  family: 'sync-async',
  defaultSeverity: 'warning',
  summary: 'A sync_to_async (or to_thread) hop runs once per loop iteration.',
});

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    for (const hop of threadHops(facts)) {
      const fn = asyncFunctionOf(hop.call);
      if (!fn) continue;
      const loop = enclosingLoop(hop.call, fn);
      if (!loop) continue;
      findings.push({
        code: meta.code,
        range: rangeOf(hop.call),
        message: `${describeTarget(hop)} hops to a worker thread on every iteration of the loop at line ${loop.startPosition.row + 1}: ` +
          `each hop costs a thread switch and, thread-sensitive, queues behind every other request's sync work on the one shared thread. ` +
          `Do the whole loop in one sync_to_async call (or one query: \`in_bulk()\` / \`filter(pk__in=...)\`), or use the async ORM.`,
        cost: { kind: 'blocking', call: describeTarget(hop), threadHops: 1 },
        related: [{ range: rangeOf(loop), message: 'loop' }],
      });
    }
    return findings;
  },
};
