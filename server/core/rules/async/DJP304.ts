import { ruleMeta, type Finding, type Rule } from '../types';
import { sharedFacts } from './env';
import { asyncFunctionOf, isAwaited } from '../../django/asyncContext';
import { cacheCall } from '../../django/blockingCalls';
import { hasAsyncApi } from '../../django/djangoVersion';
import { rangeOf, nodesOfType } from '../../python/syntax';
import { awaitEdits, renameMethod } from '../../fixes/asyncEdits';

export const meta = ruleMeta({
  code: 'DJP304',
  name: 'sync-cache-in-async',
  family: 'async-blocking',
  defaultSeverity: 'warning',
  summary: 'The sync cache API (cache.get/set/...) is called inside async def.',
});

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    const ok = hasAsyncApi(ctx.settings.targetDjango, 'cache');
    for (const n of nodesOfType(facts.root, 'call')) {
      const fn = asyncFunctionOf(n);
      if (!fn) continue;
      const c = cacheCall(n);
      if (!c || c.method === c.asyncMethod || isAwaited(n)) continue;
      const rename = renameMethod(n, c.asyncMethod);
      findings.push({
        code: meta.code,
        range: rangeOf(n),
        message: `Sync cache call \`${c.receiver.text}.${c.method}()\` in \`async def ${fn.childForFieldName('name')?.text}\`: a network round trip ` +
          `(Redis/Memcached) on the event loop. ${ok ? `Use \`await ${c.receiver.text}.${c.asyncMethod}(...)\`.` : 'Use `await sync_to_async(cache.' + c.method + ')(...)` (the async cache API needs Django 4.0).'}`,
        cost: { kind: 'blocking', call: `cache.${c.method}`, estimatedMs: 2 },
        fixes: ok && rename ? [{ message: `Use await ${c.receiver.text}.${c.asyncMethod}(...)`, applicability: 'safe', isPreferred: true, edits: [...awaitEdits(n), rename] }] : undefined,
      });
    }
    return findings;
  },
};
