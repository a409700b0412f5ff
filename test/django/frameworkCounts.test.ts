import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { FIXTURE_PROJECTS, REPO_ROOT } from '../harness/paths';
import { scanProject } from '../harness/projectRun';
import { PYTHON, blockLines, requirePython } from '../harness/realDjango';
import type { QueryCost } from '../../server/core/rules/types';

const SCRIPT = path.join(REPO_ROOT, 'test', 'django', 'framework_counts.py');
const PROJECT = path.join(FIXTURE_PROJECTS, 'framework_behaviour');

/**
 * What the seed (framework_counts.py docstring) does beyond N rows per loop: the few views whose loop walks another
 * number of rows, or that run a query outside the finding's loop. Every other view walks N rows.
 */
const SHAPE: Record<string, { rows?: (n: number) => number; extra?: number; why: string }> = {
  'library.views.created_books_per_member': { rows: (n) => n + 1, why: 'N members plus the requesting superuser' },
  'library.views.taggings': {
    rows: (n) => 2 * n, extra: 1,
    why: 'two taggings per book; the prefetch of tagging_set is one query outside the inner loop the finding costs',
  },
};

interface Counts { sizes: number[]; views: Record<string, Record<string, number>>; problems: string[] }

describe('real Django query counts match djperf costs (framework_behaviour: inheritance, managers, GFK, DRF, admin)', function () {
  this.timeout(120000);
  let counts: Counts;
  let scan: Awaited<ReturnType<typeof scanProject>>;

  before(async () => {
    requirePython();
    const r = spawnSync(PYTHON, [SCRIPT, '--sizes', '3,5'], { encoding: 'utf8', cwd: REPO_ROOT, maxBuffer: 16 << 20 });
    assert.ok(r.stdout, `framework_counts.py printed nothing (exit ${r.status}):\n${r.stderr}`);
    counts = JSON.parse(r.stdout) as Counts;
    scan = await scanProject(PROJECT);
  });

  it('the harness ran every view cleanly', () => {
    assert.deepEqual(counts.problems, []);
    assert.ok(Object.keys(counts.views).length >= 30, `only ${Object.keys(counts.views).length} views measured`);
  });

  it('every view: N+1 findings predict the real count, and views without one run a constant number of queries', () => {
    const report: string[] = [];
    let flagged = 0;
    for (const [view, real] of Object.entries(counts.views)) {
      const parts = view.split('.');
      const name = parts.pop() as string;
      const rel = `${parts.join('/')}.py`;
      const file = scan.results.find((f) => f.relPath === rel);
      assert.ok(file, `${rel} was not scanned`);
      const [from, to] = blockLines(file.text, name);
      const costs = file.findings
        .filter((f) => f.code.startsWith('DJP1') && f.range.start.line >= from && f.range.start.line <= to && f.cost?.kind === 'queries')
        .map((f) => ({ code: f.code, cost: f.cost as QueryCost }));
      const [small, large] = counts.sizes.map((n) => real[String(n)]);
      if (costs.length === 0) {
        if (small !== large) report.push(`${view}: no finding, but Django ran ${small} then ${large} queries (N+1 missed)`);
        continue;
      }
      flagged++;
      const bases = new Map<string, number>();
      for (const { cost } of costs) bases.set(cost.rowFactors.join(' | '), Math.max(bases.get(cost.rowFactors.join(' | ')) ?? 0, cost.base));
      const base = [...bases.values()].reduce((a, b) => a + b, 0);
      const perRow = costs.reduce((a, { cost }) => a + cost.perRow, 0);
      const shape = SHAPE[view] ?? {};
      for (const n of counts.sizes) {
        const expected = base + (shape.extra ?? 0) + perRow * (shape.rows ?? ((k: number) => k))(n);
        if (real[String(n)] !== expected) {
          report.push(`${view} at N=${n}: Django ran ${real[String(n)]}; djperf predicts ${expected} from ${costs.map((c) => c.code).join(', ')}`);
        }
      }
    }
    assert.equal(report.join('\n'), '');
    assert.ok(flagged >= 15, `only ${flagged} flagged views compared`);
  });
});
