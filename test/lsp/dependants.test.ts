/**
 * Issue 15, "the editor stays live": editing a helper module re-checks the closed modules that import it (their
 * N+1 through the helper appears and disappears as the helper changes) and only those; editing a model re-checks
 * every file once the model is saved. Over stdio, like an editor.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AnalyzeWorkspaceRequest } from '../../server/lsp/protocol';
import { TestClient } from './client';

const MODELS = 'from django.db import models\n\n\nclass Author(models.Model):\n    name = models.CharField(max_length=10)\n\n\n' +
  'class Book(models.Model):\n    title = models.CharField(max_length=10)\n    author = models.ForeignKey(Author, on_delete=models.CASCADE)\n';
const HELPER_CLEAN = 'def label(book):\n    return book.title\n';
const HELPER_QUERYING = 'def label(book):\n    return book.author.name\n';
const FILES: Record<string, string> = {
  'lib/__init__.py': '',
  'lib/models.py': MODELS,
  'lib/helpers.py': HELPER_CLEAN,
  // Imports the helper: an N+1 once label() reads a relation.
  'lib/views.py': 'from .helpers import label\nfrom .models import Book\n\n\ndef titles(request):\n    return [label(b) for b in Book.objects.all()]\n',
  // Imports the views module only: a dependant two levels up, re-checked too (its own N+1 makes each analysis publish).
  'lib/api.py': 'from .models import Book\nfrom .views import titles\n\n\ndef authors(request):\n    return [b.author.name for b in Book.objects.all()]\n',
  // Does not import the helper: never re-checked for a helper edit (same N+1, so an analysis would show).
  'lib/other.py': 'from .models import Book\n\n\ndef names(request):\n    return [b.author.name for b in Book.objects.all()]\n',
};

/** A temporary workspace of `files` with a language server on it, analysed once, for the enclosing `describe`. */
function serverOn(prefix: string, files: Record<string, string>): { client: () => TestClient; uri: (rel: string) => string; codes: (rel: string) => string[]; dir: () => string } {
  let dir = '';
  let client: TestClient | undefined;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
    ({ client } = await TestClient.start(dir));
    await client.request(AnalyzeWorkspaceRequest, {});
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const running = (): TestClient => client as TestClient;
  const uri = (rel: string): string => pathToFileURL(path.join(dir, rel)).href;
  const codes = (rel: string): string[] => (running().diagnostics.get(uri(rel)) ?? []).at(-1)?.diagnostics.map((d) => `${d.range.start.line}:${d.code}`) ?? [];
  return { client: running, uri, codes, dir: () => dir };
}

describe('language server: dependants of an edited module', function () {
  this.timeout(120_000);
  const server = serverOn('djperf-lsp-dependants-', FILES);
  const { uri, codes } = server;

  it('a helper that starts reading a relation: its closed importer gets the N+1, an unrelated file is not re-checked', async () => {
    const client = server.client();
    assert.deepEqual(codes('lib/views.py'), []);
    assert.deepEqual(codes('lib/other.py'), ['4:DJP101']);
    const views = client.publications(uri('lib/views.py'));
    const other = client.publications(uri('lib/other.py'));
    const api = client.publications(uri('lib/api.py'));
    client.open(uri('lib/helpers.py'), HELPER_CLEAN, 1);
    client.change(uri('lib/helpers.py'), 2, [{ text: HELPER_QUERYING }]);
    const flagged = await client.latestDiagnostics(uri('lib/views.py'), (p) => p.diagnostics.length > 0, views);
    assert.deepEqual(flagged.diagnostics.map((d) => `${d.range.start.line}:${d.code}`), ['5:DJP101']);
    assert.match(String(flagged.diagnostics[0].message), /label\(\) reads book\.author/);
    // Back to the clean helper: the finding goes away again (the edit is not saved; disk still has the clean one).
    const afterFlagged = client.publications(uri('lib/views.py'));
    client.change(uri('lib/helpers.py'), 3, [{ text: HELPER_CLEAN }]);
    await client.latestDiagnostics(uri('lib/views.py'), (p) => p.diagnostics.length === 0, afterFlagged);
    // api.py imports views.py, which imports the helper: re-checked after each edit, in the same batch as views.py.
    await client.waitFor('api.py analysed twice', () => client.publications(uri('lib/api.py')) >= api + 2);
    assert.equal(client.publications(uri('lib/other.py')), other, 'other.py does not import the helper');
  });

  it('a saved model edit re-checks every closed file, even when saved before the typing debounce', async () => {
    const client = server.client();
    const scans = (): number => client.logs.filter((l) => l.startsWith('workspace scan:')).length;
    const before = scans();
    const models = MODELS.replace('    title = models.CharField(max_length=10)\n', '    title = models.CharField(max_length=10)\n    pages = models.IntegerField(default=0)\n');
    client.open(uri('lib/models.py'), MODELS, 1);
    client.change(uri('lib/models.py'), 2, [{ text: models }]);
    fs.writeFileSync(path.join(server.dir(), 'lib/models.py'), models);
    void client.conn.sendNotification('textDocument/didSave', { textDocument: { uri: uri('lib/models.py') } });
    await client.waitFor('a workspace scan after the save', () => scans() > before);
  });
});

/** A model method whose query no prefetch serves: DJP112 reports it at the method once a row loop calls it. */
const POST_MODELS = 'from django.db import models\n\n\nclass Post(models.Model):\n    title = models.CharField(max_length=10)\n\n' +
  '    def visible_comments(self):\n        return list(self.comments.filter(hidden=False))\n\n\n' +
  'class Comment(models.Model):\n    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")\n    hidden = models.BooleanField(default=False)\n';
const VIEWS_NO_LOOP = 'from .models import Post\n\n\ndef one(request, pk):\n    return Post.objects.get(pk=pk).visible_comments()\n';
const VIEWS_LOOP = 'from .models import Post\n\n\ndef one(request, pk):\n    return Post.objects.get(pk=pk).visible_comments()\n\n\n' +
  'def page(request):\n    return [p.visible_comments() for p in Post.objects.all()]\n';

describe('language server: a model method reported at its callers\' loops (DJP112) follows edits of the callers', function () {
  this.timeout(120_000);
  const server = serverOn('djperf-lsp-callers-', { 'blog/__init__.py': '', 'blog/models.py': POST_MODELS, 'blog/views.py': VIEWS_NO_LOOP });
  const { uri, codes } = server;

  it('the open models module gets the finding when a view starts calling the method per row, and loses it after', async () => {
    const client = server.client();
    client.open(uri('blog/models.py'), POST_MODELS, 1);
    await client.latestDiagnostics(uri('blog/models.py'), () => true);
    assert.deepEqual(codes('blog/models.py'), []);
    client.open(uri('blog/views.py'), VIEWS_NO_LOOP, 1);
    let models = client.publications(uri('blog/models.py'));
    client.change(uri('blog/views.py'), 2, [{ text: VIEWS_LOOP }]);
    await client.latestDiagnostics(uri('blog/models.py'), (p) => p.diagnostics.length > 0, models);
    assert.deepEqual(codes('blog/models.py'), ['7:DJP112']);
    models = client.publications(uri('blog/models.py'));
    client.change(uri('blog/views.py'), 3, [{ text: VIEWS_NO_LOOP }]);
    await client.latestDiagnostics(uri('blog/models.py'), (p) => p.diagnostics.length === 0, models);
  });

  it('modules that import each other are checked once per edit, not back and forth', async () => {
    const client = server.client();
    // models.py imports views.py inside a function: each is among the other's imports.
    const cyclic = `${POST_MODELS}\n\ndef page_view():\n    from .views import page\n    return page\n`;
    client.change(uri('blog/models.py'), 2, [{ text: cyclic }]);
    const views = client.publications(uri('blog/views.py'));
    client.change(uri('blog/views.py'), 4, [{ text: VIEWS_LOOP }]);
    await client.latestDiagnostics(uri('blog/views.py'), (p) => p.version === 4, views);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const settled = [client.publications(uri('blog/views.py')), client.publications(uri('blog/models.py'))];
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.deepEqual([client.publications(uri('blog/views.py')), client.publications(uri('blog/models.py'))], settled);
  });
});
