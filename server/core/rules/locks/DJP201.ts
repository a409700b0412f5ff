import { ruleMeta, type Finding, type Rule } from '../types';
import { evaluationRange, lockSites } from './lockFacts';
import { sharedFacts } from '../async/env';
import { enclosingTransaction } from '../../django/transactions';
import { functionOf } from '../../django/asyncContext';
import { nodesOfType, rangeOf, parentOf } from '../../python/syntax';
import type { Node } from '../../parsing/syntaxTree';

export const meta = ruleMeta({
  code: 'DJP201',
  name: 'select-for-update-outside-transaction',
  family: 'locks',
  defaultSeverity: 'error',
  summary: 'A select_for_update() queryset is evaluated outside any transaction (TransactionManagementError at run time).',
});

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const atomicRequests = !!ctx.workspace.settings.atomicRequests?.value;
    const findings: Finding[] = [];
    for (const site of lockSites(ctx)) {
      const e = site.evaluation;
      if (enclosingTransaction(e.node)) continue;
      const fn = site.fn;
      if (fn?.type === 'lambda') continue;
      let why: string | undefined;
      const rp = facts.requestPath(fn);
      if (!fn) why = 'at module level';
      else if (rp) {
        if (atomicRequests && rp.atomicRequestsApplies) continue; // ATOMIC_REQUESTS wraps the view (DJP205)
        why = `in the view ${fn.childForFieldName('name')?.text} (${rp.reason}) with no transaction around it`;
      } else {
        // A helper: only when every caller in this file is a view without a transaction.
        const callers = callersOf(fn, facts.root);
        if (callers.length === 0) continue;
        const unprotected = (c: Node): boolean => {
          if (enclosingTransaction(c)) return false;
          const crp = facts.requestPath(functionOf(c));
          return !!crp && !(atomicRequests && crp.atomicRequestsApplies);
        };
        const bad = callers.filter(unprotected);
        if (bad.length === 0) continue;
        const helperName = fn.childForFieldName('name')?.text;
        if (bad.length < callers.length) {
          // Other callers hold a transaction: the helper is right for them; each view that does not is the mistake.
          for (const c of bad) {
            const view = functionOf(c)?.childForFieldName('name')?.text ?? 'a view';
            findings.push({
              code: meta.code,
              range: rangeOf(c),
              message: `${helperName}() evaluates select_for_update() (line ${e.node.startPosition.row + 1}) and the view ${view} calls it with no ` +
                `transaction around it: Django raises TransactionManagementError on this path. Call it inside \`with transaction.atomic():\` as the other callers do.`,
              related: [{ range: evaluationRange(e), message: 'the locking query runs here' }],
            });
          }
          continue;
        }
        why = `in ${helperName}(), called from views with no transaction around it`;
      }
      findings.push({
        code: meta.code,
        range: evaluationRange(e),
        message: `select_for_update() is evaluated ${why}: in autocommit mode Django raises TransactionManagementError ` +
          `("select_for_update cannot be used outside of a transaction"), and even where it did not, the lock would be ` +
          `released at once. Wrap the read and the write that depends on it in \`with transaction.atomic():\`.`,
        related: site.forUpdate.id !== e.node.id ? [{ range: rangeOf(site.forUpdate), message: 'select_for_update() added here; the query runs where the queryset is evaluated' }] : undefined,
      });
    }
    return findings;
  },
};

function callersOf(fn: Node, root: Node): Node[] {
  const name = fn.childForFieldName('name')?.text;
  if (!name || parentOf(fn)?.type === 'block' && parentOf(parentOf(fn))?.type === 'class_definition') return [];
  const out: Node[] = [];
  for (const n of nodesOfType(root, 'call')) {
    const fn = n.childForFieldName('function');
    if (fn?.type === 'identifier' && fn.text === name) out.push(n);
  }
  return out;
}
