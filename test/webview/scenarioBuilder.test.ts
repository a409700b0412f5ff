import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import type { ProfileReport } from '../../server/core/profiles/types';
import { simulate, validateScenario } from '../../webview/sim';
import type { DbStep, Scenario, Step } from '../../webview/sim';
import {
  LIMITS, buildScenario, clampInputs, defaultInputs, loadSweep, operationsPerMixRequest, operationsPerRequest, parseGroups, withFixes, workersSweep, type WhatIfInputs,
} from '../../webview/ui/scenarioBuilder';
import { REPO_ROOT } from '../harness/paths';

const report = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/webview/fixtures/shopProfiles.json'), 'utf8')) as ProfileReport;

function valid(s: Scenario): Scenario {
  const v = validateScenario(s);
  assert.ok(v.ok, v.ok ? '' : v.errors.join('; '));
  return s;
}

function dbSteps(steps: Step[]): DbStep['db'][] {
  return steps.flatMap((s): DbStep['db'][] => {
    if ('db' in s) return [s.db];
    if ('lock' in s) return dbSteps(s.lock.steps);
    if ('hop' in s) return dbSteps(s.hop.steps);
    if ('repeat' in s) return dbSteps(s.repeat.steps);
    if ('cache' in s) return dbSteps(s.cache.miss ?? []);
    return [];
  });
}

const mean = (d: DbStep['db']['ms']): number => (typeof d === 'number' ? d : d.dist === 'uniform' ? (d.min + d.max) / 2 : d.mean);

describe('webview: scenario builder', () => {
  it('takes the server knobs from the detected deployment and N / per-query ms from the endpoint', () => {
    const i = defaultInputs(report, 'catalog.views.product_list');
    assert.equal(i.workerClass, 'gthread');
    assert.equal(i.workers, 3);
    assert.equal(i.threads, 3);
    assert.equal(i.rows, 50);
    assert.equal(i.queryMs, 2);
    assert.equal(i.cacheHitRatio, null);
    const { scenario } = buildScenario(report, 'catalog.views.product_list', i);
    valid(scenario);
    assert.deepEqual(scenario.server, { workerClass: 'gthread', workers: 3, threads: 3, backlog: 2048, timeoutMs: 10000 });
    assert.deepEqual(scenario.db, { maxConnections: 100, connMaxAge: 60 });
    assert.deepEqual(scenario.machine, { cores: 4 });
    assert.equal(scenario.endpoints.length, 1);
    assert.equal(scenario.endpoints[0].weight, undefined);
  });

  it('the URLconf mix keeps every served endpoint with its weight and its own defaults', () => {
    const i = defaultInputs(report, null);
    assert.equal(i.rows, null, 'a mix runs each endpoint "as profiled"');
    const { scenario } = buildScenario(report, null, i);
    valid(scenario);
    assert.deepEqual(scenario.endpoints.map((e) => [e.name, e.weight]),
      [['product_list', 5], ['reserve_stock', 1], ['logbook_feed', 3], ['logbook_feed_cached', 3], ['cart_lines', 2]]);
    const product = scenario.endpoints[0];
    assert.deepEqual(dbSteps(product.steps)[0].queries, { base: 1, perRow: 2, n: 50 });
  });

  it('applies N to every 1 + k·N query count (steps and fixed) and to loops that ran N times', () => {
    const product = buildScenario(report, 'catalog.views.product_list', { ...defaultInputs(report, 'catalog.views.product_list'), rows: 200 }).scenario;
    assert.deepEqual(dbSteps(product.endpoints[0].steps)[0].queries, { base: 1, perRow: 2, n: 200 });
    const cart = buildScenario(report, 'catalog.async_views.cart_lines', { ...defaultInputs(report, 'catalog.async_views.cart_lines'), rows: 30 }).scenario;
    const loop = cart.endpoints[0].steps.find((s) => 'repeat' in s);
    assert.ok(loop && 'repeat' in loop);
    assert.equal(loop.repeat.times, 30);
    const feed = buildScenario(report, 'logbook.views.logbook_feed_cached', { ...defaultInputs(report, 'logbook.views.logbook_feed_cached'), rows: 7 }).scenario;
    assert.deepEqual(dbSteps(feed.endpoints[0].steps)[0].queries, { base: 2, perRow: 1, n: 7 }, 'inside a cache miss branch too');
  });

  it('scales every DB step by per-query ms relative to the profile default (keeps the shape of slower queries)', () => {
    const id = 'inventory.views.reserve_stock';
    const before = buildScenario(report, id, defaultInputs(report, id)).scenario;
    const after = buildScenario(report, id, { ...defaultInputs(report, id), queryMs: 6 }).scenario;
    const a = dbSteps(before.endpoints[0].steps).map((d) => mean(d.ms));
    const b = dbSteps(after.endpoints[0].steps).map((d) => mean(d.ms));
    assert.deepEqual(a, [2, 2, 4]);
    assert.deepEqual(b, [6, 6, 12]);
    assert.deepEqual(dbSteps(after.endpoints[0].fixed ?? []).map((d) => mean(d.ms)), [6, 9, 9]);
  });

  it('sets the hit ratio of cache reads, not of sets and deletes', () => {
    const id = 'logbook.views.logbook_feed_cached';
    const s = buildScenario(report, id, { ...defaultInputs(report, id), cacheHitRatio: 0.5 }).scenario;
    const get = s.endpoints[0].steps.find((x) => 'cache' in x);
    assert.ok(get && 'cache' in get);
    assert.equal(get.cache.hitRatio, 0.5);
    const set = get.cache.miss?.find((x) => 'cache' in x);
    assert.ok(set && 'cache' in set);
    assert.equal(set.cache.hitRatio, undefined);
  });

  it('builds closed (users + think time) and open (arrival rate) loads; threads only for gthread/waitress', () => {
    const base = defaultInputs(report, null);
    const closed = buildScenario(report, null, { ...base, users: 120, thinkMs: 500 }).scenario;
    assert.equal(closed.load.type, 'closed');
    assert.ok(closed.load.type === 'closed' && closed.load.users === 120);
    const open = buildScenario(report, null, { ...base, loadMode: 'open', rate: 40 }).scenario;
    assert.ok(open.load.type === 'open' && open.load.rate === 40);
    const sync = valid(buildScenario(report, null, { ...base, workerClass: 'sync', workers: 9 }).scenario);
    assert.equal(sync.server.threads, undefined);
    const uvicorn = valid(buildScenario(report, null, { ...base, workerClass: 'uvicorn', dbPool: 10 }).scenario);
    assert.equal(uvicorn.server.threads, undefined);
    assert.equal(uvicorn.db?.poolSize, 10);
  });

  it('caps huge inputs with a visible notice and keeps request counts modest', () => {
    const base = defaultInputs(report, 'catalog.views.product_list');
    const built = buildScenario(report, 'catalog.views.product_list', { ...base, users: 5e9, durationS: 1e12, workers: 5000, rows: 1e9 });
    valid(built.scenario);
    assert.ok(built.notices.some((n) => /^users capped at 10,000/.test(n)), built.notices.join('\n'));
    assert.ok(built.notices.some((n) => /^duration \(s\) capped at 3,600/.test(n)));
    assert.ok(built.notices.some((n) => /^workers capped at 64/.test(n)));
    assert.ok(built.notices.some((n) => /^N \(rows\) capped at 10,000/.test(n)));
    assert.ok(built.notices.some((n) => /^simulates the first [\d,]+ requests/.test(n)));
    const load = built.scenario.load;
    assert.ok(load.type === 'closed' && load.users === LIMITS.users && (load.requests ?? Infinity) <= LIMITS.requests);
  });

  it('an N+1 with a large N gets fewer requests (an operations budget), a cheap endpoint up to 20,000', () => {
    const health: ProfileReport = { ...report, endpoints: [{ ...report.endpoints[0], id: 'health', endpoint: { name: 'health', steps: [{ cpu: 0.5 }] } }], deployment: { ...report.deployment, endpointIds: undefined } };
    const cheap = buildScenario(health, 'health', { ...defaultInputs(health, 'health'), users: 2000, thinkMs: 100 }).scenario;
    assert.equal(cheap.load.type === 'closed' && cheap.load.requests, LIMITS.requests);
    const requests = (rows: number): { req: number; ops: number } => {
      const s = buildScenario(report, 'catalog.views.product_list', { ...defaultInputs(report, 'catalog.views.product_list'), rows, users: 2000, thinkMs: 100 }).scenario;
      return { req: s.load.type === 'closed' ? s.load.requests ?? 0 : 0, ops: operationsPerRequest(s.endpoints[0].steps) };
    };
    const n100 = requests(100);
    assert.ok(n100.req < LIMITS.requests && n100.req * n100.ops <= LIMITS.operations, `N = 100: ${n100.req} requests × ${n100.ops} operations`);
    assert.equal(requests(5000).req, LIMITS.minRequests, 'never fewer than minRequests (a p95 needs samples)');
  });

  it('a what-if stays interactive: the main run of each endpoint is sized within the operations budget', function () {
    this.timeout(20000);
    // Work, not wall time, is what the sizing bounds (a timed assertion fails on a loaded machine); the time one
    // such run takes is measured by bench/sim.mjs.
    for (const id of [null, ...report.endpoints.map((p) => p.id)]) {
      const s = buildScenario(report, id, { ...defaultInputs(report, id), users: 400, thinkMs: 200 }).scenario;
      const requests = s.load.type === 'closed' ? s.load.requests ?? 0 : 0;
      const ops = operationsPerMixRequest(s.endpoints);
      assert.ok(requests >= LIMITS.minRequests && requests * ops <= Math.max(LIMITS.operations, LIMITS.minRequests * ops) + 1e-6,
        `${id ?? 'mix'}: ${requests} requests × ${ops.toFixed(1)} operations`);
      const r = simulate(s);
      assert.ok(r.overall.requests > 0, `${id ?? 'mix'}: nothing completed`);
    }
  });

  it('withFixes swaps in every endpoint.fixed; null when nothing is fixable', () => {
    const s = buildScenario(report, null, defaultInputs(report, null)).scenario;
    const f = withFixes(s);
    assert.ok(f);
    valid(f);
    assert.deepEqual(f.endpoints.map((e) => e.steps), s.endpoints.map((e) => e.fixed));
    assert.equal(withFixes({ ...s, endpoints: s.endpoints.map(({ fixed: _f, ...e }) => e) }), null);
  });

  it('sweeps stay within the caps and include the current value', () => {
    const i = defaultInputs(report, null);
    assert.deepEqual(loadSweep({ ...i, users: 50 }), [13, 25, 50, 100, 200]);
    assert.deepEqual(loadSweep({ ...i, users: 9000 }), [2250, 4500, 9000, 10000]);
    assert.deepEqual(loadSweep({ ...i, loadMode: 'open', rate: 1 }), [0.3, 0.5, 1, 2, 4]);
    assert.deepEqual(workersSweep({ ...i, workers: 3 }), [1, 2, 3, 4, 8, 16]);
  });

  it('property: any inputs, however wild, give a valid, bounded scenario', () => {
    const num = fc.oneof(fc.double({ noNaN: false }), fc.integer({ min: -1e6, max: 1e12 }).map(Number), fc.constantFrom(Infinity, -Infinity, 0));
    const inputs: fc.Arbitrary<WhatIfInputs> = fc.record({
      loadMode: fc.constantFrom('closed' as const, 'open' as const),
      users: num, thinkMs: num, rate: num, durationS: num,
      rows: fc.option(num), queryMs: fc.option(num), cacheHitRatio: fc.option(num),
      workerClass: fc.constantFrom('sync' as const, 'gthread' as const, 'gevent' as const, 'uvicorn' as const, 'waitress' as const),
      workers: num, threads: num, dbPool: fc.option(num),
    });
    const selection = fc.constantFrom(null, ...report.endpoints.map((p) => p.id));
    fc.assert(fc.property(inputs, selection, (i, sel) => {
      const { scenario } = buildScenario(report, sel, i);
      const v = validateScenario(scenario);
      if (!v.ok) throw new Error(v.errors.join('; '));
      const l = scenario.load;
      return l.type !== 'batch' && (l.requests ?? Infinity) <= LIMITS.requests && (l.durationS ?? 0) <= LIMITS.durationS;
    }), { numRuns: 300 });
  });

  it('clampInputs reports only the inputs the current mode uses', () => {
    const i = defaultInputs(report, null);
    const { notices } = clampInputs({ ...i, loadMode: 'closed', rate: 1e9, workerClass: 'sync', threads: 1e9 });
    assert.deepEqual(notices, []);
  });

  it('user groups: parsed from "name | users | think ms | endpoints", bad lines skipped with a notice', () => {
    const notices: string[] = [];
    const g = parseGroups('readers | 20 | 500 | a, b\n\nbots | 4\nbad | x | 1\nreaders | 2 | 1\nghost | 1 | 0 | nope', ['a', 'b'], notices);
    assert.deepEqual(g, [
      { name: 'readers', users: 20, thinkMs: { dist: 'exp', mean: 500 }, mix: { a: 1, b: 1 } },
      { name: 'bots', users: 4, thinkMs: { dist: 'exp', mean: 0 } },
    ]);
    assert.deepEqual(notices, [
      'group line 4 skipped: users must be 1..10,000',
      'group line 5 skipped: needs a unique name',
      'group line 6 skipped: no endpoint named "nope"',
    ]);
    const built = buildScenario(report, null, { ...defaultInputs(report, null), groups: 'readers | 20 | 500\nbots | 4 | 0' });
    const s = valid(built.scenario);
    assert.ok(s.load.type === 'closed' && s.load.users === 24 && s.load.groups?.length === 2);
    assert.deepEqual(simulate(s).groups?.map((x) => x.name), ['readers', 'bots']);
  });
});
