import { ruleMeta, formatQueryCost, type Finding, type Fix, type Rule } from '../types';
import type { RuleContext } from '../context';
import { reportedAtMethod } from '../../django/methodQueries';
import { describeUse, managerCost, managerUses, loopRelated, type ManagerUse } from '../../django/n1Analysis';
import { helperRelated } from '../../django/helperCalls';
import { calleeMethod, positionalArgs, rangeOf } from '../../python/syntax';
import { chainInsertRange, ensureImported, preferredQuote } from '../../fixes/querysetEdits';

export const meta = ruleMeta({
  code: 'DJP104',
  name: 'count-per-row',
  family: 'n-plus-one',
  defaultSeverity: 'warning',
  summary: 'count()/exists()/aggregate() on a relation runs once per row; annotate the queryset instead.',
});

const UNSAFE_CHAIN = new Set(['values', 'values_list', 'union', 'intersection', 'difference', 'distinct', 'extra', 'annotate', 'alias', 'raw']);

/** `.annotate(<rel>_count=Count("<rel>"))` plus `row.rel.count()` -> `row.<rel>_count`, only when provably the same number. */
function annotateFix(ctx: RuleContext, use: ManagerUse): Fix | undefined {
  if (use.via || use.kind !== 'count' || use.methods.some((m) => m !== 'all' && m !== 'count') || use.path.includes('__')) return undefined;
  const source = use.loop.source;
  if (source.relatedFrom || source.rows !== 'instances' || !source.manager) return undefined;
  // The use must be the manager chain itself (not a local variable's count()).
  if (!(use.expr.startIndex === use.manager.startIndex && use.expr.type === 'call' && calleeMethod(use.expr) === 'count')) return undefined;
  if (positionalArgs(use.expr).length > 0) return undefined;
  for (const c of source.calls) {
    const m = calleeMethod(c) ?? '';
    if (UNSAFE_CHAIN.has(m)) return undefined;
    if (m === 'filter' || m === 'exclude') {
      // A filter across the same multi-valued relation adds a join that multiplies the counted rows.
      // Q objects are fine unless they mention the relation; anything else positional is opaque.
      const mentions = new RegExp(`(^|[^\\w])${use.path}(__|\\s*=)`);
      if (positionalArgs(c).some((a) => !/^(models\.)?Q\(/.test(a.text) || /\*\*/.test(a.text) || mentions.test(a.text))) return undefined;
      const args = c.childForFieldName('arguments')?.namedChildren ?? [];
      if (args.some((a) => a?.type === 'keyword_argument' && (a.childForFieldName('name')?.text ?? '').split('__')[0] === use.path)) return undefined;
      if (args.some((a) => a?.type === 'dictionary_splat')) return undefined;
    }
  }
  const model = ctx.workspace.models.get(source.model);
  const name = `${use.path}_count`;
  if (!model || model.columns.has(name) || model.relations.has(name) || model.methods.has(name)) return undefined;
  const at = chainInsertRange(source);
  if (!at) return undefined;
  const imp = ensureImported(source.origin, 'django.db.models', 'Count');
  if (!imp) return undefined;
  const q = preferredQuote(source.origin);
  const rowExpr = use.manager.childForFieldName('object')?.text;
  if (!rowExpr) return undefined;
  return {
    message: `Annotate ${name}=Count("${use.path}") and read it per row`,
    applicability: 'safe',
    isPreferred: true,
    edits: [
      ...imp.edits,
      { range: at, newText: `.annotate(${name}=${imp.ref}(${q}${use.path}${q}))` },
      { range: rangeOf(use.expr), newText: `${rowExpr}.${name}` },
    ],
  };
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const findings: Finding[] = [];
    for (const use of managerUses(ctx)) {
      if (use.prefetch) continue;
      // A model method's query no prefetch serves is reported once, at the method (DJP112), with this loop.
      if (use.via && reportedAtMethod(ctx, use.via.call, use.via.read, use.loop.source.model)) continue;
      if (use.kind !== 'count' && use.kind !== 'exists' && use.kind !== 'aggregate' && use.kind !== 'contains') continue;
      const model = ctx.workspace.models.get(use.loop.source.model);
      const cost = managerCost(use, 1, ctx);
      const suggestion = use.kind === 'count'
        ? `annotate the queryset with ${use.path}_count=Count("${use.path}") and read row.${use.path}_count`
        : use.kind === 'aggregate'
          ? `annotate the aggregate on the outer queryset (e.g. annotate(total=Sum("${use.path}__<field>")))`
          : `annotate has_${use.path}=Exists(<Related>.objects.filter(<fk>=OuterRef("pk"))) on the queryset`;
      const fix = annotateFix(ctx, use);
      findings.push({
        code: meta.code,
        range: rangeOf(use.expr),
        message: `N+1: ${describeUse(use)} runs one ${use.kind === 'count' ? 'COUNT' : use.kind === 'aggregate' ? 'aggregate' : 'EXISTS'} ` +
          `query per ${model?.name ?? 'row'} row (${formatQueryCost(cost)}); ${suggestion} (one grouped query).`,
        cost,
        related: [...(use.via ? [helperRelated(use.via.call, use.via.read, 'counts')] : []), ...loopRelated(use.loop, use.path)],
        fixes: fix ? [fix] : undefined,
      });
    }
    return findings;
  },
};

