import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';
import { EditWarmup, warmupViews } from '../../server/lsp/editWarmup';
import { TestClient } from './client';

describe('editing path warm-up', () => {
  let parser: PythonParser;
  before(async () => {
    parser = await PythonParser.load(nodeGrammarLocation());
  });

  /** A warm-up whose steps wait in `queue` until the test runs them. */
  function manual(edits = 6): { warmup: EditWarmup; queue: (() => void)[]; logs: string[] } {
    const queue: (() => void)[] = [];
    const logs: string[] = [];
    const warmup = new EditWarmup(parser, (m) => logs.push(m), { edits, defer: (next) => queue.push(next) });
    return { warmup, queue, logs };
  }

  /** Runs the next waiting step, checking that exactly one was waiting (one step per turn of the event loop). */
  function runNext(queue: (() => void)[]): void {
    assert.equal(queue.length, 1, 'one step waits for its turn of the event loop');
    queue.shift()!();
  }

  it('opens its module small, grows it, edits it as a user would, runs the rules on every version, and says when it is done', () => {
    const { warmup, queue, logs } = manual(6);
    warmup.start();
    assert.equal(warmup.analyses, 0, 'nothing runs in the turn that starts it');
    runNext(queue);
    assert.equal(warmup.analyses, 1, 'the module is analysed once opened');
    // The opened module's findings: the row loop, the lock held across I/O, the blocking call in async code.
    const opened = new Set(warmup.lastCodes);
    for (const code of ['DJP101', 'DJP202', 'DJP301']) assert.ok(opened.has(code), `${code} among ${[...opened].join(', ')}`);
    const small = warmup.lastCodes.length;
    // 10 blocks, then 35, 60, 85, 110: four growth steps, each analysed.
    for (let n = 0; n < 4; n++) runNext(queue);
    assert.equal(warmup.analyses, 5);
    assert.equal(warmup.lastCodes.length, small * 11, 'the whole module: eleven times the blocks of the opened one');
    const grown = [...warmup.lastCodes];
    for (let n = 0; n < 6; n++) runNext(queue);
    assert.equal(queue.length, 0);
    assert.equal(warmup.analyses, 11);
    assert.ok(warmup.finished);
    // Each edit is typed and then taken back: the last version reports what the grown module did.
    assert.deepEqual(warmup.lastCodes, grown);
    assert.equal(logs.length, 1);
    assert.match(logs[0], /^editing path warmed up: 6 edits of a 2095-line module in \d+ ms$/);
  });

  it('stops for good at the first real edit, never starts after one, and starts once per session', () => {
    const { warmup, queue, logs } = manual(6);
    warmup.start();
    runNext(queue);
    runNext(queue);
    warmup.cancel();
    assert.ok(warmup.finished);
    // The step already scheduled finds the warm-up over and does nothing.
    queue.shift()!();
    assert.equal(queue.length, 0);
    assert.equal(warmup.analyses, 2);
    warmup.start();
    assert.equal(queue.length, 0);
    assert.deepEqual(logs, []);
    // An edit before the first scan is done (or the session's end): typing warms the path up, the warm-up never starts.
    const early = manual(6);
    early.warmup.cancel();
    early.warmup.start();
    assert.equal(early.warmup.analyses, 0);
    assert.equal(early.queue.length, 0);
  });

  it('logs and gives up when its module cannot be analysed, without throwing', () => {
    const broken = { parse: () => { throw new Error('no grammar'); } } as unknown as PythonParser;
    const logs: string[] = [];
    const queue: (() => void)[] = [];
    const warmup = new EditWarmup(broken, (m) => logs.push(m), { edits: 4, defer: (next) => queue.push(next) });
    warmup.start();
    runNext(queue);
    assert.equal(queue.length, 0, 'nothing more is scheduled');
    assert.ok(warmup.finished);
    assert.deepEqual(logs, ['editing path not warmed up: no grammar']);
  });

  it('edits lines that are function bodies, at a character inside a name, and grows block by block', () => {
    const views = warmupViews(3);
    const lines = views.textUpTo(Infinity).split('\n');
    assert.equal(views.lineCount, lines.length - 1);
    assert.deepEqual(views.editPoints.map((p) => lines[p.line]), ['    rows = []', '    rows = []', '    rows = []']);
    assert.ok(views.editPoints.every((p) => /^def view_\d+\(request\):$/.test(lines[p.line - 1]) && p.character === 8));
    // A module grown block by block is the module written at once.
    assert.equal(views.textUpTo(1) + views.blocksText(1, 3), views.textUpTo(3));
    assert.equal(views.textUpTo(3), views.textUpTo(Infinity));
  });

  it('runs in a real server after the first scan, and publishes nothing for its module', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'djperf-warm-test-'));
    fs.mkdirSync(path.join(dir, 'shop'));
    fs.writeFileSync(path.join(dir, 'shop', 'models.py'), 'from django.db import models\n\nclass Customer(models.Model):\n    name = models.CharField(max_length=50)\n\nclass Order(models.Model):\n    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)\n');
    const views = path.join(dir, 'shop', 'views.py');
    fs.writeFileSync(views, 'from .models import Order\n\ndef orders(request):\n    return [o.customer.name for o in Order.objects.all()]\n');
    const { client } = await TestClient.start(dir);
    try {
      await client.waitFor('the warm-up', () => client.logs.some((l) => l.startsWith('editing path warmed up: 30 edits')), 60_000);
      assert.deepEqual([...client.diagnostics.keys()].filter((u) => u.includes('/djperf-warmup/')), []);
      // The session is untouched: a real document is analysed as before.
      const uri = pathToFileURL(views).href;
      client.open(uri, fs.readFileSync(views, 'utf8'), 1);
      const published = await client.latestDiagnostics(uri, () => true);
      assert.deepEqual(published.diagnostics.map((d) => d.code), ['DJP101']);
    } finally {
      await client.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
