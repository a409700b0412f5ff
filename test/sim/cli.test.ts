import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runSimulateCommand } from '../../server/cli/simulate';
import type { CliIO } from '../../server/cli/io';

const ROOT = path.join(__dirname, '..', '..', '..');

function fakeIO(files: Record<string, string> = {}, isTTY = false): CliIO & { out: string; err: string } {
  const io = {
    out: '', err: '', isTTY, cwd: ROOT,
    stdout(s: string) { io.out += s; },
    stderr(s: string) { io.err += s; },
    readFile(p: string): string {
      if (p in files) return files[p];
      return fs.readFileSync(p, 'utf8');
    },
  };
  return io;
}

describe('sim: djperf simulate (CLI)', function () {
  this.timeout(30000);

  it('prints a text table for an example scenario', async () => {
    const io = fakeIO();
    assert.equal(await runSimulateCommand(['examples/scenarios/seed5-pandas-report-waitress.json'], io), 0);
    assert.match(io.out, /endpoint\s+done\s+req\/s\s+mean/);
    assert.match(io.out, /GIL worker 1/);
    assert.equal(io.err, '');
  });

  it('--format json prints a SimResult', async () => {
    const io = fakeIO();
    assert.equal(await runSimulateCommand(['examples/scenarios/seed1-images-asyncio.json', '--format', 'json', '--seed', '4'], io), 0);
    const r = JSON.parse(io.out) as { seed: number; makespanMs: number };
    assert.equal(r.seed, 4);
    assert.ok(r.makespanMs > 800);
  });

  it('--sweep workers=1..4 prints one row per value, with a progress bar only on a TTY', async () => {
    const io = fakeIO({}, true);
    assert.equal(await runSimulateCommand(['examples/scenarios/seed3-likes-sync.json', '--sweep', 'workers=1..4'], io), 0);
    assert.equal(io.out.split('\n').filter((l) => /^[1-4]\s/.test(l)).length, 4);
    assert.match(io.err, /\[#+\] 4\/4 workers/);
    const quiet = fakeIO();
    await runSimulateCommand(['examples/scenarios/seed3-likes-sync.json', '--sweep', 'workers=1,2'], quiet);
    assert.equal(quiet.err, '');
  });

  it('--compare prints predicted vs measured with relative error', async () => {
    const io = fakeIO();
    const code = await runSimulateCommand(['examples/scenarios/seed2-stock-reservation-gthread.json', '--compare', 'test/sim/fixtures/locust_stats.csv'], io);
    assert.equal(code, 0);
    assert.match(io.out, /predicted vs measured \(locust\)/);
    assert.match(io.out, /reserve\s+mean\s+\S+\s+5634\s+[+-]\d+\.\d%/);
  });

  it('exit 2 with the JSON path for an invalid scenario, and for usage errors', async () => {
    const bad = path.join(ROOT, 'bad.json');
    const io = fakeIO({ [bad]: JSON.stringify({ load: { type: 'open', rate: 1, requests: 10 }, server: { workerClass: 'sync', workers: 0 }, endpoints: [{ name: 'a', steps: [] }] }) });
    assert.equal(await runSimulateCommand(['bad.json'], io), 2);
    assert.match(io.err, /server\.workers: must be an integer ≥ 1/);
    const u = fakeIO();
    assert.equal(await runSimulateCommand(['--sweep', 'bogus=1..2', 'x.json'], u), 2);
    assert.match(u.err, /unknown key "bogus"/);
    assert.equal(await runSimulateCommand([], fakeIO()), 2);
  });
});
