import { clipCode } from '../../text/clip';
import type { Node } from '../../parsing/syntaxTree';
import { callableWork, threadHopOf, type CallableWork, type ThreadHop } from '../../django/asyncContext';
import { nodesOfType } from '../../python/syntax';
import type { SharedFacts } from './env';
import { MemoKey } from '../../memo';

export interface HopWithWork extends ThreadHop {
  work: CallableWork;
}

const HOPS = new MemoKey<HopWithWork[]>('thread hops');
const HOP_SPELLINGS = ['sync_to_async', 'SyncToAsync', 'to_thread', 'run_in_executor'];

/** Every thread hop of the file with what its callable does. */
export function threadHops(facts: SharedFacts): HopWithWork[] {
  return facts.memos.get(HOPS, () => {
    const hops: HopWithWork[] = [];
    // Every hop spells one of these names in the file (aliases are imported under them): most files have none, and
    // asking the semantic model about every call of those files was a tenth of the analysis time on DefectDojo.
    const text = facts.root.tree.text;
    if (!HOP_SPELLINGS.some((s) => text.includes(s))) return hops;
    for (const n of nodesOfType(facts.root, 'call')) {
      const hop = threadHopOf(n, facts);
      if (hop) hops.push({ ...hop, work: callableWork(hop.target, facts) });
    }
    return hops;
  });
}

export function doesOrm(work: CallableWork): boolean {
  return !!work.boundQuery || work.queries.some((q) => !q.isAsync);
}

export function describeTarget(hop: ThreadHop): string {
  const t: Node | undefined = hop.target;
  if (!t) return 'the callable';
  if (t.type === 'function_definition') return `${t.childForFieldName('name')?.text}()`;
  if (t.type === 'lambda') return 'the lambda';
  return `\`${clipCode(t.text, 60)}\``;
}
