import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareResult, parseK6Summary, parseLocustStats, parseMeasured, simulate } from '../../webview/sim';
import type { Scenario } from '../../webview/sim';

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
});
