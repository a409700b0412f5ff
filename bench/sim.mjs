// Benchmark of the djperf simulation engine. Run after `npx tsc -p .`: node bench/sim.mjs
// Targets (see the engine brief): >= 2 M events/s in Node; a 20,000-request what-if < 100 ms.
import { simulate, validateScenario, advise } from '../out/webview/sim/index.js';
import { readFileSync } from 'node:fs';

const example = (f) => {
  const v = validateScenario(JSON.parse(readFileSync(new URL(`../examples/scenarios/${f}`, import.meta.url), 'utf8')));
  if (!v.ok) throw new Error(v.errors.join('; '));
  return v.scenario;
};

const mm4 = (requests) => ({
  load: { type: 'open', rate: 320, requests },
  server: { workerClass: 'sync', workers: 4, timeoutMs: null },
  machine: { cores: 8 },
  endpoints: [{ name: 'a', steps: [{ cpu: { dist: 'exp', mean: 10 } }] }],
});

const web = (requests) => ({
  load: { type: 'open', rate: 150, requests },
  server: { workerClass: 'gthread', workers: 4, threads: 4 },
  machine: { cores: 4 },
  db: { cores: 4, connMaxAge: 60, rttMs: 0.3 },
  cache: { latencyMs: 0.5 },
  endpoints: [
    { name: 'list', weight: 3, steps: [{ cpu: { dist: 'lognormal', mean: 6, cv: 0.5 } }, { db: { queries: { base: 1, perRow: 1, n: 5 }, ms: { dist: 'exp', mean: 1 } } }] },
    { name: 'detail', weight: 2, steps: [{ cpu: 3 }, { cache: { hitRatio: 0.8, miss: [{ db: { queries: 2, ms: { dist: 'exp', mean: 2 } } }] } }] },
    { name: 'order', weight: 1, steps: [{ cpu: 4 }, { lock: { key: 'stock', keys: 50, steps: [{ db: { queries: 3, ms: { dist: 'exp', mean: 2 } } }] } }] },
  ],
});

function best(fn, runs = 5) {
  let bestMs = Infinity;
  let out;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    out = fn();
    bestMs = Math.min(bestMs, performance.now() - t);
  }
  return { ms: bestMs, out };
}

// Warm the JIT up first, as an extension host would be after the first run.
for (let i = 0; i < 3; i++) { simulate(mm4(50_000)); simulate(web(20_000)); }

const rows = [];
const add = (name, requests, b) => rows.push({
  name, requests, ms: b.ms, events: b.out.events, meps: b.out.events / b.ms / 1000,
});
add('M/M/4 open, 1 cpu step (events/s)', 1_000_000, best(() => simulate(mm4(1_000_000)), 3));
add('web mix 100,000 requests', 100_000, best(() => simulate(web(100_000)), 3));
add('what-if: web mix 20,000 requests', 20_000, best(() => simulate(web(20_000))));
add('what-if: seed 2 lock (600 users) 20,000', 20_000, best(() => simulate({ ...example('seed2-stock-reservation-gthread.json'), load: { type: 'closed', users: 600, thinkMs: { dist: 'uniform', min: 1000, max: 2000 }, requests: 20_000 } })));
add('what-if: seed 3 likes (41 queries) 20,000', 20_000, best(() => simulate({ ...example('seed3-likes-async.json'), load: { type: 'closed', users: 50, thinkMs: 1000, requests: 20_000 } })));
const adv = best(() => advise(example('seed2-stock-reservation-gthread.json'), { requestsPerCandidate: 3000 }), 2);

const pad = (s, n, left = false) => (left ? String(s).padEnd(n) : String(s).padStart(n));
console.log(`${pad('case', 44, true)}${pad('requests', 10)}${pad('events', 11)}${pad('wall ms', 9)}${pad('M ev/s', 8)}`);
console.log('-'.repeat(82));
for (const r of rows) {
  console.log(`${pad(r.name, 44, true)}${pad(r.requests.toLocaleString('en-US'), 10)}${pad(r.events.toLocaleString('en-US'), 11)}${pad(r.ms.toFixed(1), 9)}${pad(r.meps.toFixed(2), 8)}`);
}
console.log(`${pad(`advise (seed 2, ${adv.out.length} candidates × 3,000 req)`, 44, true)}${pad('', 10)}${pad('', 11)}${pad(adv.ms.toFixed(0), 9)}`);
console.log(`\nnode ${process.version}; best of several runs after warm-up; targets: >= 2 M events/s, 20,000-request what-if < 100 ms`);
