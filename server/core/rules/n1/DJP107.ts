import { ruleMeta, formatQueryCost, type Finding, type Rule } from '../types';
import { rowAccesses, rowFactors } from '../../django/rowLoops';
import type { QuerysetValue } from '../../django/querysetValue';
import { loadQueries, loopRelated } from '../../django/n1Analysis';
import { rangeOf } from '../../python/syntax';

export const meta = ruleMeta({
  code: 'DJP107',
  name: 'deferred-field-per-row',
  family: 'n-plus-one',
  defaultSeverity: 'warning',
  summary: 'A field left out by only()/defer() is read per row: each read loads it with one query per row.',
});

/** Whether column `c` of the rows is loaded by the queryset's only()/defer(). */
export function isDeferred(q: QuerysetValue, c: string, fkNames: Set<string>): boolean {
  if (c === 'pk' || c === 'id') return false;
  const base = c.endsWith('_id') && fkNames.has(c.slice(0, -3)) ? c.slice(0, -3) : c;
  if (q.defer && (q.defer.has(c) || q.defer.has(base))) return true;
  if (q.only) {
    const top = new Set([...q.only].map((p) => p.split('__')[0]));
    return !top.has(c) && !top.has(base);
  }
  return false;
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const findings: Finding[] = [];
    for (const loop of ctx.rowLoops()) {
      const q = loop.source;
      if (!q.only && !q.defer) continue;
      const model = ctx.workspace.models.get(q.model);
      if (!model) continue;
      const fks = new Set([...model.relations.values()].filter((r) => !r.many).map((r) => r.accessor));
      const seen = new Set<string>();
      for (const access of rowAccesses(loop)) {
        const attr = access.chain[0];
        const name = access.names[0];
        if (!attr || !name || seen.has(name)) continue;
        if (!model.columns.has(name) || model.relations.has(name)) continue;
        const parent = attr.parent;
        if (parent?.type === 'assignment' && parent.childForFieldName('left')?.id === attr.id) continue;
        if (!isDeferred(q, name, fks)) continue;
        seen.add(name);
        const cost = { kind: 'queries' as const, base: loadQueries(q), perRow: 1, rowFactors: rowFactors(loop), model: q.model };
        const how = q.only ? `only(${[...q.only].map((s) => `"${s}"`).join(', ')})` : `defer(${[...(q.defer ?? [])].map((s) => `"${s}"`).join(', ')})`;
        findings.push({
          code: meta.code,
          range: rangeOf(attr),
          message: `Deferred field read per row: \`${attr.text}\` is not loaded by ${how}, so Django loads it with one query per ` +
            `${model.name} row (${formatQueryCost(cost)}); add "${name}" to only() (or remove it from defer()).`,
          cost,
          related: loopRelated(loop),
        });
      }
    }
    return findings;
  },
};
