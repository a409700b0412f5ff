import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import type { Node } from '../../server/core/parsing/syntaxTree';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';
import { REPO_ROOT } from '../harness/paths';
import { UNUSUAL, assertSameTree, pythonFiles } from '../harness/treeEquivalence';

describe('syntax tree: the JavaScript copy of the WASM tree', () => {
  let parser: PythonParser;
  before(async () => {
    parser = await PythonParser.load(nodeGrammarLocation());
  });

  const files = [...pythonFiles(path.join(REPO_ROOT, 'test/fixtures')), ...pythonFiles(path.join(REPO_ROOT, 'examples'))];

  it(`matches web-tree-sitter node for node on every fixture and example file (${files.length} files)`, () => {
    assert.ok(files.length > 100);
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      const wasm = parser.parseWasm(text, null);
      try {
        assertSameTree(parser.copy(wasm, text).rootNode, wasm.rootNode, path.relative(REPO_ROOT, file));
      } finally {
        wasm.delete();
      }
    }
  });

  it('matches on broken and unusual input (ERROR and MISSING nodes, CR line ends, non-BMP text, NUL bytes)', () => {
    UNUSUAL.forEach((text, i) => {
      const wasm = parser.parseWasm(text, null);
      try {
        assertSameTree(parser.copy(wasm, text).rootNode, wasm.rootNode, `case ${i} ${JSON.stringify(text.slice(0, 30))}`);
      } finally {
        wasm.delete();
      }
    });
  });

  it('finds the same smallest node for an offset, a range or a position as descendantForIndex / descendantForPosition', () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, 'examples/shop/catalog/views.py'), 'utf8');
    const wasm = parser.parseWasm(text, null);
    try {
      const copy = parser.copy(wasm, text).rootNode;
      for (let i = 0; i < text.length; i += 7) {
        const end = Math.min(text.length, i + (i % 5));
        const a = copy.descendantForIndex(i, end);
        const b = wasm.rootNode.descendantForIndex(i, end)!;
        assert.equal(`${a.type}@${a.startIndex}-${a.endIndex}`, `${b.type}@${b.startIndex}-${b.endIndex}`, `offset ${i}..${end}`);
        const p = b.startPosition;
        const c = copy.descendantForPosition(p);
        const d = wasm.rootNode.descendantForPosition(p)!;
        assert.equal(`${c.type}@${c.startIndex}`, `${d.type}@${d.startIndex}`, `position ${p.row}:${p.column}`);
      }
    } finally {
      wasm.delete();
    }
  });

  it('gives the same S-expression as tree-sitter', () => {
    const text = 'def f(a, *, b=1):\n    return [x.y for x in a if x]\n';
    const wasm = parser.parseWasm(text, null);
    try {
      assert.equal(parser.copy(wasm, text).rootNode.toString(), wasm.rootNode.toString());
    } finally {
      wasm.delete();
    }
  });

  it('copies 10,000 levels of nesting without overflowing the stack', () => {
    const text = `x = ${'('.repeat(10000)}1${')'.repeat(10000)}\n`;
    const tree = parser.parse(text);
    let depth = 0;
    for (let n: Node | undefined = tree.rootNode; n; n = n.namedChildren[n.namedChildren.length - 1]) depth++;
    assert.ok(depth > 10000, `depth ${depth}`);
    assert.ok(tree.rootNode.toString().length > 10000);
  });
});
