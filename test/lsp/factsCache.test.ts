import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { pathToFileURL } from 'node:url';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import { extractFileFacts, type FileFacts } from '../../server/core/workspace/fileFacts';
import { FactsCache } from '../../server/node/factsCache';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';
import { discoverFiles } from '../../server/node/sourceFiles';
import { defaultConfig } from '../../server/core/config/config';
import { loadFolderConfig, newFolder } from '../../server/lsp/folders';
import { WorkspaceScan, type ScanHost } from '../../server/lsp/workspaceScan';
import { EXAMPLES, FIXTURE_PROJECTS } from '../harness/paths';
import { TestClient } from './client';

const MODELS = 'from django.db import models\n\nclass Customer(models.Model):\n    name = models.CharField(max_length=50)\n\nclass Order(models.Model):\n    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)\n';
const VIEWS = 'from .models import Order\n\ndef orders(request):\n    return [o.customer.name for o in Order.objects.all()]\n';

function project(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(path.join(dir, 'shop'));
  fs.writeFileSync(path.join(dir, 'shop', 'models.py'), MODELS);
  fs.writeFileSync(path.join(dir, 'shop', 'views.py'), VIEWS);
  return dir;
}

describe('facts cache', () => {
  let parser: PythonParser;
  let dir: string;
  before(async () => {
    parser = await PythonParser.load(nodeGrammarLocation());
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'djperf-facts-cache-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const uri = 'file:///p/shop/models.py';
  const extractor = (text: string, calls: string[]) => (): FileFacts => {
    calls.push(text);
    return extractFileFacts(parser.parse(text), uri, text);
  };

  it('answers a file whose text is unchanged from memory, and extracts again when the text changed', () => {
    const cache = new FactsCache('build');
    const calls: string[] = [];
    const first = cache.factsOf(uri, MODELS, extractor(MODELS, calls));
    assert.equal(cache.factsOf(uri, MODELS, extractor(MODELS, calls)), first);
    const edited = MODELS.replace('Order', 'Purchase');
    const second = cache.factsOf(uri, edited, extractor(edited, calls));
    assert.deepEqual(calls, [MODELS, edited]);
    assert.deepEqual(second?.classes.map((c) => c.name), ['Customer', 'Purchase']);
    assert.deepEqual(cache.takeCounts(), { hits: 1, misses: 2 });
    assert.deepEqual(cache.takeCounts(), { hits: 0, misses: 0 });
  });

  it('keeps the facts across sessions of the same build only, and forgets files no longer scanned', () => {
    const file = path.join(dir, 'storage', 'facts.bin');
    const calls: string[] = [];
    const writer = new FactsCache('build-1', file);
    const facts = writer.factsOf(uri, MODELS, extractor(MODELS, calls));
    writer.factsOf('file:///p/shop/gone.py', VIEWS, () => ({ classes: [] }));
    writer.retain(new Set([uri]));
    assert.equal(writer.save(), undefined);
    assert.equal(writer.save(), undefined, 'nothing changed: nothing written');

    const reader = new FactsCache('build-1', file);
    assert.deepEqual(reader.factsOf(uri, MODELS, extractor(MODELS, calls)), facts);
    assert.equal(reader.size, 1, 'the file that left the scan was not kept');
    assert.equal(calls.length, 1, 'read from the file, not extracted');

    const otherBuild = new FactsCache('build-2', file);
    otherBuild.factsOf(uri, MODELS, extractor(MODELS, calls));
    assert.equal(calls.length, 2, "another build's cache is not read");
  });

  it('a damaged, truncated or foreign file is reported and replaced, never read into facts', () => {
    const file = path.join(dir, 'facts.bin');
    const writer = new FactsCache('build', file);
    writer.factsOf(uri, MODELS, extractor(MODELS, []));
    assert.equal(writer.save(), undefined);
    const good = fs.readFileSync(file);
    // A changed letter in a model's name still deserializes: only the digest tells.
    const flipped = Buffer.from(good);
    flipped[flipped.lastIndexOf('Customer')] ^= 0x20;
    const foreign = v8.serialize({ format: 1, build: 'build', entries: [['x', 'y']] });
    for (const [what, bytes] of [['a flipped byte', flipped], ['truncated', good.subarray(0, good.length >> 1)], ['random bytes', Buffer.from('not a cache at all')], ['a value of another shape', Buffer.concat([Buffer.alloc(20), foreign])], ['empty', Buffer.alloc(0)]] as const) {
      fs.writeFileSync(file, bytes);
      const logged: string[] = [];
      const calls: string[] = [];
      const cache = new FactsCache('build', file, (m) => logged.push(m));
      const facts = cache.factsOf(uri, MODELS, extractor(MODELS, calls));
      assert.equal(calls.length, 1, `${what}: extracted`);
      assert.deepEqual(facts?.classes.map((c) => c.name), ['Customer', 'Order'], what);
      assert.equal(logged.length, 1, `${what}: ${logged.join('; ')}`);
      assert.match(logged[0], /damaged/);
      assert.equal(cache.save(), undefined);
      assert.deepEqual(fs.readFileSync(file), good, `${what}: written again`);
    }
  });

  it('a storage folder that cannot be written is reported, not thrown', () => {
    const blocker = path.join(dir, 'file');
    fs.writeFileSync(blocker, '');
    const cache = new FactsCache('build', path.join(blocker, 'facts.bin'));
    cache.factsOf(uri, MODELS, extractor(MODELS, []));
    assert.match(cache.save() ?? '', /not written/);
  });

  it('facts are plain data: what the file gives back equals what was extracted, for every fixture and example file', () => {
    const files = discoverFiles([FIXTURE_PROJECTS, EXAMPLES], FIXTURE_PROJECTS, defaultConfig(), (n) => n.endsWith('.py')).files;
    assert.ok(files.length > 100, `${files.length} files`);
    let compared = 0;
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      const facts = extractFileFacts(parser.parse(text), pathToFileURL(f).href, text);
      assert.deepStrictEqual(v8.deserialize(v8.serialize(facts)), facts, f);
      if (facts.classes.length || facts.functions || facts.types || facts.settings || facts.urlViews || facts.serializers) compared++;
    }
    assert.ok(compared > 50, `${compared} files with facts`);
  });

  it('a rescan parses only the files whose text changed, and indexes the same facts as a scan without the cache', async () => {
    const root = project('djperf-facts-scan-');
    try {
      const scanWith = async (facts?: FactsCache) => {
        const folder = newFolder(pathToFileURL(root).href, 'shop');
        assert.equal(loadFolderConfig(folder, {}), undefined);
        const logs: string[] = [];
        const host: ScanHost = {
          parser, openText: () => undefined, analyzeClosedFile: () => 0, analyzeOpenDocuments: () => undefined, openFindings: () => 0,
          forgetOthers: () => undefined, beginProgress: async () => ({ report: () => undefined, done: () => undefined }), status: () => undefined,
          log: (_, m) => logs.push(m), facts,
        };
        const scan = new WorkspaceScan(host);
        await scan.run([folder]);
        return { scan, folder, logs, index: () => [...folder.index.entries()].sort(([a], [b]) => a.localeCompare(b)) };
      };
      const cache = new FactsCache('build');
      const first = await scanWith(cache);
      assert.match(first.logs.join('\n'), /facts of 0 of 2 file\(s\) unchanged/);
      await first.scan.run([first.folder]);
      assert.match(first.logs.join('\n'), /facts of 2 of 2 file\(s\) unchanged/);
      assert.deepEqual(first.index(), (await scanWith()).index());

      fs.writeFileSync(path.join(root, 'shop', 'models.py'), MODELS.replace('Order', 'Purchase'));
      await first.scan.run([first.folder]);
      assert.match(first.logs.at(-1) ?? '', /facts of 1 of 2 file\(s\) unchanged/);
      assert.deepEqual(first.index(), (await scanWith()).index());
      assert.ok(first.index().some(([, f]) => f.classes.some((c) => c.name === 'Purchase')));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('language server: facts kept in the storage folder between sessions', function () {
  this.timeout(60_000);

  it('a restarted server takes unchanged files from the storage folder, parses the changed ones, and reports the same', async () => {
    const root = project('djperf-facts-lsp-');
    const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'djperf-storage-'));
    const viewsUri = pathToFileURL(path.join(root, 'shop', 'views.py')).href;
    const session = async (): Promise<{ codes: string[]; log: string }> => {
      const { client } = await TestClient.start(root, { storagePath: storage });
      try {
        client.open(viewsUri, fs.readFileSync(path.join(root, 'shop', 'views.py'), 'utf8'), 1);
        await client.waitFor('workspace scan done', () => client.logs.some((l) => l.startsWith('workspace scan:')), 30_000);
        const published = await client.latestDiagnostics(viewsUri, () => true);
        return { codes: published.diagnostics.map((d) => String(d.code)), log: client.logs.find((l) => l.startsWith('workspace scan:')) ?? '' };
      } finally {
        await client.stop();
      }
    };
    try {
      const first = await session();
      assert.match(first.log, /facts of 0 of 2 file\(s\) unchanged/);
      assert.deepEqual(first.codes, ['DJP101']);
      assert.ok(fs.existsSync(path.join(storage, 'djperf-facts.bin')), 'written at the end of the scan or at shutdown');

      const second = await session();
      assert.match(second.log, /facts of 2 of 2 file\(s\) unchanged/);
      assert.deepEqual(second.codes, first.codes);

      // The relation is gone while the server was not running: the new text's facts, not the stored ones.
      fs.writeFileSync(path.join(root, 'shop', 'models.py'), MODELS.replace('models.ForeignKey(Customer, on_delete=models.CASCADE)', 'models.CharField(max_length=50)'));
      const third = await session();
      assert.match(third.log, /facts of 1 of 2 file\(s\) unchanged/);
      assert.deepEqual(third.codes, []);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(storage, { recursive: true, force: true });
    }
  });

  it('a storage path that is not an absolute path is reported and the server works without it', async () => {
    const root = project('djperf-facts-bad-');
    try {
      const { client } = await TestClient.start(root, { storagePath: 42 });
      try {
        const viewsUri = pathToFileURL(path.join(root, 'shop', 'views.py')).href;
        client.open(viewsUri, VIEWS, 1);
        const published = await client.latestDiagnostics(viewsUri, (p) => p.diagnostics.length > 0);
        assert.deepEqual(published.diagnostics.map((d) => String(d.code)), ['DJP101']);
        assert.ok(client.logs.some((l) => /storagePath must be an absolute path/.test(l)), client.logs.join('\n'));
      } finally {
        await client.stop();
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
