import { ruleMeta } from '../types';
import { perRow, templateFindings, type TemplateRule } from '../../templates/templateRule';

export const meta = ruleMeta({
  code: 'DJP110',
  name: 'template-fk-read-per-row',
  family: 'n-plus-one',
  defaultSeverity: 'warning',
  summary: 'A template reads a ForeignKey/OneToOne per row of a view queryset that does not select_related it.',
});

export const rule: TemplateRule = {
  meta,
  checkTemplate(ctx) {
    const reads = ctx.reads.filter((r) => r.kind === 'single');
    return templateFindings(ctx, meta.code, reads, (r, cost) => {
      const method = r.viaMany ? 'prefetch_related' : 'select_related';
      return `Template N+1: ${r.relationPath.split('__').join('.')} is loaded with one query for each of the ${perRow(r)} ` +
        `(${cost}); add .${method}("${r.relationPath}") to ${r.source.label} in ${r.render.view}.`;
    });
  },
};
