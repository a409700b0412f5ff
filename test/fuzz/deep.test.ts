/**
 * Issue 8, part 2: recursive walks must not overflow the stack. Each input nests one construct 10,000 levels deep
 * inside code the rules look at (a loop over a queryset, a view, a model), so that every recursive helper of the
 * core (targetsName, targetNames, consumption, selfReads, extractClassDecls, the model index's base-chain walks,
 * the evaluator, the profile builder …) meets it. No RangeError, no rule-failure notice, every fix still parses.
 */
import * as assert from 'node:assert/strict';
import { analyseChecked, checkEveryFix, BIG_PARSE_BUDGET_MS } from './harness';
import { CASES, ROOT, VIEWS } from './deepCases';

describe('deep nesting: no stack overflow in any walk (10,000 levels)', function () {
  this.timeout(120_000);
  for (const c of CASES) {
    it(c.name, async () => {
      const text = c.text();
      const uri = c.uri ?? VIEWS;
      const a = await analyseChecked(uri, text, { root: ROOT, parseBudgetMs: BIG_PARSE_BUDGET_MS, profiles: true });
      assert.ok(a.parsed, 'the parse was abandoned even with the big budget');
      await checkEveryFix(uri, text, a, BIG_PARSE_BUDGET_MS);
    });
  }
});
