import { ruleMeta, type Finding, type Rule } from '../types';
import { sharedFacts } from './env';
import { asyncFunctionOf, callableWork, calledLocalFunction, isAwaited, threadHopOf } from '../../django/asyncContext';
import { CATEGORY_LABEL } from '../../django/blockingCalls';
import { isAsyncDef, rangeOf, walk } from '../../python/syntax';
import { ensureImport, replaceWithAwait } from '../../fixes/asyncEdits';

export const meta = ruleMeta({
  code: 'DJP305',
  name: 'sync-helper-blocks-async',
  family: 'async-blocking',
  defaultSeverity: 'warning',
  summary: 'async def calls a sync helper that runs ORM queries or blocking I/O.',
});

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    walk(facts.root, (n) => {
      if (n.type !== 'call') return true;
      const fn = asyncFunctionOf(n);
      if (!fn || isAwaited(n) || threadHopOf(n, facts)) return true;
      const helper = calledLocalFunction(n, facts.root);
      if (!helper || isAsyncDef(helper) || helper.id === fn.id) return true;
      const work = callableWork(helper, facts);
      const query = work.queries.find((q) => !q.isAsync);
      const blocking = work.blocking[0];
      if (!query && !blocking) return true;
      const what = query
        ? `runs a query (\`${query.node.text.split('\n')[0].slice(0, 70)}\`, line ${query.node.startPosition.row + 1})`
        : `does ${CATEGORY_LABEL[blocking.category]} (\`${blocking.name}\`, line ${blocking.call.startPosition.row + 1})`;
      const name = helper.childForFieldName('name')?.text ?? 'helper';
      const callee = n.childForFieldName('function')?.text ?? name;
      const args = n.childForFieldName('arguments')?.text ?? '()';
      const imp = ensureImport(facts.root, facts.imports, 'sync_to_async', 'from asgiref.sync import sync_to_async');
      findings.push({
        code: meta.code,
        range: rangeOf(n),
        message: `\`${name}()\` is sync and ${what}; called from \`async def ${fn.childForFieldName('name')?.text}\` it runs on the event loop ` +
          `(${query ? 'SynchronousOnlyOperation under ASGI' : 'blocking every request on this loop'}). Call it as \`await sync_to_async(${callee})${args}\` or make it async.`,
        cost: { kind: 'blocking', call: name, estimatedMs: query ? 2 : blocking.estimatedMs },
        related: [{ range: rangeOf((query?.node ?? blocking.call)), message: `${name}() ${query ? 'queries' : 'blocks'} here` }],
        fixes: [{ message: `Run ${name}() in a thread: await sync_to_async(${callee})(...)`, applicability: 'unsafe', isPreferred: true,
          edits: [replaceWithAwait(n, `sync_to_async(${callee})${args}`), ...(imp ? [imp] : [])] }],
      });
      return true;
    });
    return findings;
  },
};
