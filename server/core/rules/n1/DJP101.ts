import { ruleMeta, type Finding, type Rule } from '../types';
import type { RuleContext } from '../context';
import { loopIterables, rowAccesses, rowFactors, type RowLoop } from '../../django/rowLoops';
import { rowLimitsOf } from '../../django/loopBounds';
import { isLoaded } from '../../django/querysetValue';
import { loadQueries, passedByRelated } from '../../django/n1Analysis';
import { rangeOf } from '../../python/syntax';
import { addToQuerysetChain } from '../../fixes/querysetEdits';
import type { Node } from '../../parsing/syntaxTree';
import { callText, helperCalls, helperLabel, helperRelated, type HelperRowCall } from '../../django/helperCalls';
import type { ParamRead } from '../../workspace/functionSummaries';

export const meta = ruleMeta({
  code: 'DJP101',
  name: 'fk-read-per-row',
  family: 'n-plus-one',
  defaultSeverity: 'warning',
  summary: 'A ForeignKey/OneToOne attribute is read per row of a queryset that does not select_related it.',
});

/** Single-object relations that select_related can join. */
const JOINABLE = new Set(['fk', 'o2o', 'reverse-o2o', 'parent-link', 'child-link']);

interface Need {
  /** `author__publisher`: the whole path to join. */
  path: string;
  /** Relations along it that are not joined yet (each costs a query per row). */
  missing: number;
  /** First access of the first missing relation: where the finding points. */
  node: Node;
  models: string[];
  /** Read inside a helper that receives the row (`render_row(p)` reads `product.category`). */
  via?: { call: HelperRowCall; read: ParamRead };
}

/** Relations along `names` from `model`: the joinable path and how many of its relations are not loaded. */
function joinPath(ctx: RuleContext, loop: RowLoop, names: readonly string[]): { path: string[]; missing: number; firstMissing: number; models: string[] } {
  const models = ctx.workspace.models;
  let model = loop.source.model;
  const path: string[] = [];
  const visited: string[] = [];
  let missing = 0;
  let firstMissing = -1;
  for (let i = 0; i < names.length; i++) {
    const rel = models.relation(model, names[i]);
    if (!rel || !rel.target || !JOINABLE.has(rel.kind)) break;
    path.push(names[i]);
    visited.push(rel.target);
    if (!isLoaded(loop.source, path.join('__'))) {
      missing++;
      if (firstMissing < 0) firstMissing = i;
    }
    model = rel.target;
  }
  return { path, missing, firstMissing, models: visited };
}

/** Needs of helpers called with the row, one per call and root relation, unless the loop itself already reads it. */
function helperNeeds(ctx: RuleContext, loop: RowLoop, direct: Map<string, Need>): Need[] {
  const out = new Map<string, Need>();
  for (const call of helperCalls(ctx, loop)) {
    for (const read of call.reads) {
      const { path, missing, firstMissing, models } = joinPath(ctx, loop, read.attrs);
      if (missing === 0 || firstMissing < 0) continue;
      const full = path.join('__');
      const d = direct.get(path[0]);
      if (d && (d.path === full || d.path.startsWith(`${full}__`))) continue;
      // Two helpers of one loop reading the same relation: one select_related serves both, reported at the first.
      if ([...out.values()].some((n) => n.node.id !== call.call.id && (n.path === full || n.path.startsWith(`${full}__`)))) continue;
      const key = `${call.call.id}:${path[0]}`;
      const prev = out.get(key);
      if (!prev || (full.startsWith(prev.path) && full.length > prev.path.length)) {
        out.set(key, { path: full, missing, node: call.call, models, via: { call, read } });
      }
    }
  }
  return [...out.values()];
}

function needsOf(ctx: RuleContext, loop: RowLoop): Need[] {
  const models = ctx.workspace.models;
  const byRoot = new Map<string, Need>();
  for (const access of rowAccesses(loop)) {
    let model = loop.source.model;
    const path: string[] = [];
    let missing = 0;
    let firstMissing: Node | undefined;
    const visited: string[] = [];
    for (let i = 0; i < access.names.length; i++) {
      const rel = models.relation(model, access.names[i]);
      if (!rel || !rel.target || !JOINABLE.has(rel.kind)) break;
      // The last attribute of a chain that is only compared/passed on still loads the object: `row.author` counts.
      path.push(access.names[i]);
      visited.push(rel.target);
      if (!isLoaded(loop.source, path.join('__'))) {
        missing++;
        firstMissing ??= access.chain[i];
      }
      model = rel.target;
    }
    if (!firstMissing || missing === 0) continue;
    const full = path.join('__');
    const root = path[0];
    const prev = byRoot.get(root);
    if (!prev) byRoot.set(root, { path: full, missing, node: firstMissing, models: visited });
    else if (full.startsWith(prev.path) && full.length > prev.path.length) {
      byRoot.set(root, { path: full, missing, node: prev.node, models: visited });
    }
  }
  return [...byRoot.values(), ...helperNeeds(ctx, loop, byRoot)];
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const findings: Finding[] = [];
    for (const loop of ctx.rowLoops()) {
      for (const need of needsOf(ctx, loop)) {
        const model = ctx.workspace.models.get(loop.source.model);
        const per = need.missing === 1 ? 'one extra query' : `${need.missing} extra queries`;
        const edit = addToQuerysetChain(loop.source, 'select_related', need.path);
        const via = need.via;
        const readPath = via ? `${via.call.param}.${need.path.split('__').join('.')}` : '';
        findings.push({
          code: meta.code,
          range: rangeOf(need.node),
          message: via
            ? `N+1: \`${callText(via.call)}\` — ${helperLabel(via.call)} reads ${readPath}: ${per} per ${model?.name ?? 'row'} row; ` +
              `add select_related("${need.path}") to the queryset.`
            : `N+1: \`${need.node.text}\` runs ${per} per ${model?.name ?? 'row'} row; add select_related("${need.path}") to the queryset.`,
          cost: {
            kind: 'queries', base: loadQueries(loop.source), perRow: need.missing, rowFactors: rowFactors(loop), ...rowLimitsOf(loopIterables(loop)),
            relationPath: need.path, model: loop.source.model,
          },
          related: [
            ...(via ? [helperRelated(via.call, via.read, 'reads')] : []),
            { range: rangeOf(loop.iterable), message: 'rows come from this queryset' },
            ...(loop.source.origin.id !== loop.iterable.id
              ? [{ range: rangeOf(loop.source.origin), message: 'queryset defined here' }]
              : []),
            ...passedByRelated(loop.source, need.path),
          ],
          fixes: edit
            ? [{ message: `Add select_related("${need.path}")`, applicability: 'safe', edits: [edit], isPreferred: true }]
            : undefined,
        });
      }
    }
    for (const loop of ctx.rowLoops()) findings.push(...genericForeignKeyReads(ctx, loop));
    return findings;
  },
};

/**
 * `row.target` where `target` is a GenericForeignKey of the row's model: Django loads the content type (cached) and
 * then the object, one query per row, unless the queryset prefetches it (select_related cannot follow a GFK).
 */
function genericForeignKeyReads(ctx: RuleContext, loop: RowLoop): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  const model = ctx.workspace.models.get(loop.source.model);
  for (const access of rowAccesses(loop)) {
    const name = access.names[0];
    const rel = name ? ctx.workspace.models.relation(loop.source.model, name) : undefined;
    if (rel?.kind !== 'generic-fk' || seen.has(name) || isLoaded(loop.source, name)) continue;
    seen.add(name);
    const edit = addToQuerysetChain(loop.source, 'prefetch_related', name);
    out.push({
      code: meta.code,
      range: rangeOf(access.chain[0]),
      message: `N+1: \`${access.chain[0].text}\` (a GenericForeignKey) runs one extra query per ${model?.name ?? 'row'} row; ` +
        `add prefetch_related("${name}") to the queryset (one query per content type instead).`,
      cost: {
        kind: 'queries', base: loadQueries(loop.source), perRow: 1, rowFactors: rowFactors(loop), ...rowLimitsOf(loopIterables(loop)),
        relationPath: name, model: loop.source.model,
      },
      related: [{ range: rangeOf(loop.iterable), message: 'rows come from this queryset' }],
      fixes: edit ? [{ message: `Add prefetch_related("${name}")`, applicability: 'safe', edits: [edit], isPreferred: true }] : undefined,
    });
  }
  return out;
}
