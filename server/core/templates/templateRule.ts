import type { LineMap } from '../parsing/textDocument';
import { formatQueryCost, type Finding, type QueryCost, type RelatedLocation, type RuleMeta } from '../rules/types';
import type { TemplateRead } from './templateFlow';

/** One template file as the template rules see it: the relation reads the views' renders make in it. */
export interface TemplateCheckContext {
  uri: string;
  lineMap: LineMap;
  reads: readonly TemplateRead[];
}

/** A rule over template files (the Python rules' `Rule` reads a Python tree instead). */
export interface TemplateRule {
  meta: RuleMeta;
  checkTemplate(ctx: TemplateCheckContext): Finding[];
}

/**
 * The findings of a family of reads, one per template location and relation path (several views rendering the same
 * template add related information, not findings); `advice` names the queryset change.
 */
export function templateFindings(
  ctx: TemplateCheckContext, code: string, reads: readonly TemplateRead[],
  describe: (r: TemplateRead, cost: string) => string,
): Finding[] {
  const byKey = new Map<string, { read: TemplateRead; views: TemplateRead[] }>();
  for (const r of reads) {
    const key = `${r.start}:${r.relationPath}:${r.method}`;
    const seen = byKey.get(key);
    if (seen) {
      if (!seen.views.some((v) => v.render === r.render)) seen.views.push(r);
    } else byKey.set(key, { read: r, views: [r] });
  }
  const findings: Finding[] = [];
  for (const { read, views } of byKey.values()) {
    const cost: QueryCost = {
      kind: 'queries', base: 1, perRow: 1, rowFactors: read.loops.map((l) => l.label), relationPath: read.relationPath, model: read.source.model,
    };
    const related: RelatedLocation[] = [];
    for (const v of views) {
      related.push({ uri: v.source.uri, range: v.source.range, message: `${v.render.view} passes ${v.source.label} to this template` });
    }
    const loop = read.loops[read.loops.length - 1];
    if (loop.uri === ctx.uri) {
      const at = ctx.lineMap.positionAt(loop.start);
      related.push({ uri: ctx.uri, range: { start: at, end: at }, message: 'the loop over the rows' });
    }
    findings.push({
      code,
      range: { start: ctx.lineMap.positionAt(read.start), end: ctx.lineMap.positionAt(read.end) },
      message: describe(read, formatQueryCost(cost)),
      cost,
      related,
    });
  }
  return findings;
}

/** What N counts, innermost loop first as a reader follows it: `rows of Book.objects.all()`, `book.tags.all rows × ...`. */
export function perRow(r: TemplateRead): string {
  return [...r.loops].reverse().map((l) => l.label).join(' × ');
}
