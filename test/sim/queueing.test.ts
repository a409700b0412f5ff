/**
 * The engine against exact queueing-theory results on long runs. Reference formulas are
 * written out here. Tolerances are relative unless stated and hold for the fixed seeds used.
 */
import * as assert from 'node:assert/strict';
import { simulate } from '../../webview/sim';
import type { Duration, Scenario } from '../../webview/sim';

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** Erlang C: probability an arrival waits in M/M/c, and the mean wait Wq. */
function erlangC(lambda: number, mu: number, c: number): { pWait: number; wq: number } {
  const a = lambda / mu;
  const rho = a / c;
  let sum = 0;
  for (let k = 0; k < c; k++) sum += a ** k / factorial(k);
  const top = (a ** c / factorial(c)) / (1 - rho);
  const pWait = top / (sum + top);
  return { pWait, wq: pWait / (c * mu - lambda) };
}

/** M/M/c/K blocking probability (K = servers + waiting places). */
function mmckBlocking(lambda: number, mu: number, c: number, K: number): number {
  const a = lambda / mu;
  const p: number[] = [];
  for (let n = 0; n <= K; n++) p.push(n <= c ? a ** n / factorial(n) : (a ** c / factorial(c)) * (a / c) ** (n - c));
  const total = p.reduce((x, y) => x + y, 0);
  return p[K] / total;
}

/** Exact Mean Value Analysis for a closed network of single-server PS/FCFS stations plus think time. */
function mva(demands: number[], think: number, users: number): { x: number; r: number } {
  let q = demands.map(() => 0);
  let x = 0;
  let r = 0;
  for (let n = 1; n <= users; n++) {
    const rk = demands.map((d, k) => d * (1 + q[k]));
    r = rk.reduce((a, b) => a + b, 0);
    x = n / (think + r);
    q = rk.map((v) => x * v);
  }
  return { x, r };
}

function openScenario(rate: number, c: number, service: Duration, requests: number, backlog?: number): Scenario {
  return {
    load: { type: 'open', rate, requests, warmupS: 20 },
    endpoints: [{ name: 'job', steps: [{ io: service }] }],
    server: { workerClass: 'sync', workers: c, timeoutMs: null, ...(backlog !== undefined ? { backlog } : {}) },
    machine: { cores: 64 },
  };
}

const rel = (got: number, want: number): number => Math.abs(got - want) / want;

describe('sim: exact queueing results', function () {
  this.timeout(20000);

  it('M/M/1 mean response time 1/(mu - lambda) within 4 % (rho = 0.7, 200k requests)', () => {
    // CPU step on a sync worker with a free core: exponential service, mean 10 ms.
    const s: Scenario = { ...openScenario(70, 1, 0, 200_000), endpoints: [{ name: 'cpu', steps: [{ cpu: { dist: 'exp', mean: 10 } }] }] };
    const r = simulate(s, { seed: 11 });
    const want = 1000 / (100 - 70);
    assert.ok(rel(r.overall.latency.mean, want) < 0.04, `mean ${r.overall.latency.mean} vs ${want}`);
    assert.ok(r.overall.latency.ci95 && r.overall.latency.ci95.mean.lo < want * 1.04 && r.overall.latency.ci95.mean.hi > want * 0.96);
    // Response time of M/M/1 FCFS is exponential with rate mu - lambda: p95 = ln(20) / (mu - lambda).
    assert.ok(rel(r.overall.latency.p95, (Math.log(20) * 1000) / 30) < 0.05, `p95 ${r.overall.latency.p95}`);
    assert.ok(rel(r.resources.find((x) => x.kind === 'workers')!.utilisation, 0.7) < 0.02);
  });

  it('M/M/c (c = 4, rho = 0.8): Erlang C P(wait) within 3 % and mean wait within 6 %', () => {
    const lambda = 0.32; // per ms: 320/s, service mean 10 ms, 4 servers
    const r = simulate(openScenario(320, 4, { dist: 'exp', mean: 10 }, 300_000), { seed: 5 });
    const ref = erlangC(lambda, 0.1, 4);
    assert.ok(rel(r.overall.acceptWait.fractionWaited, ref.pWait) < 0.03, `P(wait) ${r.overall.acceptWait.fractionWaited} vs ${ref.pWait}`);
    assert.ok(rel(r.overall.acceptWait.mean, ref.wq) < 0.06, `Wq ${r.overall.acceptWait.mean} vs ${ref.wq}`);
    assert.ok(rel(r.overall.latency.mean, ref.wq + 10) < 0.03);
  });

  it('M/D/1 (rho = 0.8): Pollaczek–Khinchine mean wait within 5 %', () => {
    const r = simulate(openScenario(80, 1, 10, 200_000), { seed: 3 });
    const rho = 0.8;
    const wq = (rho * 10) / (2 * (1 - rho)); // ms
    assert.ok(rel(r.overall.acceptWait.mean, wq) < 0.05, `Wq ${r.overall.acceptWait.mean} vs ${wq}`);
    assert.ok(rel(r.overall.latency.mean, wq + 10) < 0.03);
  });

  it('M/M/c/K (c = 2, K = 5, offered load 1.8): blocking probability within 4 %', () => {
    const r = simulate(openScenario(180, 2, { dist: 'exp', mean: 10 }, 200_000, 3), { seed: 9 });
    const want = mmckBlocking(0.18, 0.1, 2, 5);
    const got = r.overall.errorRate;
    assert.equal(Object.keys(r.overall.errors).join(), 'backlog');
    assert.ok(rel(got, want) < 0.04, `P(block) ${got} vs ${want}`);
  });

  it('closed loop: N = 20 users, think 200 ms, CPU (1 core) + DB (1 core): MVA throughput within 2 % and response within 4 %', () => {
    const s: Scenario = {
      load: { type: 'closed', users: 20, thinkMs: { dist: 'exp', mean: 200 }, requests: 150_000, warmupS: 20 },
      endpoints: [{ name: 'view', steps: [{ cpu: { dist: 'exp', mean: 8 } }, { db: { ms: { dist: 'exp', mean: 6 } } }] }],
      server: { workerClass: 'sync', workers: 20, timeoutMs: null },
      machine: { cores: 1, contextSwitchOverhead: 0 },
      db: { cores: 1, contention: 0, connMaxAge: 60, connectMs: 0, maxConnections: 100 },
    };
    const r = simulate(s, { seed: 21 });
    const ref = mva([8, 6], 200, 20);
    assert.ok(rel(r.overall.throughput, ref.x * 1000) < 0.02, `X ${r.overall.throughput} vs ${ref.x * 1000}`);
    assert.ok(rel(r.overall.latency.mean, ref.r) < 0.04, `R ${r.overall.latency.mean} vs ${ref.r}`);
  });

  it('is deterministic: same seed, same result; different seed, different result', () => {
    const s = openScenario(50, 2, { dist: 'exp', mean: 20 }, 5000);
    const a = simulate(s, { seed: 1 });
    const b = simulate(s, { seed: 1 });
    const c = simulate(s, { seed: 2 });
    assert.equal(a.overall.latency.mean, b.overall.latency.mean);
    assert.deepEqual(a.series, b.series);
    assert.notEqual(a.overall.latency.mean, c.overall.latency.mean);
  });
});
