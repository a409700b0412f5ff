// Cold scan throughput of the CLI's scan over real corpora, against the floor of parsing alone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const { scanPaths } = require(path.join(root, 'out/server/node/scan.js'));
const { PythonParser } = require(path.join(root, 'out/server/core/parsing/pythonParser.js'));
const { nodeGrammarLocation } = require(path.join(root, 'out/server/node/grammarFiles.js'));
const { discoverPythonFiles, readPythonFile } = require(path.join(root, 'out/server/node/sourceFiles.js'));
const { defaultConfig } = require(path.join(root, 'out/server/core/config/config.js'));

const corpora = [
  ['examples/shop', path.join(root, 'examples/shop')],
  ['django (Debian python3-django)', '/usr/lib/python3/dist-packages/django'],
  ['generated corpus', path.join(root, '.bench-cache/generated')],
].filter(([, dir]) => fs.existsSync(dir));

const config = { ...defaultConfig(), exclude: ['.git', 'node_modules', '__pycache__'] };
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rows = [];
for (const [name, dir] of corpora) {
  const { files } = discoverPythonFiles([dir], dir, config);
  const texts = files.map((f) => readPythonFile(f, config.maxFileSize)).filter((r) => 'text' in r);
  const mb = texts.reduce((n, t) => n + Buffer.byteLength(t.text), 0) / 1048576;
  const parser = await PythonParser.load(nodeGrammarLocation());
  // The floor (web-tree-sitter parsing alone: no copy into JavaScript, no analysis) and the scan, alternated over
  // 3 rounds so that both see the same machine (its speed drifts); medians reported, with the ratio's range.
  const floors = [];
  const totals = [];
  let scan;
  for (let round = 0; round < 3; round++) {
    let t0 = performance.now();
    for (const t of texts) parser.parseWasm(t.text, null).delete();
    floors.push(performance.now() - t0);
    t0 = performance.now();
    scan = await scanPaths([dir], { root: dir, config });
    totals.push(performance.now() - t0);
  }
  const parseOnly = median(floors);
  const total = median(totals);
  const ratios = floors.map((f, i) => f / totals[i]).sort((a, b) => a - b);
  const findings = scan.results.reduce((n, r) => n + r.findings.length, 0);
  rows.push({
    corpus: name, files: texts.length, 'MB': mb.toFixed(1), findings,
    'parse-only files/s': Math.round(texts.length / (parseOnly / 1000)),
    'scan files/s': Math.round(texts.length / (total / 1000)),
    'scan MB/s': (mb / (total / 1000)).toFixed(2),
    'parse ms': Math.round(scan.stats.parseMs), 'copy ms': Math.round(scan.stats.copyMs), 'facts ms': Math.round(scan.stats.factsMs), 'analysis ms': Math.round(scan.stats.analyzeMs),
    'scan / parse-only': `${(parseOnly / total).toFixed(2)} (${ratios[0].toFixed(2)}–${ratios[ratios.length - 1].toFixed(2)})`,
    'peak RSS MB': Math.round(process.resourceUsage().maxRSS / 1024),
  });
}
console.table(rows);

// Parallel scan: the CLI over 1 and N worker threads, each a fresh process as a user runs it (an in-process
// run after the table above would give the one-thread scan a warm JIT); median of 3 (the findings are identical; tested).
const os = await import('node:os');
const { spawn } = await import('node:child_process');
const cores = os.availableParallelism();
const cliPath = path.join(root, 'dist/cli.js');
/** One `djperf check` in a fresh process; resolves when it exits. */
const runCli = (dir, jobs) => new Promise((resolve, reject) => {
  const child = spawn(process.execPath, [cliPath, 'check', dir, '--jobs', String(jobs), '--quiet', '--exit-zero'], { stdio: 'ignore' });
  child.on('error', reject);
  child.on('exit', () => resolve());
});
const timed = async (run) => {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
};
const largeCorpora = corpora.filter(([n]) => n !== 'examples/shop');
const parallelRows = [];
for (const [name, dir] of largeCorpora) {
  const times = { 1: [], [cores]: [] };
  for (let round = 0; round < 3; round++) {
    for (const jobs of [1, cores]) times[jobs].push(await timed(() => runCli(dir, jobs)));
  }
  const one = median(times[1]);
  const many = median(times[cores]);
  parallelRows.push({ corpus: name, '1 worker s': (one / 1000).toFixed(2), [`${cores} workers s`]: (many / 1000).toFixed(2), speed_up: (one / many).toFixed(2) });
}
console.table(parallelRows);

// What two cores give this workload at best on this machine: two independent one-thread CLI scans at once, against
// one alone. No split of one scan over worker threads can beat it.
const ceilingRows = [];
for (const [name, dir] of largeCorpora) {
  const alone = await timed(() => runCli(dir, 1));
  const pair = await timed(() => Promise.all([runCli(dir, 1), runCli(dir, 1)]));
  ceilingRows.push({ corpus: name, 'one scan alone s': (alone / 1000).toFixed(2), 'two scans at once s': (pair / 1000).toFixed(2), 'throughput gain of the 2nd core': (2 * alone / pair).toFixed(2) });
}
console.table(ceilingRows);
