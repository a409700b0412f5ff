import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { costInWords } from '../../server/lsp/hover';
import type { QueryCost } from '../../server/core/rules/types';
import { FIXTURE_PROJECTS } from '../harness/paths';
import { scanProject } from '../harness/projectRun';

describe('N from the loop', () => {
  it('a literal slice gives N = k in the cost; other findings keep the configured N', async () => {
    const scan = await scanProject(path.join(FIXTURE_PROJECTS, 'loop_facts'));
    const costs = scan.results.flatMap((r) => r.findings).map((f) => [f.range.start.line + 1, f.code, (f.cost as QueryCost | undefined)?.rowLimits]);
    assert.deepEqual(costs.find(([line]) => line === 75), [75, 'DJP101', [10]]);
    assert.ok(costs.filter(([line]) => line !== 75).every(([, , limits]) => limits === undefined), JSON.stringify(costs));
  });

  it('the hover prices a capped factor at its cap and the others at the configured N (djperf.rows)', () => {
    const cost: QueryCost = { kind: 'queries', base: 1, perRow: 1, rowFactors: ['rows of a', 'rows of b'], rowLimits: [null, 3] };
    assert.match(costInWords(cost, { rows: 50, queryMs: 2 }), /at N = 50, M = 3 and 2 ms a query ≈ 300 ms \(151 queries\)/);
  });
});
