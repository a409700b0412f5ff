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
const rows = [];
for (const [name, dir] of corpora) {
  const { files } = discoverPythonFiles([dir], dir, config);
  const texts = files.map((f) => readPythonFile(f, config.maxFileSize)).filter((r) => 'text' in r);
  const mb = texts.reduce((n, t) => n + Buffer.byteLength(t.text), 0) / 1048576;
  const parser = await PythonParser.load(nodeGrammarLocation());
  let t0 = performance.now();
  for (const t of texts) parser.parse(t.text).delete();
  const parseOnly = performance.now() - t0;
  t0 = performance.now();
  const scan = await scanPaths([dir], { root: dir, config });
  const total = performance.now() - t0;
  const findings = scan.results.reduce((n, r) => n + r.findings.length, 0);
  rows.push({
    corpus: name, files: texts.length, 'MB': mb.toFixed(1), findings,
    'parse-only files/s': Math.round(texts.length / (parseOnly / 1000)),
    'scan files/s': Math.round(texts.length / (total / 1000)),
    'scan MB/s': (mb / (total / 1000)).toFixed(2),
    'parse ms': Math.round(scan.stats.parseMs), 'facts ms': Math.round(scan.stats.factsMs), 'analysis ms': Math.round(scan.stats.analyzeMs),
    'scan / parse-only': (parseOnly / total).toFixed(2),
    'peak RSS MB': Math.round(process.resourceUsage().maxRSS / 1024),
  });
}
console.table(rows);

// Parallel scan: the same corpus over 1 and N worker threads (the findings are identical; tested).
const os = await import('node:os');
const cores = os.availableParallelism();
const parallelRows = [];
for (const [name, dir] of corpora.filter(([n]) => n !== 'examples/shop')) {
  const times = {};
  for (const jobs of [1, cores]) {
    const t0 = performance.now();
    await scanPaths([dir], { root: dir, config, jobs });
    times[jobs] = performance.now() - t0;
  }
  parallelRows.push({ corpus: name, '1 worker s': (times[1] / 1000).toFixed(2), [`${cores} workers s`]: (times[cores] / 1000).toFixed(2), speed_up: (times[1] / times[cores]).toFixed(2) });
}
console.table(parallelRows);
