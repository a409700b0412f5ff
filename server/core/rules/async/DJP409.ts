import { ruleMeta, type Finding, type Rule } from '../types';
import { sharedFacts } from './env';
import { atomicWithItem, isAsyncWith } from '../../django/transactions';
import { rangeOf, nodesOfType } from '../../python/syntax';
import { lockSites } from '../locks/lockFacts';

export const meta = ruleMeta({
  code: 'DJP409',
  name: 'transaction-in-async-context',
  family: 'sync-async',
  defaultSeverity: 'error',
  summary: 'transaction.atomic used as an async context manager, or select_for_update awaited with no sync transaction around it.',
});

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    for (const n of nodesOfType(facts.root, 'with_statement')) {
      if (!isAsyncWith(n)) continue;
      const item = atomicWithItem(n);
      if (!item) continue;
      findings.push({
        code: meta.code,
        range: { start: rangeOf(n).start, end: rangeOf(item).end },
        message: '`async with transaction.atomic():` fails: Atomic is not an async context manager (AttributeError/TypeError: no ' +
          '__aenter__), and Django has no async transactions. Move the transactional work into a sync function and run it with ' +
          '`await sync_to_async(fn)()`.',
      });
    }
    for (const site of lockSites(ctx, { async: true })) {
      findings.push({
        code: meta.code,
        range: rangeOf(site.evaluation.node),
        message: `select_for_update() evaluated from async code: transactions cannot span async code in Django, so there is no ` +
          `transaction to hold the lock (TransactionManagementError in autocommit). Lock inside a sync function wrapped in ` +
          `\`transaction.atomic\` and call it with \`await sync_to_async(fn)()\`.`,
      });
    }
    return findings;
  },
};
