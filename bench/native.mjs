// Native tree-sitter (Node binding) against web-tree-sitter (WASM): parse-only throughput on the same files.
// The native binding is installed on demand into .bench-cache/native (never a project dependency): the
// extension must ship WASM only, and this table is what decides whether the CLI should prefer native.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const nativeDir = path.join(root, '.bench-cache/native');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const grammarVersion = pkg.devDependencies['tree-sitter-python'];
if (!fs.existsSync(path.join(nativeDir, 'node_modules/tree-sitter'))) {
  fs.mkdirSync(nativeDir, { recursive: true });
  fs.writeFileSync(path.join(nativeDir, 'package.json'), JSON.stringify({ name: 'djperf-native-bench', private: true, allowScripts: { 'tree-sitter': true, 'tree-sitter-python': true } }));
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', `tree-sitter@0.25.0`, `tree-sitter-python@${grammarVersion}`], { cwd: nativeDir, stdio: 'inherit' });
  if (r.status !== 0) {
    console.log('native tree-sitter could not be installed here; WASM only');
    process.exit(0);
  }
}
const requireNative = createRequire(path.join(nativeDir, 'package.json'));
const NativeParser = requireNative('tree-sitter');
const NativePython = requireNative('tree-sitter-python');
const require = createRequire(import.meta.url);
const { PythonParser } = require(path.join(root, 'out/server/core/parsing/pythonParser.js'));
const { nodeGrammarLocation } = require(path.join(root, 'out/server/node/grammarFiles.js'));

function pyFiles(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const f = path.join(dir, e.name);
    if (e.isDirectory()) pyFiles(f, out);
    else if (f.endsWith('.py')) out.push(f);
  }
  return out;
}

const wasm = await PythonParser.load(nodeGrammarLocation());
const native = new NativeParser();
native.setLanguage(NativePython);
const rows = [];
for (const [name, dir] of [['django', '/usr/lib/python3/dist-packages/django'], ['generated corpus', path.join(root, '.bench-cache/generated')]]) {
  if (!fs.existsSync(dir)) continue;
  const texts = pyFiles(dir).map((f) => fs.readFileSync(f, 'utf8'));
  const mb = texts.reduce((n, t) => n + Buffer.byteLength(t), 0) / 1048576;
  let t0 = performance.now();
  for (const t of texts) wasm.parseWasm(t, null).delete();
  const wasmMs = performance.now() - t0;
  t0 = performance.now();
  // The native binding takes long strings through a callback in chunks.
  for (const t of texts) native.parse((i) => t.slice(i, i + 65536));
  const nativeMs = performance.now() - t0;
  // What the analysis needs is a JavaScript copy of the tree. From WASM: djperf's copy. From the native tree: a
  // walk of its cursor that only reads what a copy must (type, field, start, end), without building anything.
  t0 = performance.now();
  for (const t of texts) {
    const tree = wasm.parseWasm(t, null);
    wasm.copy(tree, t);
    tree.delete();
  }
  const wasmCopyMs = performance.now() - t0;
  t0 = performance.now();
  for (const t of texts) readAll(native.parse((i) => t.slice(i, i + 65536)));
  const nativeWalkMs = performance.now() - t0;
  rows.push({
    corpus: name, files: texts.length, MB: mb.toFixed(1), 'WASM MB/s': (mb / (wasmMs / 1000)).toFixed(1), 'native MB/s': (mb / (nativeMs / 1000)).toFixed(1), 'native / WASM': (wasmMs / nativeMs).toFixed(2),
    'WASM parse + copy s': (wasmCopyMs / 1000).toFixed(2), 'native parse + cursor walk s': (nativeWalkMs / 1000).toFixed(2), 'native / WASM, with the tree read': (wasmCopyMs / nativeWalkMs).toFixed(2),
  });
}
console.table(rows);

/** Visits every node of a native tree with its cursor, reading type, field and extent (N-API calls). */
function readAll(tree) {
  const c = tree.walk();
  let sum = 0;
  let depth = 0;
  const read = () => { sum += c.nodeTypeId + c.startIndex + c.endIndex + (c.currentFieldId ?? 0); };
  read();
  for (;;) {
    if (c.gotoFirstChild()) {
      depth++;
      read();
      continue;
    }
    for (;;) {
      if (depth === 0) return sum;
      if (c.gotoNextSibling()) {
        read();
        break;
      }
      c.gotoParent();
      depth--;
    }
  }
}
