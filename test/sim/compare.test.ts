import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareResult, parseK6Summary, parseLocustStats, parseMeasured, parseMeasuredPoints, parsePlainCsv, parseWrk, simulate } from '../../webview/sim';
import type { Scenario } from '../../webview/sim';
import { runSimulateCommand } from '../../server/cli/simulate';

const FIX = path.join(__dirname, '..', '..', '..', 'test', 'sim', 'fixtures');
const read = (f: string): string => fs.readFileSync(path.join(FIX, f), 'utf8');

describe('sim: --compare parsers', () => {
  it('parses k6 --summary-export JSON (numbers on the metric)', () => {
    const m = parseK6Summary(read('k6-summary.json'));
    assert.equal(m.source, 'k6');
    assert.deepEqual(m.overall, {
      name: 'overall', requests: 12040, throughput: 43.48, errorRate: 0, mean: 152.87, p50: 131.2, p90: 268.4,
      p95: 331.9, p99: undefined, max: 1204.5,
    });
  });

  it('parses the handleSummary JSON shape (numbers under "values", p(99) configured)', () => {
    const m = parseK6Summary(read('k6-handle-summary.json'));
    assert.equal(m.overall.p99, 170.9);
    assert.equal(m.overall.errorRate, 0.002);
    assert.equal(m.overall.throughput, 47.7);
  });

  it('parses Locust *_stats.csv with quoted names and the Aggregated row', () => {
    const m = parseLocustStats(read('locust_stats.csv'));
    assert.equal(m.endpoints.length, 4);
    assert.equal(m.endpoints[3].name, '/api/stock/availability?sku=A,B');
    assert.equal(m.overall.requests, 15190);
    assert.equal(m.overall.throughput, 31.28);
    assert.equal(m.overall.p95, 7800);
    const reserve = m.endpoints.find((e) => e.name === '/api/stock/reserve')!;
    assert.ok(Math.abs(reserve.errorRate! - 12 / 4630) < 1e-12);
    assert.equal(reserve.mean, 5633.5);
  });

  it('detects the format and rejects junk with a clear message', () => {
    assert.equal(parseMeasured(read('k6-summary.json')).source, 'k6');
    assert.equal(parseMeasured(read('locust_stats.csv')).source, 'locust');
    assert.throws(() => parseK6Summary('{"nope": 1}'), /no "metrics" object/);
    assert.throws(() => parseLocustStats('a,b\n1,2'), /column "Name" missing/);
  });

  it('lines predicted against measured with relative errors, matching endpoints by name or path', () => {
    const s: Scenario = {
      load: { type: 'open', rate: 20, requests: 2000 },
      server: { workerClass: 'sync', workers: 2 },
      endpoints: [
        { name: 'reserve', path: '/api/stock/reserve', steps: [{ cpu: 10 }] },
        { name: 'products', path: '/api/products', steps: [{ cpu: 5 }] },
      ],
    };
    const r = simulate(s, { seed: 1 });
    const c = compareResult(r, parseLocustStats(read('locust_stats.csv')), { reserve: '/api/stock/reserve', products: '/api/products' });
    const row = c.rows.find((x) => x.endpoint === 'reserve' && x.metric === 'mean')!;
    assert.equal(row.measured, 5633.5);
    assert.ok(Math.abs(row.relError! - (row.predicted - 5633.5) / 5633.5) < 1e-12);
    assert.ok(c.rows.some((x) => x.endpoint === 'products' && x.metric === 'p95'));
    assert.ok(c.rows.some((x) => x.endpoint === 'overall' && x.metric === 'throughput'));
  });
  it('compares successful throughput: Locust Requests/s counts failures, the simulation does not', () => {
    const s: Scenario = {
      load: { type: 'open', rate: 20, requests: 500 },
      server: { workerClass: 'sync', workers: 2 },
      endpoints: [{ name: 'reserve', path: '/api/stock/reserve', steps: [{ cpu: 10 }] }],
    };
    const r = simulate(s, { seed: 1 });
    const c = compareResult(r, parseLocustStats(read('locust_stats.csv')), { reserve: '/api/stock/reserve' });
    const reserve = c.rows.find((x) => x.endpoint === 'reserve' && x.metric === 'throughput')!;
    assert.ok(Math.abs(reserve.measured - 9.55 * (1 - 12 / 4630)) < 1e-9);
    const overall = c.rows.find((x) => x.endpoint === 'overall' && x.metric === 'throughput')!;
    assert.ok(Math.abs(overall.measured - 31.28 * (1 - 12 / 15190)) < 1e-9);
    // without a known error rate the measured rate is taken as it is
    const k6 = compareResult(r, { source: 'k6', overall: { name: 'overall', throughput: 40 }, endpoints: [] });
    assert.equal(k6.rows.find((x) => x.metric === 'throughput')!.measured, 40);
  });

  it('reports measured rows and scenario endpoints that were not matched', () => {
    const s: Scenario = {
      load: { type: 'open', rate: 20, requests: 500 },
      server: { workerClass: 'sync', workers: 2 },
      endpoints: [
        { name: 'reserve', path: '/api/stock/reserve', steps: [{ cpu: 10 }] },
        { name: 'checkout', path: '/api/checkout', steps: [{ cpu: 5 }] },
      ],
    };
    const r = simulate(s, { seed: 1 });
    const c = compareResult(r, parseLocustStats(read('locust_stats.csv')), { reserve: '/api/stock/reserve', checkout: '/api/checkout' });
    assert.deepEqual(c.unmatched, {
      measured: ['/api/token', '/api/products', '/api/stock/availability?sku=A,B'],
      endpoints: ['checkout'],
    });
    assert.deepEqual(compareResult(r, parseK6Summary(read('k6-summary.json'))).unmatched, { measured: [], endpoints: [] });
  });
});

describe('sim: djperf simulate --compare (CLI)', function () {
  this.timeout(30000);

  it('names the Locust rows and endpoints it could not line up', async () => {
    const root = path.join(__dirname, '..', '..', '..');
    const scenario = path.join(root, 'unmatched.json');
    const files: Record<string, string> = {
      [scenario]: JSON.stringify({
        load: { type: 'open', rate: 20, requests: 300 },
        server: { workerClass: 'sync', workers: 2 },
        endpoints: [
          { name: 'reserve', path: '/api/stock/reserve', steps: [{ cpu: 10 }] },
          { name: 'checkout', path: '/api/checkout', steps: [{ cpu: 5 }] },
        ],
      }),
    };
    let out = '';
    let err = '';
    const io = {
      isTTY: false, cwd: root,
      stdout(x: string) { out += x; },
      stderr(x: string) { err += x; },
      readFile(p: string): string { return p in files ? files[p] : fs.readFileSync(p, 'utf8'); },
    };
    assert.equal(await runSimulateCommand(['unmatched.json', '--compare', 'test/sim/fixtures/locust_stats.csv'], io), 0);
    assert.equal(err, '');
    assert.match(out, /not compared: measured rows matching no endpoint name or path: "\/api\/token", "\/api\/products", "\/api\/stock\/availability\?sku=A,B"/);
    assert.match(out, /not compared: endpoints with no measured row: checkout\n/);
  });
});

describe('sim: --compare reads wrk output and a plain CSV', () => {
  it('parses wrk --latency: throughput, mean, max, percentiles in any unit, errors and connections', () => {
    const m = parseWrk(read('wrk-latency.txt'));
    assert.equal(m.source, 'wrk');
    assert.equal(m.concurrency, 8);
    assert.deepEqual(m.overall, {
      name: 'overall', throughput: 95.01, mean: 84.12, max: 1210, p50: 80.5, p90: 104.3, p99: 310.25,
      requests: 1902, errorRate: 19 / 1902,
    });
    assert.equal(parseMeasured(read('wrk-latency.txt')).source, 'wrk');
    assert.throws(() => parseWrk('nothing here'), /Requests\/sec/);
  });

  it('parses a plain CSV into one point per concurrency, overall and per endpoint', () => {
    const pts = parsePlainCsv(read('points.csv'));
    assert.deepEqual(pts.map((p) => p.concurrency), [1, 8]);
    assert.deepEqual(pts[1].overall, { name: 'overall', throughput: 95, mean: 84.1, p50: 80.5, p90: 104.3, p99: 310.3 });
    assert.deepEqual(pts[1].endpoints.map((e) => e.name), ['/products/']);
    assert.equal(parseMeasuredPoints(read('points.csv')).length, 2);
    assert.equal(parseMeasuredPoints(read('locust_stats.csv'))[0].source, 'locust');
    assert.throws(() => parsePlainCsv('users,throughput\nx,3'), /not a number/);
    assert.throws(() => parseMeasured(read('points.csv')), /2 concurrency levels/);
  });

  it('the CLI simulates each CSV concurrency with the closed load set to it', async () => {
    const root = path.join(__dirname, '..', '..', '..');
    const files: Record<string, string> = {
      [path.join(root, 'points-scenario.json')]: JSON.stringify({
        load: { type: 'closed', users: 3, durationS: 20 },
        server: { workerClass: 'sync', workers: 1 },
        endpoints: [{ name: 'products', path: '/products/', steps: [{ cpu: 10 }] }],
      }),
    };
    let out = '';
    const io = {
      isTTY: false, cwd: root, stdout(x: string) { out += x; }, stderr(x: string) { out += x; },
      readFile(p: string): string { return p in files ? files[p] : fs.readFileSync(p, 'utf8'); },
    };
    assert.equal(await runSimulateCommand(['points-scenario.json', '--compare', 'test/sim/fixtures/points.csv', '--format', 'json'], io), 0);
    const runs = (JSON.parse(out) as { runs: { concurrency: number; result: { overall: { latency: { mean: number } } } }[] }).runs;
    assert.deepEqual(runs.map((r) => r.concurrency), [1, 8]);
    // One sync worker at 10 ms: 1 user sees 10 ms, 8 users see 80 ms (Little's law).
    assert.ok(Math.abs(runs[0].result.overall.latency.mean - 10) < 0.1);
    assert.ok(Math.abs(runs[1].result.overall.latency.mean - 80) < 1);
  });
});
