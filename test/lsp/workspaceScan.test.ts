import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';
import { loadFolderConfig, newFolder, type FolderState } from '../../server/lsp/folders';
import { WorkspaceScan, type ScanHost } from '../../server/lsp/workspaceScan';
import { Analysis } from '../../server/lsp/analysis';
import { extractFileFacts } from '../../server/core/workspace/fileFacts';
import type { Connection } from 'vscode-languageserver/node';
import { FIXTURE_PROJECTS } from '../harness/paths';

/** A host that records what the scan asked, and how many files the folder's index held at each step. */
function recordingHost(parser: PythonParser, folder: () => FolderState, log: string[], indexed: string[][] = []): ScanHost {
  return {
    parser,
    openText: () => undefined,
    analyzeClosedFile: () => 0,
    analyzeOpenDocuments: () => {
      log.push(`open documents analysed, index of ${folder().index.fileCount} files`);
      indexed.push([...folder().index.entries()].map(([uri]) => path.relative(folder().path!, fileURLToPath(uri)).split(path.sep).join('/')).sort());
    },
    openFindings: () => 0,
    forgetOthers: () => undefined,
    beginProgress: async () => ({ report: () => undefined, done: () => undefined }),
    status: () => undefined,
    log: () => undefined,
  };
}

describe('language server: workspace scan order', () => {
  let parser: PythonParser;
  before(async () => {
    parser = await PythonParser.load(nodeGrammarLocation());
  });

  it('first scan: the open documents are analysed once the model/settings/URL files are indexed, again with the helper modules', async () => {
    // n1_helpers: models.py (facts) and helper modules (function summaries only).
    const dir = path.join(FIXTURE_PROJECTS, 'n1_helpers');
    const folder = newFolder(pathToFileURL(dir).href, 'n1_helpers');
    assert.equal(loadFolderConfig(folder, {}), undefined);
    const log: string[] = [];
    const scan = new WorkspaceScan(recordingHost(parser, () => folder, log));
    await scan.run([folder]);
    assert.equal(log.length, 2, log.join('; '));
    const [early, full] = log.map((l) => Number(/index of (\d+)/.exec(l)?.[1]));
    assert.ok(early > 0 && early < full, `early index ${early} files, whole index ${full}`);

    // A later scan (configuration change) keeps the whole index until the new one is complete: one analysis.
    log.length = 0;
    await scan.run([folder]);
    assert.deepEqual(log, [`open documents analysed, index of ${full} files`]);
  });

  /** A project with a model, a module that only exports a client, a helper, and a test module declaring a model. */
  function twoWaveProject(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'djperf-waves-'));
    const write = (rel: string, text: string): void => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    };
    write('shop/models.py', 'from django.db import models\n\nclass Customer(models.Model):\n    name = models.CharField(max_length=50)\n\nclass Order(models.Model):\n    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)\n');
    write('shop/clients.py', 'import requests\n\nsession = requests.Session()\n');
    write('shop/helpers.py', 'def customer_name(order):\n    return order.customer.name\n');
    write('shop/tests/test_orders.py', 'from django.db import models\n\nclass FakeOrder(models.Model):\n    n = models.IntegerField()\n');
    return dir;
  }

  it('first scan: modules that only export types, and unchecked test files, wait for the second wave; checked test files do not', async () => {
    const dir = twoWaveProject();
    try {
      for (const checkTests of [false, true]) {
        const folder = newFolder(pathToFileURL(dir).href, 'waves');
        assert.equal(loadFolderConfig(folder, { checkTests }), undefined);
        const indexed: string[][] = [];
        await new WorkspaceScan(recordingHost(parser, () => folder, [], indexed)).run([folder]);
        const whole = ['shop/clients.py', 'shop/helpers.py', 'shop/models.py', 'shop/tests/test_orders.py'];
        const early = checkTests ? ['shop/models.py', 'shop/tests/test_orders.py'] : ['shop/models.py'];
        assert.deepEqual(indexed, [early, whole], `check-tests ${checkTests}`);
        // The model of the test module is in the whole index either way.
        assert.ok([...folder.index.entries()].some(([, f]) => f.classes.some((c) => c.name === 'FakeOrder')));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('first scan: a migration outside a migrations folder, told by its text, waits for the second wave unless tests are checked', async () => {
    const dir = twoWaveProject();
    try {
      // Hand-written (no "Generated by" line) and in a folder named otherwise, as MIGRATION_MODULES allows.
      fs.mkdirSync(path.join(dir, 'shop/db_migrations'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'shop/db_migrations/0002_archive.py'), [
        'from django.db import migrations, models', '', '', 'class Migration(migrations.Migration):',
        "    dependencies = [('shop', '0001_initial')]", '    operations = [',
        "        migrations.CreateModel(name='Archive', fields=[('id', models.AutoField(primary_key=True))], bases=(models.Model,)),",
        '    ]', '',
      ].join('\n'));
      for (const checkTests of [false, true]) {
        const folder = newFolder(pathToFileURL(dir).href, 'waves');
        assert.equal(loadFolderConfig(folder, { checkTests }), undefined);
        const indexed: string[][] = [];
        await new WorkspaceScan(recordingHost(parser, () => folder, [], indexed)).run([folder]);
        const early = checkTests
          ? ['shop/db_migrations/0002_archive.py', 'shop/models.py', 'shop/tests/test_orders.py']
          : ['shop/models.py'];
        const whole = ['shop/clients.py', 'shop/db_migrations/0002_archive.py', 'shop/helpers.py', 'shop/models.py', 'shop/tests/test_orders.py'];
        assert.deepEqual(indexed, [early, whole], `check-tests ${checkTests}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('first scan: a migration told by its text is in the whole index when nothing else waited for the second wave', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'djperf-waves-'));
    try {
      fs.mkdirSync(path.join(dir, 'shop/db_migrations'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'shop/models.py'), 'from django.db import models\n\nclass Customer(models.Model):\n    name = models.CharField(max_length=50)\n');
      fs.writeFileSync(path.join(dir, 'shop/db_migrations/0001_initial.py'),
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [migrations.CreateModel(name='Customer', fields=[], bases=(models.Model,))]\n");
      const folder = newFolder(pathToFileURL(dir).href, 'waves');
      assert.equal(loadFolderConfig(folder, {}), undefined);
      const indexed: string[][] = [];
      await new WorkspaceScan(recordingHost(parser, () => folder, [], indexed)).run([folder]);
      assert.deepEqual(indexed, [['shop/models.py'], ['shop/db_migrations/0001_initial.py', 'shop/models.py']]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a generated migration outside a migrations folder is skipped quietly unless tests are checked, as djperf check does', async () => {
    const dir = twoWaveProject();
    try {
      fs.mkdirSync(path.join(dir, 'shop/db_migrations'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'shop/db_migrations/0001_initial.py'), '# Generated by Django 3.2 on 2026-01-01 00:00\nfrom django.db import migrations\n\nclass Migration(migrations.Migration):\n    operations = []\n');
      fs.writeFileSync(path.join(dir, 'shop/vendored.py'), '# Generated by protoc. DO NOT EDIT.\nX = 1\n');
      for (const checkTests of [false, true]) {
        const folder = newFolder(pathToFileURL(dir).href, 'waves');
        assert.equal(loadFolderConfig(folder, { checkTests }), undefined);
        const logged: string[] = [];
        const scan = new WorkspaceScan({ ...recordingHost(parser, () => folder, []), log: (_level, message) => void logged.push(message) });
        const summary = await scan.run([folder]);
        const generated = logged.filter((l) => l.includes('skipped: generated or minified file')).map((l) => path.basename(l.split(':').slice(0, -2).join(':')));
        assert.deepEqual(generated.sort(), checkTests ? ['0001_initial.py', 'vendored.py'] : ['vendored.py'], `check-tests ${checkTests}`);
        assert.equal(summary.skipped, generated.length);
        assert.ok(logged.some((l) => l.includes(`skipped ${generated.length} file(s); reasons above`)));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('judges the templates in steps, handing the event loop to edits between them, and counts what the last step returns', async () => {
    const dir = path.join(FIXTURE_PROJECTS, 'n1_helpers');
    const folder = newFolder(pathToFileURL(dir).href, 'n1_helpers');
    assert.equal(loadFolderConfig(folder, {}), undefined);
    // 12 steps of 10 ms each: 120 ms in one turn of the event loop if the scan ran them back to back.
    let stepping = false;
    const busy = (ms: number): void => {
      const until = performance.now() + ms;
      while (performance.now() < until) { /* a template's worth of work */ }
    };
    const host: ScanHost = {
      ...recordingHost(parser, () => folder, []),
      *templatesReady() {
        stepping = true;
        for (let i = 0; i < 12; i++) {
          busy(10);
          yield;
        }
        stepping = false;
        return { files: 3, findings: 2 };
      },
    };
    let turnsWhileStepping = 0;
    let ticking = true;
    const tick = (): void => {
      if (stepping) turnsWhileStepping++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    try {
      const summary = await new WorkspaceScan(host).run([folder]);
      assert.equal(summary.cancelled, false);
      assert.ok(turnsWhileStepping >= 2, `the event loop ran ${turnsWhileStepping} time(s) during the template steps`);
      // analyzeClosedFile reports no findings in this host: what the summary holds beyond its files is the templates'.
      assert.equal(summary.findings, 2);
    } finally {
      ticking = false;
    }
  });

  it('a closed test module is not parsed unless tests are checked; a checked one reports, and turning the check off clears it', () => {
    const dir = twoWaveProject();
    try {
      // A row loop in a test module, and a test module that renders a template (its renders are read, so it is parsed).
      fs.writeFileSync(path.join(dir, 'shop/tests/test_orders.py'), 'from shop.models import Order\n\ndef test_names():\n    for o in Order.objects.all():\n        print(o.customer.name)\n');
      const renders = 'from django.shortcuts import render\n\ndef test_page(request):\n    return render(request, "page.html", {})\n';
      const sent: { uri: string; diagnostics: unknown[] }[] = [];
      const connection = { sendDiagnostics: async (p: { uri: string; diagnostics: unknown[] }) => void sent.push(p), sendNotification: async () => undefined, console: { log() {}, info() {}, warn() {}, error() {} } };
      const parses: string[] = [];
      const counting = { parse: (text: string) => (parses.push(text), parser.parse(text)) } as unknown as PythonParser;
      const analysis = new Analysis(connection as unknown as Connection, counting);
      const analysed: (string | undefined)[] = [];
      analysis.onAnalysed = (_f, _uri, _text, tree) => void analysed.push(tree ? 'tree' : undefined);
      const uri = pathToFileURL(path.join(dir, 'shop/tests/test_orders.py')).href;
      const text = fs.readFileSync(fileURLToPath(uri), 'utf8');
      for (const checkTests of [true, false]) {
        const folder = newFolder(pathToFileURL(dir).href, 'waves');
        assert.equal(loadFolderConfig(folder, { checkTests }), undefined);
        const models = pathToFileURL(path.join(dir, 'shop/models.py')).href;
        const modelsText = fs.readFileSync(fileURLToPath(models), 'utf8');
        folder.index.setFile(models, extractFileFacts(parser.parse(modelsText), models, modelsText));
        parses.length = 0;
        const { findings } = analysis.analyzeClosed(folder, uri, text);
        assert.equal(parses.length, checkTests ? 1 : 0, `check-tests ${checkTests}: parses`);
        assert.equal(findings > 0, checkTests, `check-tests ${checkTests}: findings`);
        parses.length = 0;
        analysis.analyzeClosed(folder, pathToFileURL(path.join(dir, 'shop/tests/test_page.py')).href, renders);
        assert.equal(parses.length, 1, `check-tests ${checkTests}: a test module that renders is parsed`);
      }
      // The test module's diagnostics of the first configuration were taken back by the second.
      const last = sent.filter((p) => p.uri === uri).at(-1);
      assert.deepEqual(last?.diagnostics, []);
      assert.ok(sent.filter((p) => p.uri === uri).some((p) => p.diagnostics.length > 0));
      assert.deepEqual(analysed, ['tree', 'tree', undefined, 'tree']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
