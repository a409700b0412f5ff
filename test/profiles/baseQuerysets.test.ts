import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { FIXTURE_PROJECTS } from '../harness/paths';
import { runCli } from '../harness/cli';
import type { ProfileReport } from '../../server/core/profiles/types';

/** Viewsets whose queryset comes through a project base's get_queryset (framework_behaviour fixture). */
describe('profile: querysets from a base viewset', () => {
  let report: ProfileReport;
  before(() => {
    const dir = path.join(FIXTURE_PROJECTS, 'framework_behaviour');
    const r = runCli(['profile', dir, '--format', 'json'], dir);
    assert.equal(r.code, 0, r.stderr);
    report = JSON.parse(r.stdout) as ProfileReport;
  });

  it('a viewset deriving from a project base viewset has DRF actions, and says why DJP108 is silent on it', () => {
    const list = report.endpoints.find((e) => e.id === 'api.views.BookViewSet.list');
    assert.ok(list, `no BookViewSet.list endpoint among ${report.endpoints.map((e) => e.id).join(', ')}`);
    assert.deepEqual(list.findings, []);
    const note = (list.notes ?? []).find((n) => n.startsWith('DJP108 is silent for BookViewSet'));
    assert.ok(note, `notes: ${JSON.stringify(list.notes)}`);
    assert.match(note, /PrefetchingViewSet\.get_queryset\(\).*computed at run time/);
  });

  it('a viewset on DRF directly keeps its DJP108 finding and has no such note', () => {
    const list = report.endpoints.find((e) => e.id === 'api.views.PlainBookViewSet.list');
    assert.ok(list);
    assert.deepEqual(list.findings.map((f) => f.code), ['DJP108']);
    assert.ok(!(list.notes ?? []).some((n) => n.startsWith('DJP108 is silent')));
  });
});
