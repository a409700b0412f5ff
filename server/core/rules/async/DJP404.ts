import { ruleMeta, type Finding, type Rule } from '../types';
import { sharedFacts } from './env';
import { asyncFunctionOf } from '../../django/asyncContext';
import { qualifiedName } from '../../python/semantic/infer';
import { positionalArgs, rangeOf, parentOf, nodesOfType } from '../../python/syntax';
import { replaceWithAwait } from '../../fixes/asyncEdits';

export const meta = ruleMeta({
  code: 'DJP404',
  name: 'async-to-sync-in-async',
  family: 'sync-async',
  defaultSeverity: 'error',
  summary: 'async_to_sync() is called inside async def (RuntimeError: it cannot run in a thread with a running event loop).',
});

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    for (const n of nodesOfType(facts.root, 'call')) {
      // Where first: typing a callee costs more than finding its function, and most calls are in sync code.
      const fn = asyncFunctionOf(n);
      if (!fn) continue;
      const name = qualifiedName(n.childForFieldName('function')) ?? '';
      if (!/(^|\.)async_to_sync$/.test(name)) continue;
      const up = parentOf(n);
      const outer = up?.type === 'call' && up.childForFieldName('function')?.id === n.id ? up : undefined;
      const target = positionalArgs(n)[0];
      const args = outer?.childForFieldName('arguments');
      findings.push({
        code: meta.code,
        range: rangeOf(outer ?? n),
        message: `async_to_sync() inside \`async def ${fn.childForFieldName('name')?.text}\` raises RuntimeError ("You cannot use AsyncToSync in ` +
          `the same thread as an async event loop - just await the async function directly"). ${target ? `Use \`await ${target.text}(...)\`.` : ''}`,
        fixes: outer && target && args ? [{ message: `Use await ${target.text}(...)`, applicability: 'safe', isPreferred: true,
          edits: [replaceWithAwait(outer, `${target.text}${args.text}`)] }] : undefined,
      });
    }
    return findings;
  },
};
