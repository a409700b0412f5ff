import { ruleMeta, type Finding, type Rule } from '../types';
import { sharedFacts } from './env';
import { doesOrm, threadHops } from './hops';
import { isAsyncDef, rangeOf, nodesOfType } from '../../python/syntax';
import { ownNodes } from '../../django/asyncContext';
import type { Node } from '../../parsing/syntaxTree';

export const meta = ruleMeta({
  code: 'DJP406',
  name: 'async-view-only-wraps-sync-orm',
  family: 'sync-async',
  defaultSeverity: 'information',
  summary: 'An async view whose only work is sync_to_async of ORM code: slower than the same view written sync.',
});

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    const hops = threadHops(facts);
    for (const fn of nodesOfType(facts.root, 'function_definition')) {
      if (!isAsyncDef(fn)) continue;
      if (!facts.requestPath(fn)) continue;
      const awaits: Node[] = [];
      let loops = false;
      let otherWork = false;
      ownNodes(fn, (n) => {
        if (n.type === 'await') awaits.push(n);
        if (n.type === 'for_statement' || n.type === 'while_statement') loops = true;
        if ((n.type === 'with_statement' || n.type === 'for_in_clause') && n.children.some((c) => c?.type === 'async')) otherWork = true;
      });
      if (awaits.length === 0 || loops || otherWork) continue;
      const ormHops = awaits.map((a) => {
        const inner = a.namedChildren[0];
        return hops.find((h) => h.call.id === inner?.id);
      });
      if (ormHops.some((h) => !h || h.kind !== 'sync_to_async' || !h.threadSensitive || !doesOrm(h.work))) continue;
      const name = fn.childForFieldName('name') ?? fn;
      findings.push({
        code: meta.code,
        range: rangeOf(name),
        message: `\`async def ${name.text}\` only hands ORM work to sync_to_async (${awaits.length} hop${awaits.length > 1 ? 's' : ''}): under ASGI it is ` +
          `slower than a plain \`def\` view (an extra thread hop per call, all requests' hops queued on the one thread-sensitive executor), ` +
          `and under WSGI Django runs it in a fresh event loop per request. Make it a sync view, or use the async ORM end to end.`,
        cost: { kind: 'blocking', call: `async def ${name.text}`, threadHops: awaits.length },
      });
    }
    return findings;
  },
};
