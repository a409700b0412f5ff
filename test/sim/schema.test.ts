import * as assert from 'node:assert/strict';
import { validateScenario } from '../../webview/sim';

const ok = {
  load: { type: 'open', rate: 10, durationS: 10 },
  server: { workerClass: 'sync', workers: 2 },
  endpoints: [{ name: 'a', steps: [{ cpu: 5 }] }],
};
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const errors = (v: unknown): string[] => {
  const r = validateScenario(v);
  return r.ok ? [] : r.errors;
};

describe('sim: scenario validation', () => {
  it('accepts a minimal scenario', () => assert.deepEqual(errors(ok), []));

  it('names the JSON path of a bad value', () => {
    const s = clone(ok) as Record<string, any>;
    s.server.workers = 0;
    assert.deepEqual(errors(s), ['server.workers: must be an integer ≥ 1 and ≤ 1024']);
    s.server.workers = 2.5;
    assert.match(errors(s)[0], /^server\.workers: must be an integer/);
  });

  it('reports nested step errors with their index path', () => {
    const s = clone(ok) as Record<string, any>;
    s.endpoints[0].steps = [{ cpu: 1 }, { lock: { key: 'row', steps: [{ db: { queries: -1, ms: 2 } }, { cpu: { dist: 'gamma', mean: 1 } }] } }];
    assert.deepEqual(errors(s), [
      'endpoints[0].steps[1].lock.steps[0].db.queries: must be an integer ≥ 0 and ≤ 1000000',
      'endpoints[0].steps[1].lock.steps[1].cpu.dist: must be one of: const, exp, lognormal, uniform',
    ]);
  });

  it('rejects unknown fields and steps with a hint', () => {
    const s = clone(ok) as Record<string, any>;
    s.server.worker = 3;
    s.endpoints[0].steps.push({ sql: 1 });
    const e = errors(s);
    assert.ok(e.some((x) => x.startsWith('server.worker: unknown field')));
    assert.ok(e.some((x) => x === 'endpoints[0].steps[1]: a step must have exactly one of: cpu, db, lock, cache, io, sleep, hop, repeat'));
  });

  it('requires the load shape and rejects threads on a sync worker', () => {
    assert.ok(errors({ ...ok, load: { type: 'open' } }).some((x) => x.startsWith('load.rate: is required')));
    assert.ok(errors({ ...ok, load: { type: 'closed', users: 5 } }).includes('load: needs durationS or requests'));
    assert.ok(errors({ ...ok, server: { workerClass: 'sync', threads: 4 } }).some((x) => x.startsWith('server.threads: only applies')));
    assert.ok(errors({ ...ok, server: { workerClass: 'tornado' } }).some((x) => x.startsWith('server.workerClass: must be one of')));
  });

  it('caps unbounded scenarios with a clear error', () => {
    assert.match(errors({ ...ok, load: { type: 'open', rate: 100000, durationS: 3600 } })[0], /would generate about 360,000,000 requests; the limit is 5,000,000/);
    assert.deepEqual(errors({ ...ok, load: { type: 'closed', users: 200000, requests: 10 } }), ['load.users: must be ≤ 100,000']);
    assert.deepEqual(errors({ ...ok, load: { type: 'batch', items: 6_000_000 } }), ['load.items: must be ≤ 5,000,000']);
  });

  it('rejects non-objects and empty endpoint lists', () => {
    assert.deepEqual(errors(42), ['$: must be an object']);
    assert.ok(errors({ ...ok, endpoints: [] }).includes('endpoints: must be a non-empty array'));
  });
});
