/**
 * Simulator fidelity features (issue 19): counting inside the measurement window, warnings backed
 * by measured utilisation, a host's cores shared with the DB / load generator / other processes,
 * connection set-up cost, user groups, per-request variability and the tail effects (GIL switch
 * interval, gevent's non-preemptive greenlets, keep-alive connections pinned to a worker).
 */
import * as assert from 'node:assert/strict';
import { groupsFromK6, groupsFromLocust, simulate, validateScenario } from '../../webview/sim';
import type { Scenario, SimResult, Step } from '../../webview/sim';

const ep = (r: SimResult, name: string): SimResult['endpoints'][number] => r.endpoints.find((e) => e.name === name)!;
const near = (got: number, want: number, tol: number, what: string): void =>
  assert.ok(Math.abs(got - want) <= tol * want, `${what}: ${got.toFixed(2)} vs ${want.toFixed(2)} (±${tol * 100} %)`);
const closed = (users: number, durationS: number, extra: Partial<Extract<Scenario['load'], { type: 'closed' }>> = {}): Scenario['load'] =>
  ({ type: 'closed', users, durationS, ...extra });

describe('sim: counting inside the measurement window', () => {
  it('a short run never reports more than the ceiling: 1 sync worker, 51 ms, 32 users, 2 s', () => {
    const r = simulate({ load: closed(32, 2), server: { workerClass: 'sync', workers: 1 }, endpoints: [{ name: 'a', steps: [{ cpu: 51 }] }] });
    // The ceiling is 1000 / 51 = 19.6 req/s; the 32 requests still queued at the stop are not counted.
    assert.ok(r.overall.throughput <= 1000 / 51 + 1e-9, `throughput ${r.overall.throughput}`);
    assert.ok(r.overall.completed <= 40, `completed ${r.overall.completed}`);
  });

  it('completions after a warm-up count by completion time: a lock-bound queue keeps its ceiling', () => {
    const r = simulate({
      load: closed(50, 30, { warmupS: 10 }), server: { workerClass: 'gthread', workers: 2, threads: 25 }, db: { connMaxAge: 60 },
      endpoints: [{ name: 'lock', steps: [{ lock: { key: 'row', steps: [{ io: 20 }] } }] }],
    });
    near(r.overall.throughput, 50, 0.01, 'lock ceiling 1000 / 20 ms');
  });

  it('no "saturated" warning at one user with idle capacity; slots and pool are flagged when requests wait', () => {
    const s = (users: number): Scenario => ({
      load: closed(users, 30), server: { workerClass: 'gthread', workers: 1, threads: 2 },
      endpoints: [{ name: 'a', steps: [{ cpu: 2 }, { db: { queries: 3, ms: 2 } }] }],
    });
    const one = simulate(s(1));
    assert.deepEqual(one.warnings.filter((w) => /saturated/.test(w)), []);
    const many = simulate(s(20));
    assert.ok(many.warnings.some((w) => /^worker slots saturated/.test(w)), many.warnings.join('; '));
  });
});

describe('sim: shared host cores', () => {
  const appDb = (host: 'shared' | 'separate', cores: number): Scenario => ({
    load: closed(32, 30, { warmupS: 2 }), server: { workerClass: 'sync', workers: 8 }, machine: { cores, contextSwitchOverhead: 0 },
    db: { host, cores: 2, connMaxAge: 60 },
    endpoints: [{ name: 'a', steps: [{ cpu: { dist: 'exp', mean: 10 } }, { db: { queries: 1, ms: { dist: 'exp', mean: 10 } } }] }],
  });

  it('a DB sharing the app cores halves the capacity (10 + 10 ms of CPU on 2 cores: 100 req/s)', () => {
    const separate = simulate(appDb('separate', 2)).overall.throughput;
    near(simulate(appDb('shared', 2)).overall.throughput, 100, 0.03, 'shared');
    // Separate: two 2-core stations of 200 req/s each, 8 workers in the loop (MVA-like ≈ 170).
    assert.ok(separate > 160 && separate < 200, `separate ${separate}`);
  });

  it('fractional cores: 1.5 cores serve 1.5 × a core', () => {
    near(simulate(appDb('shared', 1.5)).overall.throughput, 75, 0.03, 'shared on 1.5 cores');
  });

  it('other runnable threads take their share of the cores', () => {
    const s: Scenario = { load: closed(16, 30), server: { workerClass: 'sync', workers: 2 }, machine: { cores: 2, contextSwitchOverhead: 0, backgroundThreads: 1 },
      endpoints: [{ name: 'a', steps: [{ cpu: 10 }] }] };
    // Three runnable threads on two cores: each worker gets 2/3 of a core.
    near(simulate(s).overall.throughput, 133.3, 0.02, 'background');
  });

  it('the load generator on the same host costs its CPU per request', () => {
    const s: Scenario = { load: closed(8, 30, { clientCpuMs: 5, clientThreads: 1 }), server: { workerClass: 'sync', workers: 2 },
      machine: { cores: 1, contextSwitchOverhead: 0 }, endpoints: [{ name: 'a', steps: [{ cpu: 5 }] }] };
    near(simulate(s).overall.throughput, 100, 0.03, '5 + 5 ms on one core');
    assert.ok(simulate(s).resources.some((x) => x.kind === 'client'));
  });

  it('more workers, worse: with a measured switch overhead the N+1 endpoint is slower at 8 than at 2 workers on a saturated shared host', () => {
    const steps: Step[] = [{ cpu: 2 }, { repeat: { times: 50, steps: [{ db: { ms: 0.1 } }, { cpu: 0.2 }] } }];
    const at = (workers: number, cso: number): number => simulate({
      load: closed(32, 20, { warmupS: 2 }), server: { workerClass: 'sync', workers }, machine: { cores: 2, contextSwitchOverhead: cso },
      db: { host: 'shared', connMaxAge: 60, rttMs: 0.05 }, endpoints: [{ name: 'n1', steps }],
    }).overall.throughput;
    assert.ok(at(8, 0.15) < at(2, 0.15) * 0.9, `${at(8, 0.15)} vs ${at(2, 0.15)}`);
    // Without oversubscription costs extra workers only add overlap.
    assert.ok(at(8, 0) >= at(2, 0));
  });
});

describe('sim: connection set-up (CONN_MAX_AGE = 0)', () => {
  const s = (connMaxAge: number, users: number): Scenario => ({
    load: closed(users, 30, { warmupS: 2 }), server: { workerClass: 'sync', workers: 8 }, machine: { cores: 1, contextSwitchOverhead: 0 },
    db: { host: 'shared', connMaxAge, connectAppCpuMs: 2, connectDbCpuMs: 3, connectRoundTrips: 3, rttMs: 0.5 },
    endpoints: [{ name: 'a', steps: [{ cpu: 5 }, { db: { queries: 1, ms: 1 } }] }],
  });

  it('costs app CPU, DB CPU and round trips on every request', () => {
    const fresh = simulate(s(0, 1)).overall.latency.mean;
    const kept = simulate(s(60, 1)).overall.latency.mean;
    near(fresh - kept, 2 + 3 + 1.5, 0.02, 'set-up time');
  });

  it('a select_for_update connects when transaction.atomic() starts, before the row is locked', () => {
    const r = simulate({
      load: closed(8, 30, { warmupS: 2 }), server: { workerClass: 'gthread', workers: 1, threads: 8 }, machine: { cores: 8 },
      db: { connMaxAge: 0, connectMs: 10 }, endpoints: [{ name: 'reserve', steps: [{ lock: { key: 'row', steps: [{ db: { ms: 2 } }] } }] }],
    });
    // The row is held 2 ms per request (500 req/s), not 12 ms with the connection set-up inside (83 req/s);
    // 8 users each needing 12 ms give 8 / 12 ms = 667 req/s, so the lock is the limit.
    near(r.overall.throughput, 500, 0.03, 'lock ceiling');
  });

  it('its CPU lowers the saturated throughput of a shared host', () => {
    near(simulate(s(60, 16)).overall.throughput, 1000 / 6, 0.03, 'persistent');
    near(simulate(s(0, 16)).overall.throughput, 1000 / 11, 0.03, 'reconnecting');
  });
});

describe('sim: user groups', () => {
  const s: Scenario = {
    load: {
      type: 'closed', users: 12, durationS: 60, groups: [
        { name: 'browsers', users: 10, thinkMs: 100, mix: { list: 1 } },
        { name: 'buyers', users: 2, thinkMs: 0, mix: { buy: 1 } },
      ],
    },
    server: { workerClass: 'gthread', workers: 2, threads: 8 }, machine: { cores: 4 },
    endpoints: [{ name: 'list', steps: [{ io: 10 }] }, { name: 'buy', steps: [{ io: 40 }] }],
  };

  it('each group keeps its own users, think time and mix, and is reported', () => {
    const r = simulate(s);
    near(ep(r, 'list').throughput, 10 * 1000 / 110, 0.03, 'browsers: 10 users / (100 + 10 ms)');
    near(ep(r, 'buy').throughput, 2 * 1000 / 40, 0.03, 'buyers: 2 users / 40 ms');
    assert.deepEqual(r.groups!.map((g) => g.name), ['browsers', 'buyers']);
    near(r.groups![1].latency.mean, 40, 0.01, 'buyers latency');
  });

  it('validation: users may be omitted (the sum) and must match when given; mixes name endpoints', () => {
    const v = validateScenario({ ...s, load: { ...s.load, users: undefined } });
    assert.ok(v.ok && v.scenario.load.type === 'closed' && v.scenario.load.users === 12);
    const bad = validateScenario({ ...s, load: { ...s.load, users: 5, groups: [{ name: 'x', users: 3, mix: { nope: 1 } }] } });
    assert.ok(!bad.ok && bad.errors.some((e) => /load\.users: must equal/.test(e)) && bad.errors.some((e) => /mix\.nope: names no endpoint/.test(e)));
  });

  it('Locust user classes: fixed_count first, the rest by weight; wait_time in seconds', () => {
    const g = groupsFromLocust([
      { name: 'Admin', fixedCount: 1, waitTime: { constant: 2 }, tasks: { buy: 1 } },
      { name: 'Reader', weight: 3, waitTime: { between: [1, 3] }, tasks: { list: 4, buy: 1 } },
      { name: 'Writer', weight: 1, tasks: { buy: 1 } },
    ], 10);
    assert.deepEqual(g.map((x) => [x.name, x.users]), [['Admin', 1], ['Reader', 7], ['Writer', 2]]);
    assert.deepEqual(g[1].thinkMs, { dist: 'uniform', min: 1000, max: 3000 });
    assert.equal(g[0].thinkMs, 2000);
  });

  it('k6 scenarios: closed executors become groups; arrival-rate executors are refused', () => {
    const g = groupsFromK6({
      browse: { executor: 'constant-vus', vus: 20, exec: 'browse' },
      ramp: { executor: 'ramping-vus', stages: [{ target: 5 }, { target: 12 }, { target: 0 }], exec: 'buy' },
    }, { browse: { mix: { list: 1 }, sleepS: 1 }, buy: { mix: { buy: 1 } } });
    assert.deepEqual(g.map((x) => [x.name, x.users, x.thinkMs]), [['browse', 20, 1000], ['ramp', 12, 0]]);
    assert.throws(() => groupsFromK6({ a: { executor: 'constant-arrival-rate' } }, {}), /open load/);
  });
});

describe('sim: variability and tails', () => {
  it('per-request correlated variability keeps the mean and widens the tail', () => {
    const s = (requestCv: number): Scenario => ({
      load: { type: 'open', rate: 5, durationS: 2000 }, variability: { requestCv }, server: { workerClass: 'sync', workers: 4 },
      endpoints: [{ name: 'a', steps: [{ repeat: { times: 10, steps: [{ cpu: { dist: 'lognormal', mean: 2, cv: 0.3 } }] } }] }],
    });
    const ind = simulate(s(0)).overall.latency;
    const cor = simulate(s(1)).overall.latency;
    near(cor.mean, ind.mean, 0.05, 'mean');
    assert.ok(cor.p99 > 2.5 * ind.p99, `p99 ${cor.p99} vs ${ind.p99}`);
  });

  it('GIL switch interval: an I/O-bound thread waits behind a CPU-bound one (convoy)', () => {
    const s = (gilSwitchMs: number): Scenario => ({
      load: closed(2, 60), server: { workerClass: 'gthread', workers: 1, threads: 2, gilSwitchMs }, machine: { cores: 4 }, db: { connMaxAge: 60 },
      endpoints: [{ name: 'cpu', steps: [{ cpu: 100 }] }, { name: 'io', steps: [{ repeat: { times: 20, steps: [{ db: { ms: 1 } }, { cpu: 0.1 }] } }] }],
    });
    const ps = ep(simulate(s(0)), 'io').latency.mean;
    const rr = ep(simulate(s(5)), 'io').latency.mean;
    assert.ok(ps < 30 && rr > 2 * ps, `io mean: ideal sharing ${ps}, 5 ms switch interval ${rr}`);
  });

  it('gevent: a CPU-bound view starves the other greenlets of its worker', () => {
    const s = (cpuWeight: number): Scenario => ({
      load: closed(8, 60, { keepAlive: true }), server: { workerClass: 'gevent', workers: 2 }, machine: { cores: 2 }, db: { connMaxAge: 60 },
      endpoints: [{ name: 'cpu', weight: cpuWeight, steps: [{ cpu: 200 }] }, { name: 'cheap', steps: [{ cpu: 2 }, { db: { queries: 3, ms: 0.5 } }, { cpu: 1 }] }],
    });
    assert.ok(ep(simulate(s(0)), 'cheap').latency.p99 < 30);
    assert.ok(ep(simulate(s(1)), 'cheap').latency.p99 > 400);
  });

  it('gevent keep-alive: a CPU-bound greenlet whose next request is already there keeps the loop and starves the rest', () => {
    const s = (thinkMs: number): Scenario => ({
      load: { type: 'closed', users: 4, durationS: 30, warmupS: 2, keepAlive: true, clientCpuMs: 0.05, clientThreads: 4, groups: [
        { name: 'cpu', users: 2, thinkMs, mix: { cpu: 1 } }, { name: 'cheap', users: 2, thinkMs, mix: { cheap: 1 } }] },
      network: { rttMs: 0.3 }, server: { workerClass: 'gevent', workers: 1 }, machine: { cores: 2 }, db: { host: 'shared', connMaxAge: 60 },
      endpoints: [{ name: 'cpu', steps: [{ cpu: 6 }] }, { name: 'cheap', steps: [{ cpu: 0.5 }, { db: { ms: 0.3 } }, { cpu: 0.5 }] }],
    });
    const hog = simulate(s(0)).groups!;
    assert.ok(hog[1].throughput < 5 && hog[1].latency.p50 > 1000, `cheap ${hog[1].throughput} req/s, p50 ${hog[1].latency.p50}`);
    // With think time the greenlet blocks in recv, yields, and the loop goes round: no starvation.
    const fair = simulate(s(5)).groups!;
    assert.ok(fair[1].latency.p99 < 30, `cheap p99 with think time ${fair[1].latency.p99}`);
  });

  it('keep-alive connections stay on the worker that accepted them: an accept race per connection, or per burst', () => {
    const s = (pinConnections: boolean, acceptBurst?: boolean): Scenario => ({
      load: closed(4, 60, { keepAlive: true }), server: { workerClass: 'gthread', workers: 2, threads: 4, pinConnections, acceptBurst }, machine: { cores: 4 },
      endpoints: [{ name: 'cpu', steps: [{ cpu: 10 }] }],
    });
    const free = simulate(s(false));
    near(free.overall.latency.p99, 20, 0.01, 'least-loaded: 2 per worker');
    // gthread accepts one connection per wake-up: each connection's race is drawn on its own (seeded).
    const race = simulate(s(true));
    const gil = race.resources.filter((x) => x.kind === 'gil').map((x) => x.meanQueue).sort();
    assert.notDeepEqual(gil, [1, 1], 'the seeded accept race splits 4 connections unevenly');
    assert.ok(race.overall.latency.p99 > free.overall.latency.p99);
    // asyncio's accept loop takes the whole burst of one client thread: 4 on one worker, p99 40 ms.
    const burst = simulate(s(true, true));
    assert.deepEqual(burst.resources.filter((x) => x.kind === 'gil').map((x) => x.meanQueue).sort(), [0, 3]);
    near(burst.overall.latency.p99, 40, 0.01, 'one burst');
    // gunicorn's sync worker closes every connection: nothing to pin.
    const sync = simulate({ ...s(true), server: { workerClass: 'sync', workers: 2, pinConnections: true } });
    near(sync.overall.latency.p99, 20, 0.01, 'sync');
  });

  it('uvicorn: each client thread\'s burst of connections lands on one worker', () => {
    const s = (clientThreads: number): Scenario => ({
      load: closed(8, 20, { keepAlive: true, clientThreads }), server: { workerClass: 'uvicorn', workers: 4 }, machine: { cores: 8 },
      endpoints: [{ name: 'cpu', steps: [{ cpu: 5 }] }],
    });
    const busyLoops = (r: SimResult): number => r.resources.filter((x) => x.kind === 'gil' && x.meanBusy > 0.5).length;
    assert.equal(busyLoops(simulate(s(1))), 1);
    assert.ok(busyLoops(simulate(s(2))) <= 2);
  });
});

describe('sim: a separate warm-up run (load.separateWarmup)', () => {
  const s = (separateWarmup: boolean): Scenario => ({
    load: closed(4, 3, { warmupS: 1, separateWarmup }), server: { workerClass: 'sync', workers: 1 }, machine: { cores: 1 },
    endpoints: [{ name: 'a', steps: [{ cpu: 10 }] }],
  });

  it("the measured users' first requests queue behind the warm-up's leftovers, which are not counted", () => {
    const one = simulate(s(false));
    const two = simulate(s(true));
    // Steady state: 4 users on one 10 ms worker wait 40 ms. The fresh users' first round waits
    // for the 3 or 4 warm-up requests still queued as well: up to 80 ms.
    near(one.overall.latency.max, 40, 0.01, 'one run');
    assert.ok(two.overall.latency.max >= 70 && two.overall.latency.max <= 80 + 1e-9, `max ${two.overall.latency.max}`);
    // 2 s window at 100 req/s: the leftovers' completions are not the measured users'.
    assert.ok(two.overall.completed <= 200 - 3, `completed ${two.overall.completed}`);
    assert.ok(one.overall.completed >= 199, `completed ${one.overall.completed}`);
  });

  it('validation: a boolean', () => {
    const bad = validateScenario({ ...s(true), load: { ...s(true).load, separateWarmup: 'yes' } });
    assert.equal(bad.ok, false);
  });
});

describe('sim: the cost of a cold wake (machine.wakeCostMs)', () => {
  const n1 = (workers: number, wakeCostMs: number, host: 'shared' | 'separate' = 'shared'): number => simulate({
    load: closed(32, 10, { warmupS: 1 }), server: { workerClass: 'sync', workers },
    machine: { cores: 2, contextSwitchOverhead: 0, wakeCostMs }, db: { host, cores: 2, connMaxAge: 60 },
    endpoints: [{ name: 'n1', steps: [{ cpu: 0.2 }, { repeat: { times: 50, steps: [{ db: { ms: 0.1 } }, { cpu: 0.2 }] } }] }],
  }).overall.throughput;

  it('costs nothing while no more requests run than there are cores', () => {
    near(n1(2, 0.05), n1(2, 0), 0.005, '2 workers on 2 cores');
  });

  it('more workers, worse: DB backends woken among more running requests than cores lose it', () => {
    const two = n1(2, 0.05);
    const four = n1(4, 0.05);
    assert.ok(four < two * 0.95, `4 workers ${four} vs 2 workers ${two}`);
    assert.ok(n1(4, 0) >= two * 0.99, 'without the wake cost 4 workers are not slower');
  });

  it('a DB on its own host does not pay it on the app cores', () => {
    near(n1(4, 0.05, 'separate'), n1(4, 0, 'separate'), 0.005, 'separate DB host');
  });
});

describe('sim: a backend exits after its connection closes (db.disconnectDbCpuMs)', () => {
  const s = (users: number, disconnectDbCpuMs: number, cores = 1): Scenario => ({
    load: closed(users, 20, { warmupS: 2 }), server: { workerClass: 'sync', workers: 4 }, machine: { cores, contextSwitchOverhead: 0 },
    db: { host: 'shared', connMaxAge: 0, connectAppCpuMs: 1, connectDbCpuMs: 1, disconnectDbCpuMs },
    endpoints: [{ name: 'a', steps: [{ cpu: 3 }, { db: { ms: 1 } }] }],
  });

  it('no request waits for it at one user with a free core (on a single core the next request shares it)', () => {
    near(simulate(s(1, 4, 2)).overall.latency.mean, simulate(s(1, 0, 2)).overall.latency.mean, 0.01, 'latency');
    assert.ok(simulate(s(1, 4)).overall.latency.mean > simulate(s(1, 0)).overall.latency.mean * 1.2);
  });

  it('it loads the shared cores: 6 ms per request plus 4 ms of exit on one core', () => {
    near(simulate(s(16, 0)).overall.throughput, 1000 / 6, 0.03, 'no exit cost');
    near(simulate(s(16, 4)).overall.throughput, 1000 / 10, 0.03, 'with the exit');
  });
});

describe('sim: gevent keep-alive hold time (server.responseTailMs)', () => {
  const s = (responseTailMs: number): Scenario => ({
    load: { type: 'closed', users: 4, durationS: 20, warmupS: 2, keepAlive: true, clientCpuMs: 0.05, clientThreads: 4, groups: [
      { name: 'cpu', users: 2, thinkMs: 0, mix: { cpu: 1 } }, { name: 'cheap', users: 2, thinkMs: 0, mix: { cheap: 1 } }] },
    server: { workerClass: 'gevent', workers: 1, responseTailMs }, machine: { cores: 2 }, db: { host: 'shared', connMaxAge: 60 },
    endpoints: [{ name: 'cpu', steps: [{ cpu: 6 }] }, { name: 'cheap', steps: [{ cpu: 0.5 }, { db: { ms: 0.3 } }, { cpu: 0.5 }] }],
  });

  it('the longer Django works after the response, the more often the client has sent the next request: the cheap greenlets wait longer', () => {
    const none = simulate(s(0)).groups![1];
    const short = simulate(s(0.06)).groups![1];
    const long = simulate(s(0.3)).groups![1];
    // Without a tail each cheap request waits for the two CPU-bound greenlets' turns (2 x 6 ms, twice): ~26 ms.
    assert.ok(none.latency.p99 < 30, `no tail: p99 ${none.latency.p99}`);
    assert.ok(short.latency.p99 > none.latency.p99 * 2, `0.06 ms: ${short.latency.p99} vs ${none.latency.p99}`);
    assert.ok(long.throughput < short.throughput, `0.3 ms: ${long.throughput} vs ${short.throughput} req/s`);
  });

  it('defaults to network.rttMs', () => {
    const withRtt = simulate({ ...s(0), server: { workerClass: 'gevent', workers: 1 }, network: { rttMs: 0.3 } }).groups![1];
    const explicit = simulate({ ...s(0.3), network: { rttMs: 0.3 } }).groups![1];
    assert.equal(withRtt.completed, explicit.completed);
  });
});

describe('sim: the load generator\'s turnaround (load.clientTurnaroundMs)', () => {
  const s = (clientTurnaroundMs?: number): Scenario => ({
    load: closed(1, 20, { warmupS: 1, clientCpuMs: 5, clientThreads: 1, clientTurnaroundMs }), server: { workerClass: 'sync', workers: 1 },
    machine: { cores: 4, contextSwitchOverhead: 0 }, endpoints: [{ name: 'a', steps: [{ cpu: 10 }] }],
  });

  it('by default the next request leaves when the client CPU is done; with a measured turnaround, after it', () => {
    near(simulate(s()).overall.throughput, 1000 / 15, 0.05, 'CPU as the turnaround');
    near(simulate(s(0)).overall.throughput, 100, 0.01, 'zero turnaround, the client CPU alongside');
    near(simulate(s(2)).overall.throughput, 1000 / 12, 0.05, '2 ms turnaround');
  });

  it('gevent: a turnaround shorter than the response tail never lets the loop go', () => {
    const r = simulate({
      load: { type: 'closed', users: 4, durationS: 10, warmupS: 1, keepAlive: true, clientCpuMs: 0.05, clientTurnaroundMs: 0, clientThreads: 4, groups: [
        { name: 'cpu', users: 2, thinkMs: 0, mix: { cpu: 1 } }, { name: 'cheap', users: 2, thinkMs: 0, mix: { cheap: 1 } }] },
      server: { workerClass: 'gevent', workers: 1, responseTailMs: 0.06 }, machine: { cores: 2 }, db: { host: 'shared', connMaxAge: 60 },
      endpoints: [{ name: 'cpu', steps: [{ cpu: 6 }] }, { name: 'cheap', steps: [{ cpu: 0.5 }, { db: { ms: 0.3 } }, { cpu: 0.5 }] }],
    });
    assert.ok(r.groups![1].completed <= 2, `cheap completed ${r.groups![1].completed}`);
    assert.ok(r.groups![0].throughput > 100, `cpu ${r.groups![0].throughput}`);
  });
});
