import { ruleMeta, type Finding, type Fix, type Rule } from '../types';
import { sharedFacts } from './env';
import { describeTarget, doesOrm, threadHops } from './hops';
import { calleeName, commaBefore, rangeAt, rangeOf, walk } from '../../python/syntax';
import type { Node } from '../../parsing/syntaxTree';

/** Calls that close the thread's connections (django.db.connections.close_all, close_old_connections). */
const CLOSING = /(?:^|\.)(?:connections\.close_all|close_old_connections|connection\.close)$/;

/**
 * Whether the function run in the thread closes its database connections itself (in a finally or at its end):
 * then the thread's connection does not outlive the call. Nested defs do not count: they may never run.
 */
function closesConnections(target: Node | undefined): boolean {
  if (target?.type !== 'function_definition') return false;
  const body = target.childForFieldName('body');
  let closes = false;
  if (body) walk(body, (n) => {
    if (closes || n.type === 'function_definition' || n.type === 'lambda' || n.type === 'class_definition') return false;
    if (n.type === 'call' && CLOSING.test(calleeName(n) ?? '')) closes = true;
    return true;
  });
  return closes;
}

export const meta = ruleMeta({
  code: 'DJP402',
  name: 'orm-off-the-thread-sensitive-executor',
  family: 'sync-async',
  defaultSeverity: 'warning',
  summary: 'ORM code runs under sync_to_async(thread_sensitive=False), asyncio.to_thread or an executor.',
});

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    for (const hop of threadHops(facts)) {
      if (hop.threadSensitive || !doesOrm(hop.work) || closesConnections(hop.work.fn)) continue;
      const how = hop.kind === 'sync_to_async' ? 'sync_to_async(thread_sensitive=False)' : hop.kind === 'to_thread' ? 'asyncio.to_thread()' : 'run_in_executor()';
      let fixes: Fix[] | undefined;
      if (hop.kind === 'sync_to_async' && hop.wrapper?.type === 'call') {
        const kw = hop.wrapper.childForFieldName('arguments')?.namedChildren.find((c) => c?.type === 'keyword_argument' && c.childForFieldName('name')?.text === 'thread_sensitive');
        const comma = kw ? commaBefore(kw) : -1;
        if (kw && comma >= 0) {
          fixes = [{ message: 'Drop thread_sensitive=False', applicability: 'safe', isPreferred: true,
            edits: [{ range: rangeAt(kw.tree, comma, kw.endIndex), newText: '' }] }];
        }
      }
      findings.push({
        code: meta.code,
        range: rangeOf(hop.call),
        message: `${describeTarget(hop)} runs ORM queries under ${how}: each call may run on a different thread, and every such thread opens ` +
          `its own database connection that Django never closes (request_finished only closes the request thread's connections), ` +
          `leaking connections and breaking transactions. Use sync_to_async with the default thread_sensitive=True.`,
        cost: { kind: 'blocking', call: how, threadHops: 1 },
        fixes,
      });
    }
    return findings;
  },
};
