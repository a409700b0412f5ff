import type { Node } from '../../parsing/syntaxTree';
import { ruleMeta, formatQueryCost, type Finding, type Fix, type Rule, type TextEdit } from '../types';
import type { RuleContext } from '../context';
import { reportedAtMethod } from '../../django/methodQueries';
import { describeUse, managerCost, managerUses, loopRelated, type ManagerUse } from '../../django/n1Analysis';
import { helperRelated } from '../../django/helperCalls';
import { calleeMethod, calleeName, keywordArg, positionalArgs, rangeOf, stringValue, isTrue, walk, parentOf, nodesOfType } from '../../python/syntax';
import { enclosingScope } from '../../python/scopes';
import { scopeOf } from '../../python/semantic/bindings';
import { importsOf } from '../../python/imports';
import { iterationLoops } from '../../django/n1Analysis';
import { rowAccesses } from '../../django/rowLoops';
import { helperCalls } from '../../django/helperCalls';
import { ensureImported, preferredQuote } from '../../fixes/querysetEdits';

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
      `\`.${use.prefetch.toAttr}\` and leaves the manager uncached; read \`${use.via ? use.via.call.param : use.manager.child(0)?.text ?? 'row'}.${use.prefetch.toAttr}\` instead`;
  }
  if (m === 'first') return 'first() on an unordered prefetched queryset adds order_by("pk") and queries; order the Prefetch queryset or use next(iter(....all()), None)';
  if (m === 'last') return 'last() always reverses the queryset and queries; take the last element of list(....all()) instead';
  if (m === 'aggregate') return 'aggregate() always runs a new query; compute it from the cached rows or annotate the outer queryset';
  return `${m}() builds a new queryset, which always runs its own query; filter/transform the cached rows of .all() in Python, ` +
    'or prefetch exactly what you need with Prefetch(..., queryset=..., to_attr=...)';
}

/** `list(row.rel.values_list("f", flat=True))` -> `[x.f for x in row.rel.all()]` (served from the cache). */
function valuesListFix(ctx: RuleContext, use: ManagerUse): Fix | undefined {
  if (use.via || use.prefetch?.toAttr || use.methods.length !== 1 || use.methods[0] !== 'values_list') return undefined;
  const call = use.expr;
  const args = positionalArgs(call);
  const field = args.length === 1 ? stringValue(args[0]) : undefined;
  if (!field || !isTrue(keywordArg(call, 'flat')) || call.childForFieldName('arguments')?.namedChildren.length !== 2) return undefined;
  const target = use.rel.target ? ctx.workspace.models.get(use.rel.target) : undefined;
  if (!target || !target.columns.has(field) || target.relations.has(field)) return undefined;
  const wrapper = parentOf(parentOf(call));
  if (parentOf(call)?.type !== 'argument_list' || wrapper?.type !== 'call' || calleeName(wrapper) !== 'list' ||
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

const MOVABLE = new Set(['filter', 'exclude', 'order_by']);
const EVAL_WRAPPERS = new Set(['list', 'len', 'tuple', 'sorted', 'set', 'bool', 'any', 'all', 'sum', 'min', 'max', 'enumerate']);
/** Names an argument may read without tying it to a place in the function. */
const GLOBAL_HELPERS = new Set(['Q', 'F', 'Value', 'models', 'True', 'False', 'None']);

/** Whether the value of `e` is consumed right here as a sequence (iterated, list()ed, len()ed …). */
function consumedAsSequence(e: Node): boolean {
  let cur = e;
  let p = parentOf(cur);
  while (p?.type === 'parenthesized_expression') {
    cur = p;
    p = parentOf(p);
  }
  if (!p) return false;
  if (p.type === 'for_statement' || p.type === 'for_in_clause') return p.childForFieldName('right')?.id === cur.id;
  if (p.type === 'argument_list') {
    const call = parentOf(p);
    const fn = call?.type === 'call' ? call.childForFieldName('function') : null;
    return fn?.type === 'identifier' && EVAL_WRAPPERS.has(fn.text) && positionalArgs(call as Node).length === 1;
  }
  return false;
}

/** Name reads in `node` (not attribute names, not keyword-argument names). */
function namesRead(node: Node): Node[] {
  const out: Node[] = [];
  for (const n of nodesOfType(node, 'identifier')) {
    const p = parentOf(n);
    if (p?.type === 'attribute' && p.childForFieldName('attribute')?.id === n.id) continue;
    if (p?.type === 'keyword_argument' && p.childForFieldName('name')?.id === n.id) continue;
    out.push(n);
  }
  return out;
}

/**
 * `row.rel.filter(...)` per row with `prefetch_related("rel")` -> `Prefetch("rel", queryset=Target.objects.filter(...),
 * to_attr="rel_filtered")` on the outer queryset and `row.rel_filtered` per row: one query for all rows. Only when the
 * per-row arguments do not depend on the row or the loop and are bound before the queryset is built.
 */
function prefetchFix(ctx: RuleContext, use: ManagerUse): Fix | undefined {
  const info = use.prefetch;
  if (use.via || !info || info.toAttr || use.path.includes('__') || use.kind !== 'requery' || !use.rel.target) return undefined;
  const moved = use.methods.filter((m) => m !== 'all');
  if (moved.length === 0 || moved.some((m) => !MOVABLE.has(m))) return undefined;
  const expr = use.expr;
  if (expr.type !== 'call' || expr.startIndex !== use.manager.startIndex) return undefined;
  if (stringValue(info.node) !== use.path) return undefined;
  const prefetchCall = parentOf(parentOf(info.node));
  if (prefetchCall?.type !== 'call' || calleeMethod(prefetchCall) !== 'prefetch_related') return undefined;
  const uses = managerUses(ctx);
  if (uses.some((u) => u !== use && u.expr.id === expr.id)) return undefined;
  // The moved arguments: nothing per row, nothing bound after the queryset is built, visible where it is built.
  const chainText = expr.text.slice(use.manager.endIndex - expr.startIndex);
  const reads = namesRead(expr).filter((n) => n.startIndex >= use.manager.endIndex && !GLOBAL_HELPERS.has(n.text));
  const loops = iterationLoops(ctx, expr);
  const exprScope = scopeOf(expr);
  const siteScope = scopeOf(info.node);
  for (const n of reads) {
    if (loops.some((l) => l.variant.has(n.text)) || n.text === use.loop.rowVar) return undefined;
    if (exprScope !== siteScope) return undefined;
    // Rebound after the queryset is built: the value read at the loop is not the one the queryset would capture.
    if (exprScope.bindings.get(n.text)?.some((b) => b.start > info.node.startIndex)) return undefined;
  }
  const models = ctx.workspace.models;
  const target = models.get(use.rel.target);
  const rowModel = models.get(use.loop.source.model);
  if (!target || !rowModel) return undefined;
  // Related managers use the default (first) manager's class: `Target.objects` is the same base queryset when it is that one.
  const firstManager = [...target.managers][0];
  if (firstManager !== undefined && firstManager !== 'objects') return undefined;
  const suffix = moved.some((m) => m !== 'order_by') ? 'filtered' : 'ordered';
  const toAttr = `${use.path}_${suffix}`;
  if (rowModel.columns.has(toAttr) || rowModel.relations.has(toAttr) || rowModel.methods.has(toAttr)) return undefined;
  if ([...use.loop.source.prefetch.values()].some((p) => p.toAttr === toAttr)) return undefined;
  // The target model's class must be reachable in this file.
  const imports = importsOf(ctx.file.tree.rootNode);
  const edits: TextEdit[] = [];
  let targetRef = target.name;
  if (!imports.has(target.name) && !ctx.file.tree.rootNode.namedChildren.some((c) => c?.type === 'class_definition' && c.childForFieldName('name')?.text === target.name)) {
    const rowImport = imports.get(rowModel.name);
    if (!rowImport || target.uri !== rowModel.uri) return undefined;
    const mod = rowImport.replace(/\.[^.]+$/, '');
    const imp = ensureImported(info.node, mod, target.name);
    if (!imp) return undefined;
    targetRef = imp.ref;
    edits.push(...imp.edits);
  }
  const prefetchImp = ensureImported(info.node, 'django.db.models', 'Prefetch');
  if (!prefetchImp) return undefined;
  for (const e of prefetchImp.edits) {
    const same = edits.find((x) => x.range.start.line === e.range.start.line && x.range.start.character === e.range.start.character &&
      x.range.end.line === e.range.end.line && x.range.end.character === e.range.end.character);
    if (same) same.newText += e.newText;
    else edits.push(e);
  }
  // Replace the plain lookup when this is the only use of the relation on these rows; else add the Prefetch beside it.
  let accesses = 0;
  for (const loop of ctx.rowLoops()) {
    if (loop.source.prefetch.get(use.path)?.node.id !== info.node.id) continue;
    accesses += rowAccesses(loop).filter((a) => a.names[0] === use.path).length;
    accesses += helperCalls(ctx, loop).reduce((k, c) => k + c.reads.filter((r) => r.attrs[0] === use.path).length, 0);
  }
  const q = preferredQuote(info.node);
  const prefetch = `${prefetchImp.ref}(${q}${use.path}${q}, queryset=${targetRef}.objects${chainText}, to_attr=${q}${toAttr}${q})`;
  if (accesses === 1) edits.push({ range: rangeOf(info.node), newText: prefetch });
  else {
    const args = positionalArgs(prefetchCall);
    const at = rangeOf(args[args.length - 1]).end;
    edits.push({ range: { start: at, end: at }, newText: `, ${prefetch}` });
  }
  const rowExpr = use.manager.childForFieldName('object')?.text;
  if (!rowExpr) return undefined;
  edits.push({ range: rangeOf(expr), newText: `${rowExpr}.${toAttr}` });
  const direct = consumedAsSequence(expr);
  return {
    message: `Prefetch the ${suffix} rows once: Prefetch("${use.path}", queryset=${target.name}.objects${chainText.replace(/\s+/g, ' ').slice(0, 60)}, to_attr="${toAttr}")`,
    applicability: direct ? 'safe' : 'unsafe',
    isPreferred: true,
    edits,
  };
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const findings: Finding[] = [];
    for (const use of managerUses(ctx)) {
      if (!use.prefetch || use.served || use.kind === 'write') continue;
      // A model method's query no prefetch serves is reported once, at the method (DJP112), with this loop.
      if (use.via && reportedAtMethod(ctx, use.via.call, use.via.read, use.loop.source.model)) continue;
      const model = ctx.workspace.models.get(use.loop.source.model);
      const cost = managerCost(use, 1, ctx);
      const fix = valuesListFix(ctx, use) ?? prefetchFix(ctx, use);
      const what = use.decisive ? `${use.decisive}()` : 'the manager';
      findings.push({
        code: meta.code,
        range: rangeOf(use.expr),
        message: `Prefetch defeated: ${describeUse(use)} — ${what} is not served by ` +
          `prefetch_related("${use.path}"): one query per ${model?.name ?? 'row'} row (${formatQueryCost(cost)}; the prefetch ` +
          `still runs once and is wasted for this use). ${why(use)}.`,
        cost,
        related: [
          ...(use.via ? [helperRelated(use.via.call, use.via.read, 'runs')] : []),
          { range: rangeOf(use.prefetch.node), message: 'prefetched here' },
          ...loopRelated(use.loop),
        ],
        fixes: fix ? [fix] : undefined,
      });
    }
    return findings;
  },
};
