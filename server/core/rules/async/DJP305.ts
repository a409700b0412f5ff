import { clipCode } from '../../text/clip';
import type { Node } from '../../parsing/syntaxTree';
import { ruleMeta, type Finding, type Rule } from '../types';
import type { RuleContext } from '../context';
import { resolveHelper } from '../../django/helperCalls';
import { sharedFacts } from './env';
import { asyncFunctionOf, callableWork, calledLocalFunction, isAwaited, threadHopOf } from '../../django/asyncContext';
import { CATEGORY_LABEL } from '../../django/blockingCalls';
import { isAsyncDef, rangeOf, nodesOfType } from '../../python/syntax';
import { ensureImport, replaceWithAwait } from '../../fixes/asyncEdits';

export const meta = ruleMeta({
  code: 'DJP305',
  name: 'sync-helper-blocks-async',
  family: 'async-blocking',
  defaultSeverity: 'warning',
  summary: 'async def calls a sync helper that runs ORM queries or blocking I/O.',
});

/** A sync helper imported from another workspace module, from its function summary. */
function importedHelperFinding(ctx: RuleContext, n: Node, fn: Node, facts: ReturnType<typeof sharedFacts>): Finding | undefined {
  const callee = n.childForFieldName('function');
  if (!callee || (callee.type !== 'identifier' && callee.type !== 'attribute')) return undefined;
  const hit = resolveHelper(ctx, callee);
  if (!hit?.uri || hit.summary.isAsync) return undefined;
  const query = hit.summary.work?.find((w) => w.kind === 'query' && w.model && ctx.workspace.models.find(w.model));
  const blocking = hit.summary.work?.find((w) => w.kind === 'blocking');
  const work = query ?? blocking;
  if (!work) return undefined;
  const name = hit.summary.name;
  const calleeText = callee.text;
  const args = n.childForFieldName('arguments')?.text ?? '()';
  const file = hit.uri.replace(/\\/g, '/').split('/').pop() ?? hit.uri;
  const what = query
    ? `runs a query (\`${work.text}\`, ${file} line ${work.range.start.line + 1})`
    : `does ${work.label ?? 'blocking I/O'} (\`${work.text}\`, ${file} line ${work.range.start.line + 1})`;
  const imp = ensureImport(facts.root, facts.imports, 'sync_to_async', 'from asgiref.sync import sync_to_async');
  return {
    code: meta.code,
    range: rangeOf(n),
    message: `\`${name}()\` (imported) is sync and ${what}; called from \`async def ${fn.childForFieldName('name')?.text}\` it runs on the event loop ` +
      `(${query ? 'SynchronousOnlyOperation under ASGI' : 'blocking every request on this loop'}). Call it as \`await sync_to_async(${calleeText})${args}\` or make it async.`,
    cost: { kind: 'blocking', call: name, estimatedMs: query ? 2 : work.estimatedMs },
    related: [{ uri: hit.uri, range: work.range, message: `${name}() ${query ? 'queries' : 'blocks'} here` }],
    fixes: [{ message: `Run ${name}() in a thread: await sync_to_async(${calleeText})(...)`, applicability: 'unsafe', isPreferred: true,
      edits: [replaceWithAwait(n, `sync_to_async(${calleeText})${args}`), ...(imp ? [imp] : [])] }],
  };
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    for (const n of nodesOfType(facts.root, 'call')) {
      const fn = asyncFunctionOf(n);
      if (!fn || isAwaited(n) || threadHopOf(n, facts)) continue;
      const helper = calledLocalFunction(n, facts.root);
      if (!helper) {
        const imported = importedHelperFinding(ctx, n, fn, facts);
        if (imported) findings.push(imported);
        continue;
      }
      if (isAsyncDef(helper) || helper.id === fn.id) continue;
      const work = callableWork(helper, facts);
      const query = work.queries.find((q) => !q.isAsync);
      const blocking = work.blocking[0];
      if (!query && !blocking) continue;
      const what = query
        ? `runs a query (\`${clipCode(query.node.text, 70)}\`, line ${query.node.startPosition.row + 1})`
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
    }
    return findings;
  },
};
