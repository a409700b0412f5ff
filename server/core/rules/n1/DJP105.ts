import { clipCode } from '../../text/clip';
import type { Node } from '../../parsing/syntaxTree';
import { ruleMeta, formatQueryCost, type Finding, type Fix, type Rule } from '../types';
import type { RuleContext } from '../context';
import { reportedAtMethod } from '../../django/methodQueries';
import {
  dependsOnLoop, iterationLoops, loopCost, loopRelated, managerCost, managerUses, allManagerUses, type IterationLoop,
} from '../../django/n1Analysis';
import type { QuerysetValue } from '../../django/querysetValue';
import { nodesOfTypes, positionalArgs, rangeOf, walk, parentOf } from '../../python/syntax';
import { loopWrites } from '../../django/loopWrites';

export const meta = ruleMeta({
  code: 'DJP105',
  name: 'query-in-loop',
  family: 'n-plus-one',
  defaultSeverity: 'warning',
  summary: 'A query runs once per loop iteration: fetch all rows at once (loop-variant) or hoist it (loop-invariant).',
});

/** QuerySet methods that run a read query right away. */
const QUERY_METHODS = new Set(['get', 'first', 'last', 'earliest', 'latest', 'count', 'exists', 'aggregate', 'in_bulk', 'contains']);
const RAISING = new Set(['get', 'earliest', 'latest']);
const EVALUATING_CALLS = new Set(['list', 'tuple', 'set', 'sorted', 'len', 'bool']);
const WRITES = /\.(save|delete|create|update|bulk_create|bulk_update|get_or_create|update_or_create|add|remove|set|clear)\s*\(/;

interface QuerySite {
  node: Node;
  describe: string;
  qs?: QuerysetValue;
  method?: string;
}

const QUERY_SITE_NODES: readonly string[] = ['call', 'for_statement', 'for_in_clause'];

function querySites(ctx: RuleContext, managed: Set<number>): QuerySite[] {
  const out: QuerySite[] = [];
  const covered = (q: QuerysetValue | undefined): boolean => !!q?.relatedFrom && managed.has(q.relatedFrom.node.id);
  for (const n of nodesOfTypes(ctx.file.tree.rootNode, QUERY_SITE_NODES)) {
    if (n.type === 'call') {
      const fn = n.childForFieldName('function');
      if (fn?.type === 'attribute') {
        const method = fn.childForFieldName('attribute')?.text ?? '';
        if (QUERY_METHODS.has(method)) {
          const q = ctx.evaluator.queryset(fn.childForFieldName('object'));
          if (q && !covered(q) && parentOf(n)?.type !== 'await') out.push({ node: n, describe: `${method}()`, qs: q, method });
        }
      } else if (fn?.type === 'identifier') {
        if (fn.text === 'get_object_or_404' || fn.text === 'get_list_or_404') {
          out.push({ node: n, describe: `${fn.text}()`, method: fn.text === 'get_object_or_404' ? 'get' : undefined });
        } else if (EVALUATING_CALLS.has(fn.text)) {
          const arg = positionalArgs(n)[0];
          const q = arg ? ctx.evaluator.queryset(arg) : undefined;
          if (q && !covered(q) && builtInside(q, n)) out.push({ node: n, describe: `${fn.text}() of a queryset`, qs: q });
        }
      }
    } else if (n.type === 'for_statement' || n.type === 'for_in_clause') {
      const right = n.childForFieldName('right');
      const q = right ? ctx.evaluator.queryset(right) : undefined;
      if (right && q && !covered(q) && builtInside(q, n)) out.push({ node: right, describe: 'iterating a queryset', qs: q });
    }
  }
  return out;
}

/** The queryset is built by this expression (not a variable evaluated once and cached). */
function builtInside(q: QuerysetValue, at: Node): boolean {
  return q.origin.startIndex >= at.startIndex && q.origin.endIndex <= at.endIndex;
}

/** Hoist `x = Model.objects.…first()` out of a for loop when nothing in the loop can change its result. */
function hoistFix(site: QuerySite, loop: IterationLoop): Fix | undefined {
  if (loop.loop.type !== 'for_statement' || !loop.body || !site.method) return undefined;
  const assign = parentOf(site.node);
  const stmt = parentOf(assign);
  if (assign?.type !== 'assignment' || assign.childForFieldName('right')?.id !== site.node.id || stmt?.type !== 'expression_statement' ||
      parentOf(stmt)?.id !== loop.body.id) return undefined;
  const left = assign.childForFieldName('left');
  if (left?.type !== 'identifier') return undefined;
  const name = left.text;
  let assignedTwice = 0;
  let mutated = false;
  walk(loop.body, (n) => {
    if (n.type === 'assignment' || n.type === 'augmented_assignment') {
      const l = n.childForFieldName('left');
      if (l?.type === 'identifier' && l.text === name) assignedTwice++;
      if (l?.type === 'attribute' && l.childForFieldName('object')?.text === name) mutated = true;
    }
    if (n.type === 'call' && n.childForFieldName('function')?.type === 'attribute' &&
        n.childForFieldName('function')?.childForFieldName('object')?.text === name) {
      mutated = true;
    }
    return true;
  });
  if (assignedTwice !== 1 || mutated || WRITES.test(loop.body.text)) return undefined;
  const loopLine = loop.loop.startPosition.row;
  const indent = /^\s*/.exec(lineText(loop.loop, loopLine))?.[0] ?? '';
  const first = stmt.startPosition.row;
  const last = stmt.endPosition.row;
  const lines: string[] = [];
  for (let r = first; r <= last; r++) lines.push(lineText(loop.loop, r));
  const bodyIndent = /^\s*/.exec(lines[0])?.[0] ?? '';
  const moved = lines.map((l) => (l.startsWith(bodyIndent) ? indent + l.slice(bodyIndent.length) : l)).join('\n');
  return {
    message: `Hoist \`${name} = …\` out of the loop`,
    applicability: RAISING.has(site.method) ? 'unsafe' : 'safe',
    isPreferred: true,
    edits: [
      { range: { start: { line: loopLine, character: 0 }, end: { line: loopLine, character: 0 } }, newText: `${moved}\n` },
      { range: { start: { line: first, character: 0 }, end: { line: last + 1, character: 0 } }, newText: '' },
    ],
  };
}

function lineText(node: Node, row: number): string {
  const root = node.tree.rootNode; // `.parent` costs O(depth) in tree-sitter: never climb to the root
  return root.text.split(/\r?\n/)[row] ?? '';
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const findings: Finding[] = [];
    const uses = managerUses(ctx);
    const managed = new Set(allManagerUses(ctx).map((u) => u.manager.id));
    // Related-manager calls on a row that prefetching cannot serve and that nothing prefetches.
    for (const use of uses) {
      if (use.prefetch || (use.kind !== 'first' && use.kind !== 'requery')) continue;
      // A model method's query no prefetch serves is reported once, at the method (DJP112), with this loop.
      if (use.via && reportedAtMethod(ctx, use.via.call, use.via.read, use.loop.source.model)) continue;
      const model = ctx.workspace.models.get(use.loop.source.model);
      const cost = managerCost(use, 1, ctx);
      findings.push({
        code: meta.code,
        range: rangeOf(use.expr),
        message: `Query in a loop: \`${clipCode(use.expr.text, 100)}\` runs once per ${model?.name ?? 'row'} row ` +
          `(${formatQueryCost(cost)}); load the related rows for all rows at once with ` +
          `prefetch_related(Prefetch("${use.path}", queryset=…, to_attr="…")) and use the list per row.`,
        cost,
        related: loopRelated(use.loop),
      });
    }
    for (const site of querySites(ctx, managed)) {
      const loops = iterationLoops(ctx, site.node);
      if (loops.length === 0) continue;
      const inner = loops[0];
      const variant = dependsOnLoop(site.node, inner);
      // A count() in a loop that creates rows of its model changes every iteration: not invariant, nothing to hoist,
      // and whether the per-iteration query is needed is the code's logic, not a performance bug djperf can judge.
      // Callees count too (followed through the semantic model and imports); one djperf cannot see into may write
      // anything, so such a query is reported without calling it invariant or advising to hoist it.
      const writes = variant ? undefined : loopWrites(ctx, inner.body ?? inner.loop);
      if (writes && site.qs && writes.models.has(site.qs.model)) continue;
      const opaque = writes?.opaque;
      const cost = loopCost(ctx, loops, 1, site.qs?.model);
      const text = clipCode(site.node.text, 100);
      const loopText = inner.factor;
      const message = variant
        ? `Query in a loop: \`${text}\` (${site.describe}) runs once per iteration (${formatQueryCost(cost)}, N = ${loopText}); ` +
          'fetch everything before the loop with one query — in_bulk(ids) or filter(pk__in=ids) into a dict, ' +
          'select_related/prefetch_related on the outer queryset — and look rows up inside the loop.'
        : opaque
          ? `Query in a loop: \`${text}\` (${site.describe}) runs on every iteration with arguments that do not depend on the loop ` +
            `(${formatQueryCost(cost)}, N = ${loopText}); the loop also calls \`${opaque}\`, which djperf cannot see into, so whether ` +
            'the result changes between iterations is not known.'
          : `Loop-invariant query: \`${text}\` (${site.describe}) does not depend on the loop but runs on every iteration ` +
            `(${formatQueryCost(cost)}, N = ${loopText}); run it once before the loop.`;
      const fix = variant || opaque ? undefined : hoistFix(site, inner);
      findings.push({
        code: meta.code,
        range: rangeOf(site.node),
        message,
        cost,
        related: [{ range: rangeOf(inner.loop), message: variant ? 'the loop it depends on' : opaque ? 'the loop' : 'hoist it before this loop' }],
        fixes: fix ? [fix] : undefined,
      });
    }
    return findings;
  },
};
