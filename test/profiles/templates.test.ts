/**
 * Template N+1s in the endpoint profiles: the queries a view's template runs per request (DJP110/DJP111 on
 * test/fixtures/projects/n1_templates) are part of the view's simulated steps, before and after the fix.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { profileProject } from '../../server/node/profile';
import { mergeConfig } from '../../server/core/config/config';
import { describeSteps } from '../../server/cli/profile';
import type { ProfileReport } from '../../server/core/profiles/types';
import { FIXTURE_PROJECTS } from '../harness/paths';

describe('endpoint profiles include the templates the views render', function () {
  this.timeout(60_000);
  let report: ProfileReport;
  before(async () => {
    ({ report } = await profileProject(path.join(FIXTURE_PROJECTS, 'n1_templates'), mergeConfig()));
  });
  const byId = (id: string) => {
    const e = report.endpoints.find((x) => x.id === id);
    assert.ok(e, `no profile for ${id}: ${report.endpoints.map((x) => x.id).join(', ')}`);
    return e;
  };

  it('a function view: the template loop runs the lazy queryset once, then 7 relation reads per row (includes and parents followed)', () => {
    const e = byId('bookshop.views.book_list');
    // author, author.publisher, translator, translator.publisher (in the include), tags, reviews.count, reviews.exists
    assert.equal(describeSteps(e.endpoint.steps), 'cpu 2 ms, db 1 + 7N');
    // select_related joins cost nothing; one prefetch each for tags and reviews (count and exists share it).
    assert.equal(describeSteps(e.endpoint.fixed ?? []), 'cpu 2 ms, db 3');
    assert.deepEqual(e.findings.map((f) => f.code).sort(), ['DJP110', 'DJP110', 'DJP110', 'DJP110', 'DJP111', 'DJP111', 'DJP111']);
    // Profile findings are lines of the handler's file: the view's queryset, the template named in the text.
    assert.ok(e.findings.every((f) => f.line === 10), JSON.stringify(e.findings));
  });

  it('the same template rendered with joins and prefetches: only what the view still misses, and the prefetch queries', () => {
    const e = byId('bookshop.views.book_list_joined');
    assert.equal(describeSteps(e.endpoint.steps), 'cpu 2 ms, db 3 + 2N');
    assert.equal(describeSteps(e.endpoint.fixed ?? []), 'cpu 2 ms, db 3');
  });

  it('a ListView: its own query counted once (by the generic view), the template reads per row', () => {
    const e = byId('bookshop.views.AuthorListView');
    assert.equal(describeSteps(e.endpoint.steps), 'cpu 2 ms, db 1 + 2N');
    assert.equal(describeSteps(e.endpoint.fixed ?? []), 'cpu 2 ms, db 2');
  });
});
