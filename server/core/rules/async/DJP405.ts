import { ruleMeta, type Finding, type Rule } from '../types';
import { sharedFacts } from './env';
import { threadHops, describeTarget } from './hops';
import { asyncFunctionOf } from '../../django/asyncContext';
import { cacheCall } from '../../django/blockingCalls';
import { rangeOf, unparen, parentOf, nodesOfType } from '../../python/syntax';
import { awaitEdits } from '../../fixes/asyncEdits';
import type { Node } from '../../parsing/syntaxTree';

export const meta = ruleMeta({
  code: 'DJP405',
  name: 'coroutine-never-awaited',
  family: 'sync-async',
  defaultSeverity: 'warning',
  summary: 'sync_to_async(f)(...) or an async ORM/cache call whose coroutine is dropped without await: the work never runs.',
});

/** The call is the whole expression statement: its value (a coroutine) is discarded. */
function discarded(call: Node): boolean {
  let p = parentOf(call);
  while (p?.type === 'parenthesized_expression') p = parentOf(p);
  return p?.type === 'expression_statement' && unparen(p.namedChildren[0] as Node).id === call.id;
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    const push = (call: Node, what: string) => {
      const fn = asyncFunctionOf(call);
      findings.push({
        code: meta.code,
        range: rangeOf(call),
        message: `${what} returns a coroutine that is never awaited: the work silently never runs (Python only warns "coroutine ... was never awaited"). ` +
          `${fn ? 'Add `await`.' : 'Await it from async code, or call the sync API here.'}`,
        fixes: fn ? [{ message: 'Add await', applicability: 'unsafe', isPreferred: true, edits: awaitEdits(call) }] : undefined,
      });
    };
    for (const hop of threadHops(facts)) {
      if (hop.kind === 'run_in_executor') continue; // a Future: fire-and-forget is legitimate
      if (discarded(hop.call)) push(hop.call, hop.kind === 'to_thread' ? `asyncio.to_thread(${describeTarget(hop)})` : `sync_to_async(${describeTarget(hop)})(...)`);
    }
    for (const e of facts.evaluations) {
      if (!e.isAsync || (e.kind !== 'method' && e.kind !== 'instance-method')) continue;
      if (discarded(e.node)) push(e.node, `\`.${e.method}()\``);
    }
    for (const n of nodesOfType(facts.root, 'call')) {
      if (!discarded(n)) continue; // the cheap test first: most calls' values are used
      const c = cacheCall(n);
      if (c && /^a/.test(c.method)) push(n, `\`${c.receiver.text}.${c.method}()\``);
    }
    return findings;
  },
};
