import type { Node } from '../../parsing/syntaxTree';
import { ruleMeta, formatQueryCost, type Finding, type Fix, type Rule } from '../types';
import { rowAccesses, rowFactors, type RowLoop } from '../../django/rowLoops';
import type { QuerysetValue } from '../../django/querysetValue';
import { loadQueries, loopRelated } from '../../django/n1Analysis';
import { callText, helperCalls, helperLabel, helperRelated } from '../../django/helperCalls';
import { calleeMethod, positionalArgs, rangeOf, stringValue, parentOf } from '../../python/syntax';
import { preferredQuote } from '../../fixes/querysetEdits';
import type { RelatedLocation } from '../types';

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

/**
 * Loads the field with the rows: `only("a")` -> `only("a", "name")`, or `defer("name")` dropped / `defer("a",
 * "name")` -> `defer("a")`. Safe: only()/defer() change what is loaded, never which rows or values.
 */
function loadFieldFix(q: QuerysetValue, name: string, base: string): Fix | undefined {
  const quote = preferredQuote(q.origin);
  const onlyCalls = q.calls.filter((c) => calleeMethod(c) === 'only');
  const deferCalls = q.calls.filter((c) => calleeMethod(c) === 'defer');
  if (q.only) {
    const last = onlyCalls[onlyCalls.length - 1];
    if (!last || deferCalls.some((c) => positionalArgs(c).some((a) => [name, base].includes(stringValue(a) ?? '')))) return undefined;
    const args = positionalArgs(last);
    if (args.length === 0 || args.some((a) => stringValue(a) === undefined)) return undefined;
    if (last.childForFieldName('arguments')?.namedChildren.length !== args.length) return undefined;
    const at = rangeOf(args[args.length - 1]).end;
    return {
      message: `Load "${base}" with the rows: add it to only()`, applicability: 'safe', isPreferred: true,
      edits: [{ range: { start: at, end: at }, newText: `, ${quote}${base}${quote}` }],
    };
  }
  const hits = deferCalls.flatMap((c) => positionalArgs(c).filter((a) => [name, base].includes(stringValue(a) ?? '')).map((a) => ({ c, a })));
  if (hits.length !== 1) return undefined;
  const { c, a } = hits[0];
  const args = positionalArgs(c);
  if (args.some((x) => stringValue(x) === undefined) || c.childForFieldName('arguments')?.namedChildren.length !== args.length) return undefined;
  let range;
  if (args.length === 1) {
    // `X.objects.defer("f")` -> `X.objects`: drop `.defer(...)` from the end of its receiver.
    const recv = c.childForFieldName('function')?.childForFieldName('object');
    if (!recv) return undefined;
    range = { start: rangeOf(recv).end, end: rangeOf(c).end };
    // A bare manager is not iterable: `Author.objects.defer("name")` -> `Author.objects.all()`.
    if (q.manager && recv.id === q.manager.id) {
      return { message: `Load "${base}" with the rows: remove it from defer()`, applicability: 'safe', isPreferred: true, edits: [{ range, newText: '.all()' }] };
    }
  } else {
    const i = args.findIndex((x) => x.id === a.id);
    range = i === 0 ? { start: rangeOf(a).start, end: rangeOf(args[1]).start } : { start: rangeOf(args[i - 1]).end, end: rangeOf(a).end };
  }
  return { message: `Load "${base}" with the rows: remove it from defer()`, applicability: 'safe', isPreferred: true, edits: [{ range, newText: '' }] };
}

interface Read {
  name: string;
  node: Node;
  text: string;
  related?: RelatedLocation;
}

function readsOf(loop: RowLoop, columns: Set<string>, relations: Map<string, unknown>, ctxHelpers: ReturnType<typeof helperCalls>): Read[] {
  const out: Read[] = [];
  for (const access of rowAccesses(loop)) {
    const attr = access.chain[0];
    const name = access.names[0];
    if (!attr || !name || !columns.has(name) || relations.has(name)) continue;
    const parent = parentOf(attr);
    if (parent?.type === 'assignment' && parent.childForFieldName('left')?.id === attr.id) continue;
    out.push({ name, node: attr, text: `\`${attr.text}\`` });
  }
  for (const call of ctxHelpers) {
    for (const read of call.reads) {
      const name = read.attrs[0];
      if (!name || !columns.has(name) || relations.has(name)) continue;
      out.push({
        name, node: call.call, text: `\`${callText(call)}\` (${helperLabel(call)} reads ${call.param}.${name})`,
        related: helperRelated(call, read, 'reads'),
      });
    }
  }
  return out;
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
      for (const read of readsOf(loop, model.columns, model.relations, helperCalls(ctx, loop))) {
        const name = read.name;
        if (seen.has(name) || !isDeferred(q, name, fks)) continue;
        seen.add(name);
        const base = name.endsWith('_id') && fks.has(name.slice(0, -3)) ? name.slice(0, -3) : name;
        const cost = { kind: 'queries' as const, base: loadQueries(q), perRow: 1, rowFactors: rowFactors(loop), model: q.model };
        const how = q.only ? `only(${[...q.only].map((s) => `"${s}"`).join(', ')})` : `defer(${[...(q.defer ?? [])].map((s) => `"${s}"`).join(', ')})`;
        const fix = loadFieldFix(q, name, base);
        findings.push({
          code: meta.code,
          range: rangeOf(read.node),
          message: `Deferred field read per row: ${read.text} is not loaded by ${how}, so Django loads it with one query per ` +
            `${model.name} row (${formatQueryCost(cost)}); add "${name}" to only() (or remove it from defer()).`,
          cost,
          related: [...(read.related ? [read.related] : []), ...loopRelated(loop)],
          fixes: fix ? [fix] : undefined,
        });
      }
    }
    return findings;
  },
};
