import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseHostToView, parseViewToHost, parseWorkerToUi } from '../../webview/ui/messages';
import { restoreState } from '../../webview/ui/state';
import { simulatorCsp, renderSimulatorHtml } from '../../webview/ui/html';
import { REPO_ROOT } from '../harness/paths';

const report: unknown = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/webview/fixtures/shopProfiles.json'), 'utf8'));
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('webview: message protocol', () => {
  it('accepts the sample ProfileReport and a select', () => {
    const m = parseHostToView({ type: 'profiles', report, select: 'catalog.views.product_list' });
    assert.ok(m.ok && m.message.type === 'profiles' && m.message.report?.endpoints.length === 5);
    assert.deepEqual(parseHostToView({ type: 'select', endpointId: null }), { ok: true, message: { type: 'select', endpointId: null } });
  });

  it('refuses malformed messages with a reason naming the path', () => {
    const bad = clone(report) as { endpoints: { endpoint: { steps: unknown[] }; handler: { kind: string } }[] };
    bad.endpoints[1].endpoint.steps.push({ db: { queries: -1, ms: 2 } });
    bad.endpoints[2].handler.kind = 'lambda';
    const r = parseHostToView({ type: 'profiles', report: bad });
    assert.ok(!r.ok);
    assert.match(r.error, /report\.endpoints\[1\]\.endpoint/);
    assert.match(r.error, /report\.endpoints\[2\]\.handler\.kind/);
    for (const junk of [null, 42, 'profiles', [], { type: 'nope' }, { type: 'select', endpointId: 3 }, { type: 'error' }, { type: 'profiles', report: { endpoints: 'x' } }]) {
      assert.equal(parseHostToView(junk).ok, false, JSON.stringify(junk));
    }
  });

  it('validates what the webview sends the extension', () => {
    assert.deepEqual(parseViewToHost({ type: 'openLocation', uri: 'file:///a.py', line: 3 }), { ok: true, message: { type: 'openLocation', uri: 'file:///a.py', line: 3 } });
    assert.equal(parseViewToHost({ type: 'openLocation', uri: 'file:///a.py', line: -1 }).ok, false);
    assert.equal(parseViewToHost({ type: 'openLocation', uri: '', line: 1 }).ok, false);
    assert.equal(parseViewToHost({ type: 'exec', command: 'rm' }).ok, false);
    assert.deepEqual(parseViewToHost({ type: 'ready', extra: 1 }), { ok: true, message: { type: 'ready' } });
  });

  it('validates worker results', () => {
    assert.equal(parseWorkerToUi({ type: 'sweep', runId: 1, axis: 'users', points: [{ x: 1, p50: 1, p95: 2, p99: 3, throughput: 4, errorRate: 0 }] }).ok, true);
    assert.equal(parseWorkerToUi({ type: 'sweep', runId: 1, axis: 'users', points: [{ x: 1, p50: NaN }] }).ok, false);
    assert.equal(parseWorkerToUi({ type: 'main', runId: 1, result: {} }).ok, false);
    assert.equal(parseWorkerToUi({ type: 'done', wallMs: 3 }).ok, false);
  });

  it('restores saved state only when it validates', () => {
    const ok = restoreState({ version: 1, report, selection: 'logbook.views.logbook_feed', inputs: null });
    assert.equal(ok.problem, undefined);
    assert.equal(ok.state.selection, 'logbook.views.logbook_feed');
    const corrupt = restoreState({ version: 1, report: { endpoints: 3 }, selection: null, inputs: null });
    assert.match(corrupt.problem ?? '', /corrupt/);
    assert.equal(corrupt.state.report, null);
    assert.match(restoreState({ version: 0 }).problem ?? '', /another version/);
  });

  it('the page has the strict CSP and no inline executable script', () => {
    const html = renderSimulatorHtml({ cspSource: 'https://x.vscode-cdn.net', nonce: 'abc', scriptUri: 'https://x/main.js', styleUri: 'https://x/style.css', workerSourceBase64: 'QUJD' });
    assert.ok(html.includes(simulatorCsp('https://x.vscode-cdn.net', 'abc')));
    assert.equal(simulatorCsp('S', 'N'), "default-src 'none'; img-src S data:; style-src S; script-src 'nonce-N'; worker-src S blob:");
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    assert.ok(scripts.every((a) => a.includes('nonce="abc"') || a.includes('type="text/plain"')), scripts.join(' | '));
    assert.throws(() => renderSimulatorHtml({ cspSource: 'S', nonce: 'N', scriptUri: 'a', styleUri: 'b', workerSourceBase64: '</script><script>' }));
  });
});
