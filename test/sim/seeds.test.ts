/**
 * The engine against the team's seed field reports. Each test loads the example scenario from
 * examples/scenarios/ (so the examples stay valid) and checks the numbers named in its title.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { simulate, validateScenario } from '../../webview/sim';
import type { Scenario, ServerSpec, SimResult } from '../../webview/sim';

const DIR = path.join(__dirname, '..', '..', '..', 'examples', 'scenarios');

function load(file: string): Scenario {
  const v = validateScenario(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')));
  if (!v.ok) throw new Error(`${file}: ${v.errors.join('; ')}`);
  return v.scenario;
}

function withServer(s: Scenario, patch: Partial<ServerSpec>): Scenario {
  const out = JSON.parse(JSON.stringify(s)) as Scenario;
  out.server = { ...out.server, ...patch };
  return out;
}

const within = (got: number, want: number, tol: number, what: string): void => {
  assert.ok(Math.abs(got - want) / want <= tol, `${what}: ${got.toFixed(3)} vs ${want} (tolerance ${tol * 100} %)`);
};

const ep = (r: SimResult, name: string): SimResult['endpoints'][number] => r.endpoints.find((e) => e.name === name)!;

describe('sim: seed field reports', function () {
  this.timeout(30000);

  describe('1. external-API flow of 40 images (makespan within 10 %)', () => {
    it('sequential: 34.59 s', () => within(simulate(load('seed1-images-sequential.json')).makespanMs / 1000, 34.59, 0.1, 'sequential'));
    it('4 processes (Pool.map chunksize 3, token fetched once): 9.31 s', () =>
      within(simulate(load('seed1-images-4-processes.json')).makespanMs / 1000, 9.31, 0.1, '4 processes'));
    it('16 processes, +0.05 s network delay per image: 2.76 s', () =>
      within(simulate(load('seed1-images-16-processes.json')).makespanMs / 1000, 2.76, 0.1, '16 processes'));
    it('asyncio.gather on one thread: 0.86 s', () =>
      within(simulate(load('seed1-images-asyncio.json')).makespanMs / 1000, 0.86, 0.1, 'asyncio'));
  });

  describe('2. stock reservation under select_for_update (gthread 3 × 3, 600 Locust users)', () => {
    const base = load('seed2-stock-reservation-gthread.json');
    // Nominal lock hold: 1 query (5 ms + 0.5 ms RTT) + 20 ms CPU + 3 queries (25 ms + 0.5 ms RTT).
    const hold = 5.5 + 20 + 3 * 25.5;
    const ceiling = 1000 / hold;
    const runs = {
      g3x3: simulate(base),
      g3x9: simulate(withServer(base, { threads: 9 })),
      g6x3: simulate(withServer(base, { workers: 6 })),
      gevent: simulate(withServer(base, { workerClass: 'gevent', threads: undefined, connections: 1000 })),
    };
    it(`reserve throughput ≈ 1 / lock hold time = ${ceiling.toFixed(2)} req/s (within 10 %) whatever the workers, threads or class`, () => {
      for (const [k, r] of Object.entries(runs)) within(ep(r, 'reserve').throughput, ceiling, 0.1, `${k} reserve req/s`);
      for (const r of Object.values(runs)) assert.ok(r.resources.find((x) => x.kind === 'lock')!.utilisation > 0.97);
    });
    it('head-of-line blocking: reads wait > 10 s at p50 under gthread 3 × 3 and still > 10 s with 3 × 9 threads', () => {
      for (const name of ['auth', 'products', 'availability']) {
        assert.ok(ep(runs.g3x3, name).latency.p50 > 10_000, `${name} p50 ${ep(runs.g3x3, name).latency.p50}`);
        assert.ok(ep(runs.g3x9, name).latency.p50 > 10_000, `${name} p50 with 9 threads ${ep(runs.g3x9, name).latency.p50}`);
      }
      // The seed saw reads taking 14–20 s: our p50–p95 band for product list overlaps it.
      assert.ok(ep(runs.g3x3, 'products').latency.p95 > 14_000 && ep(runs.g3x3, 'products').latency.p50 < 20_000);
    });
    it('gevent relieves the reads (p95 < 100 ms) but not the lock ceiling', () => {
      for (const name of ['auth', 'products', 'availability']) {
        assert.ok(ep(runs.gevent, name).latency.p95 < 100, `${name} p95 ${ep(runs.gevent, name).latency.p95}`);
      }
      assert.ok(ep(runs.gevent, 'reserve').latency.p50 > 10_000);
    });
  });

  describe('3. more workers make latency worse once the DB saturates (likes: 1 + 2N queries, 50 VUs)', () => {
    // Reported mean: sync 1/2/4 workers = 100/96/153 ms; async = 88/130/238 ms. The model reproduces
    // the shape from 2 to 4 workers (not the absolute 1-worker values, see docs/simulation.md).
    const mean = (file: string, workers: number): number => simulate(withServer(load(file), { workers })).overall.latency.mean;
    const sync = [1, 2, 4].map((w) => mean('seed3-likes-sync.json', w));
    const asyn = [1, 2, 4].map((w) => mean('seed3-likes-async.json', w));
    it('sync: 2 → 4 workers raises mean latency by ≥ 30 % (reported +59 %)', () => {
      assert.ok(sync[2] > sync[1] * 1.3, `sync ${sync.map((x) => x.toFixed(0)).join('/')}`);
    });
    it('async (uvicorn + sync_to_async): 2 → 4 workers raises mean latency by ≥ 30 % (reported +83 %)', () => {
      assert.ok(asyn[2] > asyn[1] * 1.3, `async ${asyn.map((x) => x.toFixed(0)).join('/')}`);
    });
    it('at 2 and 4 workers async is slower than sync (reported 130 vs 96, 238 vs 153 ms)', () => {
      assert.ok(asyn[1] > sync[1] && asyn[2] > sync[2]);
    });
    it('at 4 workers the DB is the saturated resource', () => {
      const r = simulate(load('seed3-likes-sync.json'));
      assert.ok(r.resources.find((x) => x.kind === 'db')!.utilisation > 0.9);
    });
  });

  describe('4. the cache cuts latency (4 workers, Redis at 95 % hits)', () => {
    const m = (f: string): number => simulate(load(f)).overall.latency.mean;
    const s4 = m('seed3-likes-sync.json'), a4 = m('seed3-likes-async.json');
    const s4c = m('seed4-likes-cached-sync.json'), a4c = m('seed4-likes-cached-async.json');
    it('sync 4 workers: cached mean ≤ uncached / 3 (reported 153 → 46 ms, ÷3.3)', () => assert.ok(s4c * 3 <= s4, `${s4} → ${s4c}`));
    it('async 4 workers: cached mean ≤ uncached / 3 (reported 238 → 74 ms, ÷3.2)', () => assert.ok(a4c * 3 <= a4, `${a4} → ${a4c}`));
    it('after caching sync is faster than async because of the thread hops (reported 46 vs 74 ms)', () => assert.ok(s4c < a4c, `${s4c} vs ${a4c}`));
  });

  describe('5. CPU-bound report: threads do not scale under the GIL, processes do up to the cores', () => {
    const base = load('seed5-pandas-report-waitress.json');
    const saturate = (s: Scenario): Scenario => ({ ...s, load: { type: 'closed', users: 64, thinkMs: 0, requests: 3000, warmupS: 20 } });
    const x = (s: Scenario): number => simulate(saturate(s)).overall.throughput;
    it('waitress 1 process × 16 threads on 4 cores: 5 req/s = 1 / 200 ms (within 5 %)', () => within(x(base), 5, 0.05, 'waitress x16'));
    it('waitress 1 process × 4 threads: the same 5 req/s', () => within(x(withServer(base, { threads: 4 })), 5, 0.05, 'waitress x4'));
    it('gunicorn sync 2 / 4 processes: 10 / 20 req/s (within 5 %)', () => {
      within(x(withServer(base, { workerClass: 'sync', threads: undefined, workers: 2 })), 10, 0.05, 'sync 2');
      within(x(withServer(base, { workerClass: 'sync', threads: undefined, workers: 4 })), 20, 0.05, 'sync 4');
    });
    it('8 processes on 4 cores: no gain over 4 (≤ 20 req/s, context switches cost a little)', () => {
      const x8 = x(withServer(base, { workerClass: 'sync', threads: undefined, workers: 8 }));
      assert.ok(x8 <= 20 && x8 > 17, `8 processes ${x8}`);
    });
  });
});
