import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { FIXTURE_PROJECTS } from '../harness/paths';
import { scanProject } from '../harness/projectRun';
import type { Finding } from '../../server/core/rules/types';
import { profileProject } from '../../server/node/profile';
import { mergeConfig } from '../../server/core/config/config';
import { describeSteps } from '../../server/cli/profile';

/** Issue 15, session 3: method-level queries no prefetch serves, DJP305 through self/bases/callbacks, helpers returning their queryset. */
describe('callee effects (issue 15, session 3)', () => {
  let findings: { file: string; dir: string; f: Finding }[] = [];
  before(async () => {
    const scan = await scanProject(path.join(FIXTURE_PROJECTS, 'callee_effects'));
    findings = scan.results.flatMap((r) => r.findings.map((f) => ({ file: path.basename(r.relPath), dir: path.basename(path.dirname(r.relPath)), f })));
  });
  const at = (dir: string, file: string, line: number): Finding[] => findings.filter((x) => x.dir === dir && x.file === file && x.f.range.start.line + 1 === line).map((x) => x.f);

  it('a model method query no prefetch serves is reported once, at the method, with every calling loop as related information', () => {
    const [f] = at('social', 'models.py', 24);
    assert.equal(f?.code, 'DJP112');
    assert.match(f.message, /Post\.recent_comments, Post\.summary/);
    const rel = f.related ?? [];
    const callers = rel.filter((r) => /^calls /.test(r.message));
    // recent_page calls it twice per row (directly and through summary()), feeds.feed once.
    assert.deepEqual(callers.map((r) => `${path.basename(r.uri ?? '')}:${r.range.start.line + 1}`).sort(), ['feeds.py:6', 'views.py:17', 'views.py:17']);
    assert.ok(callers.some((r) => r.message === 'calls Post.summary() → recent_comments() per row'), JSON.stringify(callers));
    assert.ok(rel.some((r) => /^loop over rows of `Post\.objects\.all\(\)`/.test(r.message)));
    assert.deepEqual(f.cost, { kind: 'queries', base: 1, perRow: 2, rowFactors: ['rows of Post.objects.all()'], relationPath: 'comments', model: 'social.Post' });
  });

  it('the calling loops get no duplicate finding for that query; what a prefetch serves stays at the loop', () => {
    for (const [file, line] of [['views.py', 6], ['views.py', 10], ['views.py', 17], ['feeds.py', 6]] as const) {
      assert.deepEqual(at('social', file, line), [], `${file}:${line}`);
    }
    assert.equal(at('social', 'views.py', 22)[0]?.code, 'DJP104');
    // Nothing calls hidden_comments() in a loop; count() and .all() are served by a prefetch.
    assert.equal(findings.filter((x) => x.dir === 'social' && x.file === 'models.py').length, 3);
  });

  it('DJP305 follows self methods (and super()) into workspace bases, callbacks and map()/key=, and leaves thread hops alone', () => {
    const lines = findings.filter((x) => x.dir === 'live' && x.f.code === 'DJP305').map((x) => x.f.range.start.line + 1).sort((a, b) => a - b);
    assert.deepEqual(lines, [26, 29, 32, 35, 62, 75, 88, 102]);
    const [base] = at('live', 'views.py', 26);
    assert.equal(base.related?.[0]?.uri?.endsWith('mixins.py'), true);
    assert.match(base.message, /mixins\.py line 8/);
    assert.match(at('live', 'views.py', 75)[0].message, /`apply_all\(\)` calls the `fn` passed here, `feed_title\(\)`/);
  });

  it('a helper of another module handing the queryset back keeps the caller’s model and adds its loads', () => {
    assert.equal(at('tracker', 'exports.py', 10)[0]?.code, 'DJP101');
    assert.equal(at('tracker', 'exports.py', 26)[0]?.code, 'DJP101');
    assert.deepEqual(findings.filter((x) => x.dir === 'tracker' && x.file === 'exports.py').map((x) => x.f.range.start.line + 1).sort((a, b) => a - b), [10, 26]);
  });

  it('a loop inside a helper stays there and names only the callers that do not load the relation; silent when all do', () => {
    const callersOf = (f: Finding | undefined) => (f?.related ?? []).filter((r) => /^this caller/.test(r.message)).map((r) => `${path.basename(r.uri ?? '')}:${r.range.start.line + 1} ${r.message}`);
    const [titles] = at('tracker', 'reports.py', 3);
    assert.equal(titles?.code, 'DJP101');
    assert.deepEqual(callersOf(titles), ['views.py:10 this caller passes rows that do not load story']);
    const [counts] = at('tracker', 'reports.py', 13);
    assert.equal(counts?.code, 'DJP104');
    assert.deepEqual(callersOf(counts), ['views.py:22 this caller passes rows that do not load tasks']);
    assert.deepEqual(at('tracker', 'reports.py', 8), []);
    assert.deepEqual(at('tracker', 'reports.py', 18), []);
    assert.equal(findings.filter((x) => x.dir === 'tracker' && x.file === 'views.py').length, 0);
  });

  it('the endpoint profile still prices the method query at the calling loop (1 + 2N), though it is reported at the method', async () => {
    const { report } = await profileProject(path.join(FIXTURE_PROJECTS, 'callee_effects'), mergeConfig());
    const e = report.endpoints.find((x) => x.id === 'social.views.recent_page');
    assert.ok(e, report.endpoints.map((x) => x.id).join(', '));
    assert.equal(describeSteps(e.endpoint.steps), 'cpu 2 ms, db 1 + 2N');
  });
});
