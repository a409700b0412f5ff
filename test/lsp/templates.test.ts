/**
 * Django templates in the language server, over stdio like an editor: the workspace scan judges closed templates,
 * an opened template (`django-html`) gets its diagnostics with the view and queryset as related information, the
 * quick fix edits the view, editing the view re-checks its templates, and a broken template neither crashes nor
 * stalls the server.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeAction, Diagnostic, Hover, TextDocumentEdit, TextEdit } from 'vscode-languageserver-protocol';
import { execFileSync } from 'node:child_process';
import { DIST, FIXTURE_PROJECTS } from '../harness/paths';
import { AnalyzeWorkspaceRequest } from '../../server/lsp/protocol';
import { readExpectations } from '../harness/expectations';
import { applyEdits, TestClient } from './client';

const uriOf = (p: string): string => pathToFileURL(p).href;
const linesOf = (diags: readonly Diagnostic[]): string[] => diags.map((d) => `${d.range.start.line}:${d.code}`).sort();
const expectedOf = (text: string): string[] => [...readExpectations(text).expect].flatMap(([line, codes]) => [...codes].map((c) => `${line}:${c}`)).sort();

describe('language server: Django templates', function () {
  this.timeout(120_000);
  let dir: string;
  let client: TestClient;
  let templatePath: string;
  let templateUri: string;
  let templateText: string;
  let viewsUri: string;
  let viewsText: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'djperf-lsp-templates-'));
    fs.cpSync(path.join(FIXTURE_PROJECTS, 'n1_templates'), dir, { recursive: true });
    templatePath = path.join(dir, 'bookshop', 'templates', 'bookshop', 'book_list_plain.html');
    templateUri = uriOf(templatePath);
    templateText = fs.readFileSync(templatePath, 'utf8');
    viewsUri = uriOf(path.join(dir, 'bookshop', 'views.py'));
    viewsText = fs.readFileSync(path.join(dir, 'bookshop', 'views.py'), 'utf8');
    ({ client } = await TestClient.start(dir));
  });

  after(async () => {
    await client?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('"Analyse Workspace" counts the template findings like djperf check does', async () => {
    const cli = JSON.parse(execFileSync(process.execPath, [path.join(DIST, 'cli.js'), 'check', dir, '--format', 'json', '--exit-zero', '--quiet'], { encoding: 'utf8' })) as { filename: string }[];
    const templates = cli.filter((f) => f.filename.endsWith('.html')).length;
    assert.ok(templates >= 15, `${templates} template findings`);
    const summary = await client.request(AnalyzeWorkspaceRequest, {});
    assert.equal(summary.findings, cli.length);
  });

  it('the workspace scan judges closed templates, also those found through settings DIRS', async () => {
    const published = await client.latestDiagnostics(templateUri, (p) => p.diagnostics.length > 0);
    assert.deepEqual(linesOf(published.diagnostics), expectedOf(templateText));
    const shelf = path.join(dir, 'site_templates', 'shelf', 'latest_books.html');
    const shelfDiags = await client.latestDiagnostics(uriOf(shelf), (p) => p.diagnostics.length > 0);
    assert.deepEqual(linesOf(shelfDiags.diagnostics), expectedOf(fs.readFileSync(shelf, 'utf8')));
    assert.match(shelfDiags.diagnostics[0].relatedInformation?.[0].message ?? '', /latest_books passes Book\.objects\.order_by\("-id"\)/);
  });

  it('an opened template gets its diagnostics with the view and queryset as related information', async () => {
    const before = client.publications(templateUri);
    client.open(templateUri, templateText, 1, 'django-html');
    const published = await client.latestDiagnostics(templateUri, (p) => p.version === 1, before);
    assert.deepEqual(linesOf(published.diagnostics), expectedOf(templateText));
    const author = published.diagnostics.find((d) => d.range.start.line === 4 && d.code === 'DJP110');
    assert.ok(author);
    const line = templateText.split('\n')[4];
    assert.equal(line.slice(author.range.start.character, author.range.end.character), 'book.author');
    const related = author.relatedInformation ?? [];
    const view = related.find((r) => r.location.uri === viewsUri);
    assert.ok(view, JSON.stringify(related));
    assert.match(view.message, /^book_list passes Book\.objects\.all\(\) to this template$/);
    assert.ok(related.some((r) => r.location.uri === templateUri && /loop over the rows/.test(r.message)));
    const hover = await client.conn.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: templateUri }, position: author.range.start });
    assert.match(JSON.stringify(hover), /DJP110/);
  });

  it('the quick fix edits the view: select_related on the literal queryset, in the other file', async () => {
    const published = await client.latestDiagnostics(templateUri, (p) => p.version === 1);
    const author = published.diagnostics.find((d) => d.range.start.line === 4 && d.code === 'DJP110')!;
    const actions = (await client.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: templateUri }, range: author.range, context: { diagnostics: [author] },
    })) as CodeAction[];
    const fix = actions.find((a) => a.isPreferred);
    assert.ok(fix, actions.map((a) => a.title).join(' | '));
    assert.equal(fix.title, 'Add .select_related("author") to Book.objects.all() in book_list');
    const changes = (fix.edit?.documentChanges ?? []) as TextDocumentEdit[];
    assert.deepEqual(changes.map((c) => [c.textDocument.uri, c.textDocument.version]), [[viewsUri, null]]);
    const fixed = applyEdits(viewsText, changes[0].edits as TextEdit[]);
    assert.match(fixed, /books = Book\.objects\.all\(\)\.select_related\("author"\)\n {4}return render\(request, "bookshop\/book_list_plain\.html"/);
    // Disabling in a template writes a template comment.
    const disable = actions.find((a) => a.title === 'Disable DJP110 for this line');
    const disabled = applyEdits(templateText, ((disable?.edit?.documentChanges ?? []) as TextDocumentEdit[])[0].edits as TextEdit[]);
    assert.match(disabled.split('\n')[4], /\{# expect: DJP110 #\}\{# djperf: ignore\[DJP110\] #\}$/);
    // The first/last reads and a row (not a queryset) get no view fix.
    const detailText = fs.readFileSync(path.join(dir, 'bookshop', 'templates', 'bookshop', 'book_detail_plain.html'), 'utf8');
    const detailUri = uriOf(path.join(dir, 'bookshop', 'templates', 'bookshop', 'book_detail_plain.html'));
    const n = client.publications(detailUri);
    client.open(detailUri, detailText, 1, 'django-html');
    const detail = await client.latestDiagnostics(detailUri, (p) => p.version === 1, n);
    assert.ok(detail.diagnostics.length > 0);
    const detailActions = (await client.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: detailUri }, range: detail.diagnostics[0].range, context: { diagnostics: [detail.diagnostics[0]] },
    })) as CodeAction[];
    assert.ok(!detailActions.some((a) => /^Add \./.test(a.title)), detailActions.map((a) => a.title).join(' | '));
  });

  it('editing the template re-checks it', async () => {
    const before = client.publications(templateUri);
    // Line 9 (tags) is deleted: its DJP111 goes, the others move up a line.
    client.change(templateUri, 2, [{ range: { start: { line: 8, character: 0 }, end: { line: 9, character: 0 } }, text: '' }]);
    const published = await client.latestDiagnostics(templateUri, (p) => p.version === 2, before);
    const edited = templateText.split('\n').filter((_, i) => i !== 8).join('\n');
    assert.deepEqual(linesOf(published.diagnostics), expectedOf(edited));
  });

  it('editing the view (select_related added) re-checks the templates it renders', async () => {
    client.open(viewsUri, viewsText, 1);
    const before = client.publications(templateUri);
    const at = viewsText.indexOf('books = Book.objects.all()') + 'books = Book.objects.all()'.length;
    const lineNo = viewsText.slice(0, at).split('\n').length - 1;
    const character = at - (viewsText.lastIndexOf('\n', at - 1) + 1);
    client.change(viewsUri, 2, [{ range: { start: { line: lineNo, character }, end: { line: lineNo, character } }, text: '.select_related("author__publisher")' }]);
    const published = await client.latestDiagnostics(templateUri, (p) => !p.diagnostics.some((d) => d.range.start.line === 4), before);
    // author and author.publisher are joined now (the other view renders them joined already); the rest stays.
    const lines = linesOf(published.diagnostics);
    assert.ok(!lines.includes('4:DJP110') && !lines.includes('5:DJP110'), lines.join(' '));
    assert.ok(lines.includes('6:DJP110'), lines.join(' '));
  });

  it('a broken template (unclosed tags, thousands of openers, deep nesting) neither crashes nor stalls the server', async () => {
    const brokenPath = path.join(dir, 'bookshop', 'templates', 'bookshop', 'broken.html');
    const broken = `{% extends "bookshop/base.html" %}{% for book in books %}{{ book.author.name ${'{% if x %}'.repeat(5_000)}${'{% '.repeat(60_000)}{{ book.`;
    const uri = uriOf(brokenPath);
    const n = client.publications(uri);
    const started = Date.now();
    client.open(uri, broken, 1, 'django-html');
    await client.latestDiagnostics(uri, (p) => p.version === 1, n);
    client.change(uri, 2, [{ text: `${broken}{% endfor %}` }]);
    await client.latestDiagnostics(uri, (p) => p.version === 2, n);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    const hover = await client.conn.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: templateUri }, position: { line: 4, character: 30 } });
    assert.ok(hover === null || typeof hover === 'object');
    assert.equal(client.exited, false);
    assert.ok(!client.logs.some((l) => /failed:/.test(l)), client.logs.filter((l) => /failed:/.test(l)).join('\n'));
  });

  it('an html file outside the template directories is not judged, and no Python rule runs on it', async () => {
    const stray = path.join(dir, 'notes.html');
    const uri = uriOf(stray);
    const n = client.publications(uri);
    client.open(uri, '{% for book in books %}{{ book.author.name }}{% endfor %}\nfor x in y: x.author\n', 1, 'html');
    const published = await client.latestDiagnostics(uri, (p) => p.version === 1, n);
    assert.deepEqual(published.diagnostics, []);
  });
});
