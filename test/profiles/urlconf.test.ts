/** URLconf resolution (include by string and by module, re_path, DRF routers) and ViewSet / generic view profiles. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { profileProject } from '../../server/node/profile';
import { mergeConfig } from '../../server/core/config/config';
import { describeSteps } from '../../server/cli/profile';
import type { ProfileReport } from '../../server/core/profiles/types';
import { REPO_ROOT } from '../harness/paths';

const DRF = path.join(REPO_ROOT, 'test', 'fixtures', 'profiles', 'drf');
let report: ProfileReport;

describe('URLconf resolution and ViewSet profiles', () => {
  before(async () => {
    report = (await profileProject(DRF, mergeConfig({}))).report;
  });

  it('walks ROOT_URLCONF through include("app.urls"), include(module), re_path and router.register', () => {
    assert.deepEqual(report.endpoints.map((e) => [e.id, e.route, e.methods ?? null, e.handler.kind]), [
      ['library.views.BookViewSet.list', 'api/v1/books/', ['GET'], 'viewset-action'],
      ['library.views.BookViewSet.create', 'api/v1/books/', ['POST'], 'viewset-action'],
      ['library.views.BookViewSet.retrieve', 'api/v1/books/<pk>/', ['GET'], 'viewset-action'],
      ['library.views.BookViewSet.update', 'api/v1/books/<pk>/', ['PUT'], 'viewset-action'],
      ['library.views.BookViewSet.partial_update', 'api/v1/books/<pk>/', ['PATCH'], 'viewset-action'],
      ['library.views.BookViewSet.destroy', 'api/v1/books/<pk>/', ['DELETE'], 'viewset-action'],
      ['library.views.BookViewSet.publish', 'api/v1/books/<pk>/publish/', ['POST'], 'viewset-action'],
      ['library.legacy.book_detail', '^legacy/(?P<pk>\\d+)/$', null, 'function'],
      ['library.views.ShelfView', 'shelf/', ['GET'], 'class'],
    ]);
  });

  it('implicit ViewSet queries and writes; a lazy FK load outside a loop costs one query', () => {
    const steps = Object.fromEntries(report.endpoints.map((e) => [e.id.split('.').pop(), describeSteps(e.endpoint.steps)]));
    assert.deepEqual(steps, {
      list: 'cpu 2 ms, db 1', create: 'cpu 2 ms, db 1', retrieve: 'cpu 2 ms, db 1', update: 'cpu 2 ms, db 2',
      partial_update: 'cpu 2 ms, db 2', destroy: 'cpu 2 ms, db 2', publish: 'cpu 2 ms, db 1', book_detail: 'cpu 2 ms, db 2', ShelfView: 'cpu 2 ms, db 1',
    });
  });

  it('caching: the ViewSet writes and the post_save receiver are invalidation points; a template view gets fragment caching; keys use re_path groups', () => {
    const list = report.endpoints.find((e) => e.id.endsWith('.list'))!;
    assert.equal(list.cacheAdvice?.kind, 'get_or_set');
    assert.deepEqual(list.cacheAdvice?.invalidateAt.map((p) => p.what).sort(), [
      'BookViewSet.create() in BookViewSet.create writes Book', 'BookViewSet.destroy() in BookViewSet.destroy writes Book',
      'BookViewSet.partial_update() in BookViewSet.partial_update writes Book', 'BookViewSet.update() in BookViewSet.update writes Book',
      'post_save receiver for Book (runs on every such write)',
    ]);
    assert.equal(report.endpoints.find((e) => e.id.endsWith('ShelfView'))?.cacheAdvice?.kind, 'fragment');
    assert.equal(report.endpoints.find((e) => e.id.endsWith('book_detail'))?.cacheAdvice?.key, 'library.legacy.book_detail:{pk}');
    assert.match(report.endpoints.find((e) => e.id.endsWith('.create'))?.cacheUnsafe ?? '', /writes/);
  });

  it('without any deployment file: the documented gunicorn defaults, settings from manage.py', () => {
    const d = report.deployment;
    assert.deepEqual([d.server.workerClass.value, d.server.workers?.value, d.server.timeoutMs?.value], ['sync', 1, 30_000]);
    assert.equal(report.deployments?.length, 0);
  });
});
