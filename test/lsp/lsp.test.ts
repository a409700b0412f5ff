import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeAction, Diagnostic, Hover, MarkupContent, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { FIXTURE_PROJECTS } from '../harness/paths';
import { readExpectations } from '../harness/expectations';
import { AnalyzeWorkspaceRequest, DocumentStatsRequest } from '../../server/lsp/protocol';
import { applyEdits, TestClient } from './client';

function copyFixture(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `djperf-lsp-${name}-`));
  fs.cpSync(path.join(FIXTURE_PROJECTS, name), dir, { recursive: true });
  return dir;
}

const uriOf = (p: string): string => pathToFileURL(p).href;
const djp101Lines = (diags: Diagnostic[]): number[] => diags.filter((d) => d.code === 'DJP101').map((d) => d.range.start.line).sort((a, b) => a - b);
const expectedLines = (text: string): number[] => [...readExpectations(text).expect.keys()].sort((a, b) => a - b);

function editsOf(edit: WorkspaceEdit | undefined, uri: string): TextEdit[] {
  assert.ok(edit, 'code action without an edit');
  const versioned = edit.documentChanges?.flatMap((c) => ('textDocument' in c && c.textDocument.uri === uri ? c.edits : [])) ?? [];
  return [...versioned, ...(edit.changes?.[uri] ?? [])] as TextEdit[];
}

/** A views module with `loops` N+1 loops, padded to about `lines` lines. */
function generatedViews(lines: number): string {
  const out = ['from .models import Book', ''];
  let i = 0;
  while (out.length < lines) {
    out.push(`def view_${i}(request):`, '    out = []', '    for b in Book.objects.all():', '        out.append(b.author.name)  # expect: DJP101', '    return out', '', '');
    i++;
  }
  return out.join('\n');
}

describe('language server over stdio', function () {
  this.timeout(120_000);
  let dir: string;
  let client: TestClient;
  let viewsUri: string;
  let viewsText: string;

  before(async () => {
    dir = copyFixture('n1_forward');
    // A file the workspace scan must skip (not UTF-8) without giving up on the rest.
    fs.writeFileSync(path.join(dir, 'library', 'latin1.py'), Buffer.from('# caf\xe9\nx = "\xe9t\xe9"\n', 'latin1'));
    ({ client } = await TestClient.start(dir));
    viewsUri = uriOf(path.join(dir, 'library', 'views.py'));
    viewsText = fs.readFileSync(path.join(dir, 'library', 'views.py'), 'utf8');
  });

  after(async () => {
    await client?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('analyses the workspace at start-up with work-done progress', async () => {
    // views.py is closed: its diagnostics come from the background scan.
    const published = await client.latestDiagnostics(viewsUri, (p) => p.diagnostics.length > 0);
    assert.deepEqual(djp101Lines(published.diagnostics), expectedLines(viewsText));
    await client.waitFor('progress end', () => client.progress.some((p) => p.value.kind === 'end'));
    assert.ok(client.progress.some((p) => p.value.kind === 'begin' && /djperf/.test(p.value.title ?? '')));
    await client.waitFor('ready status', () => client.statuses.some((s) => s.state === 'ready'));
    assert.ok(client.logs.some((l) => l.includes('latin1.py') && l.includes('not valid')), 'the non-UTF-8 file is reported in the log');
  });

  it('publishes diagnostics for an opened document with source, code, docs link, range and related locations', async () => {
    const before = client.publications(viewsUri);
    client.open(viewsUri, viewsText, 1);
    const published = await client.latestDiagnostics(viewsUri, (p) => p.version === 1, before);
    assert.deepEqual(djp101Lines(published.diagnostics), expectedLines(viewsText));
    const first = published.diagnostics[0];
    assert.equal(first.source, 'djperf');
    assert.equal(first.code, 'DJP101');
    assert.match(first.codeDescription?.href ?? '', /DJP101\.md$/);
    const line = viewsText.split('\n')[first.range.start.line];
    assert.equal(line.slice(first.range.start.character, first.range.end.character), 'book.author');
    assert.ok(first.relatedInformation && first.relatedInformation.length > 0, 'related information');
    assert.equal(first.relatedInformation[0].location.uri, viewsUri);
    // One short line with the cost (the full explanation is in the hover).
    const message = typeof first.message === 'string' ? first.message : first.message.value;
    assert.match(message, /^N\+1: `book\.author` .*\(1 \+ N queries\)$/);
    assert.ok(message.length <= 120, message);
  });

  it('offers the fix, "disable for this line" and the documentation as code actions', async () => {
    const published = await client.latestDiagnostics(viewsUri, (p) => p.version === 1);
    const diagnostic = published.diagnostics[0];
    const actions = (await client.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: viewsUri }, range: diagnostic.range, context: { diagnostics: [diagnostic] },
    })) as CodeAction[];
    const fix = actions.find((a) => a.isPreferred);
    assert.ok(fix, `a preferred fix among ${actions.map((a) => a.title).join(' | ')}`);
    assert.equal(fix.kind, 'quickfix');
    const fixed = applyEdits(viewsText, editsOf(fix.edit, viewsUri));
    assert.match(fixed, /for book in Book\.objects\.select_related\("author"\)\.filter\(title__icontains="django"\):/);
    const disable = actions.find((a) => a.title === 'Disable DJP101 for this line');
    assert.ok(disable);
    const disabled = applyEdits(viewsText, editsOf(disable.edit, viewsUri)).split('\n')[diagnostic.range.start.line];
    assert.ok(disabled.endsWith('# expect: DJP101  # djperf: ignore[DJP101]'), disabled);
    const docs = actions.find((a) => a.title === 'Show documentation for DJP101');
    assert.equal(docs?.command?.command, 'djperf.showDocumentation');
    assert.match(String(docs?.command?.arguments?.[0]), /^https:\/\/.*DJP101\.md$/);

    const fixAll = (await client.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: viewsUri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll.djperf'] },
    })) as CodeAction[];
    assert.equal(fixAll.length, 1);
    assert.equal(fixAll[0].kind, 'source.fixAll.djperf');
    const allFixed = applyEdits(viewsText, editsOf(fixAll[0].edit, viewsUri));
    assert.match(allFixed, /Book\.objects\.select_related\("author"\)\.filter/);
    assert.match(allFixed, /Book\.objects\.select_related\("author__publisher"\)\n/, "no redundant .all() after the inserted call");
  });

  it('explains the cost of a finding on hover', async () => {
    const published = await client.latestDiagnostics(viewsUri, (p) => p.version === 1);
    const d = published.diagnostics[0];
    const hover = (await client.conn.sendRequest('textDocument/hover', { textDocument: { uri: viewsUri }, position: d.range.start })) as Hover;
    const value = (hover.contents as MarkupContent).value;
    assert.match(value, /DJP101/);
    assert.match(value, /1 \+ N queries; N = rows of Book\.objects\.filter\(title__icontains="django"\); at N = 20 and 2 ms a query ≈ 42 ms/);
    assert.match(value, /Fix: Add select_related\("author"\)/);
    assert.match(value, /\]\(https:\/\/.*DJP101\.md\)/);
    const nothing = await client.conn.sendRequest('textDocument/hover', { textDocument: { uri: viewsUri }, position: { line: 0, character: 0 } });
    assert.equal(nothing, null);
  });

  it('"Analyse Workspace" counts the open documents like the closed ones, and logs the Django version it assumes', async () => {
    const withOpen = await client.request(AnalyzeWorkspaceRequest, {});
    client.close(viewsUri);
    const allClosed = await client.request(AnalyzeWorkspaceRequest, {});
    assert.ok(allClosed.findings >= expectedLines(viewsText).length, JSON.stringify(allClosed));
    assert.deepEqual(withOpen, allClosed, 'the open views.py is counted (files and findings)');
    assert.ok(client.logs.some((l) => /workspace scan: \d+ file\(s\) analysed, \d+ finding\(s\); Django 5\.2 assumed/.test(l)), client.logs.join('\n'));
    const before = client.publications(viewsUri);
    client.open(viewsUri, viewsText, 1);
    await client.latestDiagnostics(viewsUri, (p) => p.version === 1, before);
  });

  it('follows incremental edits: a new N+1 loop appears, a removed one disappears; the tree is edited, not rebuilt', async () => {
    const lines = viewsText.split('\n');
    const end = { line: lines.length - 1, character: lines[lines.length - 1].length };
    const added = '\n\ndef added(request):\n    return [b.editor.name for b in Book.objects.all()]\n';
    let before = client.publications(viewsUri);
    client.change(viewsUri, 2, [{ range: { start: end, end }, text: added }]);
    let published = await client.latestDiagnostics(viewsUri, (p) => p.version === 2, before);
    const newLine = lines.length + 2;
    assert.ok(djp101Lines(published.diagnostics).includes(newLine), `a finding on the added line ${newLine}`);

    // Remove the N+1 in chain(): `return [b.author.publisher.name for b in books]` → `return []`.
    const chainLine = lines.findIndex((l) => l.includes('return [b.author.publisher.name for b in books]'));
    const start = lines[chainLine].indexOf('[');
    before = client.publications(viewsUri);
    client.change(viewsUri, 3, [{ range: { start: { line: chainLine, character: start }, end: { line: chainLine, character: lines[chainLine].indexOf('  #') } }, text: '[]' }]);
    published = await client.latestDiagnostics(viewsUri, (p) => p.version === 3, before);
    const now = djp101Lines(published.diagnostics);
    assert.ok(!now.includes(chainLine), 'the removed N+1 is gone');
    assert.ok(now.includes(newLine));
    assert.equal(now.length, expectedLines(viewsText).length, 'one added, one removed');

    const stats = await client.request(DocumentStatsRequest, { uri: viewsUri });
    assert.ok(stats);
    assert.equal(stats.fullParses, 1);
    assert.equal(stats.incrementalParses, 2);
  });

  it('keeps a 2,000-line file current through ranged edits without reparsing it from scratch', async () => {
    const uri = uriOf(path.join(dir, 'library', 'big_views.py'));
    let text = generatedViews(2000);
    let before = client.publications(uri);
    client.open(uri, text, 1);
    let published = await client.latestDiagnostics(uri, (p) => p.version === 1, before);
    assert.deepEqual(djp101Lines(published.diagnostics), expectedLines(text));
    // Type `.select_related("author")` character by character into the loop of view_10, then delete view_0's loop body.
    const lines = text.split('\n');
    const loopLine = lines.findIndex((l, i) => i > 70 && l.includes('for b in Book.objects.all():'));
    let column = lines[loopLine].indexOf('.all()');
    let version = 1;
    for (const ch of '.select_related("author")') {
      const at = { line: loopLine, character: column };
      const change = { range: { start: at, end: at }, text: ch };
      text = applyEdits(text, [{ range: change.range, newText: ch }]);
      client.change(uri, ++version, [change]);
      column++;
    }
    const delLine = text.split('\n').findIndex((l) => l.includes('out.append(b.author.name)'));
    const del = { range: { start: { line: delLine, character: 0 }, end: { line: delLine + 1, character: 0 } }, text: '' };
    text = applyEdits(text, [{ range: del.range, newText: '' }]);
    before = client.publications(uri);
    client.change(uri, ++version, [del]);
    published = await client.latestDiagnostics(uri, (p) => p.version === version, before);
    const expected = expectedLines(text).filter((l) => !text.split('\n')[l - 1].includes('select_related'));
    assert.deepEqual(djp101Lines(published.diagnostics), expected);
    const stats = await client.request(DocumentStatsRequest, { uri });
    assert.ok(stats);
    assert.equal(stats.fullParses, 1, 'only the open parsed the whole file');
    assert.equal(stats.incrementalParses, version - 1, 'every change reparsed incrementally');
    // One server-time sample per analysis (the open, then each debounced burst of changes), each a real duration.
    assert.ok(stats.serverMs.length >= 2, `serverMs ${JSON.stringify(stats.serverMs)}`);
    assert.ok(stats.serverMs.every((ms) => ms > 0 && ms < 10_000));
    // Split by phase, sample for sample, the parts fitting in the whole (a re-analysis of the same version, for an
    // importer's sake, has no reparse or copy of its own); the latest analysis followed the deletion's reparse.
    const { reparse, copy, facts, rules } = stats.serverPhases;
    for (const series of [reparse, copy, facts, rules]) assert.equal(series.length, stats.serverMs.length);
    stats.serverMs.forEach((ms, i) => {
      assert.ok(rules[i] > 0 && reparse[i] >= 0 && copy[i] >= 0 && facts[i] >= 0, `sample ${i}: ${JSON.stringify(stats.serverPhases)}`);
      assert.ok(reparse[i] + copy[i] + facts[i] + rules[i] <= ms + 0.01, `sample ${i}: parts exceed ${ms} ms`);
    });
    const last = stats.serverMs.length - 1;
    assert.ok(reparse[last] > 0 && copy[last] > 0, `latest analysis: ${JSON.stringify(stats.serverPhases)}`);
    // One more keystroke: its copy takes over what tree-sitter kept instead of copying the 2,000 lines again. (The
    // burst above opened a string, which reparses the rest of the file: little is kept across that.)
    const nameLine = text.split('\n').findIndex((l) => l.startsWith('def view_20('));
    before = client.publications(uri);
    client.change(uri, ++version, [{ range: { start: { line: nameLine, character: 11 }, end: { line: nameLine, character: 11 } }, text: 'x' }]);
    await client.latestDiagnostics(uri, (p) => p.version === version, before);
    const after = await client.request(DocumentStatsRequest, { uri });
    assert.ok(after);
    const copied = after.treeNodes - stats.treeNodes;
    const reused = after.treeNodesReused - stats.treeNodesReused;
    assert.ok(copied > 5000 && reused > 0.75 * copied, `reused ${reused} of ${copied}`);
    client.close(uri);
  });

  it('an edited document ends with the diagnostics of the same text opened fresh (summaries kept across versions)', async () => {
    const uri = uriOf(path.join(dir, 'library', 'edited_views.py'));
    const freshUri = uriOf(path.join(dir, 'library', 'fresh_views.py'));
    let text = [
      'from .models import Book', '', '',
      'def author_name(book):', '    return book.author.name', '', '',
      'def list_books(request):', '    return [author_name(b) for b in Book.objects.all()]', '', '',
      'def publishers(request):', '    return [b.author.publisher.name for b in Book.objects.select_related("author")]', '',
    ].join('\n');
    const shape = (diags: Diagnostic[]): string[] => diags.map((d) => `${d.code} ${d.range.start.line}:${d.range.start.character} ${d.message}`).sort();
    let version = 1;
    let before = client.publications(uri);
    client.open(uri, text, version);
    await client.latestDiagnostics(uri, (p) => p.version === version, before);
    const edits: [string, string][] = [
      ['publisher.name', 'publisher.owner'], // another function: list_books's helper summary is kept
      ['book.author.name', 'book.title'], // the helper reads no relation now: list_books's finding goes
      ['book.title', 'book.author.name'], // and comes back
      ['\n\ndef list_books', '\n\n\ndef list_books'], // everything after moves one line down
    ];
    const seen: string[][] = [];
    for (const [find, replace] of edits) {
      const at = text.indexOf(find);
      const lines = text.split('\n');
      const pos = (offset: number) => {
        const line = text.slice(0, offset).split('\n').length - 1;
        return { line, character: offset - text.slice(0, offset).lastIndexOf('\n') - 1 };
      };
      assert.ok(at >= 0 && lines.length > 0);
      const change = { range: { start: pos(at), end: pos(at + find.length) }, text: replace };
      text = text.slice(0, at) + replace + text.slice(at + find.length);
      before = client.publications(uri);
      client.change(uri, ++version, [change]);
      const edited = await client.latestDiagnostics(uri, (p) => p.version === version, before);
      const beforeFresh = client.publications(freshUri);
      client.open(freshUri, text, 1);
      const fresh = await client.latestDiagnostics(freshUri, (p) => p.version === 1, beforeFresh);
      client.close(freshUri);
      assert.deepEqual(shape(edited.diagnostics), shape(fresh.diagnostics), `after replacing ${find}`);
      seen.push(shape(edited.diagnostics));
    }
    // The helper edit did change what list_books reports, both ways.
    assert.notDeepEqual(seen[1], seen[0]);
    assert.deepEqual(seen[2], seen[0]);
    client.close(uri);
  });

  it('clears DJP101 when djperf.rules.ignore changes, and restores it', async () => {
    let before = client.publications(viewsUri);
    client.settings = { rules: { ignore: ['DJP101'] } };
    void client.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await client.latestDiagnostics(viewsUri, (p) => p.diagnostics.length === 0, before);
    before = client.publications(viewsUri);
    client.settings = {};
    void client.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const back = await client.latestDiagnostics(viewsUri, (p) => p.diagnostics.length > 0, before);
    assert.ok(djp101Lines(back.diagnostics).length > 0);
  });

  it('reports an invalid editor setting by name and pauses diagnostics until it is fixed', async () => {
    let before = client.publications(viewsUri);
    const shown = client.messages.length;
    client.settings = { rules: { severity: { DJP101: 'loud' } } };
    void client.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const message = await client.waitFor('error message', () => client.messages.slice(shown).find((m) => m.type === 1));
    assert.match(message.message, /djperf\.rules\.severity\.DJP101/);
    await client.latestDiagnostics(viewsUri, (p) => p.diagnostics.length === 0, before);
    await client.waitFor('configError status', () => client.statuses.some((s) => s.state === 'configError' && /djperf\.rules\.severity/.test(s.message ?? '')));
    before = client.publications(viewsUri);
    client.settings = { rules: { severity: { DJP101: 'error' } } };
    void client.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const back = await client.latestDiagnostics(viewsUri, (p) => p.diagnostics.length > 0, before);
    assert.ok(back.diagnostics.every((d) => d.severity === 1), 'the severity override applies');
    client.settings = {};
    void client.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
  });

  it('survives malformed and out-of-order messages', async () => {
    const ghost = uriOf(path.join(dir, 'library', 'never_opened.py'));
    client.change(ghost, 5, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'x' }]);
    client.close(ghost);
    const statsBefore = await client.request(DocumentStatsRequest, { uri: viewsUri });
    client.change(viewsUri, 1, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'garbage' }]);
    void client.conn.sendNotification('djperf/noSuchNotification', { what: true });
    void client.conn.sendNotification('textDocument/didChange', { nonsense: 1 });
    void client.conn.sendNotification('textDocument/didOpen', {});
    await assert.rejects(client.conn.sendRequest('djperf/noSuchRequest', {}), /Unhandled method|not found/i);
    const hover = await client.conn.sendRequest('textDocument/hover', { textDocument: { uri: ghost }, position: { line: 0, character: 0 } });
    assert.equal(hover, null);
    const statsAfter = await client.request(DocumentStatsRequest, { uri: viewsUri });
    // serverMs may gain a sample meanwhile (a re-analysis of the same version); the tree must be untouched.
    const treeState = (st: typeof statsBefore) => st && { ...st, serverMs: undefined, serverPhases: undefined };
    assert.deepEqual(treeState(statsAfter), treeState(statsBefore), 'the stale change was ignored');
    await client.waitFor('a log line about the ignored change', () => client.logs.some((l) => /ignored: didChange .*never_opened/.test(l)));
    assert.equal(client.exited, false);
  });

  it('copes with half-typed, empty, non-UTF-8 and 5 MB documents', async () => {
    const half = uriOf(path.join(dir, 'library', 'half.py'));
    client.open(half, 'from .models import Book\n\ndef v(request):\n    for b in Book.objects.all(:\n        b.author.\n', 1);
    await client.latestDiagnostics(half, (p) => p.version === 1);
    let version = 1;
    for (const piece of ['n', 'a', 'm', 'e', '\n    return [x.author.na for x in Book.objects.filter(']) {
      const lines = (await client.request(DocumentStatsRequest, { uri: half }))!;
      assert.ok(lines.parsed);
      client.change(half, ++version, [{ range: { start: { line: 4, character: 17 + version - 2 }, end: { line: 4, character: 17 + version - 2 } }, text: piece }]);
    }
    await client.latestDiagnostics(half, (p) => p.version === version);

    const empty = uriOf(path.join(dir, 'library', 'empty.py'));
    client.open(empty, '', 1);
    const emptyDiags = await client.latestDiagnostics(empty, (p) => p.version === 1);
    assert.deepEqual(emptyDiags.diagnostics, []);

    // What an editor hands over after decoding a Latin-1 file as UTF-8: replacement characters, and worse.
    const odd = uriOf(path.join(dir, 'library', 'odd.py'));
    client.open(odd, '# caf\uFFFD \uD800 \u0000\nfrom .models import Book\nx = [b.author for b in Book.objects.all()]\n', 1);
    const oddDiags = await client.latestDiagnostics(odd, (p) => p.version === 1);
    assert.deepEqual(djp101Lines(oddDiags.diagnostics), [2]);

    const huge = uriOf(path.join(dir, 'library', 'huge.py'));
    const shown = client.messages.length;
    client.open(huge, 'x = 1  # padding padding padding padding padding padding\n'.repeat(90_000), 1);
    const notice = await client.waitFor('a size notice', () => client.messages.slice(shown).find((m) => /huge\.py.*maxFileSize/.test(m.message)));
    assert.match(notice.message, /not analysed/);
    const stats = await client.request(DocumentStatsRequest, { uri: huge });
    assert.equal(stats?.parsed, false);
    client.change(huge, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# more\n' }]);
    client.close(huge);

    const summary = await client.request(AnalyzeWorkspaceRequest, {});
    assert.ok(summary.files >= 2, `workspace re-analysed: ${JSON.stringify(summary)}`);
    assert.equal(client.messages.slice(shown).filter((m) => /huge\.py/.test(m.message)).length, 1, 'one notice per file');
    assert.equal(client.exited, false);
  });
});

describe('language server: project configuration', function () {
  this.timeout(120_000);
  let dir: string;
  let client: TestClient;

  before(async () => {
    dir = copyFixture('n1_forward');
    fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.djperf]\nselekt = ["DJP"]\n');
    ({ client } = await TestClient.start(dir));
  });

  after(async () => {
    await client?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows an invalid pyproject.toml key, pauses diagnostics, and resumes once the file is fixed', async () => {
    const message = await client.waitFor('error message', () => client.messages.find((m) => m.type === 1));
    assert.match(message.message, /pyproject\.toml/);
    assert.match(message.message, /selekt/);
    assert.match(message.message, /did you mean "select"/);
    await client.waitFor('configError status', () => client.statuses.find((s) => s.state === 'configError' && /selekt/.test(s.message ?? '')));
    const viewsPath = path.join(dir, 'library', 'views.py');
    const viewsUri = uriOf(viewsPath);
    const text = fs.readFileSync(viewsPath, 'utf8');
    client.open(viewsUri, text, 1);
    const paused = await client.latestDiagnostics(viewsUri, (p) => p.version === 1);
    assert.deepEqual(paused.diagnostics, [], 'no findings while the configuration is invalid');

    fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.djperf]\nselect = ["DJP"]\nignore = ["DJP1"]\n');
    void client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(path.join(dir, 'pyproject.toml')), type: 2 }] });
    await client.waitFor('ready status', () => client.statuses[client.statuses.length - 1]?.state === 'ready' ? true : undefined);
    let before = client.publications(viewsUri);
    fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.djperf]\nselect = ["DJP"]\n');
    void client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(path.join(dir, 'pyproject.toml')), type: 2 }] });
    const published = await client.latestDiagnostics(viewsUri, (p) => p.diagnostics.length > 0, before);
    assert.deepEqual(djp101Lines(published.diagnostics), [...readExpectations(text).expect.keys()].sort((a, b) => a - b));
    before = client.publications(viewsUri);
  });
});
