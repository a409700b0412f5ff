import type { LineMap } from '../parsing/textDocument';
import { formatQueryCost, type Finding, type Fix, type QueryCost, type RelatedLocation, type RuleMeta } from '../rules/types';
import type { TemplateRead } from './templateFlow';

/** One template file as the template rules see it: the relation reads the views' renders make in it. */
export interface TemplateCheckContext {
  uri: string;
  lineMap: LineMap;
  reads: readonly TemplateRead[];
  /** How many renders reach this template: a fix that also edits the template is offered only when one does. */
  renderers: number;
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
      kind: 'queries', base: 1 + prefetchQueries(read.source), perRow: 1, rowFactors: read.loops.map((l) => l.label), relationPath: read.relationPath, model: read.source.model,
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
      ...fixesOf(ctx, read, views),
    });
  }
  return findings;
}

/** Queries the view's prefetches run once (`prefetch_related("a__b")` is one per level). */
function prefetchQueries(source: TemplateRead['source']): number {
  const levels = new Set<string>();
  for (const p of [...source.prefetched, ...source.opaque]) {
    const segs = p.split('__');
    for (let i = 1; i <= segs.length; i++) levels.add(segs.slice(0, i).join('__'));
  }
  return levels.size;
}

/**
 * Quick fixes that edit the view: one per view whose queryset is a literal chain (viewRenders' `fixAt`), appending
 * what loads the relation. A `.first`/`.last` that a prefetch does not serve (it re-orders the manager) gets none.
 * Counting on the view's own rows may instead annotate, which also rewrites the template's lookup:
 * offered (as unsafe) only when this one view renders the template.
 */
function fixesOf(ctx: TemplateCheckContext, read: TemplateRead, views: readonly TemplateRead[]): { fixes?: Fix[] } {
  if (read.prefetchMisses) return {};
  const fixes: Fix[] = [];
  const seen = new Set<string>();
  const method = read.kind === 'single' && !read.viaMany ? 'select_related' : 'prefetch_related';
  for (const v of views) {
    const at = v.source.fixAt;
    const key = `${v.source.uri}:${at?.line}:${at?.character}`;
    if (!at || seen.has(key)) continue;
    seen.add(key);
    const insert = { range: { start: at, end: at }, newText: `.${method}("${read.relationPath}")` };
    fixes.push({
      message: `Add .${method}("${read.relationPath}") to ${v.source.label} in ${v.render.view}`,
      applicability: 'safe', edits: [], otherFiles: [{ uri: v.source.uri, edits: [insert] }], isPreferred: fixes.length === 0,
    });
  }
  const counting = read.kind === 'many' && read.method === 'count' && !read.relationPath.includes('__');
  const only = views.length === 1 ? views[0].source : undefined;
  if (counting && ctx.renderers === 1 && only?.fixAt && only.countName && read.uri === ctx.uri) {
    // `book.tags.count` -> `book.tags__count`, the default name of Count("tags").
    const end = ctx.lineMap.positionAt(read.end);
    const start = ctx.lineMap.positionAt(read.end - '.count'.length);
    fixes.push({
      message: `Annotate ${only.label} with ${only.countName}("${read.relationPath}") and read ${read.relationPath}__count in the template`,
      applicability: 'unsafe',
      edits: [{ range: { start, end }, newText: '__count' }],
      otherFiles: [{ uri: only.uri, edits: [{ range: { start: only.fixAt, end: only.fixAt }, newText: `.annotate(${only.countName}("${read.relationPath}", distinct=True))` }] }],
    });
  }
  return fixes.length > 0 ? { fixes } : {};
}

/** What N counts, innermost loop first as a reader follows it: `rows of Book.objects.all()`, `book.tags.all rows × ...`. */
export function perRow(r: TemplateRead): string {
  return [...r.loops].reverse().map((l) => l.label).join(' × ');
}
