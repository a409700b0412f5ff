import { ruleMeta, type Finding, type Fix, type Rule } from '../types';
import { sharedFacts } from './env';
import { asyncFunctionOf } from '../../django/asyncContext';
import { isLoaded } from '../../django/querysetValue';
import { hasAsyncApi } from '../../django/djangoVersion';
import { rangeOf, parentOf, nodesOfType } from '../../python/syntax';
import { addToQuerysetChain } from '../../fixes/querysetEdits';
import type { Node } from '../../parsing/syntaxTree';

export const meta = ruleMeta({
  code: 'DJP303',
  name: 'lazy-load-in-async',
  family: 'async-blocking',
  defaultSeverity: 'warning',
  summary: 'A lazy relation or request.user attribute is read inside async def (a hidden sync query).',
});

const SINGLE = new Set(['fk', 'o2o', 'reverse-o2o', 'parent-link', 'child-link']);

function isAssignTarget(n: Node): boolean {
  const p = parentOf(n);
  return (p?.type === 'assignment' || p?.type === 'augmented_assignment') && p.childForFieldName('left')?.id === n.id;
}

function isRequestParam(ident: Node, fn: Node): boolean {
  if (ident.type !== 'identifier' || ident.text !== 'request') return false;
  const params = fn.childForFieldName('parameters')?.namedChildren ?? [];
  return params.some((p) => p?.text === 'request' || p?.childForFieldName('name')?.text === 'request' || p?.namedChildren[0]?.text === 'request');
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const target = ctx.settings.targetDjango;
    const findings: Finding[] = [];
    for (const n of nodesOfType(facts.root, 'attribute')) {
      const fn = asyncFunctionOf(n);
      if (!fn) continue;
      const obj = n.childForFieldName('object');
      const attr = n.childForFieldName('attribute')?.text ?? '';
      if (!obj) continue;
      // `request.user.username`: the lazy user (session + user queries) is resolved on first attribute access.
      if (obj.type === 'attribute' && obj.childForFieldName('attribute')?.text === 'user' && isRequestParam(obj.childForFieldName('object') as Node, fn) &&
          !isAssignTarget(n)) {
        const auser = hasAsyncApi(target, 'auser');
        const fixes: Fix[] | undefined = auser
          ? [{ message: 'Use (await request.auser())', applicability: 'safe', isPreferred: true, edits: [{ range: rangeOf(obj), newText: '(await request.auser())' }] }]
          : undefined;
        findings.push({
          code: meta.code,
          range: rangeOf(n),
          message: `\`${n.text}\` in \`async def ${fn.childForFieldName('name')?.text}\` resolves the lazy request.user: a sync session and user query ` +
            `(SynchronousOnlyOperation under ASGI). ${auser ? 'Use `user = await request.auser()` once and read from it.' : 'Load it once with `user = await sync_to_async(lambda: request.user if request.user.is_authenticated else None)()` (request.auser() needs Django 5.0).'}`,
          cost: { kind: 'blocking', call: 'request.user', estimatedMs: 4 },
          fixes,
        });
        continue;
      }
      if (isAssignTarget(n)) continue;
      const owner = facts.evaluator.evaluate(obj);
      if (owner?.kind !== 'instance') continue;
      const rel = ctx.workspace.models.relation(owner.model, attr);
      if (!rel || !SINGLE.has(rel.kind) || rel.many) continue;
      if (owner.from && isLoaded(owner.from, attr)) continue;
      // A row of a loop is DJP101's (N+1) business only when it is sync; here every read is a sync query.
      const edit = owner.from ? addToQuerysetChain(owner.from, 'select_related', attr) : undefined;
      findings.push({
        code: meta.code,
        range: rangeOf(n),
        message: `\`${n.text}\` lazily loads ${rel.target ?? 'a related object'} inside \`async def ${fn.childForFieldName('name')?.text}\`: a hidden sync query ` +
          `(SynchronousOnlyOperation under ASGI). Join it with select_related("${attr}") where the object is fetched, or fetch it with \`await ….aget(...)\`.`,
        cost: { kind: 'blocking', call: n.text, estimatedMs: 2 },
        fixes: edit ? [{ message: `Add select_related("${attr}")`, applicability: 'safe', isPreferred: true, edits: [edit] }] : undefined,
        related: owner.from ? [{ range: rangeOf(owner.from.origin), message: 'object fetched here' }] : undefined,
      });
    }
    return findings;
  },
};
