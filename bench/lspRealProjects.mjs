// The language server on a real project workspace (the largest project of DJPERF_CORPORA with >= 1,000 Python
// files; skipped with a message when there is none), over a real stdio connection: initialize -> first diagnostics
// of an opened file while the workspace is still being indexed (a first session, and a restart that finds the
// files' facts the first one kept in its storage folder), the whole workspace indexed, server RSS (its peak
// while indexing, at the end, after the edits), then one-character edits (insert a character in an identifier, then
// delete it; run = onSave, so no debounce) -> publishDiagnostics in the project's largest DRF viewsets module and its
// largest models module: typed right after the scan (the viewsets module) or the open (the models module), then the
// same edits again once the server is idle.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { pct, phaseMedians } from './serverStats.mjs';

const require = createRequire(import.meta.url);
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const { TestClient } = require(path.join(root, 'out/test/lsp/client.js'));
const corporaDir = process.env.DJPERF_CORPORA ?? path.join(path.dirname(root), 'corpora');
const EDITS = Number(process.env.DJPERF_BENCH_EDITS ?? 40);
/**
 * The pauses before each module's second round of the same edits, before and after the scans the first round started
 * (a models edit schedules one): what the first round left queued (dependants, the warm-up) runs out meanwhile.
 */
const SETTLE_MS = 2000;

function pythonFiles(dir) {
  const out = [];
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop();
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules' || e.name === '__pycache__') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.name.endsWith('.py')) out.push(p);
    }
  }
  return out;
}
const rssMB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

const projects = fs.existsSync(corporaDir)
  ? fs.readdirSync(corporaDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => ({ dir: path.join(corporaDir, d.name), files: pythonFiles(path.join(corporaDir, d.name)) }))
    .filter((p) => p.files.length >= 1000).sort((a, b) => b.files.length - a.files.length)
  : [];
if (projects.length === 0) {
  console.log(`language server on a real project: skipped (no project with >= 1,000 Python files in ${corporaDir})`);
  process.exit(0);
}
const { dir, files } = projects[0];
const notTest = (f) => !/(^|\/)(tests?|unittests)\//.test(path.relative(dir, f)) && !/test_[^/]*\.py$/.test(f);
const largest = (pred) => files.filter((f) => notTest(f) && pred(f)).map((f) => ({ f, n: fs.statSync(f).size })).sort((a, b) => b.n - a.n)[0]?.f;
const viewsets = largest((f) => /ViewSet\b/.test(fs.readFileSync(f, 'utf8')) && /views?\.py$/.test(f));
const models = largest((f) => /(^|\/)models\.py$/.test(f) && !/migrations\//.test(f));

/** Edit positions: the end of the first name of `name = value` lines spread over the module. */
function editPoints(text, count) {
  const lines = text.split('\n');
  const points = [];
  lines.forEach((l, i) => { const m = /^(\s+)([A-Za-z_]\w*) = \S/.exec(l); if (m) points.push({ line: i, character: m[1].length + m[2].length }); });
  const step = Math.max(1, Math.floor(points.length / count));
  return points.filter((_, i) => i % step === 0).slice(0, count);
}

// The editor's storage folder for the workspace: empty for the first session, as after installing djperf.
const storagePath = fs.mkdtempSync(path.join(os.tmpdir(), 'djperf-bench-storage-'));
const t0 = performance.now();
const { client } = await TestClient.start(dir, { storagePath });
client.settings = { run: 'onSave' };
const openUri = pathToFileURL(viewsets).href;
// The peak while the workspace is indexed, not only the RSS at its end (V8 gives pages back seconds after a collection).
let rssPeak = 0;
const sampler = setInterval(() => { try { rssPeak = Math.max(rssPeak, rssMB(client.child.pid)); } catch { /* exited */ } }, 50);
client.open(openUri, fs.readFileSync(viewsets, 'utf8'), 1);
await client.latestDiagnostics(openUri, () => true);
const firstDiagnostics = performance.now() - t0;
const indexedBefore = client.progress.some((p) => p.value.kind === 'end');
await client.waitFor('workspace scan done', () => client.progress.some((p) => p.value.kind === 'end'), 900_000);
const indexed = performance.now() - t0;
const rssIndexed = rssMB(client.child.pid);
clearInterval(sampler);

const rows = [];
for (const file of [viewsets, models]) {
  const uri = pathToFileURL(file).href;
  const text = fs.readFileSync(file, 'utf8');
  if (file !== viewsets) {
    client.open(uri, text, 1);
    await client.latestDiagnostics(uri, () => true);
  }
  let v = 1;
  /** One round of edits at the module's points (a character typed, then taken back); the latencies seen by the client. */
  const round = async () => {
    const samples = [];
    for (const at of editPoints(text, EDITS / 2)) {
      for (const insert of [true, false]) {
        v++;
        const before = client.publications(uri);
        const start = performance.now();
        client.change(uri, v, [insert
          ? { range: { start: at, end: at }, text: 'x' }
          : { range: { start: at, end: { line: at.line, character: at.character + 1 } }, text: '' }]);
        void client.conn.sendNotification('textDocument/didSave', { textDocument: { uri } });
        await client.latestDiagnostics(uri, (p) => p.version === v, before);
        samples.push(performance.now() - start);
      }
    }
    return samples;
  };
  // Right after the scan (the viewsets module) or the open (the models module), as a user typing at once...
  const samples = await round();
  let stats = await client.request({ method: 'djperf/debugDocumentStats' }, { uri });
  const serverMs = stats.serverMs.slice(-samples.length);
  const phases = phaseMedians(stats, samples.length);
  // ...and the same edits again once the server is idle (what the rest of a session's typing meets): a models edit
  // schedules a scan of the workspace once the typing pauses, which is waited for.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const count = (kind) => client.progress.filter((p) => p.value.kind === kind).length;
  await client.waitFor('the workspace scans started by the edits', () => count('end') >= count('begin'), 900_000);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const settled = await round();
  stats = await client.request({ method: 'djperf/debugDocumentStats' }, { uri });
  const settledServerMs = stats.serverMs.slice(-settled.length);
  rows.push({
    module: path.relative(dir, file), lines: text.split('\n').length, edits: samples.length,
    'edit→diagnostics p50 / p95 ms': `${pct(samples, 50).toFixed(1)} / ${pct(samples, 95).toFixed(1)}`,
    'server ms p50 / p95': `${pct(serverMs, 50).toFixed(1)} / ${pct(serverMs, 95).toFixed(1)}`,
    'server p50 reparse / copy / facts / rules ms': phases,
    'settled: edit→diagnostics p50 / p95 ms': `${pct(settled, 50).toFixed(1)} / ${pct(settled, 95).toFixed(1)}`,
    'settled: server ms p50 / p95': `${pct(settledServerMs, 50).toFixed(1)} / ${pct(settledServerMs, 95).toFixed(1)}`,
  });
}
const rssEnd = rssMB(client.child.pid);
await client.stop();

// A restart (the next day's editor session): the facts of the files whose text did not change come from the storage folder.
const t1 = performance.now();
const restarted = (await TestClient.start(dir, { storagePath })).client;
restarted.settings = { run: 'onSave' };
restarted.open(openUri, fs.readFileSync(viewsets, 'utf8'), 1);
await restarted.latestDiagnostics(openUri, () => true);
const firstDiagnosticsRestarted = performance.now() - t1;
await restarted.stop();
fs.rmSync(storagePath, { recursive: true, force: true });

console.log(`language server on ${path.basename(dir)} (${files.length} Python files), real stdio client`);
console.table([{
  'first diagnostics of the opened file ms': Math.round(firstDiagnostics),
  'the same after a restart (facts kept) ms': Math.round(firstDiagnosticsRestarted),
  'before the workspace index was done': indexedBefore ? 'no' : 'yes',
  'workspace indexed s': (indexed / 1000).toFixed(1),
  'RSS MB peak while indexing / indexed / after edits': `${Math.round(Math.max(rssPeak, rssIndexed))} / ${Math.round(rssIndexed)} / ${Math.round(rssEnd)}`,
}]);
console.table(rows);
