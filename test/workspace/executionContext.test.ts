import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { fileContextOf } from '../../server/core/workspace/executionContext';
import { runCli } from '../harness/cli';
import { FIXTURE_PROJECTS } from '../harness/paths';
import { scanProject } from '../harness/projectRun';

const project = path.join(FIXTURE_PROJECTS, 'run_contexts');

/** file (relative to the project) -> [line (1-based), code, context, severity] of every finding. */
async function findings(overrides = {}): Promise<string[]> {
  const scan = await scanProject(project, overrides);
  return scan.results.flatMap((r) =>
    r.findings.map((f) => `${r.relPath.split(path.sep).join('/')}:${f.range.start.line + 1} ${f.code} ${f.context?.kind ?? '-'} ${f.severity}`)).sort();
}

describe('execution context of findings', () => {
  it('by path: tests, migrations, commands, settings; a `test` folder only with test-framework imports', () => {
    const kind = (p: string, text = ''): string | undefined => fileContextOf(p, text)?.kind;
    assert.equal(kind('app/tests.py'), 'test');
    assert.equal(kind('app/test_views.py'), 'test');
    assert.equal(kind('app/views_test.py'), 'test');
    assert.equal(kind('conftest.py'), 'test');
    assert.equal(kind('unittests/dojo_test_case.py'), 'test');
    assert.equal(kind('app/tests/factories.py'), 'test');
    assert.equal(kind('dojo/test/signals.py', 'from dojo.models import Test\n'), undefined);
    assert.equal(kind('dojo/test/base.py', 'from django.test import TestCase\n'), 'test');
    assert.equal(kind('app/migrations/0003_backfill.py'), 'migration');
    assert.equal(kind('app/migrations/__init__.py'), undefined);
    assert.equal(kind('app/management/commands/initialize_test_types.py'), 'command');
    assert.equal(kind('proj/settings.py'), 'startup');
    assert.equal(kind('app/testimonials.py'), undefined);
  });

  it('tests and migrations are skipped by default; tasks and commands rank as information and say so', async () => {
    assert.deepEqual(await findings(), [
      'journal/checks.py:8 DJP101 - warning',
      'journal/management/commands/rename_writers.py:9 DJP101 command information',
      'journal/tasks.py:13 DJP101 task information',
      'journal/tasks.py:8 DJP101 task information',
      'journal/test/signals.py:8 DJP106 - warning',
      'journal/views.py:7 DJP101 request warning',
    ]);
  });

  it('check-tests brings test and migration findings back, ranked below the request path', async () => {
    const all = await findings({ checkTests: true });
    for (const f of ['conftest.py:8 DJP101 test information', 'journal/checks.py:14 DJP101 test information',
      'journal/migrations/0002_backfill_titles.py:8 DJP106 migration information', 'journal/tests.py:8 DJP101 test information',
      'journal/tests/factories.py:7 DJP106 test information', 'journal/tests/test_feed.py:6 DJP101 test information']) {
      assert.ok(all.includes(f), `${f} missing from\n${all.join('\n')}`);
    }
  });

  it('a severity the user set is not re-ranked', async () => {
    const all = await findings({ severity: { DJP101: 'warning' } });
    assert.ok(all.includes('journal/tasks.py:13 DJP101 task warning'), all.join('\n'));
  });

  it('check --statistics counts by code and context; --check-tests and the message say where code runs', () => {
    const stats = runCli(['check', '.', '--statistics', '--exit-zero'], project);
    assert.equal(stats.code, 0, stats.stderr);
    assert.deepEqual(stats.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).slice(0, 3).join(' ')), [
      '2 DJP101 task', '1 DJP101 command', '1 DJP101 request', '1 DJP101 unknown', '1 DJP106 unknown',
    ]);
    const json = runCli(['check', '.', '--check-tests', '--format', 'json', '--exit-zero'], project);
    const rows = JSON.parse(json.stdout) as { filename: string; message: string; detail?: string; context: string | null }[];
    assert.ok(rows.some((r) => r.context === 'migration'));
    const task = rows.filter((r) => r.filename.endsWith('tasks.py')).map((r) => (r.detail ?? r.message).replace(/^.*\(runs in /, ''));
    assert.deepEqual(task.sort(), ['a background task (@shared_task))', 'code called from a background task (@shared_task))']);
    assert.equal(runCli(['check', '.', '--statistics', '--format', 'sarif'], project).code, 2);
  });

  it('a helper in another module takes its callers\' context, resolved through imports, never by bare name', async () => {
    const scan = await scanProject(path.join(FIXTURE_PROJECTS, 'caller_contexts'));
    const got = scan.results.flatMap((r) => r.findings.map((f) => `${f.range.start.line + 1} ${f.context?.kind ?? '-'} ${f.severity}`));
    assert.deepEqual(got, [
      '6 task information', // author_names: only the celery task calls it (the Shelf method of that name is another function)
      '11 request warning', // shelf_labels: a task and, two levels up, a view call it
      '16 command information', // catalogue_lines: the command calls reports.catalogue_lines()
      '21 - warning', // handler_rows: passed as a value
      '26 - warning', // aliased_rows: imported under another name
      '31 - warning', // fixture_rows: only tests call it
      '36 command information', // legacy_rows: re-exported by compat.py, called as compat.legacy_rows() from a command
    ]);
    const task = scan.results.flatMap((r) => r.findings).find((f) => f.range.start.line === 5);
    assert.match(task?.detail ?? task?.message ?? '', /runs in code called from a background task \(@shared_task\) in library\/tasks\.py\)$/);
  });

  it('methods take their visible callers\' context; signal receivers, permissions, middleware and template tags say where they run', async () => {
    const scan = await scanProject(path.join(FIXTURE_PROJECTS, 'class_contexts'));
    const got = scan.results.flatMap((r) => r.findings.map((f) =>
      `${r.relPath.split(path.sep).join('/')}:${f.range.start.line + 1} ${f.context?.kind ?? '-'} ${f.severity}`));
    assert.deepEqual(got.sort(), [
      'crm/api/mixins.py:14 request warning', // post() of a mixin (re-exported by crm/api) inherited by a routed view
      // _write <- export <- TeamExporter().export() in a command, every `.export`/`._write` outside tests seen (a test's
      // `exporter.export()` on an untyped receiver does not count)
      'crm/exporters.py:10 command information',
      'crm/importers.py:10 - warning', // BaseImporter._store: the only instances built are TeamImporter, which overrides it
      // TeamImporter._store <- self._store() in BaseImporter.run <- TeamImporter().run() in a view (a test's subclass
      // overriding _store does not hide that call)
      'crm/importers.py:16 request warning',
      'crm/importers.py:25 task information', // Purger._purge_each <- purge <- Purger().purge() in a celery task
      'crm/importers.py:29 - warning', // Purger.unused: no caller
      'crm/legacy_api.py:11 - warning', // a view class nothing routes, imports or subclasses
      'crm/middleware.py:13 request warning',
      'crm/middleware.py:23 - warning', // a middleware no settings file lists
      'crm/permissions.py:9 request warning',
      'crm/signals.py:12 request warning', // receiver of a workspace Signal sent from a view
      'crm/signals.py:18 signal warning', // @receiver(post_save): where models are saved is not known
      'crm/signals.py:23 signal warning', // post_delete.connect(handlers.audit_member) in AppConfig.ready
      'crm/templatetags/crm_tags.py:10 request warning',
    ]);
    const detail = (line: number, file: string): string => {
      const f = scan.results.find((r) => r.relPath.endsWith(file))?.findings.find((x) => x.range.start.line === line - 1);
      return f?.detail ?? f?.message ?? '';
    };
    assert.match(detail(18, 'signals.py'), /runs in a receiver of the signal post_save\)$/);
    assert.equal(scan.results.find((r) => r.relPath.endsWith('signals.py'))?.findings[0]?.context?.where,
      'a receiver of the signal members_added, sent from a request path (import_teams is routed in a URLconf) in crm/views.py');
  });
});
