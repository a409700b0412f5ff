import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runSimulateCommand } from '../../server/cli/simulate';
import type { CliIO } from '../../server/cli/io';
import type { SimResult } from '../../webview/sim';

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

  describe('user groups from a load tool (--locust, --k6)', () => {
    const scenario = JSON.stringify({
      load: { type: 'closed', users: 1, durationS: 10 }, server: { workerClass: 'gthread', workers: 2, threads: 8 }, machine: { cores: 4 },
      endpoints: [{ name: 'list', steps: [{ io: 10 }] }, { name: 'buy', steps: [{ io: 40 }] }],
    });
    const files = (name: string, spec: unknown): Record<string, string> => ({
      [path.join(ROOT, 's.json')]: scenario, [path.join(ROOT, name)]: JSON.stringify(spec),
    });

    it('--locust: one group per user class, users split as Locust does', async () => {
      const io = fakeIO(files('locust.json', { users: 10, classes: [
        { name: 'Browser', weight: 3, waitTime: { between: [0.1, 0.3] }, tasks: { list: 1 } },
        { name: 'Buyer', fixedCount: 2, waitTime: { constant: 0 }, tasks: { buy: 1 } }] }));
      assert.equal(await runSimulateCommand(['s.json', '--locust', 'locust.json', '--format', 'json'], io), 0, io.err);
      const r = JSON.parse(io.out) as SimResult;
      assert.deepEqual(r.groups?.map((g) => g.name), ['Browser', 'Buyer']);
      // Buyers: 2 users, 40 ms, no think time → 50 req/s.
      assert.ok(Math.abs((r.groups?.[1].throughput ?? 0) - 50) < 2, `buyers ${r.groups?.[1].throughput}`);
      assert.equal(r.endpoints.find((e) => e.name === 'buy')?.completed, r.groups?.[1].completed);
    });

    it('--k6: closed executors become groups; an arrival-rate executor is refused', async () => {
      const spec = { scenarios: { shoppers: { executor: 'constant-vus', vus: 3, exec: 'shop' } }, execs: { shop: { mix: { list: 2, buy: 1 }, sleepS: 0.05 } } };
      const io = fakeIO(files('k6.json', spec));
      assert.equal(await runSimulateCommand(['s.json', '--k6', 'k6.json', '--format', 'json'], io), 0, io.err);
      const r = JSON.parse(io.out) as SimResult;
      assert.equal(r.groups?.length, 1);
      assert.ok((r.groups?.[0].completed ?? 0) > 0);
      const open = fakeIO(files('k6.json', { ...spec, scenarios: { rush: { executor: 'constant-arrival-rate', exec: 'shop' } } }));
      assert.equal(await runSimulateCommand(['s.json', '--k6', 'k6.json'], open), 2);
      assert.match(open.err, /--k6 k6.json: .*open load/);
    });

    it('exit 2 for a group naming no endpoint of the scenario, a malformed file, or both flags', async () => {
      const unknown = fakeIO(files('locust.json', { users: 2, classes: [{ name: 'A', tasks: { nowhere: 1 } }] }));
      assert.equal(await runSimulateCommand(['s.json', '--locust', 'locust.json'], unknown), 2);
      assert.match(unknown.err, /nowhere/);
      const malformed = fakeIO(files('locust.json', { classes: [] }));
      assert.equal(await runSimulateCommand(['s.json', '--locust', 'locust.json'], malformed), 2);
      assert.match(malformed.err, /"users"/);
      const both = fakeIO(files('locust.json', {}));
      assert.equal(await runSimulateCommand(['s.json', '--locust', 'locust.json', '--k6', 'locust.json'], both), 2);
      assert.match(both.err, /one of --locust and --k6/);
    });
  });
});
