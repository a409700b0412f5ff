import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { EventQueue } from '../../webview/sim/eventQueue';
import { PsStation } from '../../webview/sim/model/ps';
import { Rng } from '../../webview/sim/rng';
import { simulate } from '../../webview/sim';
import type { Scenario } from '../../webview/sim';

describe('sim: building blocks', () => {
  it('event queue pops in time order, FIFO among equal times (property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), (times) => {
      const q = new EventQueue(2);
      times.forEach((t, i) => q.push(t, 1, i, 0));
      const out: [number, number][] = [];
      while (q.pop()) out.push([q.t, q.a]);
      const want = times.map((t, i): [number, number] => [t, i]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      assert.deepEqual(out, want);
    }));
  });

  it('processor sharing: two jobs of 10 and 30 ms finish at 20 and 40 ms', () => {
    const ps = new PsStation(1);
    ps.add(0, 1, 10);
    ps.add(0, 2, 30);
    ps.rate = 1 / 2;
    assert.equal(ps.nextCompletion(0), 20);
    ps.advance(20);
    assert.equal(ps.popFirst(), 1);
    ps.rate = 1;
    assert.equal(ps.nextCompletion(20), 40);
  });

  it('rng is seeded and uniform-ish; exponential has the right mean', () => {
    const a = new Rng(7), b = new Rng(7);
    for (let i = 0; i < 100; i++) assert.equal(a.next(), b.next());
    const r = new Rng(1);
    let s = 0;
    for (let i = 0; i < 200000; i++) s += r.exp(5);
    assert.ok(Math.abs(s / 200000 - 5) < 0.05);
  });
});

describe('sim: model behaviours', function () {
  this.timeout(20000);
  const base = (patch: Partial<Scenario>): Scenario => ({
    load: { type: 'open', rate: 50, requests: 3000 },
    server: { workerClass: 'sync', workers: 2 },
    endpoints: [{ name: 'a', steps: [{ cpu: 5 }] }],
    ...patch,
  });

  it('sync worker timeout kills long requests with error "timeout"', () => {
    const r = simulate(base({ load: { type: 'open', rate: 5, requests: 200 }, server: { workerClass: 'sync', workers: 4, timeoutMs: 1000 },
      endpoints: [{ name: 'slow', steps: [{ io: { dist: 'uniform', min: 0, max: 2000 } }] }] }), { seed: 3 });
    const rate = (r.overall.errors.timeout ?? 0) / r.overall.requests;
    assert.ok(rate > 0.4 && rate < 0.6, `timeout rate ${rate}`);
    // The timeout runs from the moment a worker takes the request, not from its arrival.
    assert.ok(r.overall.latency.p50 < 1000);
  });

  it('CONN_MAX_AGE = 0 pays a connection set-up per request; persistent connections do not', () => {
    const mk = (connMaxAge: number): Scenario => base({ load: { type: 'open', rate: 5, requests: 1000 }, db: { connMaxAge, connectMs: 20 }, endpoints: [{ name: 'a', steps: [{ db: { queries: 3, ms: 1 } }] }] });
    const fresh = simulate(mk(0)).overall.latency.mean;
    const kept = simulate(mk(60)).overall.latency.mean;
    assert.ok(fresh - kept > 19 && fresh - kept < 23, `${fresh} vs ${kept}`);
  });

  it('DB max_connections overflow fails requests with "db_connections"', () => {
    const r = simulate(base({ server: { workerClass: 'gthread', workers: 2, threads: 20 }, load: { type: 'open', rate: 400, requests: 2000 },
      db: { maxConnections: 10 }, endpoints: [{ name: 'a', steps: [{ db: { queries: 1, ms: 50 } }] }] }));
    assert.ok((r.overall.errors.db_connections ?? 0) > 0);
  });

  it('a blocking call in a uvicorn async view blocks the whole worker; an awaited one does not', () => {
    const mk = (blocking: boolean): Scenario => base({ server: { workerClass: 'uvicorn', workers: 1 }, load: { type: 'open', rate: 20, requests: 1000 },
      endpoints: [{ name: 'a', async: true, steps: [{ io: { ms: 40, blocking } }] }] });
    const blocked = simulate(mk(true)).overall.latency.mean;
    const awaited = simulate(mk(false)).overall.latency.mean;
    assert.ok(Math.abs(awaited - 40) < 0.5, `awaited ${awaited}`);
    assert.ok(blocked > 80, `blocked ${blocked} (M/D/1 at rho 0.8: 40 + 80 ms wait)`);
  });

  it('a sync view under uvicorn is serialised on the one sync_to_async thread per worker', () => {
    const r = simulate(base({ server: { workerClass: 'uvicorn', workers: 1, hopMs: 0 }, load: { type: 'open', rate: 20, requests: 1000 },
      endpoints: [{ name: 'a', steps: [{ io: 40 }] }] }));
    assert.ok(r.overall.latency.mean > 80);
    assert.ok(r.resources.find((x) => x.kind === 'hopThread')!.utilisation > 0.75);
  });

  it('ramping open load follows its stages; warm-up is excluded; series and progress are produced', () => {
    const seen: number[] = [];
    const r = simulate(base({ load: { type: 'open', startRate: 0, stages: [{ durationS: 20, target: 100 }, { durationS: 20, target: 100 }], warmupS: 20 } }),
      { onProgress: (f) => seen.push(f) });
    assert.ok(Math.abs(r.overall.requests - 2000) < 150, `requests ${r.overall.requests}`);
    assert.ok(r.series.t.length > 10 && r.series.throughput.length === r.series.t.length);
    assert.equal(seen[seen.length - 1], 1);
  });
});
