import { clipCode } from '../../text/clip';
import type { Node } from '../../parsing/syntaxTree';
import { ruleMeta, type Finding, type Rule } from '../types';
import type { RuleContext } from '../context';
import { resolveHelper } from '../../django/helperCalls';
import { sharedFacts } from './env';
import { asyncFunctionOf, callableWork, calledLocalFunction, isAwaited, threadHopOf } from '../../django/asyncContext';
import { CATEGORY_LABEL } from '../../django/blockingCalls';
import { isAsyncDef, rangeOf, nodesOfType } from '../../python/syntax';
import { enclosingFunction } from '../../python/scopes';
import type { QueryEvaluation } from '../../django/evaluation';
import type { BlockingCall } from '../../django/blockingCalls';
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
  const through = work.via?.length ? ` through ${work.via.map((v) => `${v}()`).join(' → ')}` : '';
  const what = query
    ? `runs a query${through} (\`${work.text}\`, ${file} line ${work.range.start.line + 1})`
    : `does ${work.label ?? 'blocking I/O'}${through} (\`${work.text}\`, ${file} line ${work.range.start.line + 1})`;
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

const MAX_HOPS = 3;

/**
 * The first sync query or blocking call a helper of this file runs, itself or through the sync helpers of this file it
 * calls (up to MAX_HOPS deep; awaited calls, thread hops and recursion end the search). `via`: the helpers in between.
 */
function syncWork(helper: Node, facts: ReturnType<typeof sharedFacts>, seen: number[], depth = 0): { query?: QueryEvaluation; blocking?: BlockingCall; via: Node[] } | undefined {
  const work = callableWork(helper, facts);
  const query = work.queries.find((q) => !q.isAsync);
  const blocking = work.blocking[0];
  if (query || blocking) return { query, blocking, via: [] };
  if (depth >= MAX_HOPS || !work.fn) return undefined;
  const body = work.fn.childForFieldName('body');
  for (const call of body ? nodesOfType(body, 'call') : []) {
    if (isAwaited(call) || threadHopOf(call, facts)) continue;
    const next = calledLocalFunction(call, facts.root);
    if (!next || isAsyncDef(next) || next.id === helper.id || seen.includes(next.id)) continue;
    // A call inside a nested def or lambda of the helper does not run when the helper does.
    if (enclosingFunction(call)?.id !== work.fn.id) continue;
    const deeper = syncWork(next, facts, [...seen, helper.id], depth + 1);
    if (deeper) return { ...deeper, via: [next, ...deeper.via] };
  }
  return undefined;
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
      const found = syncWork(helper, facts, [fn.id]);
      if (!found) continue;
      const { query, blocking, via } = found;
      const through = via.length ? ` through ${via.map((d) => `${d.childForFieldName('name')?.text}()`).join(' → ')}` : '';
      const what = query
        ? `runs a query${through} (\`${clipCode(query.node.text, 70)}\`, line ${query.node.startPosition.row + 1})`
        : `does ${CATEGORY_LABEL[blocking!.category]}${through} (\`${blocking!.name}\`, line ${blocking!.call.startPosition.row + 1})`;
      const name = helper.childForFieldName('name')?.text ?? 'helper';
      const callee = n.childForFieldName('function')?.text ?? name;
      const args = n.childForFieldName('arguments')?.text ?? '()';
      const imp = ensureImport(facts.root, facts.imports, 'sync_to_async', 'from asgiref.sync import sync_to_async');
      findings.push({
        code: meta.code,
        range: rangeOf(n),
        message: `\`${name}()\` is sync and ${what}; called from \`async def ${fn.childForFieldName('name')?.text}\` it runs on the event loop ` +
          `(${query ? 'SynchronousOnlyOperation under ASGI' : 'blocking every request on this loop'}). Call it as \`await sync_to_async(${callee})${args}\` or make it async.`,
        cost: { kind: 'blocking', call: name, estimatedMs: query ? 2 : blocking!.estimatedMs },
        related: [
          ...via.map((d) => ({ range: rangeOf(d.childForFieldName('name') ?? d), message: `${d.childForFieldName('name')?.text}() is called on the way` })),
          { range: rangeOf((query?.node ?? blocking!.call)), message: `${via.length ? via[via.length - 1].childForFieldName('name')?.text : name}() ${query ? 'queries' : 'blocks'} here` },
        ],
        fixes: [{ message: `Run ${name}() in a thread: await sync_to_async(${callee})(...)`, applicability: 'unsafe', isPreferred: true,
          edits: [replaceWithAwait(n, `sync_to_async(${callee})${args}`), ...(imp ? [imp] : [])] }],
      });
    }
    return findings;
  },
};
