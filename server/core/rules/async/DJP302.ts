import { ruleMeta, type Finding, type Fix, type Rule, type TextEdit } from '../types';
import { sharedFacts, type SharedFacts } from './env';
import { asyncFunctionOf } from '../../django/asyncContext';
import type { QueryEvaluation } from '../../django/evaluation';
import { asyncVariant, formatVersion, hasAsyncApi, type DjangoVersion } from '../../django/djangoVersion';
import { rangeOf, parentOf } from '../../python/syntax';
import { awaitEdits, ensureImport, renameMethod, replaceWithAwait } from '../../fixes/asyncEdits';
import type { Node } from '../../parsing/syntaxTree';

export const meta = ruleMeta({
  code: 'DJP302',
  name: 'sync-orm-in-async',
  family: 'async-blocking',
  defaultSeverity: 'warning',
  summary: 'A sync ORM query runs inside async def (SynchronousOnlyOperation, or a blocked event loop when silenced).',
});

function describe(e: QueryEvaluation): string {
  switch (e.kind) {
    case 'method': case 'instance-method': return `\`.${e.method}()\``;
    case 'iterate': return 'a `for` loop over a QuerySet';
    case 'comprehension': return 'a comprehension over a QuerySet';
    case 'wrapper': return `\`${e.method}()\` of a QuerySet`;
    case 'len': return '`len()` of a QuerySet';
    case 'bool': return 'the truth value of a QuerySet';
    case 'index': return 'indexing a QuerySet';
    case 'in': return '`in` over a QuerySet';
    case 'shortcut': return `\`${e.method}()\``;
    default: return 'a query';
  }
}

function asyncToken(n: Node): boolean {
  return n.children.some((c) => c?.type === 'async');
}

/** The awaited async equivalent, when the target Django has it. */
export function asyncOrmFix(e: QueryEvaluation, target: DjangoVersion, facts: SharedFacts): { fix?: Fix; advice: string } {
  const r = (n: Node) => rangeOf(n);
  const wrap = (): { fix?: Fix; advice: string } => {
    if (e.kind !== 'method' && e.kind !== 'instance-method') return { advice: `wrap the work in \`await sync_to_async(...)()\` (Django ${formatVersion(target)} has no async variant)` };
    const fn = e.node.childForFieldName('function');
    const args = e.node.childForFieldName('arguments');
    const imp = ensureImport(facts.root, facts.imports, 'sync_to_async', 'from asgiref.sync import sync_to_async');
    return {
      advice: `use \`await sync_to_async(${fn?.text})(...)\` (Django ${formatVersion(target)} has no async variant)`,
      fix: fn && args ? { message: `Wrap in await sync_to_async(${fn.text})(...)`, applicability: 'unsafe', isPreferred: true,
        edits: [replaceWithAwait(e.node, `sync_to_async(${fn.text})${args.text}`), ...(imp ? [imp] : [])] } : undefined,
    };
  };
  switch (e.kind) {
    case 'method':
    case 'instance-method': {
      const kind = e.kind === 'instance-method' ? 'model' : e.qs?.relatedFrom && ['add', 'remove', 'set', 'clear'].includes(e.method ?? '') ? 'related-manager' : 'queryset';
      const variant = asyncVariant(target, kind, e.method ?? '');
      if (!variant) return wrap();
      const rename = renameMethod(e.node, variant);
      return {
        advice: `use \`await ….${variant}(…)\``,
        fix: rename ? { message: `Use await ….${variant}(…)`, applicability: 'safe', isPreferred: true, edits: [...awaitEdits(e.node), rename] } : undefined,
      };
    }
    case 'iterate':
    case 'comprehension': {
      if (!hasAsyncApi(target, 'async-for')) return wrap();
      if (asyncToken(e.node)) return { advice: '' };
      const edits: TextEdit[] = [];
      const forTok = e.node.children.find((c) => c?.type === 'for');
      if (!forTok) return { advice: 'use `async for`' };
      edits.push({ range: { start: r(forTok).start, end: r(forTok).start }, newText: 'async ' });
      if (e.method === 'iterator') {
        const it = e.target.type === 'call' ? renameMethod(e.target, 'aiterator') : undefined;
        if (it) edits.push(it);
      }
      // An async generator expression cannot be consumed by sync code (sum(), join()): no automatic fix there.
      const safe = e.kind === 'iterate' || parentOf(e.node)?.type !== 'generator_expression';
      return { advice: 'use `async for`', fix: safe ? { message: 'Use async for', applicability: 'safe', isPreferred: true, edits } : undefined };
    }
    case 'wrapper': {
      if (!hasAsyncApi(target, 'async-for')) return wrap();
      const open = e.method === 'list' ? '[' : e.method === 'set' ? '{' : undefined;
      if (!open) return { advice: 'build it with `[x async for x in qs]`' };
      const close = open === '[' ? ']' : '}';
      return {
        advice: `use \`${open}x async for x in qs${close}\``,
        fix: { message: `Use ${open}x async for x in …${close}`, applicability: 'safe', isPreferred: true,
          edits: [{ range: r(e.node), newText: `${open}x async for x in ${e.target.text}${close}` }] },
      };
    }
    case 'len': {
      if (!hasAsyncApi(target, 'queryset')) return wrap();
      return { advice: 'use `await qs.acount()`', fix: { message: 'Use await ….acount()', applicability: 'unsafe', isPreferred: true,
        edits: [replaceWithAwait(e.node, `${e.target.text}.acount()`)] } };
    }
    case 'bool':
      return { advice: hasAsyncApi(target, 'queryset') ? 'use `await qs.aexists()`' : 'wrap it in `await sync_to_async(...)()`' };
    case 'shortcut':
      return { advice: hasAsyncApi(target, 'shortcut') ? `use \`await a${e.method}(...)\`` : `use \`await ….aget(...)\` and raise Http404 yourself` };
    default:
      return { advice: hasAsyncApi(target, 'queryset') ? 'use the async API (`aget`, `afirst`, `async for`)' : 'wrap it in `await sync_to_async(...)()`' };
  }
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    for (const e of facts.evaluations) {
      if (e.isAsync) continue;
      const fn = asyncFunctionOf(e.node);
      if (!fn) continue;
      const { fix, advice } = asyncOrmFix(e, ctx.settings.targetDjango, facts);
      const range = e.kind === 'iterate' ? { start: rangeOf(e.node).start, end: rangeOf(e.target).end } : rangeOf(e.node);
      findings.push({
        code: meta.code,
        range,
        message: `Sync ORM query in \`async def ${fn.childForFieldName('name')?.text}\`: ${describe(e)} runs the query on the event loop ` +
          `(Django raises SynchronousOnlyOperation; with DJANGO_ALLOW_ASYNC_UNSAFE it blocks every request on this loop). ${advice ? `${advice[0].toUpperCase()}${advice.slice(1)}.` : ''}`,
        cost: { kind: 'blocking', call: describe(e).replace(/`/g, ''), estimatedMs: 2 },
        fixes: fix ? [fix] : undefined,
      });
    }
    return findings;
  },
};
