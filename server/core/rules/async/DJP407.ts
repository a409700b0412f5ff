import { ruleMeta, type Finding, type Rule } from '../types';
import { sharedFacts } from './env';
import { doesOrm, threadHops } from './hops';
import { qualifiedName } from '../../python/semantic/infer';
import { rangeOf, parentOf, nodesOfType } from '../../python/syntax';

export const meta = ruleMeta({
  code: 'DJP407',
  name: 'gather-of-thread-sensitive-orm',
  family: 'sync-async',
  defaultSeverity: 'warning',
  summary: 'asyncio.gather over thread-sensitive sync_to_async ORM calls: they still run one after another.',
});

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const hops = threadHops(facts).filter((h) => h.kind === 'sync_to_async' && h.threadSensitive && doesOrm(h.work));
    const findings: Finding[] = [];
    if (hops.length === 0) return findings;
    for (const n of nodesOfType(facts.root, 'call')) {
      if (qualifiedName(n.childForFieldName('function')) !== 'asyncio.gather') continue;
      const args = n.childForFieldName('arguments');
      if (!args) continue;
      const inside = hops.filter((h) => h.call.startIndex >= args.startIndex && h.call.endIndex <= args.endIndex);
      const spread = inside.some((h) => parentOf(h.call)?.type === 'generator_expression' || parentOf(parentOf(h.call))?.type === 'list_splat');
      if (inside.length < 2 && !spread) continue;
      findings.push({
        code: meta.code,
        range: rangeOf(n),
        message: `asyncio.gather() over ${spread ? 'many' : inside.length} thread-sensitive sync_to_async ORM calls does not run them in parallel: ` +
          `thread_sensitive=True sends them all to the same single thread, one after another (total ≈ the sum, plus a hop each). ` +
          `Run them in one sync_to_async function, or await the async ORM (\`acount()\`, \`aget()\`) — Django's async ORM still runs ` +
          `each query in that thread, so expect no parallelism either way; combine queries where possible.`,
        cost: { kind: 'blocking', call: 'asyncio.gather', threadHops: inside.length },
      });
    }
    return findings;
  },
};
