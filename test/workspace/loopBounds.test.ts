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

describe('N from pagination', () => {
  const found = async () => {
    const scan = await scanProject(path.join(FIXTURE_PROJECTS, 'page_sizes'));
    return scan.results.flatMap((r) => r.findings.map((f) => ({ file: r.relPath.split(path.sep).join('/'), line: f.range.start.line + 1, f })));
  };

  it('Paginator(qs, k) pages: a loop over the page (or its object_list) has N = k, in the cost and the message', async () => {
    const all = await found();
    const views = all.filter((x) => x.file === 'catalog/views.py').map((x) => [x.line, x.f.code, (x.f.cost as QueryCost).rowLimits]);
    assert.deepEqual(views, [[12, 'DJP101', [25]], [20, 'DJP101', [30]]]);
    const first = all.find((x) => x.file === 'catalog/views.py' && x.line === 12)?.f;
    assert.match(first?.detail ?? first?.message ?? '', /; N = 25 here \(the page size of Paginator\(Title\.objects\.order_by\("name"\), 25\)\)\.$/);
  });

  it('DRF list views: N = the pagination class page_size, else REST_FRAMEWORK PAGE_SIZE; pagination_class = None keeps the configured N', async () => {
    const api = (await found()).filter((x) => x.file === 'catalog/api.py');
    assert.deepEqual(api.map((x) => [x.line, (x.f.cost as QueryCost).rowLimits ?? null]), [[10, [50]], [17, [10]], [24, null], [40, [50]]]);
    assert.match(api[1].f.detail ?? api[1].f.message, /N = 10 here \(page_size of SmallPages, for the list action\)\.$/);
    assert.doesNotMatch(api[2].f.detail ?? api[2].f.message, /N = /);
    const hover = costInWords(api[0].f.cost as QueryCost, { rows: 200, queryMs: 2 });
    assert.match(hover, /N = objects serialized by TitleSerializer, capped by REST_FRAMEWORK\["PAGE_SIZE"\], for the list action; at N = 50 /);
  });
});
