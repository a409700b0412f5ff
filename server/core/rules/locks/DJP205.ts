import { ruleMeta, type Finding, type Rule } from '../types';
import { evaluationRange, lockSites } from './lockFacts';
import { sharedFacts } from '../async/env';

export const meta = ruleMeta({
  code: 'DJP205',
  name: 'row-lock-until-response-with-atomic-requests',
  family: 'locks',
  defaultSeverity: 'warning',
  summary: 'select_for_update() in a view with ATOMIC_REQUESTS on: the lock lives until the response is rendered.',
});

export const rule: Rule = {
  meta,
  check(ctx) {
    const setting = ctx.workspace.settings.atomicRequests;
    if (!setting?.value) return [];
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    for (const site of lockSites(ctx)) {
      const rp = facts.requestPath(site.fn);
      if (!rp || !rp.atomicRequestsApplies) continue;
      findings.push({
        code: meta.code,
        range: evaluationRange(site.evaluation),
        message: `ATOMIC_REQUESTS wraps this view in one transaction, so the ${site.rowKey} row locked here stays locked until ` +
          `the view returns and the response is built (template rendering, serialisation, every later query), not until the end of ` +
          `the \`with\` block. Decorate the view with @transaction.non_atomic_requests and lock inside a short ` +
          `\`with transaction.atomic():\` block.`,
        cost: { kind: 'lock', rowKey: site.rowKey, heldAcross: ['the rest of the view and response rendering'] },
        related: [{ uri: setting.uri, range: setting.range, message: 'ATOMIC_REQUESTS is enabled here' }],
      });
    }
    return findings;
  },
};
