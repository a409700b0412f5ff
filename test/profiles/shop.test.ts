/**
 * Endpoint profiles of examples/shop, endpoint by endpoint, against what the code does (see the views): routes from
 * shop/urls.py + includes, methods from decorators / generic views, async-ness, and the simulator steps
 * (queries once and per row, lock sections, external I/O, thread hops, cache reads, CPU) before and after the fixes.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { profileProject } from '../../server/node/profile';
import { loadProjectConfig } from '../../server/node/projectConfig';
import { mergeConfig } from '../../server/core/config/config';
import { describeSteps } from '../../server/cli/profile';
import type { EndpointProfile, ProfileReport } from '../../server/core/profiles/types';
import type { Step } from '../../webview/sim/types';
import { validateScenario } from '../../webview/sim';
import { EXAMPLES } from '../harness/paths';

const SHOP = path.join(EXAMPLES, 'shop');

/** id, route, methods, async, readOnly, usesRequestUser, steps, fixed steps (null: no fix changes the steps). */
type Row = [string, string, string[] | null, boolean, boolean, boolean, string, string | null];
const ENDPOINTS: Row[] = [
  // catalog/views.py: for p in Product.objects.all() + p.category / p.stock per row -> 1 + 2N; select_related -> 1.
  ['catalog.views.product_list', 'products/', null, false, true, false, 'cpu 2 ms, db 1 + 2N', 'cpu 2 ms, db 1'],
  // ListView.get_queryset: list(filter()) + 2 FK reads per row.
  ['catalog.views.ProductFeedView', 'products/feed/', ['GET'], false, true, false, 'cpu 2 ms, db 1 + 2N', 'cpu 2 ms, db 1'],
  // only() then a deferred field per row (DJP107).
  ['catalog.views.product_teasers', 'products/teasers/', null, false, true, false, 'cpu 2 ms, db 1 + N', 'cpu 2 ms, db 1'],
  // values() and values_list(): two queries, no per-row loads.
  ['catalog.views.price_list', 'products/prices/', null, false, true, false, 'cpu 2 ms, db 2', null],
  ['catalog.views.featured_products', 'products/featured/', null, false, true, false, 'cpu 2 ms', null],
  // reviews.all() per product (DJP102); prefetch_related adds one query.
  ['catalog.views.review_digest', 'products/ratings/', null, false, true, false, 'cpu 2 ms, db 1 + N', 'cpu 2 ms, db 2'],
  // Sync iteration of a QuerySet inside async def blocks the event loop (DJP302).
  ['catalog.async_views.all_skus', 'products/skus/', null, true, true, false, 'cpu 2 ms, db 1 (blocks the loop)', 'cpu 2 ms, db 1'],
  // @sync_to_async helper returns a lazy QuerySet: the hop runs nothing, the iteration blocks the loop.
  ['catalog.async_views.top_rated', 'products/top-rated/', null, true, true, false, 'cpu 2 ms, hop [], db 1 (blocks the loop)', 'cpu 2 ms, hop [], db 1'],
  // aget (1) + related_products() helper (1, blocking) + lazy product.category (1, blocking).
  ['catalog.async_views.product_detail', 'products/<int:product_id>/', null, true, true, false, 'cpu 2 ms, db 1, db 2 (blocks the loop)', 'cpu 2 ms, db 3'],
  // request.user (session + user), sync get(), cache.get with miss path: time.sleep + requests.get, all blocking.
  ['catalog.async_views.product_availability', 'products/<int:product_id>/availability/', null, true, false, true,
    'cpu 2 ms, db 2 (blocks the loop), db 1 (blocks the loop), cache get miss→[sleep (blocks the loop), io (blocks the loop)]',
    'cpu 2 ms, db 2, db 1, cache get miss→[sleep, io]'],
  ['catalog.views.category_overview', 'categories/', null, false, true, false, 'cpu 2 ms, db 1 + N', 'cpu 2 ms, db 1'],
  ['catalog.views.category_overview_annotated', 'categories/annotated/', null, false, true, false, 'cpu 2 ms, db 1', null],
  // prefetch_related("products__stock"): 1 + 2 queries, everything per row served from the prefetch cache.
  ['catalog.views.shelf_summary', 'categories/shelves/', null, false, true, false, 'cpu 2 ms, db 3', null],
  ['catalog.async_views.category_products', 'categories/<slug:slug>/products/', null, true, true, false, 'cpu 2 ms, hop [], db 1 (blocks the loop)', 'cpu 2 ms, hop [], db 1'],
  // @require_POST; get_object_or_404 + loop + save() per row (DJP106) -> bulk_update.
  ['catalog.views.apply_category_discount', 'categories/<slug:slug>/discount/', ['POST'], false, false, false, 'cpu 2 ms, db 2 + N', 'cpu 2 ms, db 3'],
  ['catalog.views.latest_reviews', 'reviews/latest/', null, false, true, false, 'cpu 2 ms, db 1', null],
  // async_to_sync inside async def raises (noted); reads the request body.
  ['catalog.async_views.cart_quote', 'cart/quote/', null, true, false, false, 'cpu 2 ms', null],
  // one sync_to_async hop per cart line.
  ['catalog.async_views.cart_lines', 'cart/lines/', null, true, false, false, 'cpu 2 ms, 20× [hop [db 1]]', null],
  // asyncio.gather of three thread-sensitive hops: still one after another.
  ['catalog.async_views.store_dashboard', 'dashboard/', null, true, true, false, 'cpu 2 ms, hop [db 1], hop [db 1], hop [db 1]', null],
  // acount + async for (native async API: no blocking), sync_to_async(lambda) hop; asyncio.sleep(0) costs nothing.
  ['catalog.async_views.catalogue_stats', 'dashboard/stats/', null, true, true, false, 'cpu 2 ms, db 2, hop [db 1]', null],
  ['catalog.async_views.price_sanity', 'dashboard/price-sanity/', null, true, true, false, 'cpu 2 ms, hop [db 1]', null],
  // DRF ListAPIView: the queryset + ProductSerializer's nested category/stock per row (DJP108) -> select_related.
  ['catalog.api.ProductListAPI', 'api/products/', ['GET'], false, true, false, 'cpu 2 ms, db 1 + 2N', 'cpu 2 ms, db 1'],
  ['catalog.api.ProductReviewsAPI', 'api/products/reviews/', ['GET'], false, true, false, 'cpu 2 ms, db 2', null],
  // login_required (2) + select_for_update under atomic: get, create, save, create and the cache round trip under the lock.
  ['inventory.views.reserve_stock', 'inventory/reserve/<int:product_id>/', ['POST'], false, false, true,
    'cpu 2 ms, db 2, lock ProductStock:product_id [db 4, cache delete]', 'cpu 2 ms, db 2, lock ProductStock:product_id [db 4], cache delete'],
  // The warehouse HTTP call inside the lock (DJP202) moves after the transaction in the fixed profile.
  ['inventory.views.reserve_and_notify_warehouse', 'inventory/reserve/<int:product_id>/notify/', ['POST'], false, false, true,
    'cpu 2 ms, db 2, lock ProductStock:product_id [db 2, io, db 1]', 'cpu 2 ms, db 2, lock ProductStock:product_id [db 3], io'],
  // async with transaction.atomic() (DJP409) is no lock; aupdate + acreate.
  ['inventory.async_views.quick_reserve', 'inventory/reserve/<int:product_id>/quick/', null, true, false, false, 'cpu 2 ms, db 2', null],
  ['inventory.views.my_reservations', 'inventory/reservations/', null, false, false, true, 'cpu 2 ms, db 2, db 1 + N', 'cpu 2 ms, db 2, db 2'],
  ['inventory.async_views.expire_reservations', 'inventory/reservations/expire/', null, true, false, false, 'cpu 2 ms, hop [db 1]', null],
  // select_for_update outside a transaction locks nothing (DJP201).
  ['inventory.views.reservation_status', 'inventory/reservations/<int:pk>/', null, false, false, true, 'cpu 2 ms, db 2, db 1', null],
  ['inventory.views.release_reservation', 'inventory/reservations/<int:pk>/release/', ['POST'], false, false, true, 'cpu 2 ms, db 2, lock StockReservation:per-user×1000 [db 4]', null],
  ['inventory.views.confirm_reservation', 'inventory/reservations/<int:pk>/confirm/', ['POST'], false, false, true, 'cpu 2 ms, db 2, lock StockReservation:per-user×1000 [db 2]', null],
  ['inventory.views.stock_ledger', 'inventory/ledger/<int:product_id>/', null, false, true, false, 'cpu 2 ms, db 2', null],
  // prefetch_related("likes"): 2 queries; likes.exists() from the cache; likes.values_list() per row (DJP103): 2 + N.
  ['logbook.views.logbook_feed', 'logbook/', null, false, true, false, 'cpu 2 ms, db 2 + N', 'cpu 2 ms, db 2'],
  ['logbook.views.logbook_feed_async', 'logbook/async/', null, true, true, false, 'cpu 2 ms, hop [db 2 + N]', 'cpu 2 ms, hop [db 2]'],
  ['logbook.views.logbook_feed_cached', 'logbook/cached/', null, false, true, false, 'cpu 2 ms, cache get "logbook_likes" miss→[db 2 + N]', 'cpu 2 ms, cache get "logbook_likes" miss→[db 2]'],
  ['logbook.views.logbook_like_counts', 'logbook/like-counts/', null, false, true, false, 'cpu 2 ms, db 2', null],
  // get_object_or_404 + likes.add (select + insert), cache.delete.
  ['logbook.views.like_logbook', 'logbook/<int:pk>/like/', ['POST'], false, false, true, 'cpu 2 ms, db 2, db 3, cache delete', null],
  ['logbook.views.unlike_logbook', 'logbook/<int:pk>/unlike/', ['POST'], false, false, true, 'cpu 2 ms, db 2, db 2, cache delete', null],
  // get_object_or_404 + list(values_list) + one recognize() HTTP call per photo (helper in species_client.py).
  ['integrations.views.identify_catches', 'integrations/logbooks/<int:logbook_id>/species/', null, false, true, false, 'cpu 2 ms, db 2, 20× [io]', null],
  ['integrations.views.identify_catches_naive', 'integrations/logbooks/<int:logbook_id>/species/naive-async/', null, true, true, false,
    'cpu 2 ms, db 1, 20× [io (blocks the loop)]', 'cpu 2 ms, db 1, 20× [io]'],
  // httpx.AsyncClient under asyncio.gather: concurrent, one call's latency.
  ['integrations.views.identify_catches_async', 'integrations/logbooks/<int:logbook_id>/species/async/', null, true, true, false, 'cpu 2 ms, db 2, io', null],
  // staff_member_required (request.user) + one values query + pure-Python number crunching (analytics.py).
  ['reports.views.stock_movement_report', 'reports/stock-movement/', null, false, false, true, 'cpu 2 ms, db 2, db 1, cpu-heavy', null],
  ['reports.views.rating_confidence_report', 'reports/rating-confidence/', null, false, false, true, 'cpu 2 ms, db 2, db 1, cpu-heavy', null],
];

let report: ProfileReport;
const byId = (id: string): EndpointProfile => {
  const e = report.endpoints.find((x) => x.id === id);
  assert.ok(e, `no profile ${id}`);
  return e;
};

describe('endpoint profiles of examples/shop', () => {
  before(async () => {
    const project = loadProjectConfig(SHOP);
    report = (await profileProject(SHOP, mergeConfig(project.config))).report;
  });

  it('profiles every routed view of both URLconfs, in URLconf order, each once', () => {
    assert.deepEqual(report.endpoints.map((e) => e.id), ENDPOINTS.map((r) => r[0]));
  });

  for (const [id, route, methods, isAsync, readOnly, usesUser, steps, fixed] of ENDPOINTS) {
    it(`${id}: ${route}`, () => {
      const e = byId(id);
      assert.equal(e.route, route);
      assert.deepEqual(e.methods ?? null, methods);
      assert.equal(e.handler.async, isAsync);
      assert.equal(e.endpoint.async, isAsync);
      assert.equal(e.readOnly, readOnly, 'readOnly');
      assert.equal(e.usesRequestUser, usesUser, 'usesRequestUser');
      assert.equal(describeSteps(e.endpoint.steps), steps);
      assert.equal(e.endpoint.fixed ? describeSteps(e.endpoint.fixed) : null, fixed);
      if (fixed) assert.ok(e.endpoint.fixDescription, 'a fixed profile says what was fixed');
      // Every profile is a valid simulator endpoint.
      const v = validateScenario({ load: { type: 'closed', users: 1, requests: 1 }, server: { workerClass: 'sync' }, endpoints: [e.endpoint] });
      assert.ok(v.ok, v.ok ? '' : v.errors.join('; '));
    });
  }

  it('handler locations, URLconf entries and kinds', () => {
    const pl = byId('catalog.views.product_list');
    assert.match(pl.handler.uri, /catalog[\\/]views\.py$/);
    assert.equal(pl.handler.range.start.line, 12);
    assert.equal(pl.handler.kind, 'function');
    assert.equal(pl.urlconf?.name, 'product-list');
    assert.match(pl.urlconf!.uri, /catalog[\\/]urls\.py$/);
    assert.equal(byId('catalog.views.ProductFeedView').handler.kind, 'class');
    // decorated: the range starts at the first decorator
    assert.equal(byId('inventory.views.reserve_stock').handler.range.start.line, 25);
  });

  it('N+1 findings carry their cost and the named defaults are listed', () => {
    const pl = byId('catalog.views.product_list');
    assert.deepEqual(pl.findings.map((f) => [f.code, f.line, f.cost]), [['DJP101', 21, '1 + N queries'], ['DJP101', 22, '1 + N queries']]);
    assert.deepEqual(pl.defaults.map((d) => [d.name, d.value]), [['rows', 20], ['queryMs', 2], ['requestCpuMs', 2]]);
    const step = pl.endpoint.steps[1] as Extract<Step, { db: unknown }>;
    assert.deepEqual(step.db.queries, { base: 1, perRow: 2, n: 20 });
    assert.deepEqual(step.db.ms, { dist: 'exp', mean: 2 });
  });

  it('lock sections hold the queries from select_for_update to the end of the atomic block', () => {
    const e = byId('inventory.views.reserve_and_notify_warehouse');
    const lock = e.endpoint.steps.find((s): s is Extract<Step, { lock: unknown }> => 'lock' in s)!;
    assert.equal(lock.lock.key, 'ProductStock:product_id');
    assert.equal(lock.lock.keys, undefined, 'one hot row (lockKeys default 1)');
    assert.ok(e.defaults.some((d) => d.name === 'lockKeys' && d.value === 1));
    assert.ok(e.defaults.some((d) => d.name === 'externalMs' && d.value === 300));
    assert.deepEqual(e.findings.map((f) => f.code), ['DJP203', 'DJP202']);
    assert.match(e.findings[1].cost, /row lock on .* held across HTTP request/);
  });

  it('cache reads: a constant key is tracked with its TTL, a per-request key uses cacheHitRatio', () => {
    const cached = byId('logbook.views.logbook_feed_cached').endpoint.steps[1] as Extract<Step, { cache: unknown }>;
    assert.equal(cached.cache.key, 'logbook_likes');
    assert.equal(cached.cache.ttlMs, 300_000);
    const avail = byId('catalog.async_views.product_availability');
    const c = avail.endpoint.steps[3] as Extract<Step, { cache: unknown }>;
    assert.equal(c.cache.hitRatio, 0.9);
    assert.deepEqual(c.cache.miss?.[0], { sleep: { ms: 200, blocking: true } });
    assert.ok(avail.notes?.some((n) => /never awaited/.test(n)), 'the dropped sync_to_async coroutine is noted');
  });

  it('external calls take their latency range from the helper docstring (~300-800 ms)', () => {
    const e = byId('integrations.views.identify_catches');
    const rep = e.endpoint.steps[2] as Extract<Step, { repeat: unknown }>;
    assert.deepEqual(rep.repeat, { times: 20, steps: [{ io: { dist: 'uniform', min: 300, max: 800 } }] });
    const d = e.defaults.find((x) => x.name === 'externalMs')!;
    assert.equal(d.value, 550);
    assert.match(d.description, /docstring of recognize/);
  });

  it('deployments: storefront (gthread), ASGI canary (uvicorn), reports (waitress), each with its URLconf', () => {
    const deps = report.deployments!;
    assert.deepEqual(deps.map((d) => [d.name, d.server.workerClass.value, d.rootUrlconf?.value, d.endpointIds?.length]), [
      ['serve_waitress.py', 'waitress', 'shop.urls_reports', 2],
      ['Procfile web', 'gthread', 'shop.urls', 41],
      ['Procfile web-asgi-canary', 'uvicorn', 'shop.urls', 41],
    ]);
    assert.equal(report.deployment.name, 'Procfile web');
    const web = report.deployment;
    assert.deepEqual([web.server.workers?.value, web.server.threads?.value, web.server.timeoutMs?.value], [3, 3, 10_000]);
    assert.deepEqual([web.server.workers?.source.file, web.server.workers?.source.line], ['gunicorn.conf.py', 9]);
    assert.equal(web.app?.value, 'shop.wsgi:application');
    assert.equal(web.settingsModule?.value, 'shop.settings');
    assert.equal(web.db?.connMaxAge?.value, 60);
    assert.equal(web.db?.maxConnections?.value, 100);
    assert.match(web.cache?.backend?.value ?? '', /LocMemCache/);
    const reports = deps[0];
    assert.deepEqual([reports.server.threads?.value, reports.server.threads?.source.line], [16, 12]);
    assert.equal(reports.settingsModule?.value, 'shop.settings_reports');
  });
});
