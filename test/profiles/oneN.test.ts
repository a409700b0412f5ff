/** One N everywhere: the N a finding's cost carries (a slice, a page size) is the N of the endpoint profile too. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { profileProject } from '../../server/node/profile';
import { loadProjectConfig } from '../../server/node/projectConfig';
import { mergeConfig } from '../../server/core/config/config';
import type { EndpointProfile, ProfileReport } from '../../server/core/profiles/types';
import { editSteps } from '../../webview/ui/scenarioBuilder';
import { FIXTURE_PROJECTS } from '../harness/paths';

const PROJECT = path.join(FIXTURE_PROJECTS, 'page_sizes');

describe('one N: profiles use the loop N of the findings', () => {
  let report: ProfileReport;
  const byId = (id: string): EndpointProfile => {
    const e = report.endpoints.find((x) => x.id === id);
    assert.ok(e, `${id} not in ${report.endpoints.map((x) => x.id).join(', ')}`);
    return e;
  };
  before(async () => {
    report = (await profileProject(PROJECT, mergeConfig(loadProjectConfig(PROJECT).config, { rows: 200 }))).report;
  });

  it('a Paginator page and a DRF page size price the per-row queries at the page size, not the configured N', () => {
    assert.deepEqual(byId('catalog.views.title_page').endpoint.steps[1], { db: { queries: 26, ms: { dist: 'exp', mean: 2 } } });
    assert.deepEqual(byId('catalog.views.title_page_list').endpoint.steps[1], { db: { queries: 31, ms: { dist: 'exp', mean: 2 } } });
    assert.deepEqual(byId('catalog.api.TitleViewSet.list').endpoint.steps[1], { db: { queries: 51, ms: { dist: 'exp', mean: 2 } } });
    assert.ok(!byId('catalog.views.title_page').defaults.some((d) => d.name === 'rows'), 'no N left to choose');
    assert.match(byId('catalog.views.title_page').findings[0].cost, /N = 25 here/);
  });

  it('unpaginated lists keep the configured N; a retrieve serializes one object', () => {
    assert.deepEqual(byId('catalog.api.AllTitleViewSet.list').endpoint.steps[1], { db: { queries: { base: 1, perRow: 1, n: 200 }, ms: { dist: 'exp', mean: 2 } } });
    assert.deepEqual(byId('catalog.api.AllTitleViewSet.retrieve').endpoint.steps[1], { db: { queries: 2, ms: { dist: 'exp', mean: 2 } } });
  });

  it('the simulator\'s N input changes only the loops the code does not cap', () => {
    const edits = { rows: 7, defaultRows: 200, queryScale: 1, cacheHitRatio: null };
    assert.deepEqual(editSteps(byId('catalog.views.title_page').endpoint.steps, edits)[1], { db: { queries: 26, ms: { dist: 'exp', mean: 2 } } });
    assert.deepEqual(editSteps(byId('catalog.api.AllTitleViewSet.list').endpoint.steps, edits)[1],
      { db: { queries: { base: 1, perRow: 1, n: 7 }, ms: { dist: 'exp', mean: 2 } } });
  });
});
