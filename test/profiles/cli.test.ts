/** `djperf profile [PATH] --format json|text` (in-process, through the same entry point as the binary). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../server/cli/main';
import type { CliIO } from '../../server/cli/io';
import type { ProfileReport } from '../../server/core/profiles/types';
import { EXAMPLES } from '../harness/paths';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, readFile: (p) => fs.readFileSync(p, 'utf8'), isTTY: false, cwd: EXAMPLES };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe('djperf profile', () => {
  it('--format json prints the ProfileReport', async () => {
    const r = await run(['profile', 'shop', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as ProfileReport;
    assert.equal(report.endpoints.length, 43);
    assert.equal(report.deployment.name, 'Procfile web');
    assert.equal(report.deployments?.length, 3);
    assert.ok(report.endpoints.every((e) => e.endpoint.steps.length > 0 && e.handler.uri.startsWith(path.join(EXAMPLES, 'shop'))));
  });

  it('text format: deployments with their sources, then one block per endpoint', async () => {
    const r = await run(['profile', 'shop']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment Procfile web \[gunicorn\]\n {2}worker class gthread \(gunicorn\.conf\.py:8\), workers 3 \(gunicorn\.conf\.py:9\), threads 3 \(gunicorn\.conf\.py:10\)/);
    assert.match(r.stdout, /\nANY \/products\/ {2}catalog\.views\.product_list {2}shop\/catalog\/views\.py:13\n {2}steps: cpu 2 ms, db 1 \+ 2N\n {2}fixed: cpu 2 ms, db 1\n/);
    assert.match(r.stdout, /shop\/logbook\/views\.py:84 logbook\.likes\.add\(\) in like_logbook writes Logbook\.likes/);
    assert.match(r.stdout, /named defaults \(unknown quantities\):\n {2}rows = 20/);
  });

  it('usage errors exit 2', async () => {
    assert.equal((await run(['profile', '--format', 'sarif'])).code, 2);
    assert.equal((await run(['profile', 'a', 'b'])).code, 2);
  });
});
