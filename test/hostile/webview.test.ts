/**
 * Issue 8, part 6: the simulator view accepts only well-formed messages. Arbitrary JSON thrown at every validator
 * of webview/ui/messages.ts and profileValidation.ts never throws and is accepted only in the shapes the types
 * allow; a scenario that would run unbounded is capped by clampInputs / buildScenario or rejected by validateScenario.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import type { ProfileReport } from '../../server/core/profiles/types';
import { validateScenario } from '../../webview/sim';
import { parseHostToView, parseUiToWorker, parseViewToHost, parseWorkerToUi } from '../../webview/ui/messages';
import { checkProfileReport } from '../../webview/ui/profileValidation';
import { LIMITS, buildScenario, clampInputs, defaultInputs, type WhatIfInputs } from '../../webview/ui/scenarioBuilder';
import { REPO_ROOT } from '../harness/paths';

const report = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/webview/fixtures/shopProfiles.json'), 'utf8')) as ProfileReport;
const TYPES = ['profiles', 'select', 'error', 'ready', 'refresh', 'openLocation', 'run', 'main', 'fixed', 'sweep', 'advice', 'failed', 'done', '__proto__', 'constructor'];

/** Random JSON, with message-like objects (a known `type`, random fields) mixed in so the validators' branches are reached. */
const messageLike = fc.record({ type: fc.constantFrom(...TYPES), runId: fc.oneof(fc.integer(), fc.double(), fc.string()) }, { requiredKeys: ['type'] })
  .chain((head) => fc.dictionary(fc.constantFrom('report', 'select', 'endpointId', 'message', 'uri', 'line', 'job', 'result', 'axis', 'points', 'items', 'wallMs'), fc.jsonValue({ maxDepth: 4 }))
    .map((rest) => ({ ...rest, ...head })));
const anyInput = fc.oneof(fc.jsonValue({ maxDepth: 6 }), fc.anything({ maxDepth: 4, withNullPrototype: true, withMap: true, withBigInt: true, withDate: true, withTypedArray: true, withSparseArray: true }), messageLike);

/** Sets a random JSON path of a clone of `value` to `replacement` (deep mutation of a valid report). */
function mutate(value: unknown, pathPicks: number[], replacement: unknown): unknown {
  const root = structuredClone(value);
  let cur: unknown = root;
  for (let i = 0; i < pathPicks.length; i++) {
    if (typeof cur !== 'object' || cur === null) break;
    const keys = Object.keys(cur);
    if (keys.length === 0) break;
    const key = keys[pathPicks[i] % keys.length];
    const next = (cur as Record<string, unknown>)[key];
    if (i === pathPicks.length - 1 || typeof next !== 'object' || next === null) {
      (cur as Record<string, unknown>)[key] = replacement;
      break;
    }
    cur = next;
  }
  return root;
}

describe('webview: only well-formed messages are accepted; scenarios are bounded', function () {
  this.timeout(60_000);

  it('arbitrary values: no validator throws; what is accepted has the declared shape', () => {
    fc.assert(
      fc.property(anyInput, (data) => {
        const h = parseHostToView(data);
        if (h.ok) {
          const m = h.message;
          assert.ok(['profiles', 'select', 'error'].includes(m.type));
          if (m.type === 'select') assert.ok(m.endpointId === null || typeof m.endpointId === 'string');
          if (m.type === 'error') assert.ok(typeof m.message === 'string' && m.message.length <= 2000);
          if (m.type === 'profiles') assert.ok(m.report === null || Array.isArray(m.report.endpoints));
        } else assert.equal(typeof h.error, 'string');
        const v = parseViewToHost(data);
        if (v.ok && v.message.type === 'openLocation') assert.ok(v.message.uri.length > 0 && Number.isInteger(v.message.line) && v.message.line >= 0);
        const w = parseUiToWorker(data);
        if (w.ok) assert.ok(Number.isFinite(w.message.runId) && Array.isArray(w.message.job.loadSweep.points));
        const u = parseWorkerToUi(data);
        if (u.ok) assert.ok(Number.isFinite(u.message.runId));
        const r = checkProfileReport(data);
        if (!r.ok) assert.ok(r.errors.length > 0 && r.errors.length <= 20);
        const s = validateScenario(data);
        if (!s.ok) assert.ok(s.errors.length > 0);
      }),
      { numRuns: 3000, seed: 8_006 },
    );
  });

  it('a real profile report with one random field replaced: never throws, refused with a path or still well-formed', () => {
    assert.ok(checkProfileReport(report).ok, 'the fixture report is valid');
    const replacement = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 1e308, -0, '', null, undefined, [], {}));
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), replacement, (picks, value) => {
        const data = mutate(report, picks, value);
        const r = checkProfileReport(data);
        if (!r.ok) assert.ok(r.errors.every((e) => /^report[.[]/.test(e)), r.errors.join('; '));
        const msg = parseHostToView({ type: 'profiles', report: data });
        if (msg.ok && msg.message.type === 'profiles' && msg.message.report) {
          // What passes is built into a scenario the engine either accepts or refuses with a path (the worker
          // validates every scenario before it runs). Deployment numbers such as machine.cores = 1e308 pass
          // checkProfileReport (typed "number ≥ 0") and are refused only here: reported in issue 8's notes.
          const built = buildScenario(msg.message.report, null, defaultInputs(msg.message.report, null));
          const v = validateScenario(built.scenario);
          if (!v.ok) assert.ok(v.errors.every((e) => /^[\w$]+[.[:]/.test(e)), v.errors.join('; '));
        }
      }),
      { numRuns: 400, seed: 8_007 },
    );
  });

  it('deeply nested steps and huge arrays are refused, not recursed into without bound', () => {
    let steps: unknown = [{ cpu: 1 }];
    for (let i = 0; i < 10_000; i++) steps = i % 2 ? [{ cpu: 1 }, { hop: { steps } }] : [{ cache: { hitRatio: 0.5, miss: steps } }];
    const deep = { load: { type: 'closed', users: 1, requests: 1 }, server: { workerClass: 'sync' }, endpoints: [{ name: 'x', steps }] };
    const d = validateScenario(deep);
    assert.ok(!d.ok && d.errors.some((e) => /steps nest at most 64 deep/.test(e)), JSON.stringify(d).slice(0, 300));
    // The same through the view's message validator (profiles arrive from the extension).
    const hostile = { ...report, endpoints: [{ ...report.endpoints[0], endpoint: { name: 'x', steps } }] };
    const m = parseHostToView({ type: 'profiles', report: hostile });
    assert.ok(!m.ok && /steps nest at most 64 deep/.test(m.error), m.ok ? 'accepted' : m.error);
    let repeats: unknown = [{ cpu: 1 }];
    for (let i = 0; i < 10_000; i++) repeats = [{ repeat: { times: 2, steps: repeats } }];
    const v = validateScenario({ ...deep, endpoints: [{ name: 'x', steps: repeats }] });
    assert.ok(!v.ok);
    let nested: unknown = {};
    for (let i = 0; i < 10_000; i++) nested = { report: nested, endpoints: [nested] };
    assert.doesNotThrow(() => checkProfileReport(nested));
    const many = { ...report, endpoints: Array.from({ length: 6000 }, (_, i) => ({ ...report.endpoints[0], id: `e${i}` })) };
    const r = checkProfileReport(many);
    assert.ok(!r.ok && r.errors.some((e) => /more than 5000 endpoints/.test(e)));
  });

  it('clampInputs: huge, negative, NaN and infinite inputs land inside LIMITS with a notice each', () => {
    const num = fc.oneof(fc.double(), fc.constantFrom(1e9, -1e9, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, Number.MAX_VALUE, Number.MIN_VALUE));
    const inputs: fc.Arbitrary<WhatIfInputs> = fc.record({
      loadMode: fc.constantFrom('closed', 'open', 'x' as 'open'),
      users: num, thinkMs: num, rate: num, durationS: num,
      rows: fc.option(num), queryMs: fc.option(num), cacheHitRatio: fc.option(num),
      workerClass: fc.constantFrom('sync', 'gthread', 'gevent', 'uvicorn', 'waitress', 'fork' as 'sync'),
      workers: num, threads: num, dbPool: fc.option(num),
    });
    fc.assert(
      fc.property(inputs, fc.constantFrom<string | null>(null, ...report.endpoints.map((e) => e.id)), (raw, selection) => {
        const { inputs: i } = clampInputs(raw);
        const within = (v: number, min: number, max: number) => Number.isFinite(v) && v >= min && v <= max;
        assert.ok(within(i.users, 1, LIMITS.users) && Number.isInteger(i.users));
        assert.ok(within(i.durationS, 1, LIMITS.durationS) && within(i.rate, 0.1, LIMITS.rate) && within(i.thinkMs, 0, LIMITS.thinkMs));
        assert.ok(within(i.workers, 1, LIMITS.workers) && within(i.threads, 1, LIMITS.threads));
        assert.ok(i.rows === null || within(i.rows, 0, LIMITS.rows));
        assert.ok(i.cacheHitRatio === null || within(i.cacheHitRatio, 0, 1));
        assert.ok(i.dbPool === null || within(i.dbPool, 1, LIMITS.dbPool));
        const built = buildScenario(report, selection, raw);
        const v = validateScenario(built.scenario);
        assert.ok(v.ok, v.ok ? '' : v.errors.join('; '));
        const load = built.scenario.load;
        assert.ok(load.type !== 'batch' && (load.requests ?? Infinity) <= LIMITS.requests, 'the run is capped');
      }),
      { numRuns: 500, seed: 8_008 },
    );
    const huge = buildScenario(report, null, { ...defaultInputs(report, null), users: 1e9, durationS: Number.POSITIVE_INFINITY, rows: 1e9 });
    assert.ok(huge.notices.some((n) => /users capped at 10,000/.test(n)));
    assert.ok(huge.notices.some((n) => /N \(rows\) capped at 10,000/.test(n)));
  });

  it('validateScenario rejects unbounded scenarios (users, requests, duration × rate, items, workers × threads)', () => {
    const base = { server: { workerClass: 'sync' }, endpoints: [{ name: 'x', steps: [{ cpu: 1 }] }] };
    const bad: [string, unknown, RegExp][] = [
      ['1e9 users', { ...base, load: { type: 'closed', users: 1e9, requests: 10 } }, /load\.users: must be ≤ 100,000/],
      ['1e9 requests', { ...base, load: { type: 'closed', users: 1, requests: 1e9 } }, /load\.requests: must be ≤ 5,000,000/],
      ['endless closed load', { ...base, load: { type: 'closed', users: 100_000, durationS: 1e9, thinkMs: 0 } }, /could issue far more than/],
      ['endless open load', { ...base, load: { type: 'open', rate: 1e6, durationS: 1e9 } }, /would generate about/],
      ['infinite duration', { ...base, load: { type: 'open', rate: 1, durationS: Number.POSITIVE_INFINITY } }, /durationS/],
      ['1e12 batch items', { ...base, load: { type: 'batch', items: 1e12 } }, /load\.items: must be ≤ 5,000,000/],
      ['workers × threads', { ...base, server: { workerClass: 'gthread', workers: 1024, threads: 10_000 }, load: { type: 'closed', users: 1, requests: 1 } }, /workers × threads/],
      ['N = 1e9 rows', { ...base, endpoints: [{ name: 'x', steps: [{ db: { queries: { base: 1, perRow: 1, n: 1e9 } } }] }], load: { type: 'closed', users: 1, requests: 1 } }, /./],
      ['repeat 1e9 times', { ...base, endpoints: [{ name: 'x', steps: [{ repeat: { times: 1e9, steps: [{ cpu: 1 }] } }] }], load: { type: 'closed', users: 1, requests: 1 } }, /./],
    ];
    for (const [name, scenario, reason] of bad) {
      const v = validateScenario(scenario);
      assert.ok(!v.ok, `${name} was accepted`);
      assert.match(v.errors.join('; '), reason, name);
    }
  });
});
