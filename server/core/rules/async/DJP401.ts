import { ruleMeta, type Finding, type Rule } from '../types';
import { sharedFacts } from './env';
import { threadHops } from './hops';
import { callableWork, syncToAsyncWrapper } from '../../django/asyncContext';
import { decoratorsOf, rangeOf } from '../../python/syntax';
import type { Node } from '../../parsing/syntaxTree';

export const meta = ruleMeta({
  code: 'DJP401',
  name: 'lazy-queryset-out-of-sync-to-async',
  family: 'sync-async',
  defaultSeverity: 'warning',
  summary: 'sync_to_async returns a lazy QuerySet: the query then runs in the async caller, not in the thread.',
});

const MESSAGE = 'returns a lazy QuerySet out of sync_to_async: no query has run in the worker thread, so the query runs wherever ' +
  'the async caller iterates it (on the event loop: SynchronousOnlyOperation). Evaluate it inside the sync function ' +
  '(`return list(qs)`), or use the async ORM (`[x async for x in qs]`).';

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    for (const hop of threadHops(facts)) {
      if (hop.kind !== 'sync_to_async' || hop.target?.type === 'function_definition') continue;
      if (!hop.work.returnsQueryset) continue;
      findings.push({ code: meta.code, range: rangeOf(hop.call), message: `\`${hop.call.text.split('(')[0]}(${hop.target?.text.slice(0, 50)})\` ${MESSAGE}`,
        related: [{ range: rangeOf(hop.work.returnsQueryset), message: 'the QuerySet returned unevaluated' }] });
    }
    // `@sync_to_async def f(): return qs`, whether or not it is called in this file.
    for (const stmt of facts.root.namedChildren) {
      if (stmt?.type !== 'decorated_definition') continue;
      const def = stmt.childForFieldName('definition');
      if (def?.type !== 'function_definition') continue;
      const wrapped = decoratorsOf(def).some((d) => {
        const e = d.namedChildren[0] as Node;
        return !!syncToAsyncWrapper(e) || /(^|\.)(database_)?sync_to_async$/.test(e.text);
      });
      if (!wrapped) continue;
      const ret = callableWork(def, facts).returnsQueryset;
      if (!ret) continue;
      findings.push({ code: meta.code, range: rangeOf(ret), message: `\`@sync_to_async\` function ${def.childForFieldName('name')?.text}() ${MESSAGE}` });
    }
    return findings;
  },
};
