/**
 * The simulator page in real headless Chromium, under the same CSP as the VS Code view, with a stand-in for
 * acquireVsCodeApi. One browser for the file; each test gets its own page (tab).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConsoleMessage, Page } from 'playwright-core';
import { REPO_ROOT } from '../harness/paths';
import { launchChromium, type LaunchedBrowser } from './harness/browser';
import { THEMES, startPageServer, type PageServer, type ThemeName } from './harness/page';
import { profileProject } from '../../server/node/profile';
import { loadProjectConfig } from '../../server/node/projectConfig';
import { mergeConfig } from '../../server/core/config/config';
import { EXAMPLES } from '../harness/paths';

const report: unknown = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/webview/fixtures/shopProfiles.json'), 'utf8'));
const ARTIFACTS = path.join(REPO_ROOT, '.test-artifacts');

interface Posted { type: string; uri?: string; line?: number }
declare const window: Window & { __posted: Posted[]; __cspViolations: string[] };

describe('webview: simulator page in headless Chromium', function () {
  this.timeout(60000);
  let browser: LaunchedBrowser;
  let server: PageServer;
  const consoleLines: string[] = [];
  const pageErrors: string[] = [];

  before(async function () {
    this.timeout(60000);
    server = await startPageServer();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('console', (m: ConsoleMessage) => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
    return page;
  }

  /** Closes a page after checking the page itself saw no CSP violation (securitypolicyviolation events). */
  async function done(page: Page): Promise<void> {
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    await page.close();
  }

  const send = (page: Page, message: unknown): Promise<void> => page.evaluate((m) => window.postMessage(m, '*'), message);

  /** Waits until a what-if finished: all four charts hold data and the advice is listed. */
  async function settled(page: Page): Promise<void> {
    await page.waitForFunction(() => {
      const charts = ['chart-load', 'chart-workers', 'chart-queue', 'chart-compare'].map((id) => document.getElementById(id) as HTMLCanvasElement);
      return charts.every((c) => Number(c.dataset.points ?? 0) > 0) && document.querySelectorAll('ol.advice li').length > 0 &&
        document.getElementById('results')?.getAttribute('aria-busy') === 'false';
    }, undefined, { timeout: 45000 });
  }

  const metric = (page: Page, name: string): Promise<string> => page.locator(`dd[data-metric="${name}"]`).innerText();

  async function loaded(): Promise<Page> {
    const page = await open();
    await send(page, { type: 'profiles', report });
    await settled(page);
    return page;
  }

  it('renders every chart with data, the deployment with its sources and the ranked advice', async () => {
    const page = await loaded();
    const charts = await page.evaluate(() => ['chart-load', 'chart-workers', 'chart-queue', 'chart-compare'].map((id) => {
      const c = document.getElementById(id) as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
      return { id, datasets: Number(c.dataset.datasets), points: Number(c.dataset.points), painted, size: c.width * c.height, label: c.getAttribute('aria-label') ?? '' };
    }));
    for (const c of charts) {
      assert.ok(c.datasets > 0 && c.points > 0, `${c.id}: ${c.datasets} datasets, ${c.points} points`);
      assert.ok(c.painted > c.size * 0.01, `${c.id}: only ${c.painted} of ${c.size} pixels painted`);
      assert.doesNotMatch(c.label, /waiting for the simulation/);
    }
    assert.equal(charts.find((c) => c.id === 'chart-load')!.datasets, 3, 'p50, p95, p99');
    assert.equal(charts.find((c) => c.id === 'chart-compare')!.datasets, 2, 'now and with the fixes');
    const workers = page.locator('dl.deployment dd', { hasText: /^3\b/ }).first();
    assert.match((await workers.getAttribute('title')) ?? '', /gunicorn\.conf\.py:\d+ — gunicorn\.conf\.py (workers|threads)/);
    assert.match(await page.locator('.bottleneck').innerText(), /Bottleneck now: .+/);
    assert.match(await page.locator('.fix-gain').innerText(), /With the proposed fixes: p95 .+ → .+ \(−\d+ %\)/);
    assert.ok((await page.locator('ol.advice li').count()) >= 3);
    assert.match(await page.locator('ol.advice li').first().innerText(), /p95 .+ → .+ \([−+]\d+ %\)/);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'simulator.png'), fullPage: true });
    // The README's screenshot is refreshed only when asked: a test run must not edit tracked files.
    if (process.env.DJPERF_UPDATE_SCREENSHOTS === '1') {
      // The result (summary, charts) and the advice under it.
      const top = (await page.locator('#results').boundingBox())!;
      const end = (await page.locator('#advice').boundingBox())!;
      await page.screenshot({ path: path.join(REPO_ROOT, 'docs', 'simulator.png'), fullPage: true, clip: { x: 0, y: top.y, width: top.width + top.x * 2, height: end.y + end.height - top.y + 8 } });
    }
    await done(page);
  });

  it('reacts to an input change with a new result (debounced typing, only the last value is simulated)', async () => {
    const page = await loaded();
    await page.selectOption('#endpoint', 'catalog.views.product_list');
    await settled(page);
    const before = await metric(page, 'p95');
    // Type several values quickly: only the last must be simulated (debounced, stale runs cancelled).
    for (const v of ['1', '15', '150']) await page.fill('#in-rows', v);
    await page.waitForFunction((old) => document.querySelector('dd[data-metric="p95"]')?.textContent !== old, before, { timeout: 30000 });
    await settled(page);
    const after = await metric(page, 'p95');
    assert.notEqual(after, before);
    assert.ok(parseFloat(after.replace(/,/g, '')) > parseFloat(before.replace(/,/g, '')), `N = 150 should be slower than N = 50: ${before} → ${after}`);
    await done(page);
  });

  it('user groups: typed into the form, each group gets its own row of results', async () => {
    const page = await loaded();
    await page.selectOption('#endpoint', 'catalog.views.product_list');
    await settled(page);
    const name = await page.evaluate(() => document.querySelector('#endpoint option:checked')?.textContent ?? '');
    assert.ok(name);
    await page.fill('#in-groups', 'readers | 20 | 500\nbots | 4 | 0');
    await page.waitForSelector('table.groups tr[data-group="bots"]', { timeout: 30000 });
    const rows = await page.$$eval('table.groups tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-group')));
    assert.deepEqual(rows, ['readers', 'bots']);
    await done(page);
  });

  it('follows the dark, light and high-contrast themes (page and charts)', async () => {
    const page = await loaded();
    const look = async (name: ThemeName): Promise<{ color: string; bg: string; chart: string }> => {
      await page.evaluate((t) => {
        for (const [k, v] of Object.entries(t.vars)) document.documentElement.style.setProperty(k, v);
        document.body.className = t.bodyClass;
      }, THEMES[name]);
      await page.waitForTimeout(100);
      return page.evaluate(() => {
        const s = getComputedStyle(document.body);
        const c = document.getElementById('chart-compare') as HTMLCanvasElement;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let hash = 0;
        for (let i = 0; i < d.length; i += 97) hash = (hash * 31 + d[i]) >>> 0;
        return { color: s.color, bg: s.backgroundColor, chart: String(hash) };
      });
    };
    const dark = await look('dark');
    const light = await look('light');
    const hc = await look('highContrast');
    assert.notEqual(dark.color, light.color);
    assert.notEqual(dark.bg, light.bg);
    assert.notEqual(hc.color, light.color);
    assert.equal(hc.bg, 'rgb(0, 0, 0)');
    assert.notEqual(dark.chart, light.chart, 'charts are redrawn in the new theme colours');
    assert.notEqual(light.chart, hc.chart);
    const hcBorder = await page.evaluate(() => getComputedStyle(document.querySelector('fieldset')!).borderTopColor);
    assert.equal(hcBorder, 'rgb(111, 195, 223)', 'high contrast: contrastBorder on fieldsets');
    await done(page);
  });

  it('refuses malformed messages: shows an error, keeps its state and keeps working', async () => {
    const page = await loaded();
    const warnings = consoleLines.length;
    const p95 = await metric(page, 'p95');
    const options = await page.locator('#endpoint option').count();
    await send(page, { type: 'profiles', report: { endpoints: 'not a list', deployment: {} } });
    await send(page, { type: 'launchMissiles' });
    await send(page, 'just a string');
    await send(page, { type: 'select', endpointId: 42 });
    await page.waitForFunction(() => document.querySelectorAll('#errors li').length >= 4);
    const errors = await page.locator('#errors li').allInnerTexts();
    assert.match(errors[0], /refused a malformed message: profiles: report\.endpoints: must be an array/);
    assert.match(errors[1], /unknown message type "launchMissiles"/);
    assert.ok(consoleLines.slice(warnings).filter((l) => l.startsWith('warning: djperf simulator: refused')).length >= 4);
    assert.equal(await metric(page, 'p95'), p95);
    assert.equal(await page.locator('#endpoint option').count(), options);
    // Still alive: a valid select after the junk works.
    await send(page, { type: 'select', endpointId: 'inventory.views.reserve_stock' });
    await page.waitForFunction(() => /POST inventory\/reserve/.test(document.getElementById('endpoint-info')?.textContent ?? ''));
    await page.waitForFunction((old) => document.querySelector('dd[data-metric="p95"]')?.textContent !== old, p95, { timeout: 30000 });
    await settled(page);
    assert.equal(await page.locator('#endpoint').inputValue(), 'inventory.views.reserve_stock');
    await done(page);
  });

  it('every control is labelled and reachable with Tab; "go to code" posts openLocation from the keyboard', async () => {
    const page = await loaded();
    const unlabelled = await page.evaluate(() => Array.from(document.querySelectorAll('input, select, textarea'))
      .filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label'))
      .map((el) => el.id || el.outerHTML.slice(0, 60)));
    assert.deepEqual(unlabelled, []);
    const wanted = await page.evaluate(() => Array.from(document.querySelectorAll('input, select'))
      .filter((el) => (el as HTMLElement).offsetParent !== null).map((el) => el.id));
    assert.ok(wanted.length >= 10, wanted.join(','));
    const reached = new Set<string>();
    await page.locator('body').focus();
    for (let i = 0; i < 150 && wanted.some((id) => !reached.has(id)); i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => document.activeElement?.id ?? ''));
    }
    assert.deepEqual(wanted.filter((id) => !reached.has(id)), []);
    const goTo = page.locator('#endpoint-info button.link').first();
    await goTo.focus();
    await page.keyboard.press('Enter');
    const posted = await page.evaluate(() => window.__posted.filter((m) => m.type === 'openLocation'));
    assert.equal(posted.length, 1);
    assert.match(posted[0].uri ?? '', /^file:\/\/\/home\/dev\/shop\/.+\.py$/);
    assert.ok(Number.isInteger(posted[0].line) && posted[0].line! >= 0);
    await done(page);
  });

  it('"go to code" opens the 0-based line the profile stores and labels it 1-based (findings and invalidations)', async () => {
    const page = await loaded();
    const first = (report as { endpoints: { id: string; handler: { uri: string }; findings: { line: number }[]; cacheAdvice?: { invalidateAt: { line: number }[] } }[] })
      .endpoints.find((e) => e.findings.length > 0 && (e.cacheAdvice?.invalidateAt.length ?? 0) > 0)!;
    await page.selectOption('#endpoint', first.id);
    await page.waitForFunction((n) => document.querySelectorAll('#endpoint-info ul.findings button.link').length === n, first.findings.length);
    const links = await page.locator('#endpoint-info ul.findings button.link').evaluateAll((bs) => bs.map((b) => ({ line: Number(b.getAttribute('data-line')), label: b.textContent ?? '' })));
    assert.deepEqual(links.map((l) => l.line), first.findings.map((f) => f.line));
    assert.deepEqual(links.map((l) => /:(\d+)\)$/.exec(l.label)?.[1]), first.findings.map((f) => String(f.line + 1)));
    const inval = await page.locator('#endpoint-info .callout button.link').evaluateAll((bs) => bs.map((b) => Number(b.getAttribute('data-line'))));
    assert.deepEqual(inval, first.cacheAdvice!.invalidateAt.map((w) => w.line));
    await page.locator('#endpoint-info ul.findings button.link').first().click();
    const posted = await page.evaluate(() => window.__posted.filter((m) => m.type === 'openLocation'));
    assert.deepEqual(posted.map((m) => m.line), [first.findings[0].line]);
    await done(page);
  });

  it('restores its state after a reload (getState/setState), without waiting for the extension', async () => {
    const page = await loaded();
    await page.selectOption('#endpoint', 'logbook.views.logbook_feed');
    await page.fill('#in-workers', '5');
    await settled(page);
    await page.waitForFunction(() => document.querySelector('#run-status')?.textContent?.startsWith('What-if'));
    await page.reload();
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
    assert.equal(await page.locator('#endpoint').inputValue(), 'logbook.views.logbook_feed');
    assert.equal(await page.locator('#in-workers').inputValue(), '5');
    assert.equal(await page.locator('#in-rows').inputValue(), '20');
    await settled(page); // the restored report is simulated again without a `profiles` message
    await done(page);
  });

  /** The real profile report of examples/shop, as the server sends it. */
  async function shopReport(): Promise<unknown> {
    const dir = path.join(EXAMPLES, 'shop');
    const { report } = await profileProject(dir, mergeConfig(loadProjectConfig(dir).config));
    return JSON.parse(JSON.stringify(report));
  }

  it('says why the cache hit ratio does not apply (a known cache key, no cache read) and applies it where it does', async () => {
    const page = await open();
    await send(page, { type: 'profiles', report: await shopReport() });
    await settled(page);
    const cache = page.locator('#in-cacheHitRatio');
    const hint = page.locator('#in-cacheHitRatio-hint');
    // A keyed entry: its hits follow from the TTL and the invalidating writes, whatever the input says.
    await page.selectOption('#endpoint', 'logbook.views.logbook_feed_cached');
    await settled(page);
    assert.match(await hint.innerText(), /not used.*cache key logbook_likes.*TTL/i);
    assert.equal(await cache.isDisabled(), true);
    // A cache candidate's callout and notes: sentences end with one period.
    await page.selectOption('#endpoint', 'catalog.views.category_overview');
    await page.waitForSelector('#endpoint-info .callout');
    assert.doesNotMatch(await page.locator('#endpoint-info').innerText(), /(^|[^.])\.\.(\s|$)/);
    // No cache read at all.
    await page.selectOption('#endpoint', 'catalog.views.product_list');
    await settled(page);
    assert.match(await hint.innerText(), /not used.*no cache read/i);
    // An unkeyed cache read: the input applies and changes the result.
    await page.selectOption('#endpoint', 'catalog.async_views.product_availability');
    await settled(page);
    assert.equal(await cache.isDisabled(), false);
    assert.doesNotMatch(await hint.innerText(), /not used/i);
    const before = await metric(page, 'mean');
    await cache.fill('0');
    await page.waitForFunction((old) => document.querySelector('dd[data-metric="mean"]')?.textContent !== old, before, { timeout: 30000 });
    await settled(page);
    assert.ok(parseFloat((await metric(page, 'mean')).replace(/,/g, '')) > parseFloat(before.replace(/,/g, '')), 'no cache hits: slower on average');
    await done(page);
  });

  it('advice: only changes worth making, best gain first, "now" in the result panel\'s numbers; the fixes coloured by their real effect', async () => {
    const page = await loaded();
    for (const id of ['catalog.views.product_list', 'inventory.views.reserve_stock', null]) {
      if (id) { await page.selectOption('#endpoint', id); await settled(page); }
      const p95 = await metric(page, 'p95');
      const items = await page.locator('ol.advice li').allInnerTexts();
      const changes = items.map((t) => {
        const m = /p95 ([\d,.]+ m?s) → [\d,.]+ m?s \(([−+])(\d+) %\)/.exec(t);
        assert.ok(m, `an advice item states its p95 change: ${t}`);
        assert.equal(m[1], p95, `the advice starts from the result panel's p95 (${p95}): ${t}`);
        return (m[2] === '−' ? -1 : 1) * Number(m[3]);
      });
      assert.deepEqual(items.filter((t) => /\(\+0 %\)|\(−0 %\)/.test(t.split(', throughput')[0])), [], 'no change with a 0 % gain');
      assert.deepEqual([...changes].sort((a, b) => a - b), changes, 'best predicted gain first');
      const whys = await page.locator('ol.advice .why').allInnerTexts();
      assert.ok(whys.filter((w) => /no shared resource is saturated/.test(w)).length <= 1, 'not repeated under every item');
      const bottleneck = await page.locator('.bottleneck').innerText();
      if (/worker slots/.test(bottleneck)) assert.doesNotMatch(bottleneck, /no shared resource/);
      const fix = page.locator('.fix-gain');
      if (await fix.count()) {
        const text = await fix.innerText();
        const verdict = await fix.getAttribute('data-verdict');
        const m = /throughput ([\d,.]+) req\/s → ([\d,.]+) req\/s/.exec(text)!;
        const [before, after] = [m[1], m[2]].map((x) => parseFloat(x.replace(/,/g, '')));
        if (after < before * 0.99) assert.notEqual(verdict, 'better', `throughput falls, not green: ${text}`);
        const green = await fix.evaluate((el) => getComputedStyle(el).color);
        if (verdict !== 'better') assert.notEqual(green, 'rgb(137, 209, 133)', 'only a real gain is green');
      }
    }
    await done(page);
  });

  it('fits a 300 px sidebar (no horizontal scrollbar, the endpoint dropdown not cut) and its charts follow a resize', async () => {
    const page = await loaded();
    await page.setViewportSize({ width: 300, height: 900 });
    await page.waitForTimeout(300);
    const fit = await page.evaluate(() => {
      const doc = document.documentElement;
      const select = document.getElementById('endpoint')!.getBoundingClientRect();
      const wide = Array.from(document.querySelectorAll<HTMLElement>('body *')).filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 0.5)
        .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${el.className}`).slice(0, 8);
      return { scroll: doc.scrollWidth, client: doc.clientWidth, selectRight: select.right, wide };
    });
    assert.ok(fit.scroll <= fit.client, `no horizontal scrollbar at 300 px: scrollWidth ${fit.scroll} > ${fit.client} (${fit.wide.join(', ')})`);
    assert.ok(fit.selectRight <= fit.client, `the endpoint dropdown is not cut: right edge ${fit.selectRight} > ${fit.client}`);
    const width = (): Promise<number[]> => page.evaluate(() => ['chart-load', 'chart-workers', 'chart-queue', 'chart-compare'].map((id) => document.getElementById(id)!.getBoundingClientRect().width));
    const narrow = await width();
    for (const w of narrow) assert.ok(w <= 300, `a chart fits 300 px: ${w}`);
    await page.setViewportSize({ width: 640, height: 900 });
    const wide = await page.waitForFunction(() => ['chart-load', 'chart-workers', 'chart-queue', 'chart-compare']
      .every((id) => document.getElementById(id)!.getBoundingClientRect().width > 560), undefined, { timeout: 30000 }).then(() => true, () => false);
    assert.ok(wide, `the charts grow with the view: ${JSON.stringify(await width())} at 640 px`);
    await page.setViewportSize({ width: 300, height: 900 });
    await page.waitForFunction(() => ['chart-load', 'chart-compare'].every((id) => document.getElementById(id)!.getBoundingClientRect().width <= 300), undefined, { timeout: 30000 });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'simulator-300px.png'), fullPage: true });
    await done(page);
  });

  it('range inputs are labelled sliders that show their value and move with the keyboard', async () => {
    const page = await open();
    await send(page, { type: 'profiles', report: await shopReport() });
    await settled(page);
    await page.selectOption('#endpoint', 'catalog.async_views.product_availability');
    await settled(page);
    for (const id of ['in-workers', 'in-cacheHitRatio']) {
      const slider = page.locator(`#${id}`);
      assert.equal(await slider.getAttribute('type'), 'range', `${id} is a slider`);
      assert.equal(await slider.evaluate((el) => (el as HTMLInputElement).labels?.length ?? 0), 1, `${id} has a label`);
      const shown = page.locator(`output[for="${id}"]`);
      const before = await shown.innerText();
      const value = await slider.inputValue();
      assert.ok(before.includes(String(Math.round(Number(value)))), `${id} shows its value ${value}: "${before}"`);
      await slider.focus();
      await page.keyboard.press('ArrowRight');
      assert.notEqual(await slider.inputValue(), value, `${id} moves with the arrow keys`);
      assert.notEqual(await shown.innerText(), before, `${id}'s shown value follows`);
      assert.equal(await slider.getAttribute('aria-valuetext'), await shown.innerText());
    }
    await done(page);
  });

  it('logged no CSP violation and no page error', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(consoleLines.filter((l) => /Content Security Policy|Refused to/i.test(l)), []);
  });
});
