import { clipCode } from '../../text/clip';
import { ruleMeta, formatQueryCost, type Finding, type RelatedLocation, type Rule } from '../types';
import { methodQueries, type MethodCaller } from '../../django/methodQueries';
import { loopIterables, rowFactors } from '../../django/rowLoops';
import { rowLimitsOf } from '../../django/loopBounds';
import { loadQueries } from '../../django/n1Analysis';
import { rangeOf } from '../../python/syntax';

export const meta = ruleMeta({
  code: 'DJP112',
  name: 'method-query-defeats-prefetch',
  family: 'n-plus-one',
  defaultSeverity: 'warning',
  summary: 'A model method or property re-queries a related manager of self in a way no prefetch serves, and loops call it per row.',
});

/** Callers listed as related information (the rest are counted in the message). */
const MAX_LISTED = 6;

function describe(decisive: string | undefined): string {
  if (decisive === 'first') return 'first() on an unordered relation adds order_by("pk") and queries';
  if (decisive === 'aggregate') return 'aggregate() always runs its own query';
  return `${decisive ?? 'the call'}() builds a new queryset, which always runs its own query`;
}

/** loop -> call (-> self calls) -> the query: the chain a caller's rows take to reach it. */
function callerRelated(c: MethodCaller): RelatedLocation[] {
  const readVia = c.read.via;
  const uri = c.uri;
  const chain = readVia?.length ? ` → ${readVia.map((m) => `${m}()`).join(' → ')}` : '';
  return [
    { uri, range: rangeOf(c.call.loop.iterable), message: `loop over rows of \`${clipCode(c.call.loop.iterable.text, 60)}\`` },
    { uri, range: rangeOf(c.call.call), message: `calls ${c.call.name}${c.call.property ? '' : '()'}${chain} per row` },
  ];
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const findings: Finding[] = [];
    for (const q of methodQueries(ctx)) {
      const callers = [...q.callers].sort((a, b) => (a.uri === b.uri ? a.call.call.startIndex - b.call.call.startIndex : a.uri.localeCompare(b.uri)));
      // k: how many calls of one loop reach the query per row (`post.recent_comments()` and `post.summary()` both do).
      const perLoop = new Map<string, MethodCaller[]>();
      for (const c of callers) {
        const key = `${c.uri}#${c.call.loop.loop.startIndex}`;
        perLoop.set(key, [...(perLoop.get(key) ?? []), c]);
      }
      const busiest = [...perLoop.values()].reduce((a, b) => (b.length > a.length ? b : a));
      const first = busiest[0].call.loop;
      const cost = {
        kind: 'queries' as const, base: loadQueries(first.source), perRow: busiest.length, rowFactors: rowFactors(first),
        ...rowLimitsOf(loopIterables(first)), relationPath: q.use.path, model: first.source.model,
      };
      const names = q.methods.join(', ');
      const more = callers.length > MAX_LISTED ? ` (${callers.length - MAX_LISTED} more callers not listed)` : '';
      const loops = perLoop.size === 1 ? 'a loop over rows calls it' : `${perLoop.size} loops over rows call it`;
      findings.push({
        code: meta.code,
        range: q.read.range,
        message: `Query per row through \`${names}\`: \`${clipCode(q.read.text, 80)}\` runs a query on every call that no prefetch_related can ` +
          `serve (${describe(q.use.decisive)}), and ${loops} (${formatQueryCost(cost)}). Read the related rows from ` +
          `\`self.${q.use.path.split('__')[0]}.all()\` and filter in Python (callers then prefetch_related("${q.use.path}")), or annotate ` +
          `the value on the callers' queryset.${more}`,
        cost,
        related: callers.slice(0, MAX_LISTED).flatMap((c) => callerRelated(c)),
      });
    }
    return findings;
  },
};
