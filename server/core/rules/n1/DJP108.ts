import type { Node } from '../../parsing/syntaxTree';
import { ruleMeta, formatQueryCost, type Finding, type Rule } from '../types';
import type { RuleContext } from '../context';
import { isLoaded, type QuerysetValue } from '../../django/querysetValue';
import { loadQueries } from '../../django/n1Analysis';
import { findSerializer, serializerModel, serializerReads } from '../../drf/serializerReads';
import { dottedName, isTrue, keywordArg, nodesOfType, positionalArgs, rangeOf, walk } from '../../python/syntax';
import type { SerializerDecl } from '../../drf/serializerDecls';
import { viewPageSize, type PageSize } from '../../drf/pagination';
import { loopRowLimit } from '../../django/loopBounds';
import { applySteps } from '../../django/customQuerysets';
import { callsSuperGetQueryset, inheritedGetQueryset } from '../../drf/viewQueryset';

export const meta = ruleMeta({
  code: 'DJP108',
  name: 'serializer-n-plus-one',
  family: 'n-plus-one',
  defaultSeverity: 'warning',
  summary: 'A DRF serializer reads relations per object that the queryset feeding it does not select_related/prefetch_related.',
});

interface Missing {
  path: string;
  many: boolean;
  field: string;
}

function missingLoads(ctx: RuleContext, q: QuerysetValue, serializerName: string): Missing[] {
  const all = ctx.workspace.serializers ?? [];
  const s = findSerializer(all, serializerName, ctx.file.uri);
  if (!s || q.loadsUnknown) return [];
  const modelName = serializerModel(all, s);
  const model = modelName ? ctx.workspace.models.find(modelName) : undefined;
  if (!model || model.key !== q.model) return [];
  const out = new Map<string, Missing>();
  for (const read of serializerReads(all, ctx.workspace.models, s, model.key)) {
    let m = model.key;
    let underMany = false;
    for (let i = 0; i < read.path.length; i++) {
      const rel = ctx.workspace.models.relation(m, read.path[i]);
      if (!rel?.target) break;
      const p = read.path.slice(0, i + 1).join('__');
      const pre = q.prefetch.get(p);
      const loaded = rel.many || underMany ? (!!pre && !pre.toAttr) || (!rel.many && isLoaded(q, p)) : isLoaded(q, p);
      if (!loaded && !out.has(p)) out.set(p, { path: p, many: rel.many || underMany, field: read.field });
      if (rel.many) underMany = true;
      m = rel.target;
    }
  }
  // Report the deepest missing path per root once (select_related("a__b") covers "a").
  const list = [...out.values()];
  return list.filter((x) => !list.some((y) => y !== x && y.path.startsWith(`${x.path}__`) && y.many === x.many));
}

function classAttr(body: Node, name: string): Node | undefined {
  for (const stmt of body.namedChildren) {
    const assign = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
    if (assign?.type === 'assignment' && assign.childForFieldName('left')?.text === name) return assign.childForFieldName('right') ?? undefined;
  }
  return undefined;
}

function definesMethod(body: Node, name: string): boolean {
  return body.namedChildren.some((stmt) => {
    const def = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    return def?.type === 'function_definition' && def.childForFieldName('name')?.text === name;
  });
}

function report(ctx: RuleContext, at: Node, q: QuerysetValue, serializer: string, findings: Finding[], page?: PageSize): void {
  // `.none()` loads no rows: nothing is serialized, nothing is read per row.
  if (q.calls.some((c) => c.childForFieldName('function')?.childForFieldName('attribute')?.text === 'none')) return;
  const missing = missingLoads(ctx, q, serializer);
  if (missing.length === 0) return;
  const model = ctx.workspace.models.get(q.model);
  const cost = {
    kind: 'queries' as const, base: loadQueries(q), perRow: countMissing(q, missing),
    rowFactors: [`objects serialized by ${serializer}`], model: q.model, relationPath: missing.map((m) => m.path).join(', '),
    // A paginated list serializes one page: its size is N (the analyzer says so in the message).
    ...(page ? { rowLimits: [page.size], rowLimitSources: [page.source] } : {}),
  };
  const select = missing.filter((m) => !m.many).map((m) => `"${m.path}"`);
  const prefetch = missing.filter((m) => m.many).map((m) => `"${m.path}"`);
  const advice = [
    select.length ? `select_related(${select.join(', ')})` : '',
    prefetch.length ? `prefetch_related(${prefetch.join(', ')})` : '',
  ].filter(Boolean).join(' and ');
  findings.push({
    code: meta.code,
    range: rangeOf(at),
    message: `Serializer N+1: ${serializer} reads ${missing.map((m) => `${m.path} (field "${m.field}")`).join(', ')} for every ` +
      `${model?.name ?? 'object'}, and this queryset loads none of it (${formatQueryCost(cost)}); add ${advice}.`,
    cost,
  });
}

/** Relations along the missing paths that are not loaded: each is one query per serialized object. */
function countMissing(q: QuerysetValue, missing: Missing[]): number {
  const hops = new Set<string>();
  for (const m of missing) {
    const parts = m.path.split('__');
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join('__');
      const pre = q.prefetch.get(p);
      if (!isLoaded(q, p) && !(pre && !pre.toAttr)) hops.add(p);
    }
  }
  return hops.size;
}

/** Serializer class names per workspace's serializer list: built once, not once per file. */
const namesCache = new WeakMap<readonly SerializerDecl[], ReadonlySet<string>>();

function serializerNames(serializers: readonly SerializerDecl[]): ReadonlySet<string> {
  let names = namesCache.get(serializers);
  if (!names) {
    names = new Set(serializers.map((s) => s.name));
    namesCache.set(serializers, names);
  }
  return names;
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const findings: Finding[] = [];
    if (!ctx.workspace.serializers?.length) return findings;
    const names = serializerNames(ctx.workspace.serializers);
    const root = ctx.file.tree.rootNode;
    // Both searches below need a word spelled in the module (a `serializer_class` attribute, a `many=` argument): a
    // module without it (most of them, every models module) is not walked.
    const text = ctx.file.text;
    const viewClasses = text.includes('serializer_class') ? nodesOfType(root, 'class_definition') : [];
    for (const n of viewClasses) {
      const body = n.childForFieldName('body');
      const ser = body ? classAttr(body, 'serializer_class') : undefined;
      const serName = ser ? dottedName(ser)?.pop() : undefined;
      if (!body || !serName || !names.has(serName)) continue;
      const pageSize = viewPageSize(n, ctx.file.uri, ctx.workspace);
      const page = pageSize && { size: pageSize.size, source: `${pageSize.source}, for the list action` };
      // DRF serializes what get_queryset() returns: when the class defines it, `queryset = X.objects.none()` is only a
      // basename/schema hint and never runs.
      const ownGetQueryset = definesMethod(body, 'get_queryset');
      // A workspace base's get_queryset() runs for every action: its loads apply, and loads computed at run time
      // (a base viewset prefetching what the serializer declares) cannot be known: silent (`djperf profile` notes why).
      const inherited = inheritedGetQueryset(n, ctx.file.uri, ctx.workspace);
      const throughSuper = !ownGetQueryset || callsSuperGetQueryset(n);
      if (throughSuper && (inherited.kind === 'unknown' || (ownGetQueryset && inherited.kind === 'steps' && inherited.steps.length > 0))) continue;
      const qsNode = ownGetQueryset ? undefined : classAttr(body, 'queryset');
      if (qsNode) {
        const attr = ctx.evaluator.queryset(qsNode);
        const q = attr && inherited.kind === 'steps' ? applySteps(ctx.workspace.models, attr, inherited.steps, qsNode, 0) : attr;
        if (q && q.rows === 'instances') report(ctx, qsNode, q, serName, findings, page);
      }
      for (const stmt of body.namedChildren) {
        const def = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
        if (def?.type !== 'function_definition' || def.childForFieldName('name')?.text !== 'get_queryset') continue;
        walk(def, (r) => {
          if (r.type === 'function_definition' && r.id !== def.id) return false;
          if (r.type !== 'return_statement' || !r.namedChildren[0]) return true;
          const q = ctx.evaluator.queryset(r.namedChildren[0]);
          if (q && q.rows === 'instances') report(ctx, r.namedChildren[0], q, serName, findings, page);
          return true;
        });
      }
    }
    // `ProductSerializer(qs, many=True)` in a function view.
    for (const n of text.includes('many') ? nodesOfType(root, 'call') : []) {
      if (!isTrue(keywordArg(n, 'many'))) continue;
      const fn = dottedName(n.childForFieldName('function'))?.pop();
      const arg = positionalArgs(n)[0];
      if (!fn || !names.has(fn) || !arg) continue;
      const q = ctx.evaluator.queryset(arg);
      // `Serializer(paginator.get_page(n), many=True)`: one page of rows.
      const cap = loopRowLimit(arg);
      if (q && q.rows === 'instances') report(ctx, arg, q, fn, findings, cap && { size: cap.limit, source: cap.source });
    }
    return findings;
  },
};
