import { ruleMeta } from '../types';
import { perRow, templateFindings, type TemplateRule } from '../../templates/templateRule';

export const meta = ruleMeta({
  code: 'DJP111',
  name: 'template-related-manager-per-row',
  family: 'n-plus-one',
  defaultSeverity: 'warning',
  summary: 'A template iterates, counts or tests a reverse ForeignKey / ManyToMany manager per row of a view queryset that does not prefetch it.',
});

export const rule: TemplateRule = {
  meta,
  checkTemplate(ctx) {
    const reads = ctx.reads.filter((r) => r.kind === 'many');
    return templateFindings(ctx, meta.code, reads, (r, cost) => {
      const counting = r.method === 'count' || r.method === 'exists' || r.method === 'length';
      const advice = r.prefetchMisses && (r.method === 'first' || r.method === 'last')
        ? endRowAdvice(r.method, r.relationPath, r.source.label, r.render.view)
        : counting && !r.relationPath.includes('__')
          ? `annotate ${r.source.label} in ${r.render.view} with Count("${r.relationPath}") and read the annotation, or prefetch_related("${r.relationPath}")`
          : `add .prefetch_related("${r.relationPath}") to ${r.source.label} in ${r.render.view}`;
      return `Template N+1: ${r.relationPath.split('__').join('.')}.${r.method === 'length' ? 'all|length' : r.method} runs one query for each of the ${perRow(r)} (${cost}); ${advice}.`;
    });
  },
};

/**
 * `.first`/`.last` re-order a prefetched manager and query again (`.first` is served only when the related model
 * is ordered), so the advice is a prefetch into a list whose end the template reads.
 */
function endRowAdvice(method: 'first' | 'last', relationPath: string, label: string, view: string): string {
  const attr = `${relationPath.split('__').pop()}_list`;
  return `prefetch an ordered list in ${view} (Prefetch("${relationPath}", queryset=….order_by(…), to_attr="${attr}") on ${label}) ` +
    `and read ${method === 'first' ? `${attr}.0` : `${attr}|last`}; prefetch_related("${relationPath}") alone does not serve .${method}`;
}
