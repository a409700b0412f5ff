/**
 * `.first()`/`.last()` on a prefetched related manager, against real Django (Debian python3-django): djperf's
 * predicted queries (Python rules and template rules alike) must equal what Django runs at two sizes. Django answers
 * `.first()` from the prefetch cache only when the related model is ordered; `.last()` always queries.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { FIXTURE_PROJECTS, REPO_ROOT } from '../harness/paths';
import { scanProject } from '../harness/projectRun';
import { PYTHON, blockLines, requirePython } from '../harness/realDjango';
import type { QueryCost } from '../../server/core/rules/types';

const SCRIPT = path.join(REPO_ROOT, 'test', 'django', 'prefetch_ordering.py');
const PROJECT = path.join(FIXTURE_PROJECTS, 'prefetch_ordering');

/** view -> where its findings are: its block in views.py, or the whole template it renders. */
const VIEWS: Record<string, { template?: string; oneOff?: number }> = {
  first_items: {},
  first_notes: { oneOff: 2 },
  last_notes: {},
  shelf_page: { template: 'shelves/templates/shelves/prefetched.html' },
  shelf_page_plain: { template: 'shelves/templates/shelves/plain.html' },
};

describe('real Django: first()/last() on prefetched managers cost what djperf says', function () {
  this.timeout(120_000);
  let real: { sizes: number[]; views: Record<string, Record<string, number>> };
  const predicted = new Map<string, { base: number; perRow: number }>();

  before(async () => {
    requirePython();
    const r = spawnSync(PYTHON, [SCRIPT, '--sizes', '3,7'], { encoding: 'utf8', cwd: REPO_ROOT });
    assert.equal(r.status, 0, r.stderr);
    real = JSON.parse(r.stdout);
    const scan = await scanProject(PROJECT);
    for (const [view, c] of Object.entries(VIEWS)) {
      const file = scan.results.find((f) => f.relPath === (c.template ?? 'shelves/views.py'));
      assert.ok(file, `${c.template ?? 'views.py'} was not scanned`);
      const [from, to] = c.template ? [0, Number.MAX_SAFE_INTEGER] : blockLines(file.text, view);
      const costs = file.findings
        .filter((f) => f.range.start.line >= from && f.range.start.line <= to && f.cost?.kind === 'queries')
        .map((f) => f.cost as QueryCost);
      predicted.set(view, {
        base: costs.length ? Math.max(...costs.map((x) => x.base)) : c.oneOff ?? 0,
        perRow: costs.reduce((a, x) => a + x.perRow, 0),
      });
    }
  });

  for (const view of Object.keys(VIEWS)) {
    it(view, () => {
      const p = predicted.get(view)!;
      for (const n of real.sizes) {
        assert.equal(real.views[view][String(n)], p.base + p.perRow * n,
          `${view} at N=${n}: Django ran ${real.views[view][String(n)]} queries; djperf predicts ${p.base} + ${p.perRow}×${n}`);
      }
    });
  }
});
