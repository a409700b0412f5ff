/** Caching advice (the likes endpoint of the field report) and a simulated before/after of the product list. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { profileProject } from '../../server/node/profile';
import { loadProjectConfig } from '../../server/node/projectConfig';
import { DEFAULT_ROWS, mergeConfig } from '../../server/core/config/config';
import { scenarioFor, simulateCached } from '../../server/core/profiles/scenario';
import { clipWords } from '../../server/core/text/clip';
import type { ProfileReport } from '../../server/core/profiles/types';
import { EXAMPLES } from '../harness/paths';

const SHOP = path.join(EXAMPLES, 'shop');
let report: ProfileReport;
const byId = (id: string) => report.endpoints.find((e) => e.id === id)!;

describe('caching advice and simulated fixes (examples/shop)', () => {
  before(async () => {
    report = (await profileProject(SHOP, mergeConfig(loadProjectConfig(SHOP).config))).report;
  });

  it('the likes feed: cache it, and invalidate where likes are added and removed', () => {
    const feed = byId('logbook.views.logbook_feed');
    assert.equal(feed.readOnly, true);
    const a = feed.cacheAdvice!;
    assert.ok(a, 'advice given');
    assert.equal(a.kind, 'get_or_set');
    assert.equal(a.key, 'logbook.views.logbook_feed');
    assert.equal(a.ttlSeconds, 300);
    const points = a.invalidateAt.map((p) => `${path.basename(p.uri)}:${p.line + 1} ${p.what}`);
    assert.ok(points.includes('views.py:84 logbook.likes.add() in like_logbook writes Logbook.likes'), points.join('\n'));
    assert.ok(points.includes('views.py:93 logbook.likes.remove() in unlike_logbook writes Logbook.likes'), points.join('\n'));
    assert.ok(points.some((p) => /^admin\.py:\d+ admin for Logbook/.test(p)), 'the admin writes Logbook too');
    assert.ok(!points.some((p) => /tests?\.py|migrations/.test(p)), 'tests and migrations are not invalidation points');
    assert.match(a.rationale, /2 \+ N queries/);
  });

  it('one N: the configured rows (djperf.rows / [tool.djperf] rows) is the N of every profile the code does not size', async () => {
    const usesDefault = (r: ProfileReport) => r.endpoints.flatMap((e) => e.defaults.filter((d) => d.name === 'rows' && /\(N\)$/.test(d.description)).map((d) => d.value));
    const base = usesDefault(report);
    assert.ok(base.length > 0 && base.every((v) => v === DEFAULT_ROWS), base.join(','));
    const set = (await profileProject(SHOP, mergeConfig(loadProjectConfig(SHOP).config, { rows: 35 }))).report;
    const rows = usesDefault(set);
    assert.equal(rows.length, base.length);
    assert.ok(rows.every((v) => v === 35), rows.join(','));
    // A size the code tells (a paginator, a slice) still wins over the configured N.
    const told = (r: ProfileReport) => r.endpoints.flatMap((e) => e.defaults.filter((d) => d.name === 'rows' && !/\(N\)$/.test(d.description)).map((d) => d.value));
    assert.deepEqual(told(set), told(report));
  });

  it('finding costs are one line of at most 120 characters, never cut mid-word and never ending in ".."', () => {
    for (const e of report.endpoints) for (const f of e.findings) {
      assert.ok(f.cost.length <= 120 && !f.cost.includes('\n'), `${e.id} ${f.code}: ${f.cost}`);
      assert.doesNotMatch(f.cost, /\.\.$/);
    }
    assert.equal(clipWords('the work stays in the thread and the work stops', 30), 'the work stays in the thread…');
  });

  it('an already cached handler keeps its key and TTL', () => {
    const a = byId('logbook.views.logbook_feed_cached').cacheAdvice!;
    assert.deepEqual([a.key, a.ttlSeconds], ['logbook_likes', 300]);
    assert.equal(a.invalidateAt.filter((p) => /like_logbook|unlike_logbook/.test(p.what)).length, 2);
  });

  it('keys use the URL kwargs the handler reads', () => {
    assert.equal(byId('catalog.async_views.product_detail').cacheAdvice?.key, 'catalog.async_views.product_detail:{product_id}');
  });

  it('never advises caching a handler that writes or depends on request.user, and says why', () => {
    for (const id of ['logbook.views.like_logbook', 'inventory.views.reserve_stock', 'catalog.views.apply_category_discount']) {
      const e = byId(id);
      assert.equal(e.cacheAdvice, undefined, id);
      assert.match(e.cacheUnsafe ?? '', /writes/, id);
    }
    const user = byId('catalog.async_views.product_availability');
    assert.equal(user.cacheAdvice, undefined);
    assert.match(user.cacheUnsafe ?? '', /request\.user/);
    assert.match(byId('catalog.async_views.cart_lines').cacheUnsafe ?? '', /request body/);
  });

  it('product list: the simulated fixed profile (select_related) is faster than the N+1 one', () => {
    const dep = report.deployment;
    const pl = byId('catalog.views.product_list');
    const before = simulateCached(report, scenarioFor(dep, [pl], { requests: 1000 }));
    const after = simulateCached(report, scenarioFor(dep, [pl], { requests: 1000, fixed: new Set([pl.id]) }));
    assert.equal(before.overall.completed, after.overall.completed);
    assert.ok(after.overall.latency.mean < before.overall.latency.mean / 2, `${after.overall.latency.mean} vs ${before.overall.latency.mean}`);
    assert.ok(after.overall.latency.p95 < before.overall.latency.p95);
    // cached per report: the same scenario returns the same result object
    assert.equal(simulateCached(report, scenarioFor(dep, [pl], { requests: 1000 })), before);
  });
});
