import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node as WasmNode } from 'web-tree-sitter';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import type { Node } from '../../server/core/parsing/syntaxTree';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';
import { REPO_ROOT } from '../harness/paths';

/** Every .py file under `dir`. */
function pythonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...pythonFiles(p));
    else if (entry.name.endsWith('.py')) out.push(p);
  }
  return out;
}

/** Broken and unusual input: error recovery (ERROR and MISSING nodes), CRLF, lone CR, non-BMP characters, tabs. */
const UNUSUAL = [
  'def f(:\n    return [x for x in\n',
  'class A(\n  x = )\n',
  'if x\n    y = 1\n',
  'print("unterminated\n',
  'x = (1, 2\n',
  'def f():\r\n    return "é😀"\r\n',
  'a = 1\rb = 2\r',
  '\tdef g(x):\n\t\treturn x[1:2, ...]\n',
  'async def v(request):\n    async with a as b:\n        await c\n    return {k: v async for k, v in d}\n',
  'lambda: (yield)\n@dec\nclass C: pass\n',
  '',
  '\u0000\u0001 binary \uFFFD junk ))) ]]\n',
];

/**
 * Compares the JavaScript copy with web-tree-sitter's own nodes, node by node (iteratively): the rules rely on the
 * copy meaning exactly what tree-sitter's API means.
 */
function assertSameTree(copy: Node, wasm: WasmNode, where: string): void {
  const fields = wasm.tree.language.fields.filter((f): f is string => !!f);
  const stack: [Node, WasmNode][] = [[copy, wasm]];
  let count = 0;
  while (stack.length) {
    const [a, b] = stack.pop()!;
    count++;
    const at = `${where}: ${b.type} at ${b.startIndex}`;
    assert.equal(a.type, b.type, at);
    assert.equal(a.isNamed, b.isNamed, `${at}: isNamed`);
    assert.equal(a.isMissing, b.isMissing, `${at}: isMissing`);
    assert.equal(a.isError, b.isError, `${at}: isError`);
    // tree-sitter leaves hasError false on an ERROR leaf that holds one unexpected character; the copy says true
    // for every ERROR node. The analysis only asks the root, where both agree (checked just below).
    if (!a.isError) assert.equal(a.hasError, b.hasError, `${at}: hasError`);
    assert.equal(a.startIndex, b.startIndex, `${at}: startIndex`);
    assert.equal(a.endIndex, b.endIndex, `${at}: endIndex`);
    assert.deepEqual(a.startPosition, b.startPosition, `${at}: startPosition`);
    assert.deepEqual(a.endPosition, b.endPosition, `${at}: endPosition`);
    assert.equal(a.text, b.text, `${at}: text`);
    const kids = b.children.filter((c): c is WasmNode => !!c);
    assert.equal(a.children.length, kids.length, `${at}: child count`);
    assert.equal(a.namedChildren.length, b.namedChildCount, `${at}: named child count`);
    for (let i = 0; i < kids.length; i++) {
      assert.equal(a.children[i].fieldName, b.fieldNameForChild(i), `${at}: field of child ${i}`);
      assert.equal(a.children[i].parent, a, `${at}: parent of child ${i}`);
      stack.push([a.children[i], kids[i]]);
    }
    if (a.namedChildren.length) {
      for (const field of fields) {
        const x = a.childForFieldName(field);
        const y = b.childForFieldName(field);
        assert.equal(x ? `${x.type}@${x.startIndex}` : null, y ? `${y.type}@${y.startIndex}` : null, `${at}: field ${field}`);
      }
    }
  }
  assert.equal(copy.tree.rootNode.hasError, wasm.tree.rootNode.hasError, `${where}: root hasError`);
  assert.ok(count > 0);
}

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
