import { ruleMeta, type Finding, type Rule } from '../types';
import { sharedFacts } from '../async/env';
import { keywordArg, positionalArgs, rangeOf } from '../../python/syntax';
import { preferredQuote } from '../../fixes/querysetEdits';

export const meta = ruleMeta({
  code: 'DJP204',
  name: 'select-for-update-locks-joined-rows',
  family: 'locks',
  defaultSeverity: 'warning',
  summary: 'select_related() with select_for_update() and no of=: the joined rows are locked too.',
});

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    const seen = new Set<number>();
    for (const e of facts.evaluations) {
      const qs = e.qs;
      const fu = qs?.forUpdate;
      if (!qs || !fu || seen.has(fu.id)) continue;
      if (qs.selectRelated !== 'all' && qs.selectRelated.size === 0) continue;
      if (keywordArg(fu, 'of')) continue;
      seen.add(fu.id);
      const joined = qs.selectRelated === 'all' ? 'every non-null relation' : [...qs.selectRelated].filter((p) => !p.includes('__')).join(', ');
      const q = preferredQuote(fu);
      const args = fu.childForFieldName('arguments');
      const hasArgs = positionalArgs(fu).length > 0 || (args?.namedChildren.some((c) => c?.type === 'keyword_argument') ?? false);
      const closing = args ? rangeOf(args).end : rangeOf(fu).end;
      const at = { line: closing.line, character: closing.character - 1 };
      findings.push({
        code: meta.code,
        range: rangeOf(fu),
        message: `select_for_update() on a queryset that select_related()s ${joined} locks those joined rows as well ` +
          `(FOR UPDATE applies to every table in the join), so unrelated requests touching them wait too; on PostgreSQL a ` +
          `nullable relation even fails ("FOR UPDATE cannot be applied to the nullable side of an outer join"). ` +
          `Lock only this model's rows with select_for_update(of=(${q}self${q},)).`,
        fixes: [{
          message: `Lock only the ${ctx.workspace.models.get(qs.model)?.name ?? 'queried'} rows: of=(${q}self${q},)`,
          applicability: 'unsafe',
          isPreferred: true,
          edits: [{ range: { start: at, end: at }, newText: `${hasArgs && !/,\s*\)$/.test(args?.text ?? '') ? ', ' : hasArgs ? ' ' : ''}of=(${q}self${q},)` }],
        }],
      });
    }
    return findings;
  },
};
