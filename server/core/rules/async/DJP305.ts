import { clipCode } from '../../text/clip';
import type { Node } from '../../parsing/syntaxTree';
import { ruleMeta, type Finding, type Rule } from '../types';
import type { RuleContext } from '../context';
import { resolveHelper } from '../../django/helperCalls';
import { sharedFacts } from './env';
import { asyncFunctionOf, callableWork, isAwaited, threadHopOf } from '../../django/asyncContext';
import { appliedCallable, callableDef, calledSyncDef, passedCallbacks, type SyncTarget } from '../../django/asyncCallees';
import type { CallerIndex } from '../../workspace/callerIndex';
import type { DefiningFile } from '../../workspace/callers';
import type { Range } from '../../parsing/textDocument';
import type { RelatedLocation } from '../types';
import { CATEGORY_LABEL } from '../../django/blockingCalls';
import { isAsyncDef, keywordArg, positionalArgs, rangeOf, nodesOfType } from '../../python/syntax';
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

interface FoundWork {
  query?: QueryEvaluation;
  blocking?: BlockingCall;
  /** The defs in between, with their files. */
  via: SyncTarget[];
  /** The def whose own body runs the work. */
  at: SyncTarget;
}

/**
 * The first sync query or blocking call a sync callable runs, itself or through the sync defs it calls that djperf
 * resolves (functions of its module, `self.m()` through the class and its workspace bases), up to MAX_HOPS deep;
 * awaited calls, thread hops and recursion end the search.
 */
function syncWork(target: SyncTarget, facts: ReturnType<typeof sharedFacts>, index: CallerIndex | undefined, seen: number[], depth = 0): FoundWork | undefined {
  const work = callableWork(target.def, facts);
  const query = work.queries.find((q) => !q.isAsync);
  const blocking = work.blocking[0];
  if (query || blocking) return { query, blocking, via: [], at: target };
  if (depth >= MAX_HOPS || !work.fn) return undefined;
  const body = work.fn.childForFieldName('body');
  for (const call of body ? nodesOfType(body, 'call') : []) {
    if (isAwaited(call) || threadHopOf(call, facts)) continue;
    // A call inside a nested def or lambda of the helper does not run when the helper does.
    if (work.fn.type === 'function_definition' && enclosingFunction(call)?.id !== work.fn.id) continue;
    const next = calledSyncDef(call, target.file, index);
    if (!next || isAsyncDef(next.def) || next.def.id === target.def.id || seen.includes(next.def.id)) continue;
    const deeper = syncWork(next, facts, index, [...seen, target.def.id], depth + 1);
    if (deeper) return { ...deeper, via: [next, ...deeper.via] };
  }
  return undefined;
}

function defName(t: SyncTarget): string {
  return t.def.type === 'lambda' ? 'the lambda' : `${t.def.childForFieldName('name')?.text ?? 'helper'}()`;
}

/** `line 12`, or `helpers.py line 12` when the work is in another file. */
function where(node: Node, t: SyncTarget, home: DefiningFile): string {
  const file = t.file.uri === home.uri ? '' : `${t.file.uri.replace(/\\/g, '/').split('/').pop()} `;
  return `${file}line ${node.startPosition.row + 1}`;
}

function located(t: SyncTarget, home: DefiningFile, range: Range): { uri?: string; range: Range } {
  return t.file.uri === home.uri ? { range } : { uri: t.file.uri, range };
}

/** How the async code reaches the sync callable, for messages and fixes. */
type Reach =
  | { kind: 'call'; target: SyncTarget }
  | { kind: 'callback'; target: SyncTarget; helper: string; param: string; helperAt: { uri?: string; range: Range } }
  | { kind: 'applied'; target: SyncTarget; by: string };

function finding(n: Node, fn: Node, reach: Reach, found: FoundWork, home: DefiningFile, facts: ReturnType<typeof sharedFacts>): Finding {
  const { query, blocking, via, at } = found;
  const through = via.length ? ` through ${via.map(defName).join(' → ')}` : '';
  const workNode = query?.node ?? blocking!.call;
  const what = query
    ? `runs a query${through} (\`${clipCode(query.node.text, 70)}\`, ${where(workNode, at, home)})`
    : `does ${CATEGORY_LABEL[blocking!.category]}${through} (\`${blocking!.name}\`, ${where(workNode, at, home)})`;
  const name = defName(reach.target);
  const asyncName = fn.childForFieldName('name')?.text;
  const effect = query ? 'SynchronousOnlyOperation under ASGI' : 'blocking every request on this loop';
  const callee = n.childForFieldName('function')?.text ?? name;
  const args = n.childForFieldName('arguments')?.text ?? '()';
  const subject = reach.kind === 'call'
    ? `\`${name}\` is sync and ${what}`
    : reach.kind === 'callback'
      ? `\`${reach.helper}\` calls the \`${reach.param}\` passed here, \`${name}\`, which is sync and ${what}`
      : `\`${reach.by}\` applies \`${name}\` here, and it is sync and ${what}`;
  const advice = reach.kind === 'applied'
    ? 'Run the whole loop in a thread with `await sync_to_async(...)` or make it async.'
    : `Call it as \`await sync_to_async(${callee})${args}\` or make it async.`;
  const related: RelatedLocation[] = [
    ...(reach.kind === 'callback' ? [{ ...reach.helperAt, message: `${reach.helper} calls ${reach.param}()` }] : []),
    ...via.map((d) => ({ ...located(d, home, rangeOf(d.def.childForFieldName('name') ?? d.def)), message: `${defName(d)} is called on the way` })),
    { ...located(at, home, rangeOf(workNode)), message: `${defName(at)} ${query ? 'queries' : 'blocks'} here` },
  ];
  const imp = reach.kind === 'applied' ? undefined : ensureImport(facts.root, facts.imports, 'sync_to_async', 'from asgiref.sync import sync_to_async');
  return {
    code: meta.code,
    range: rangeOf(n),
    message: `${subject}; called from \`async def ${asyncName}\` it runs on the event loop (${effect}). ${advice}`,
    cost: { kind: 'blocking', call: name.replace(/\(\)$/, ''), estimatedMs: query ? 2 : blocking!.estimatedMs },
    related,
    ...(reach.kind === 'applied' ? {} : {
      fixes: [{ message: `Run ${callee}() in a thread: await sync_to_async(${callee})(...)`, applicability: 'unsafe' as const, isPreferred: true,
        edits: [replaceWithAwait(n, `sync_to_async(${callee})${args}`), ...(imp ? [imp] : [])] }],
    }),
  };
}

/** `apply_all(feed_title, pks)` of an imported sync helper whose summary says it calls that parameter. */
function importedCallbackFinding(ctx: RuleContext, n: Node, fn: Node, home: DefiningFile, facts: ReturnType<typeof sharedFacts>): Finding | undefined {
  const callee = n.childForFieldName('function');
  if (!callee || (callee.type !== 'identifier' && callee.type !== 'attribute')) return undefined;
  if (!/[(,]\s*(?:\w+\s*=\s*)?(?:self\.)?\w+\s*[,)]/.test(n.childForFieldName('arguments')?.text ?? '')) return undefined;
  const hit = resolveHelper(ctx, callee);
  const called = hit?.summary.callsParams;
  if (!hit?.uri || hit.summary.isAsync || !called?.length) return undefined;
  const positional = positionalArgs(n);
  for (const param of called) {
    const i = hit.summary.params.indexOf(param);
    const arg = keywordArg(n, param) ?? (i >= 0 ? positionalArgs(n)[i] : undefined);
    if (!arg || positional.length > hit.summary.params.length) continue;
    const target = callableDef(arg, home, ctx.workspace.callers);
    if (!target || (target.def.type === 'function_definition' && isAsyncDef(target.def))) continue;
    const found = syncWork(target, facts, ctx.workspace.callers, [fn.id]);
    if (found) return finding(n, fn, { kind: 'callback', target, helper: `${hit.summary.name}()`, param, helperAt: { uri: hit.uri, range: hit.summary.range } }, found, home, facts);
  }
  return undefined;
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const index = ctx.workspace.callers;
    const home: DefiningFile = { uri: ctx.file.uri, text: ctx.file.text, root: facts.root, relPath: index?.relPathOf(ctx.file.uri) ?? ctx.file.uri };
    const findings: Finding[] = [];
    for (const n of nodesOfType(facts.root, 'call')) {
      const fn = asyncFunctionOf(n);
      if (!fn || isAwaited(n) || threadHopOf(n, facts)) continue;
      const applied = appliedCallable(n);
      if (applied) {
        // `list(map(load_row, ids))` in async code: each element runs the sync function on the event loop.
        const target = callableDef(applied, home, index);
        const found = target && !(target.def.type === 'function_definition' && isAsyncDef(target.def)) ? syncWork(target, facts, index, [fn.id]) : undefined;
        if (target && found) findings.push(finding(n, fn, { kind: 'applied', target, by: `${n.childForFieldName('function')?.text}()` }, found, home, facts));
        continue;
      }
      const target = calledSyncDef(n, home, index);
      if (!target) {
        const imported = importedHelperFinding(ctx, n, fn, facts) ?? importedCallbackFinding(ctx, n, fn, home, facts);
        if (imported) findings.push(imported);
        continue;
      }
      if (isAsyncDef(target.def) || target.def.id === fn.id) continue;
      const found = syncWork(target, facts, index, [fn.id]);
      if (found) {
        findings.push(finding(n, fn, { kind: 'call', target }, found, home, facts));
        continue;
      }
      // A sync helper that does nothing itself but calls a callable it is given: the callable runs here too.
      for (const cb of passedCallbacks(n, target, home, index)) {
        const inner = syncWork(cb.target, facts, index, [fn.id, target.def.id]);
        if (!inner) continue;
        const helperAt = located(target, home, rangeOf(target.def.childForFieldName('name') ?? target.def));
        findings.push(finding(n, fn, { kind: 'callback', target: cb.target, helper: defName(target), param: cb.param, helperAt }, inner, home, facts));
        break;
      }
    }
    return findings;
  },
};
