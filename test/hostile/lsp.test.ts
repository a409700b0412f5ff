/**
 * Issue 8, part 4: the real language server (`dist/server.js --stdio`) survives malformed JSON-RPC (garbage bytes
 * between messages, a Content-Length that lies, params of the wrong type), out-of-order messages, edits to closed
 * documents and cancellation. After each abuse it still answers a normal request and publishes diagnostics.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Hover } from 'vscode-languageserver-protocol';
import { DocumentStatsRequest } from '../../server/lsp/protocol';
import { FIXTURE_PROJECTS } from '../harness/paths';
import { TestClient } from '../lsp/client';
import { CASES, ROOT as DEEP_ROOT } from '../fuzz/deepCases';

const NPLUS1 = 'from .models import Book\n\ndef v(request):\n    return [b.author.name for b in Book.objects.all()]\n';

describe('language server: hostile JSON-RPC and out-of-order traffic', function () {
  this.timeout(120_000);
  let dir: string;
  let client: TestClient;
  let probes = 0;
  const uri = (name: string): string => pathToFileURL(path.join(dir, 'library', name)).href;
  const raw = (data: string | Buffer): void => {
    client.child.stdin!.write(data);
  };
  const frame = (body: string, length = Buffer.byteLength(body)): string => `Content-Length: ${length}\r\n\r\n${body}`;

  /** The server still answers requests and publishes diagnostics for a freshly opened document. */
  async function healthy(what: string): Promise<void> {
    assert.equal(client.exited, false, `the server exited after ${what}\n${client.logs.join('\n').slice(-3000)}`);
    const u = uri(`probe_${++probes}.py`);
    client.open(u, NPLUS1, 1);
    const diags = await client.latestDiagnostics(u, (p) => p.diagnostics.some((d) => d.code === 'DJP101'));
    assert.ok(diags.diagnostics.length > 0, `no diagnostics after ${what}`);
    const hover = await client.conn.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: u }, position: { line: 3, character: 13 } });
    assert.ok(hover === null || typeof hover === 'object');
    const stats = await client.request(DocumentStatsRequest, { uri: u });
    assert.ok(stats && stats.fullParses >= 1, `no stats after ${what}`);
    client.close(u);
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'djperf-hostile-lsp-'));
    fs.cpSync(path.join(FIXTURE_PROJECTS, 'n1_forward'), dir, { recursive: true });
    ({ client } = await TestClient.start(dir));
    await client.waitFor('ready status', () => client.statuses.some((s) => s.state === 'ready'));
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts healthy', () => healthy('start-up'));

  it('invalid params types on every handler', async () => {
    const bad: unknown[] = [null, 3, 'x', [], {}, { textDocument: 3 }, { textDocument: { uri: 5 } }, { textDocument: { uri: uri('views.py') }, position: 'here' },
      { textDocument: { uri: uri('views.py') }, contentChanges: 'x' }, { textDocument: { uri: uri('views.py'), version: 'v' }, contentChanges: [{ range: 7, text: 1 }] }];
    for (const p of bad) {
      for (const n of ['textDocument/didOpen', 'textDocument/didChange', 'textDocument/didSave', 'textDocument/didClose', 'workspace/didChangeWatchedFiles', 'workspace/didChangeConfiguration']) {
        void client.conn.sendNotification(n, p);
      }
      for (const r of ['textDocument/hover', 'textDocument/codeAction', DocumentStatsRequest.method]) {
        await client.conn.sendRequest(r, p).catch((e: unknown) => e);
      }
    }
    await healthy('invalid params');
    assert.ok(!client.logs.some((l) => /RangeError|Maximum call stack/.test(l)));
  });

  it('garbage bytes between valid messages', async () => {
    raw('garbage\r\n\r\n');
    raw(Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x0d, 0x0a]));
    raw(frame('{"jsonrpc":"2.0","method":'));
    raw(frame('not json at all'));
    raw(frame('{"jsonrpc":"2.0","id":"x","method":"no/such/method","params":{}}'));
    raw(frame('[1,2,3]'));
    raw(frame('{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///nowhere/x.py","languageId":"python","version":1,"text":"x = ("}}}'));
    await healthy('garbage bytes');
  });

  it('a Content-Length that lies (too short, too long, negative, huge)', async () => {
    const body = '{"jsonrpc":"2.0","method":"$/noop","params":{}}';
    raw(frame(body, 5));
    raw(frame(body, -3));
    raw('Content-Length: 99999999999999999999\r\n\r\n{}');
    // Too long: the reader waits for bytes that never come as one message; pad it so the stream resynchronises.
    raw(frame(body, body.length + 40));
    raw(' '.repeat(40));
    await healthy('lying Content-Length');
  });

  it('out-of-order messages and edits to closed documents', async () => {
    const u = uri('ghost.py');
    client.change(u, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'x' }]);
    client.close(u);
    client.open(u, NPLUS1, 5);
    client.open(u, 'y = 1\n', 6);
    client.change(u, 3, [{ text: 'older version' }]);
    client.change(u, 7, [{ range: { start: { line: 999, character: 999 }, end: { line: -1, character: -5 } }, text: '(' }]);
    client.close(u);
    client.close(u);
    client.change(u, 8, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, text: 'z' }]);
    await client.conn.sendRequest('textDocument/hover', { textDocument: { uri: u }, position: { line: 0, character: 0 } });
    await client.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: u }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [] } });
    void client.conn.sendNotification('initialized', {});
    await client.conn.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} }).catch((e: unknown) => e);
    await healthy('out-of-order messages');
  });

  it('a batch of edits with a malformed one is refused whole: the document is not left half edited', async () => {
    const u = uri('batch.py');
    const logsBefore = client.logs.length;
    client.open(u, NPLUS1, 1);
    const before = await client.latestDiagnostics(u, (p) => p.diagnostics.some((d) => d.code === 'DJP101'));
    const line = before.diagnostics.find((d) => d.code === 'DJP101')!.range.start.line;
    const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    for (const bad of [{ range: { start: { line: 0 } }, text: 'x' }, { range: top, text: 5 }, null, { range: { start: top.start, end: { line: 'one', character: 0 } }, text: '' }]) {
      void client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: u, version: 2 }, contentChanges: [{ range: top, text: '\n\n\n' }, bad] });
    }
    await client.waitFor('the refusals logged', () => client.logs.filter((l) => /ignored: didChange for .*batch\.py version 2: content change 2 is malformed/.test(l)).length === 4);
    assert.equal((await client.request(DocumentStatsRequest, { uri: u }))?.version, 1);
    // The next edit applies to the text as opened: one line added above, the finding one line lower.
    const n = client.publications(u);
    client.change(u, 3, [{ range: top, text: '\n' }]);
    void client.conn.sendNotification('textDocument/didSave', { textDocument: { uri: u } });
    const after = await client.latestDiagnostics(u, (p) => p.version === 3, n);
    assert.deepEqual(after.diagnostics.filter((d) => d.code === 'DJP101').map((d) => d.range.start.line), [line + 1]);
    assert.ok(!client.logs.slice(logsBefore).some((l) => /didChange failed/.test(l)), 'a malformed change threw');
    client.close(u);
    await healthy('malformed edit batches');
  });

  it('cancellation of pending requests', async () => {
    const u = uri('cancel.py');
    const big = CASES.find((c) => c.name.startsWith('right-deep conditional'))!.text();
    client.open(u, big, 1);
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i++) {
      const id = `cancel-${i}`;
      const frameBody = JSON.stringify({ jsonrpc: '2.0', id, method: 'textDocument/codeAction', params: { textDocument: { uri: u }, range: { start: { line: 0, character: 0 }, end: { line: 5000, character: 0 } }, context: { diagnostics: [] } } });
      raw(frame(frameBody));
      raw(frame(JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id } })));
      raw(frame(JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 'never-sent' } })));
    }
    pending.push(client.conn.sendRequest('textDocument/hover', { textDocument: { uri: u }, position: { line: 5, character: 10 } }));
    await Promise.all(pending);
    client.close(u);
    await healthy('cancellation');
  });

  it('deeply nested documents (10,000 levels) opened and edited', async () => {
    const logsBefore = client.logs.length;
    for (const c of CASES.filter((x) => x.text().length < 2_000_000).slice(0, 12)) {
      const u = pathToFileURL(path.join(dir, 'library', `deep_${probes++}.py`)).href;
      const text = c.text();
      client.open(u, text, 1);
      client.change(u, 2, [{ range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } }, text: '# edited\n' }]);
      await client.latestDiagnostics(u, (p) => p.version === 2);
      client.close(u);
    }
    assert.ok(DEEP_ROOT.length > 0);
    const logged = client.logs.slice(logsBefore);
    assert.ok(!logged.some((l) => /RangeError|Maximum call stack| failed: /.test(l)), logged.filter((l) => /failed|Error/.test(l)).join('\n').slice(0, 2000));
    await healthy('deep documents');
  });
});
