/** DJP6xx messages quote the simulator: each names the change and its predicted effect. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { scanProject } from '../harness/projectRun';
import { EXAMPLES, FIXTURE_PROJECTS } from '../harness/paths';

async function deploymentFindings(dir: string): Promise<Map<string, string>> {
  const scan = await scanProject(dir, { select: ['DJP6'] });
  const out = new Map<string, string>();
  for (const r of scan.results) for (const f of r.findings) out.set(`${r.relPath}:${f.range.start.line + 1} ${f.code}`, f.detail ?? f.message);
  return out;
}

describe('DJP6xx deployment rules', () => {
  it('examples/shop: one finding per expected config line, each with a simulated before → after', async () => {
    const found = await deploymentFindings(path.join(EXAMPLES, 'shop'));
    assert.deepEqual([...found.keys()].sort(), [
      'gunicorn.asgi.conf.py:10 DJP603', 'gunicorn.conf.py:10 DJP604', 'gunicorn.conf.py:12 DJP606', 'gunicorn.conf.py:8 DJP602', 'serve_waitress.py:12 DJP601',
    ]);
    const ms = '\\d+(\\.\\d+)? (ms|s)';
    assert.match(found.get('serve_waitress.py:12 DJP601')!, new RegExp(`stock_movement_report, rating_confidence_report\\) run on 16 threads of one process.*p95 of these endpoints ${ms} → ${ms}`));
    assert.match(found.get('gunicorn.conf.py:10 DJP604')!, new RegExp(`reserve_and_notify_warehouse \\(row lock held across 300 ms of external I/O\\).*identify_catches \\(20 sequential external calls\\).*3 × 3 = 9 thread slots.*${ms} with them in the mix, ${ms} without`));
    assert.match(found.get('gunicorn.conf.py:12 DJP606')!, new RegExp(`timeout = 10 s is below the predicted p99 of identify_catches \\(${ms}`));
    assert.match(found.get('gunicorn.asgi.conf.py:10 DJP603')!, new RegExp(`26 of the 41 views served here are sync.*p95 of the sync views ${ms} → ${ms}`));
    assert.match(found.get('gunicorn.conf.py:8 DJP602')!, /15 async views .* WSGI worker class "gthread"/);
  });

  it('DJP601 predicts the reports get faster with one process per core', async () => {
    const msg = (await deploymentFindings(path.join(EXAMPLES, 'shop'))).get('serve_waitress.py:12 DJP601')!;
    const [, before, bu, after, au] = /p95 of these endpoints ([\d.]+) (ms|s) → ([\d.]+) (ms|s)/.exec(msg)!;
    const toMs = (v: string, u: string) => Number(v) * (u === 's' ? 1000 : 1);
    assert.ok(toMs(after, au) < toMs(before, bu) / 2, msg);
  });

  it('DJP605 adds up the connections of the deployment and compares with max_connections', async () => {
    const found = await deploymentFindings(path.join(FIXTURE_PROJECTS, 'deployment_limits'));
    assert.match(found.get('gunicorn.conf.py:5 DJP605')!, /can hold 136 database connections: more than max_connections = 100 .*requests fail for want of a connection/);
  });
});
