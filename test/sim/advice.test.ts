import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { advise, validateScenario } from '../../webview/sim';
import type { Scenario } from '../../webview/sim';

const DIR = path.join(__dirname, '..', '..', '..', 'examples', 'scenarios');
function load(file: string): Scenario {
  const v = validateScenario(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')));
  if (!v.ok) throw new Error(v.errors.join('; '));
  return v.scenario;
}

describe('sim: advise', function () {
  this.timeout(30000);

  it('stock reservation: names the row lock and its ceiling, and ranks the code fix first', () => {
    const t = Date.now();
    const list = advise(load('seed2-stock-reservation-gthread.json'), { memoryMB: 4096, dbConnections: 1000, requestsPerCandidate: 2000 });
    const ms = Date.now() - t;
    const now = list.find((a) => a.baseline)!;
    assert.match(now.bottleneck, /^the stock:product-1 row lock serialises requests: \d+\.\d req\/s is the ceiling whatever the worker count/);
    assert.match(list[0].title, /atomic UPDATE/);
    assert.ok(list[0].p95Ms < now.p95Ms / 5);
    assert.ok(ms < 5000, `advise took ${ms} ms`);
  });

  it('CPU-bound report on waitress: more processes beat more threads, and limits are enforced', () => {
    const list = advise(load('seed5-pandas-report-waitress.json'), { memoryMB: 600, requestsPerCandidate: 1500 });
    const now = list.find((a) => a.baseline)!;
    assert.match(now.bottleneck, /GIL/);
    const best = list[0];
    assert.ok(best.feasible && best.throughput > now.throughput * 2.5, `${best.title}: ${best.throughput}`);
    const big = list.find((a) => a.title === '16 waitress workers')!;
    assert.equal(big.feasible, false);
    assert.match(big.violates[0], /memory/);
  });
});
