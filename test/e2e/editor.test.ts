/**
 * End-to-end tests in a real VS Code: code-server 4.100.3 (VS Code 1.100.3) with the packaged djperf .vsix,
 * driven by headless Chromium through playwright-core, on a temporary copy of examples/shop.
 *
 * Run: `npx tsc -p . && npx mocha --no-config --timeout 300000 out/test/e2e/*.test.js`
 * A missing prerequisite (code-server, chromium) fails the suite with its name; nothing is skipped.
 * Screenshots go to .test-artifacts/e2e/ (the good ones are copied to docs/editor-*.png).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { readExpectations } from '../harness/expectations';
import { REPO_ROOT } from '../harness/paths';
import { nonOverlapping } from '../../server/lsp/codeActions';
import type { Fix } from '../../server/core/rules/types';
import { ARTIFACTS, DOCS, Session } from './harness/session';
import { poll, PollAbort, type ProblemRow, type Workbench } from './harness/workbench';

const VIEWS = 'catalog/views.py';
const ASYNC_VIEWS = 'catalog/async_views.py';
const DOCS_BASE = 'https://github.com/djperf/djperf/blob/main/docs/rules/';
/** Generous: a 2-core machine running code-server, its extension host, the language server and Chromium. */
const WAIT = 30_000;

const codesAt = (rows: ProblemRow[]): string[] => rows.map((r) => `${r.code}@${r.line}`).sort();
/** `# expect: DJPnnn` markers of a file as `DJPnnn@line` (1-based). */
function expectedOf(text: string): string[] {
  return [...readExpectations(text).expect].flatMap(([line, codes]) => [...codes].map((c) => `${c}@${line + 1}`)).sort();
}

interface CliFinding {
  code: string;
  filename: string;
  location: { row: number; column: number };
  fix: null | { applicability: string; message: string; edits: { content: string; location: { row: number; column: number }; end_location: { row: number; column: number } }[] };
}

/** `djperf check --format json` of the same build as the .vsix, run in the workspace. */
function cliFindings(dist: string, cwd: string): CliFinding[] {
  const r = spawnSync(process.execPath, [path.join(dist, 'cli.js'), 'check', '.', '--format', 'json', '--exit-zero'], { cwd, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
  assert.equal(r.status, 0, `djperf check failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as CliFinding[];
}

/** Applies LSP-style edits (0-based positions) to a text. */
function applyEdits(text: string, edits: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const off = (p: { line: number; character: number }): number => starts[p.line] + p.character;
  const sorted = [...edits].sort((a, b) => off(b.range.start) - off(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, off(e.range.start)) + e.newText + out.slice(off(e.range.end));
  return out;
}

/** Refreshes the README's screenshots only when asked (DJPERF_UPDATE_SCREENSHOTS=1): a test run must not edit tracked files. */
function copyToDocs(artifact: string, name: string): void {
  if (process.env.DJPERF_UPDATE_SCREENSHOTS !== '1') return;
  fs.mkdirSync(DOCS, { recursive: true });
  fs.copyFileSync(artifact, path.join(DOCS, name));
}

/** Number of non-blank pixels of a canvas, read back in its own frame (any 2d/webgl context). */
async function canvasInk(frame: Frame, selector: string): Promise<{ ink: number; hash: string }[]> {
  return frame.locator(selector).evaluateAll((canvases) => (canvases as HTMLCanvasElement[]).map((c) => {
    const copy = document.createElement('canvas');
    copy.width = c.width;
    copy.height = c.height;
    const ctx = copy.getContext('2d')!;
    ctx.drawImage(c, 0, 0);
    const data = c.width && c.height ? ctx.getImageData(0, 0, c.width, c.height).data : new Uint8ClampedArray();
    let ink = 0;
    let hash = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] !== 0) ink++;
      hash = (hash * 31 + data[i] + data[i + 1] * 3 + data[i + 2] * 7 + data[i + 3] * 11) | 0;
    }
    return { ink, hash: `${c.width}x${c.height}:${hash}` };
  }));
}

describe('djperf in VS Code (code-server + headless Chromium)', function () {
  this.timeout(300_000);
  const session = new Session((l) => console.log(`      ${l}`));
  let wb: Workbench;
  const started = Date.now();
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));

  before(async function () {
    this.timeout(600_000);
    wb = await session.start();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session.page) {
      const name = `failed-${(this.currentTest.title.match(/^\d+[a-z]?/)?.[0] ?? 'test')}`;
      await session.screenshot(name).catch(() => undefined);
      console.log(`      screenshot of the failure: .test-artifacts/e2e/${name}.png`);
    }
  });

  after(async function () {
    this.timeout(60_000);
    const log = session.djperfLog();
    if (log) fs.writeFileSync(path.join(ARTIFACTS, 'djperf-output.log'), log);
    if (session.server) fs.writeFileSync(path.join(ARTIFACTS, 'code-server.log'), session.server.log());
    await session.dispose();
    console.log(`      e2e: whole suite ${((Date.now() - started) / 1000).toFixed(0)} s`);
    assert.deepEqual(session.leftovers, [], 'processes of the code-server group still running after stop');
  });

  it('1. shows the findings of catalog/views.py in the Problems panel (source, code, docs link) and as squiggles; the language status shows the server state', async () => {
    const expected = expectedOf(fs.readFileSync(session.file(VIEWS), 'utf8'));
    await wb.openFile(VIEWS);
    const rows = await wb.waitForProblems(VIEWS, `the ${expected.length} expected findings of ${VIEWS}`, (r) => r.length >= expected.length, 60_000);
    assert.deepEqual(codesAt(rows), expected, 'Problems panel vs the `# expect:` markers of views.py');
    for (const r of rows) {
      assert.equal(r.source, 'djperf', `source of ${r.code}@${r.line}`);
      assert.equal(r.href, `${DOCS_BASE}${r.code}.md`, `docs link of ${r.code}@${r.line}`);
      assert.ok(fs.existsSync(path.join(REPO_ROOT, 'docs', 'rules', `${r.code}.md`)), `the linked docs/rules/${r.code}.md exists`);
    }
    const row22 = rows.find((r) => r.line === 22);
    assert.ok(row22 && row22.code === 'DJP101' && /^N\+1: `p\.category` .*\(1 \+ N queries\)$/.test(row22.message), `DJP101 on line 22: ${JSON.stringify(row22)}`);
    // One short line each (the gist and the cost), as Ruff's and ESLint's extensions show them: nothing cut off.
    for (const r of rows) assert.ok(r.message.length <= 120 && !/(^|[^.])\.\.($|[^.])/.test(r.message), `message of ${r.code}@${r.line}: ${r.message}`);

    // Squiggles on the right ranges: the attribute access that triggers the query.
    await wb.goTo(22, 1);
    const s22 = await poll('the squiggle on line 22', async () => (await wb.squigglesOn(22)).find((s) => s.kind === 'squiggly-warning'), WAIT);
    assert.equal(s22.text, 'p.category', `squiggle on line 22 covers ${JSON.stringify(s22.text)}`);
    assert.deepEqual((await wb.squigglesOn(23)).map((s) => s.text), ['p.stock']);
    assert.deepEqual(await wb.squigglesOn(21), [], 'no squiggle on the clean line 21');

    // The language status item (the {} entry next to "Python").
    const status = await poll('the language status "djperf, ready"', async () => {
      const s = await wb.languageStatus();
      return /djperf, ready/.test(s) ? s : undefined;
    }, WAIT);
    assert.match(status, /djperf/);
    await wb.page.locator('[id="status.languageStatus"]').click();
    const item = wb.page.locator('.hover-language-status').filter({ hasText: 'djperf' }).first();
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await item.innerText(), /ready/);
    await wb.page.keyboard.press('Escape');

    // The docs link works: clicking it opens that page (outside hosts are stubbed: no network).
    await wb.filterProblems(`**/${VIEWS}`);
    // A wider Problems panel for the screenshot: the one-line messages whole, as a user with room sees them.
    const panel = (await wb.page.locator('.part.panel').boundingBox())!;
    const dragPanel = async (from: number, dx: number): Promise<void> => {
      const y = panel.y + panel.height / 2;
      await wb.page.mouse.move(from + 1, y);
      await wb.page.mouse.down();
      await wb.page.mouse.move(from + 1 + dx, y, { steps: 12 });
      await wb.page.mouse.up();
    };
    await dragPanel(panel.x, -520);
    await wb.page.locator('.markers-panel').hover();
    const artifact = await session.screenshot('problems');
    copyToDocs(artifact, 'editor-problems.png');
    await dragPanel(panel.x - 520, 520);
    const link = wb.page.locator('.markers-panel .monaco-list-row a.monaco-link').filter({ hasText: 'DJP101' }).first();
    const popup = wb.page.context().waitForEvent('page', { timeout: WAIT });
    await link.click();
    // VS Code asks before opening an outside link; confirm when it does.
    const dialog = wb.page.locator('.monaco-dialog-box');
    const opened = await Promise.race([popup, dialog.waitFor({ state: 'visible', timeout: WAIT }).then(() => null)]);
    let page = opened;
    if (!page) {
      await dialog.locator('.monaco-button').filter({ hasText: /^Open$/ }).click();
      page = await popup;
    }
    await page.waitForLoadState('domcontentloaded').catch(() => undefined);
    assert.equal(page.url(), `${DOCS_BASE}DJP101.md`);
    await page.close();
  });

  it('2a. hovering a finding shows its cost in queries', async () => {
    await wb.openFile(VIEWS);
    await wb.goTo(22, 1);
    await wb.page.keyboard.press('Escape');
    // Monaco shows the diagnostic's part of the hover at once and djperf's part when the server answers: wait for
    // djperf's (a server busy for a moment, e.g. warming its editing path up after the scan, answers a little later).
    const { text, hover } = await wb.hoverSquiggle(22, /fk-read-per-row/);
    assert.match(text, /DJP101/);
    assert.match(text, /fk-read-per-row/);
    assert.match(text, /Cost: 1 \+ N queries; N = rows of Product\.objects\.all\(\); at N = 20 and 2 ms a query ≈ 42 ms \(21 queries\)/);
    assert.match(text, /Fix: .*select_related/);
    assert.match(text, /Documentation for DJP101/);
    // The editor shows the diagnostic's message in the same hover: djperf's part explains, it does not say it again.
    const gist = 'runs one extra query per Product row';
    assert.equal(text.split(gist).length - 1, 1, `the hover says "${gist}" once:\n${text}`);
    const artifact = await session.screenshot('hover');
    await session.screenshot('hover-widget', hover).catch(() => undefined);
    copyToDocs(artifact, 'editor-hover.png');
    await wb.page.mouse.move(5, 500);
    await wb.page.keyboard.press('Escape');
  });

  it('2b. a quick fix from the lightbulb (Ctrl+.) edits the file and the finding goes away', async () => {
    await wb.openFile(VIEWS);
    await wb.goTo(22, 30); // inside `p.category`
    const titles = await wb.quickFixMenu();
    assert.ok(titles.some((t) => /Disable DJP101 for this line/.test(t)), `quick fixes: ${titles.join(' | ')}`);
    const picked = await wb.pickQuickFix((t) => /select_related/.test(t) && !/unsafe/.test(t));
    await wb.save();
    const text = fs.readFileSync(session.file(VIEWS), 'utf8');
    assert.match(text.split('\n')[15], /for p in Product\.objects\.select_related\("category"\):/, `line 16 after "${picked}" (no redundant .all())`);
    const rows = await wb.waitForProblems(VIEWS, 'DJP101 on line 22 to go away', (r) => !r.some((x) => x.line === 22) && r.length > 0, WAIT);
    assert.ok(rows.some((r) => r.code === 'DJP101' && r.line === 23), 'p.stock on line 23 is still flagged (the fix added only "category")');
    assert.deepEqual(await wb.squigglesOn(22), []);
  });

  it('2c. "Fix All" (source.fixAll.djperf) applies exactly the safe fixes', async () => {
    const before = fs.readFileSync(session.file(ASYNC_VIEWS), 'utf8');
    const findings = cliFindings(session.build!.dist, session.workspace).filter((f) => f.filename.endsWith(ASYNC_VIEWS));
    const safe = findings.filter((f) => f.fix?.applicability === 'safe');
    const notSafe = findings.filter((f) => f.fix?.applicability !== 'safe');
    assert.ok(safe.length > 0 && notSafe.length > 0, `${ASYNC_VIEWS} has both safe and unsafe/unfixable findings`);
    const asFix = (f: CliFinding): Fix => ({
      message: f.fix!.message, applicability: 'safe', isPreferred: true,
      edits: f.fix!.edits.map((e) => ({
        range: { start: { line: e.location.row - 1, character: e.location.column - 1 }, end: { line: e.end_location.row - 1, character: e.end_location.column - 1 } },
        newText: e.content,
      })),
    } as Fix);
    const oracle = applyEdits(before, nonOverlapping(safe.map(asFix)).flatMap((f) => f.edits));

    await wb.openFile(ASYNC_VIEWS);
    await wb.waitForProblems(ASYNC_VIEWS, `the ${findings.length} findings of ${ASYNC_VIEWS}`, (r) => r.length === findings.length, 60_000);
    await wb.focusEditor();
    await wb.command('Fix All');
    await poll('the editor to become dirty after Fix All', async () => (await wb.page.locator('.tabs-container .tab.active.dirty').count()) > 0, WAIT);
    await wb.save();
    const after = fs.readFileSync(session.file(ASYNC_VIEWS), 'utf8');
    assert.equal(after, oracle, 'the saved file is the original with exactly the safe fixes applied');
    // What is left are the findings that have no safe fix.
    const lineText = (text: string, row: number): string => text.split('\n')[row - 1].trim();
    const left = cliFindings(session.build!.dist, session.workspace).filter((f) => f.filename.endsWith(ASYNC_VIEWS));
    const key = (f: CliFinding, text: string): string => `${f.code} ${lineText(text, f.location.row)}`;
    for (const f of notSafe) assert.ok(left.some((l) => key(l, after) === key(f, before)), `the finding without a safe fix stays: ${key(f, before)}`);
    await wb.waitForProblems(ASYNC_VIEWS, 'the Problems panel to show what is left', (r) => r.length === left.length, WAIT);
  });

  it('3. typing a new N+1 loop produces a finding within seconds; deleting it clears it', async () => {
    await wb.openFile(VIEWS);
    const original = fs.readFileSync(session.file(VIEWS), 'utf8');
    const lines = original.split('\n');
    const last = lines.length; // the file ends with "\n": the last line is empty
    await wb.goTo(last, 1);
    const before = await wb.problemsOf(VIEWS);
    await wb.focusEditor();
    await wb.type('\ndef typed_view(request):\n    return [p.category.name for p in Product.objects.filter(is_active=True)]\n');
    const typedAt = Date.now();
    const line = last + 2;
    const squiggle = await poll(`a squiggle under the typed p.category on line ${line}`, async () =>
      (await wb.squigglesOn(line)).find((s) => s.text === 'p.category'), WAIT, 100);
    console.log(`      e2e: the typed N+1 was flagged ${Date.now() - typedAt} ms after the last keystroke`);
    assert.equal(squiggle.kind, 'squiggly-warning');
    await wb.waitForProblems(VIEWS, `DJP101 on typed line ${line}`, (r) => r.some((x) => x.code === 'DJP101' && x.line === line), WAIT);

    // Delete what was typed: select from the end of the original text to the end of the file.
    await wb.goTo(last, 1);
    await wb.page.keyboard.press('Control+Shift+End');
    await wb.page.keyboard.press('Delete');
    const deletedAt = Date.now();
    const rows = await wb.waitForProblems(VIEWS, 'the typed finding to go away', (r) => !r.some((x) => x.line === line) && r.length === before.length, WAIT);
    console.log(`      e2e: the finding went away ${Date.now() - deletedAt} ms after the deletion`);
    assert.deepEqual(codesAt(rows), codesAt(before));
    await wb.save();
    assert.equal(fs.readFileSync(session.file(VIEWS), 'utf8'), original, 'the file is back to what it was');
  });

  it('4a. djperf.rules.ignore in the workspace .vscode/settings.json refreshes the findings without a restart', async () => {
    await wb.openFile(VIEWS);
    const before = await wb.waitForProblems(VIEWS, 'DJP101 findings', (r) => r.some((x) => x.code === 'DJP101'), WAIT);
    const settings = session.file('.vscode/settings.json');
    fs.mkdirSync(path.dirname(settings), { recursive: true });
    fs.writeFileSync(settings, JSON.stringify({ 'djperf.rules.ignore': ['DJP101'] }, null, 2));
    const ignored = await wb.waitForProblems(VIEWS, 'DJP101 to disappear after djperf.rules.ignore', (r) => r.length > 0 && !r.some((x) => x.code === 'DJP101'), WAIT);
    assert.deepEqual(codesAt(ignored), codesAt(before.filter((r) => r.code !== 'DJP101')), 'only DJP101 goes');
    fs.writeFileSync(settings, JSON.stringify({}, null, 2));
    const back = await wb.waitForProblems(VIEWS, 'DJP101 to come back', (r) => r.length === before.length, WAIT);
    assert.deepEqual(codesAt(back), codesAt(before));
    assert.match(await wb.languageStatus(), /djperf/);
  });

  it('4b. editing pyproject.toml ([tool.djperf] ignore) refreshes the findings without a restart', async () => {
    await wb.openFile(VIEWS);
    const before = await wb.waitForProblems(VIEWS, 'a DJP104 finding', (r) => r.some((x) => x.code === 'DJP104'), WAIT);
    const pyproject = session.file('pyproject.toml');
    const original = fs.readFileSync(pyproject, 'utf8');
    assert.match(original, /^ignore = \[\]$/m);
    fs.writeFileSync(pyproject, original.replace(/^ignore = \[\]$/m, 'ignore = ["DJP104"]'));
    const ignored = await wb.waitForProblems(VIEWS, 'DJP104 to disappear after editing pyproject.toml', (r) => r.length > 0 && !r.some((x) => x.code === 'DJP104'), WAIT);
    assert.deepEqual(codesAt(ignored), codesAt(before.filter((r) => r.code !== 'DJP104')));
    fs.writeFileSync(pyproject, original);
    const back = await wb.waitForProblems(VIEWS, 'DJP104 to come back', (r) => r.length === before.length, WAIT);
    assert.deepEqual(codesAt(back), codesAt(before));
  });

  it('7. a half-typed file and a 3 MB file do not break the server: other files keep their findings', async () => {
    const countsBefore = await wb.problemCountsPerFile();
    assert.ok(Object.keys(countsBefore).length >= 5, `problems in several files: ${JSON.stringify(countsBefore)}`);

    // A 3 MB file: over djperf.maxFileSize (2 MB by default), so it is skipped with one notice.
    const huge = session.file('catalog/huge_views.py');
    fs.writeFileSync(huge, 'from .models import Product\n' + 'x = [p.category.name for p in Product.objects.all()]  # padding padding\n'.repeat(45_000));
    assert.ok(fs.statSync(huge).size > 3 * 1024 * 1024);
    await wb.openFile('catalog/huge_views.py');
    const notice = await poll('the "not analysed" notice of huge_views.py', async () =>
      (await wb.notifications()).find((n) => /huge_views\.py.*maxFileSize.*not analysed/.test(n)), 60_000, 500);
    assert.match(notice, /MB/);
    await wb.goTo(1, 1);
    await wb.type('# edited\n');

    // A half-typed file, typed key by key.
    fs.writeFileSync(session.file('catalog/broken.py'), '');
    await wb.openFile('catalog/broken.py');
    await wb.type('from .models import Product\n\ndef half(request):\n    for p in Product.objects.all(:\n        p.category.\n    return [x.stock.av for x in Product.objects.filter(\n');
    await wb.save();

    // The server is alive and current: other files keep their findings, and a new finding still appears.
    const status = await poll('the language status to be ready', async () => {
      const s = await wb.languageStatus();
      return /djperf, ready/.test(s) ? s : undefined;
    }, 60_000);
    assert.doesNotMatch(status, /stopped/);
    const countsAfter = await wb.problemCountsPerFile();
    for (const [file, n] of Object.entries(countsBefore)) assert.equal(countsAfter[file], n, `${file} keeps its ${n} problems: ${JSON.stringify(countsAfter)}`);
    await wb.openFile(VIEWS);
    const last = fs.readFileSync(session.file(VIEWS), 'utf8').split('\n').length;
    await wb.goTo(last, 1);
    await wb.type('\ndef after_huge(request):\n    return [p.stock.available for p in Product.objects.all()]\n');
    await wb.waitForProblems(VIEWS, 'a finding on the line typed after the broken and huge files', (r) => r.some((x) => x.code === 'DJP101' && x.line === last + 2), WAIT);
    await wb.page.keyboard.press('Control+Z');
    const log = session.djperfLog();
    assert.doesNotMatch(log, /stopped unexpectedly|crashed/, 'the server never crashed (djperf output channel)');
  });

  it('8. "Show documentation" opens the bundled rule page inside VS Code (no web page, works offline)', async () => {
    await wb.openFile(VIEWS);
    await wb.goTo(23, 31); // inside `p.stock` (test 2b's fix already joined `p.category` on line 22)
    const popups: string[] = [];
    const onPage = (p: { url(): string }): void => { popups.push(p.url()); };
    wb.page.context().on('page', onPage);
    try {
      await wb.pickQuickFix((t) => /Show documentation for DJP101/.test(t));
      const tab = await poll('a Markdown preview tab of DJP101.md', async () => {
        const labels = await wb.page.locator('.tabs-container .tab').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent ?? ''));
        return labels.find((l) => /Preview DJP101\.md/.test(l));
      }, WAIT);
      assert.match(tab, /DJP101\.md/);
      // The preview renders the page's own text (its webview), not a link to the web.
      const title = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'rules', 'DJP101.md'), 'utf8').split('\n')[0].replace(/^#\s*/, '').trim();
      await poll(`the preview to show "${title}"`, async () => {
        for (const f of wb.page.frames()) {
          const text = await f.locator('body').innerText({ timeout: 1000 }).catch(() => '');
          if (text.includes(title) && /What it does/.test(text)) return true;
        }
        return undefined;
      }, WAIT, 500);
      await session.screenshot('docs-preview');
      assert.deepEqual(popups, [], 'no browser page was opened');
    } finally {
      wb.page.context().off('page', onPage);
    }
    await wb.page.keyboard.press('Control+W');
  });

  it('9. "Analyse Workspace" counts the open files too: its findings equal djperf check\'s; the output starts with version and server', async () => {
    await wb.openFile(VIEWS);
    await wb.openFile(ASYNC_VIEWS);
    // Earlier tests leave edited documents: saved, the files djperf check reads are the ones the server analyses.
    for (let dirty = wb.page.locator('.tabs-container .tab.dirty'); await dirty.count(); ) {
      await dirty.first().click();
      await wb.save();
    }
    // Python files and templates: the server judges templates like `djperf check` does.
    const cli = cliFindings(session.build!.dist, session.workspace);
    await wb.command('djperf: Analyse Workspace');
    const note = await poll('the "analysed N files, M findings" notification', async () =>
      (await wb.notifications()).find((n) => /analysed \d+ files, \d+ findings/.test(n)), 60_000, 500);
    const [, files, findings] = /analysed (\d+) files, (\d+) findings/.exec(note)!.map(Number);
    assert.equal(findings, cli.length, `notification "${note}" vs djperf check (${cli.length} findings)`);
    assert.ok(files >= new Set(cli.map((f) => f.filename)).size, note);
    const log = await poll('the start line and the scan line in the djperf output', async () => {
      const l = session.djperfLog();
      return /djperf \d+\.\d+\.\d+ starting; server .*dist[\\/]server\.js/.test(l) && /workspace scan: \d+ file\(s\) analysed, \d+ finding\(s\); Django \d+\.\d+ assumed/.test(l) ? l : undefined;
    }, WAIT, 500);
    assert.match(log, new RegExp(`djperf ${pkg.version.replace(/\./g, '\\.')} starting`));
  });

  describe('the simulator (sidebar webview and CodeLens)', () => {
    const contributes = pkg.contributes ?? {};
    const requireContribution = (): { title: string } => {
      const container = (contributes.viewsContainers?.activitybar ?? []).find((c: { id: string }) => c.id === 'djperf');
      const view = (contributes.views?.djperf ?? []).find((v: { id: string }) => v.id === 'djperf.simulator');
      const command = (contributes.commands ?? []).find((c: { command: string }) => c.command === 'djperf.openSimulator');
      const missing = [
        container ? '' : 'viewsContainers.activitybar "djperf"',
        view ? '' : 'views.djperf "djperf.simulator"',
        command ? '' : 'command "djperf.openSimulator"',
      ].filter(Boolean);
      assert.deepEqual(missing, [], `the simulator is not contributed in package.json: missing ${missing.join(', ')}`);
      return { title: `${command.category ? `${command.category}: ` : ''}${command.title}` };
    };

    /** The frame of the simulator webview: the one (inside VS Code's nested webview iframes) that holds its canvases. */
    const simulatorFrame = (): Promise<Frame> => poll('the simulator webview frame (a frame with a canvas inside a webview iframe)', async () => {
      const frames = (await wb.framesWith('canvas')).filter((f) => f !== wb.page.mainFrame() && /webview/i.test(f.url() + (f.parentFrame()?.url() ?? '')));
      return frames[0];
    }, 60_000, 500);

    const cspViolations = (): string[] => session.console.filter((c) => /Content[- ]Security[- ]Policy|Refused to (load|execute|apply|connect|create|evaluate|frame)/i.test(c.text)).map((c) => `${c.text} (${c.url})`);

    /** Errors the simulator lists in its alert region (refused messages, failed runs). */
    const simulatorErrors = (frame: Frame): Promise<string[]> => frame.locator('#errors li').allInnerTexts().catch(() => []);

    /** Waits for a finished simulation: status "simulated", not busy, every chart canvas drawn; aborts on a shown error. */
    const finishedSimulation = (frame: Frame, what: string, changedFrom?: { hash: string }[]): Promise<{ status: string; charts: { ink: number; hash: string }[] }> =>
      poll(what, async () => {
        const errors = await simulatorErrors(frame);
        if (errors.length) throw new PollAbort(`${what}: the simulator shows ${JSON.stringify(errors)}`);
        const status = await frame.locator('#run-status').innerText().catch(() => '');
        const busy = await frame.locator('#results').getAttribute('aria-busy').catch(() => null);
        if (!/simulated/i.test(status) || busy === 'true') return undefined;
        const charts = await canvasInk(frame, 'canvas');
        if (charts.length < 4 || !charts.every((c) => c.ink > 0)) return undefined;
        if (changedFrom && !charts.some((c, i) => c.hash !== changedFrom[i]?.hash)) return undefined;
        return { status, charts };
      }, 120_000, 500);

    it('5. the sidebar simulator renders its charts without CSP violations and re-renders when an input changes', async () => {
      const { title } = requireContribution();
      const cspBefore = cspViolations().length;
      await wb.command(title);
      const frame = await simulatorFrame();
      try {
        const first = await finishedSimulation(frame, 'the first simulation (4 drawn charts)');
        await frame.locator('#h-results').scrollIntoViewIfNeeded();
        const artifact = await session.screenshot('simulator');
        copyToDocs(artifact, 'editor-simulator.png');

        // The sidebar at its default width: no horizontal scrollbar, the endpoint dropdown whole.
        const layout = (): Promise<{ scroll: number; client: number; select: number; chart: number }> => frame.evaluate(() => ({
          scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
          select: document.getElementById('endpoint')!.getBoundingClientRect().right, chart: document.getElementById('chart-load')!.getBoundingClientRect().width,
        }));
        const narrow = await layout();
        assert.ok(narrow.scroll <= narrow.client, `no horizontal scrollbar in the ${narrow.client} px sidebar (scrollWidth ${narrow.scroll})`);
        assert.ok(narrow.select <= narrow.client, `the endpoint dropdown is not cut (right edge ${narrow.select} of ${narrow.client} px)`);
        // Widen the sidebar by dragging its sash: the charts follow without hiding and showing the view.
        const bar = (await wb.page.locator('.part.sidebar').boundingBox())!;
        const drag = async (dx: number): Promise<void> => {
          const x = bar.x + bar.width + (dx < 0 ? 300 : 0);
          const y = bar.y + bar.height / 2;
          await wb.page.mouse.move(x - 1, y);
          await wb.page.mouse.down();
          await wb.page.mouse.move(x - 1 + dx, y, { steps: 12 });
          await wb.page.mouse.up();
        };
        await drag(300);
        const wide = await poll('the charts to follow the wider sidebar', async () => {
          const l = await layout();
          return l.client > narrow.client + 200 && l.chart > narrow.chart + 200 ? l : undefined;
        }, WAIT, 300);
        assert.ok(wide.scroll <= wide.client);
        await session.screenshot('simulator-wide');
        await drag(-300);
        await poll('the sidebar back to its width', async () => ((await layout()).client <= narrow.client + 5 ? true : undefined), WAIT, 300);
        const users = frame.locator('#in-users');
        const rate = frame.locator('#in-rate');
        const input = (await users.isVisible()) ? users : rate;
        const value = Number(await input.inputValue());
        assert.ok(value > 0, `the load input shows the detected value (${value})`);
        await input.fill(String(value * 4));
        const second = await finishedSimulation(frame, 'the charts to re-render after the load input changed', first.charts);
        assert.match(second.status, /simulated/i);
        await session.screenshot('simulator-changed');
      } finally {
        await session.screenshot('simulator-last').catch(() => undefined);
      }
      assert.deepEqual(cspViolations().slice(cspBefore), [], 'Content-Security-Policy violations in the console');
    });

    it('6. a CodeLens above a view opens the simulator on that endpoint', async () => {
      requireContribution();
      await wb.openFile(VIEWS);
      await wb.goTo(13, 1);
      assert.equal((await wb.lineText(13)).trim(), 'def product_list(request):');
      const lens = await wb.clickCodeLensAbove(13, /simulat/i);
      const lensText = lens.text;
      const target = /Simulate (\S+)/.exec(lens.title)?.[1] ?? lensText;
      assert.match(target, /product_list/, `the CodeLens above product_list is about it: ${target}`);
      const frame = await simulatorFrame();
      const selected = await poll('the simulator to select the endpoint of the CodeLens', async () => {
        const errors = await simulatorErrors(frame);
        if (errors.length) throw new PollAbort(`the simulator shows ${JSON.stringify(errors)}`);
        const text = await frame.locator('select#endpoint').evaluate((el) => {
          const sel = el as HTMLSelectElement;
          return sel.value ? (sel.selectedOptions[0]?.textContent ?? sel.value) : '';
        }).catch(() => '');
        return /product_list/.test(text) ? text : undefined;
      }, 60_000, 500);
      assert.match(selected, /product_list/, `CodeLens "${lensText}" selected "${selected}"`);
      await finishedSimulation(frame, 'the simulation of the selected endpoint');
    });

    it('10. "Open Simulator" selects the view at the cursor; its "go to code" lands on the finding\'s own line', async () => {
      const { title } = requireContribution();
      await wb.openFile(VIEWS);
      const lines = fs.readFileSync(session.file(VIEWS), 'utf8').split('\n');
      const def = lines.findIndex((l) => l.startsWith('def category_overview(request):')) + 1;
      assert.ok(def > 0, 'category_overview is in views.py');
      await wb.goTo(def + 2, 5);
      await wb.command(title);
      const frame = await simulatorFrame();
      await poll('the simulator to select category_overview (the view at the cursor)', async () => {
        const errors = await simulatorErrors(frame);
        if (errors.length) throw new PollAbort(`the simulator shows ${JSON.stringify(errors)}`);
        return (await frame.locator('select#endpoint').inputValue().catch(() => '')) === 'catalog.views.category_overview' || undefined;
      }, 60_000, 500);
      // "go to code" of its first finding: the editor's cursor lands on the flagged line (not one above).
      const link = frame.locator('#endpoint-info ul.findings button.link').first();
      await link.waitFor({ state: 'visible', timeout: WAIT });
      const label = await link.innerText();
      const shown = Number(/:(\d+)\)$/.exec(label)?.[1]);
      const expected = cliFindings(session.build!.dist, session.workspace)
        .filter((f) => f.filename.endsWith(VIEWS) && f.location.row > def && f.location.row < def + 8).map((f) => f.location.row);
      assert.ok(expected.includes(shown), `"${label}" names a flagged line of category_overview (${expected.join(', ')})`);
      await link.click();
      await poll(`the cursor on line ${shown}`, async () => {
        const t = await wb.page.locator('#status\\.editor\\.selection').textContent().catch(() => '');
        return (t ?? '').includes(`Ln ${shown},`) || undefined;
      }, WAIT);
      await finishedSimulation(frame, 'the simulation of category_overview');
      const artifact = await session.screenshot('simulator-at-cursor');
      copyToDocs(artifact, 'editor-simulator-at-cursor.png');
    });
  });
});
