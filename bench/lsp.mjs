// Language server benchmarks over a real stdio connection, in a workspace of the generated corpus:
// start-up (initialize -> first diagnostics of an open file), background indexing, incremental editing
// (didChange of one character in a 2,000-line views file -> publishDiagnostics, debounce excluded), and the
// server's memory after indexing with 50 open documents.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { pct, phaseMedians } from './serverStats.mjs';

const require = createRequire(import.meta.url);
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const { TestClient } = require(path.join(root, 'out/test/lsp/client.js'));
const corpus = path.join(root, '.bench-cache/generated');

function rssMB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}
function bigViews(lines) {
  const out = ['from ..models import *', ''];
  let i = 0;
  while (out.length < lines) {
    out.push(`def view_${i}(request):`, `    rows = []`, `    for item in Order${i % 7}.objects.filter(amount__gt=${i}):`, `        rows.append(item.name)`, `    return rows`, '');
    i++;
  }
  return `${out.join('\n')}\n`;
}

const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'djperf-lsp-bench-'));
fs.cpSync(corpus, ws, { recursive: true });
const bigFile = path.join(ws, 'app000', 'views', 'big.py');
fs.writeFileSync(bigFile, bigViews(2000));
const openFile = path.join(ws, 'app001', 'views', 'v0.py');

const t0 = performance.now();
const { client } = await TestClient.start(ws);
client.settings = { run: 'onSave' };
const openUri = pathToFileURL(openFile).href;
client.open(openUri, fs.readFileSync(openFile, 'utf8'), 1);
await client.latestDiagnostics(openUri, () => true);
const firstDiagnostics = performance.now() - t0;
// The background scan reports work-done progress; its end means every file is indexed and analysed.
await client.waitFor('workspace scan done', () => client.progress.some((p) => p.value.kind === 'end'), 600_000);
const indexed = performance.now() - t0;

// 50 open documents.
const files = fs.readdirSync(ws).filter((d) => d.startsWith('app')).slice(0, 50).map((d) => path.join(ws, d, 'views', 'v1.py'));
for (const f of files) client.open(pathToFileURL(f).href, fs.readFileSync(f, 'utf8'), 1);
await client.waitFor('50 documents analysed', () => files.every((f) => (client.diagnostics.get(pathToFileURL(f).href) ?? []).length > 0), 120_000);
const rss = rssMB(client.child.pid);

// Incremental editing of the 2,000-line file: one character, then save (run = onSave: no debounce).
const bigUri = pathToFileURL(bigFile).href;
let text = fs.readFileSync(bigFile, 'utf8');
client.open(bigUri, text, 1);
await client.latestDiagnostics(bigUri, () => true);
const samples = [];
for (let v = 2; v < 62; v++) {
  const line = 4 + (v % 300) * 6;
  const before = client.publications(bigUri);
  const start = performance.now();
  client.change(bigUri, v, [{ range: { start: { line, character: 20 }, end: { line, character: 20 } }, text: v % 2 ? 'x' : '' }]);
  void client.conn.sendNotification('textDocument/didSave', { textDocument: { uri: bigUri } });
  await client.latestDiagnostics(bigUri, (p) => p.version === v, before);
  samples.push(performance.now() - start);
}
const stats = await client.request({ method: 'djperf/debugDocumentStats' }, { uri: bigUri });
// Server time of the 60 edits (the last 60 samples; the first is the open).
const serverMs = stats.serverMs.slice(-samples.length);
await client.stop();
fs.rmSync(ws, { recursive: true, force: true });

console.table([{
  workspace: `${fs.readdirSync(corpus).length} top-level folders, generated corpus`,
  'first diagnostics ms': Math.round(firstDiagnostics),
  'workspace scanned s': (indexed / 1000).toFixed(1),
  'edit→diagnostics p50 ms': samples.length ? pct(samples, 50).toFixed(1) : '-',
  'server ms p50 / p95': `${pct(serverMs, 50).toFixed(1)} / ${pct(serverMs, 95).toFixed(1)}`,
  'server p50 reparse / copy / facts / rules ms': phaseMedians(stats, samples.length),
  'edit→diagnostics p95 ms': samples.length ? pct(samples, 95).toFixed(1) : '-',
  'full / incremental parses': `${stats?.fullParses} / ${stats?.incrementalParses}`,
  'tree nodes taken over': `${Math.round((100 * stats.treeNodesReused) / stats.treeNodes)} %`,
  'server RSS MB (50 open)': Math.round(rss),
}]);
