import { ruleMeta, type Finding, type Rule } from '../types';
import { describeUse, managerCost, managerUses, loopRelated } from '../../django/n1Analysis';
import { helperRelated } from '../../django/helperCalls';
import { formatQueryCost } from '../types';
import { rangeOf } from '../../python/syntax';
import { addToQuerysetChain } from '../../fixes/querysetEdits';

export const meta = ruleMeta({
  code: 'DJP102',
  name: 'related-manager-per-row',
  family: 'n-plus-one',
  defaultSeverity: 'warning',
  summary: 'A reverse ForeignKey / ManyToMany manager is iterated or evaluated per row of a queryset that does not prefetch_related it.',
});

export const rule: Rule = {
  meta,
  check(ctx) {
    const findings: Finding[] = [];
    for (const use of managerUses(ctx)) {
      if (use.kind !== 'evaluate' || use.prefetch) continue;
      const source = use.loop.source;
      const model = ctx.workspace.models.get(source.model);
      const cost = managerCost(use, 1, ctx);
      const edit = source.relatedFrom || source.calls.some((c) => /\.iterator\s*\(/.test(c.text))
        ? undefined : addToQuerysetChain(source, 'prefetch_related', use.path);
      findings.push({
        code: meta.code,
        range: rangeOf(use.expr),
        message: `N+1: ${describeUse(use)} runs one query per ${model?.name ?? 'row'} row (${formatQueryCost(cost)}); ` +
          `add prefetch_related("${use.path}") to the queryset (${cost.base + 1} queries in all).`,
        cost,
        related: [...(use.via ? [helperRelated(use.via.call, use.via.read, 'evaluates')] : []), ...loopRelated(use.loop, use.path)],
        fixes: edit ? [{ message: `Add prefetch_related("${use.path}")`, applicability: 'safe', edits: [edit], isPreferred: true }] : undefined,
      });
    }
    return findings;
  },
};
