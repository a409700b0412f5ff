import type { Node } from 'web-tree-sitter';
import { ruleMeta, formatQueryCost, type Finding, type Fix, type Rule } from '../types';
import type { RuleContext } from '../context';
import { managerCost, managerUses, loopRelated, type ManagerUse } from '../../django/n1Analysis';
import { calleeName, keywordArg, positionalArgs, rangeOf, stringValue, isTrue, walk } from '../../python/syntax';
import { enclosingScope } from '../../python/scopes';

export const meta = ruleMeta({
  code: 'DJP103',
  name: 'prefetch-defeated',
  family: 'n-plus-one',
  defaultSeverity: 'warning',
  summary: 'A prefetched relation is re-queried per row through a call the prefetch cache does not serve.',
});

function why(use: ManagerUse): string {
  const m = use.decisive ?? '';
  if (use.prefetch?.toAttr) {
    return `the relation is prefetched with Prefetch(..., to_attr="${use.prefetch.toAttr}"), which stores a list at ` +
      `\`.${use.prefetch.toAttr}\` and leaves the manager uncached; read \`${use.manager.child(0)?.text ?? 'row'}.${use.prefetch.toAttr}\` instead`;
  }
  if (m === 'first') return 'first() on an unordered prefetched queryset adds order_by("pk") and queries; order the Prefetch queryset or use next(iter(....all()), None)';
  if (m === 'last') return 'last() always reverses the queryset and queries; take the last element of list(....all()) instead';
  if (m === 'aggregate') return 'aggregate() always runs a new query; compute it from the cached rows or annotate the outer queryset';
  return `${m}() builds a new queryset, which always runs its own query; filter/transform the cached rows of .all() in Python, ` +
    'or prefetch exactly what you need with Prefetch(..., queryset=..., to_attr=...)';
}

/** `list(row.rel.values_list("f", flat=True))` -> `[x.f for x in row.rel.all()]` (served from the cache). */
function valuesListFix(ctx: RuleContext, use: ManagerUse): Fix | undefined {
  if (use.prefetch?.toAttr || use.methods.length !== 1 || use.methods[0] !== 'values_list') return undefined;
  const call = use.expr;
  const args = positionalArgs(call);
  const field = args.length === 1 ? stringValue(args[0]) : undefined;
  if (!field || !isTrue(keywordArg(call, 'flat')) || call.childForFieldName('arguments')?.namedChildren.length !== 2) return undefined;
  const target = use.rel.target ? ctx.workspace.models.get(use.rel.target) : undefined;
  if (!target || !target.columns.has(field) || target.relations.has(field)) return undefined;
  const wrapper = call.parent?.parent;
  if (call.parent?.type !== 'argument_list' || wrapper?.type !== 'call' || calleeName(wrapper) !== 'list' ||
      positionalArgs(wrapper).length !== 1) return undefined;
  const used = new Set<string>();
  walk(enclosingScope(call), (n) => {
    if (n.type === 'identifier') used.add(n.text);
    return true;
  });
  const candidates = [target.name.toLowerCase(), 'item', 'obj', 'related_obj'];
  const v = candidates.find((c) => !used.has(c) && /^[a-z_]\w*$/.test(c));
  if (!v) return undefined;
  const manager = use.manager.text;
  return {
    message: `Read "${field}" from the prefetched rows`,
    applicability: 'safe',
    isPreferred: true,
    edits: [{ range: rangeOf(wrapper as Node), newText: `[${v}.${field} for ${v} in ${manager}.all()]` }],
  };
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const findings: Finding[] = [];
    for (const use of managerUses(ctx)) {
      if (!use.prefetch || use.served || use.kind === 'write') continue;
      const model = ctx.workspace.models.get(use.loop.source.model);
      const cost = managerCost(use);
      const fix = valuesListFix(ctx, use);
      const what = use.decisive ? `${use.decisive}()` : 'the manager';
      findings.push({
        code: meta.code,
        range: rangeOf(use.expr),
        message: `Prefetch defeated: \`${use.expr.text.replace(/\s+/g, ' ').slice(0, 100)}\` — ${what} is not served by ` +
          `prefetch_related("${use.path}"): one query per ${model?.name ?? 'row'} row (${formatQueryCost(cost)}; the prefetch ` +
          `still runs once and is wasted for this use). ${why(use)}.`,
        cost,
        related: [
          { range: rangeOf(use.prefetch.node), message: 'prefetched here' },
          ...loopRelated(use.loop),
        ],
        fixes: fix ? [fix] : undefined,
      });
    }
    return findings;
  },
};
