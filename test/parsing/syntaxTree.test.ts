import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import { ParsedDocument } from '../../server/core/parsing/textDocument';
import type { Node } from '../../server/core/parsing/syntaxTree';
import type { Node as WasmNode } from 'web-tree-sitter';
import { isUncopied } from '../../server/core/parsing/wasmTreeCopy';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';
import { identifiersNamed, nodesOfType, nodesOfTypes } from '../../server/core/python/syntax';
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

  /** Constructs whose node type the grammar's table lists under several ids (`block`, `lambda`, patterns, `type`). */
  const SEVERAL_IDS = [
    'async def f(xs, *, key=lambda: 0, other=lambda v: v):',
    '    match xs:',
    '        case [a, b] | (a, b) as pair:',
    '            y = yield pair',
    '        case {"k": [*rest]}:',
    '            await g(*rest)',
    '    with open(p) as (h, t):',
    '        pass',
    '    try:',
    '        pass',
    '    except E as e:',
    '        pass',
    'type Alias = list[int]',
    'from m import *',
    '',
  ].join('\n');

  it('groups every named node under its type: nodesOfType, nodesOfTypes and identifiersNamed equal a filter of all named nodes, in any subtree', () => {
    for (const [where, text] of [['several ids', SEVERAL_IDS], ...UNUSUAL.map((t, i) => [`unusual ${i}`, t]), ...files.map((f) => [path.relative(REPO_ROOT, f), fs.readFileSync(f, 'utf8')])]) {
      const tree = parser.parse(text);
      const types = [...new Set(tree.namedNodes.map((n) => n.type))];
      const roots = [tree.rootNode, ...nodesOfType(tree.rootNode, 'function_definition')];
      // Compared by place (namedIndex): a diff of Node objects would print whole trees.
      const places = (nodes: readonly Node[]): number[] => nodes.map((n) => n.namedIndex);
      for (const root of roots) {
        const inside = tree.namedNodes.slice(root.namedIndex, root.subtreeEnd);
        for (const type of types) {
          assert.deepEqual(places(nodesOfType(root, type)), places(inside.filter((n) => n.type === type)), `${where}: ${type} under ${root.type} at ${root.startIndex}`);
        }
        assert.deepEqual(places(nodesOfTypes(root, types)), places(inside), `${where}: every type under ${root.type}`);
        const some = types.filter((_, i) => i % 3 === 0);
        assert.deepEqual(places(nodesOfTypes(root, some)), places(inside.filter((n) => some.includes(n.type))), `${where}: several types under ${root.type}`);
        const ids = inside.filter((n) => n.type === 'identifier');
        for (const name of new Set([...ids.map((n) => n.text).filter((_, i) => i % 4 === 0), 'not_a_name_here'])) {
          assert.deepEqual(places(identifiersNamed(root, name)), places(ids.filter((n) => n.text === name)), `${where}: identifiers ${name} under ${root.type}`);
        }
      }
      // Again on a fresh tree, functions first: the first lookups search the text, the later ones use the index.
      const fresh = parser.parse(text);
      for (const root of [...nodesOfType(fresh.rootNode, 'function_definition'), fresh.rootNode]) {
        const ids = fresh.namedNodes.slice(root.namedIndex, root.subtreeEnd).filter((n) => n.type === 'identifier');
        for (const name of new Set([...ids.map((n) => n.text).filter((_, i) => i % 3 === 0), 'not_a_name_here', 'e'])) {
          assert.deepEqual(places(identifiersNamed(root, name)), places(ids.filter((n) => n.text === name)), `${where}: fresh tree, identifiers ${name} under ${root.type}`);
        }
      }
    }
  });

  it('keeps the indexes of its structure when new workspace facts drop its analyses (forgetDerived), not across versions', () => {
    const tree = parser.parse(SEVERAL_IDS);
    const memos = tree.memos;
    const structure = tree.structure;
    const ids = nodesOfType(tree.rootNode, 'identifier');
    tree.forgetDerived();
    assert.notEqual(tree.memos, memos);
    assert.equal(tree.structure, structure);
    assert.equal(nodesOfType(tree.rootNode, 'identifier'), ids, 'the same group, not grouped again');
    const edited = new ParsedDocument(parser, 'file:///m.py', SEVERAL_IDS, 1);
    const first = edited.tree.structure;
    edited.applyChanges([{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\n' }], 2);
    assert.notEqual(edited.tree.structure, first, 'a new version indexes its own nodes');
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
    // A token the copy leaves out (punctuation, quotes, colons): the copy's answer is the node around it.
    const kept = (n: WasmNode): WasmNode => (!n.isMissing && n.parent && isUncopied(n.type, n.parent.type) ? n.parent : n);
    let punctuation = 0;
    const text = fs.readFileSync(path.join(REPO_ROOT, 'examples/shop/catalog/views.py'), 'utf8');
    const wasm = parser.parseWasm(text, null);
    try {
      const copy = parser.copy(wasm, text).rootNode;
      for (let i = 0; i < text.length; i += 7) {
        const end = Math.min(text.length, i + (i % 5));
        const a = copy.descendantForIndex(i, end);
        const b = kept(wasm.rootNode.descendantForIndex(i, end)!);
        assert.equal(`${a.type}@${a.startIndex}-${a.endIndex}`, `${b.type}@${b.startIndex}-${b.endIndex}`, `offset ${i}..${end}`);
        const p = b.startPosition;
        const c = copy.descendantForPosition(p);
        const raw = wasm.rootNode.descendantForPosition(p)!;
        if (kept(raw) !== raw) punctuation++;
        const d = kept(raw);
        assert.equal(`${c.type}@${c.startIndex}`, `${d.type}@${d.startIndex}`, `position ${p.row}:${p.column}`);
      }
      assert.ok(punctuation > 10, `positions on punctuation: ${punctuation}`);
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

  it('leaves out the quotes of strings and the colons outside slices, and keeps a MISSING closing quote', () => {
    const text = 'd = {"k": f"a{b}c", \'\': x[1:2]}\ndef f(): pass\n';
    const root = parser.parse(text).rootNode;
    const types = (n: Node): string[] => n.children.map((c) => c.type);
    const pair = root.namedChildren[0].namedChildren[0].childForFieldName('right')!.namedChildren[0];
    assert.deepEqual(types(pair), ['string', 'string']);
    assert.deepEqual(types(pair.namedChildren[0]), ['string_content']);
    assert.deepEqual(types(pair.namedChildren[1]), ['string_content', 'interpolation', 'string_content']);
    const empty = root.namedChildren[0].namedChildren[0].childForFieldName('right')!.namedChildren[1].namedChildren[0];
    assert.equal(empty.type, 'string');
    assert.equal(empty.children.length, 0);
    assert.equal(empty.text, "''");
    const slice = root.descendantForIndex(text.indexOf('1:2'), text.indexOf('1:2') + 3);
    assert.equal(slice.type, 'slice');
    assert.deepEqual(types(slice), ['integer', ':', 'integer']);
    assert.deepEqual(types(root.namedChildren[1]), ['def', 'identifier', 'parameters', 'block']);
    // An unterminated string: tree-sitter's error recovery, kept whole by the copy where it says MISSING.
    const broken = 'x = "abc\n';
    const wasm = parser.parseWasm(broken, null);
    try {
      assertSameTree(parser.copy(wasm, broken).rootNode, wasm.rootNode, 'unterminated string');
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
