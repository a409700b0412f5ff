import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { EXAMPLES, REPO_ROOT } from '../harness/paths';
import { scanProject } from '../harness/projectRun';
import { PYTHON, blockLines, requirePython } from '../harness/realDjango';
import type { QueryCost } from '../../server/core/rules/types';

const SCRIPT = path.join(REPO_ROOT, 'test', 'django', 'query_counts.py');
const SHOP = path.join(EXAMPLES, 'shop');

/**
 * How each N+1 view of the shop maps to djperf's findings. The view's findings are those whose start line lies in its
 * `def`/`class` block; the predicted count is Σ base (once per distinct loop) + Σ perRow × rows(N) + extra.
 * `rows` and `extra` only encode what the seed (query_counts.py docstring) and code outside any loop do:
 */
interface ViewCase {
  file: string;
  name: string;
  /** Rows the loop walks for seed size N. */
  rows?: (n: number) => number;
  /** One-off queries of the view outside the findings' loops (not part of any finding's cost). */
  extra?: number;
  why?: string;
  /** The N+1s are in the template the view renders: take that file's findings (DJP110/DJP111), not the view block's. */
  template?: string;
}

const VIEWS: Record<string, ViewCase> = {
  'catalog.views.product_list': { file: 'catalog/views.py', name: 'product_list' },
  'catalog.views.ProductFeedView': { file: 'catalog/views.py', name: 'ProductFeedView' },
  'catalog.views.category_overview': {
    file: 'catalog/views.py', name: 'category_overview', rows: (n) => n + 1, why: 'the seed has N leaf shelves plus the root shelf',
  },
  'catalog.views.review_digest': { file: 'catalog/views.py', name: 'review_digest' },
  'catalog.views.product_teasers': { file: 'catalog/views.py', name: 'product_teasers' },
  'catalog.views.apply_category_discount': {
    file: 'catalog/views.py', name: 'apply_category_discount', extra: 1, why: 'get_object_or_404(Category, ...) before the loop',
  },
  'catalog.api.ProductListAPI': { file: 'catalog/api.py', name: 'ProductListAPI' },
  'catalog.admin.ReviewAdmin': { file: 'catalog/admin.py', name: 'ReviewAdmin' },
  'catalog.admin.CategoryAdmin': {
    file: 'catalog/admin.py', name: 'CategoryAdmin', why: 'N+1 shelves, but the root shelf has no parent: Django runs no query for a NULL FK',
  },
  'inventory.views.my_reservations': { file: 'inventory/views.py', name: 'my_reservations' },
  'catalog.views.catalog_page': {
    file: 'catalog/views.py', name: 'catalog_page', template: 'catalog/templates/catalog/catalog_page.html',
    why: 'the template reads product.category and product.reviews.count per row',
  },
  'logbook.views.logbook_feed': { file: 'logbook/views.py', name: 'logbook_feed' },
  'logbook.views.logbook_feed_async': { file: 'logbook/views.py', name: 'logbook_feed_async' },
  'logbook.views.logbook_feed_cached': { file: 'logbook/views.py', name: 'logbook_feed_cached' },
  // The N+1 is in a model property (Product.shelf_label reads self.category), one call away from the loop.
  'catalog.views.shelf_labels': { file: 'catalog/views.py', name: 'shelf_labels' },
};

describe('real Django query counts match djperf costs (examples/shop)', function () {
  this.timeout(120000);
  let counts: { sizes: number[]; views: Record<string, Record<string, number>>; problems: string[]; known_related: Record<string, number> };
  let predicted: Map<string, { base: number; perRow: number; extra: number; rows: (n: number) => number; codes: string[] }>;

  before(async () => {
    requirePython();
    const r = spawnSync(PYTHON, [SCRIPT, '--sizes', '3,7'], { encoding: 'utf8', cwd: REPO_ROOT, maxBuffer: 16 << 20 });
    assert.ok(r.stdout, `query_counts.py printed nothing (exit ${r.status}):\n${r.stderr}`);
    counts = JSON.parse(r.stdout);
    const scan = await scanProject(SHOP);
    predicted = new Map();
    for (const [view, c] of Object.entries(VIEWS)) {
      const file = scan.results.find((f) => f.relPath === (c.template ?? c.file));
      assert.ok(file, `${c.template ?? c.file} was not scanned`);
      const [from, to] = c.template ? [0, Number.MAX_SAFE_INTEGER] : blockLines(file.text, c.name);
      const costs = file.findings
        .filter((f) => f.code.startsWith('DJP1') && f.range.start.line >= from && f.range.start.line <= to && f.cost?.kind === 'queries')
        .map((f) => ({ code: f.code, cost: f.cost as QueryCost }));
      const bases = new Map<string, number>();
      for (const { cost } of costs) {
        const loop = cost.rowFactors.join(' | ');
        bases.set(loop, Math.max(bases.get(loop) ?? 0, cost.base));
      }
      predicted.set(view, {
        base: [...bases.values()].reduce((a, b) => a + b, 0),
        perRow: costs.reduce((a, { cost }) => a + cost.perRow, 0),
        extra: c.extra ?? 0,
        rows: c.rows ?? ((n) => n),
        codes: costs.map((x) => x.code),
      });
    }
  });

  it('the harness ran cleanly', () => {
    assert.deepEqual(counts.problems, []);
  });

  it('rows of a reverse-FK manager read their owner without a query (what QuerysetValue.knownRelated assumes)', () => {
    for (const n of counts.sizes) assert.equal(counts.known_related[String(n)], 1, `N=${n}: one query for the rows, none per row`);
  });

  for (const view of Object.keys(VIEWS)) {
    it(view, () => {
      const p = predicted.get(view)!;
      const real = counts.views[view];
      assert.ok(real, `query_counts.py did not report ${view}`);
      assert.ok(p.codes.length > 0, `djperf reports no N+1 finding in ${view}`);
      for (const n of counts.sizes) {
        const expected = p.base + p.extra + p.perRow * p.rows(n);
        assert.equal(real[String(n)], expected,
          `${view} at N=${n}: Django ran ${real[String(n)]} queries; djperf predicts ${p.base} + ${p.perRow}×${p.rows(n)}` +
          `${p.extra ? ` + ${p.extra}` : ''} = ${expected} from ${p.codes.join(', ')}`);
      }
    });
  }
});
