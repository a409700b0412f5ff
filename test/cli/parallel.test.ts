import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { scanPaths, type ScanResult } from '../../server/node/scan';
import { scanInWorkers, startScanWorkers } from '../../server/node/scanWorkers';
import { discoverPythonFiles, readPythonFile, type SourceText } from '../../server/node/sourceFiles';
import { loadProjectConfig } from '../../server/node/projectConfig';
import { mergeConfig } from '../../server/core/config/config';
import { EXAMPLES, FIXTURE_PROJECTS } from '../harness/paths';

function summary(scan: ScanResult): string[] {
  return scan.results.flatMap((r) => r.findings.map((f) => `${r.relPath}:${f.range.start.line + 1}:${f.range.start.character + 1} ${f.code} ${f.message}`));
}

describe('parallel scan (worker_threads)', function () {
  this.timeout(120_000);
  // n1_helpers: row loops call helpers of another module, summarised on demand (no deployment config in it).
  for (const dir of [path.join(EXAMPLES, 'shop'), path.join(FIXTURE_PROJECTS, 'n1_family'), path.join(FIXTURE_PROJECTS, 'n1_helpers'), path.join(FIXTURE_PROJECTS, 'semantic_types')]) {
    it(`same findings in the same order in this thread and with 1, 2 and 3 workers: ${path.basename(dir)}`, async () => {
      const project = loadProjectConfig(dir);
      const config = mergeConfig(project.config);
      // Below minFilesPerJob files one job runs in this thread; above, on one worker thread.
      const one = await scanPaths([dir], { root: project.root, config, jobs: 1, minFilesPerJob: 10_000 });
      assert.ok(summary(one).length > 0, 'the project has findings');
      // The shop's templates have findings: with workers, the templates are read and parsed while they analyse.
      if (path.basename(dir) === 'shop') assert.ok(summary(one).some((l) => /\.html:/.test(l)), 'template findings');
      for (const jobs of [1, 2, 3]) {
        let progress: [number, number] | undefined;
        const many = await scanPaths([dir], { root: project.root, config, jobs, minFilesPerJob: 2, onProgress: (done, total) => { progress = [done, total]; } });
        assert.ok(progress && progress[0] === progress[1], `progress reaches every file with ${jobs} workers: ${progress}`);
        assert.deepEqual(summary(many), summary(one), `${jobs} workers`);
        assert.deepEqual(many.results.map((r) => r.path), one.results.map((r) => r.path));
        assert.equal(many.stats.files, one.stats.files);
      }
    });
  }

  it('a failure of the work done meanwhile is reported, after the workers have answered', async () => {
    const dir = path.join(EXAMPLES, 'shop');
    const project = loadProjectConfig(dir);
    const config = mergeConfig(project.config);
    const sources = discoverPythonFiles([dir], project.root, config).files
      .map((f) => readPythonFile(f, config.maxFileSize))
      .filter((s): s is SourceText => !('message' in s));
    const pool = startScanWorkers(1);
    let unhandled: unknown;
    const onUnhandled = (e: unknown): void => { unhandled = e; };
    process.on('unhandledRejection', onUnhandled);
    try {
      let facts = -1;
      await assert.rejects(
        scanInWorkers(sources, { root: project.root, config }, pool, () => undefined, (f) => { facts = f.length; throw new Error('templates unreadable'); }),
        /templates unreadable/,
      );
      assert.ok(facts > 0, 'given the facts of the workspace');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(unhandled, undefined);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await pool.terminate();
    }
  });
});
