/** Checks that a JavaScript syntax tree means exactly what tree-sitter's own tree means. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node as WasmNode } from 'web-tree-sitter';
import type { Node, Tree } from '../../server/core/parsing/syntaxTree';
import { isUncopied } from '../../server/core/parsing/wasmTreeCopy';

/** Every .py file under `dir`. */
export function pythonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...pythonFiles(p));
    else if (entry.name.endsWith('.py')) out.push(p);
  }
  return out;
}

/** Broken and unusual input: error recovery (ERROR and MISSING nodes), CRLF, lone CR, non-BMP characters, tabs. */
export const UNUSUAL = [
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
  // A MISSING hidden token: `(MISSING _newline)` after the call.
  'select_for_update()"""""Doc."""\nfrom a import b\n',
];

/**
 * Compares the JavaScript copy with web-tree-sitter's own nodes, node by node (iteratively): the rules rely on the
 * copy meaning exactly what tree-sitter's API means.
 */
export function assertSameTree(copy: Node, wasm: WasmNode, where: string): void {
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
    // Below the root, the copy cannot see a MISSING hidden token (`(MISSING _newline)` in tree-sitter's S-expression).
    if (!a.isError && !(b.hasError && !a.hasError && a !== copy.tree.rootNode && /\(MISSING _/.test(b.toString()))) {
      assert.equal(a.hasError, b.hasError, `${at}: hasError`);
    }
    assert.equal(a.startIndex, b.startIndex, `${at}: startIndex`);
    assert.equal(a.endIndex, b.endIndex, `${at}: endIndex`);
    assert.deepEqual(a.startPosition, b.startPosition, `${at}: startPosition`);
    assert.deepEqual(a.endPosition, b.endPosition, `${at}: endPosition`);
    assert.equal(a.text, b.text, `${at}: text`);
    // The copy leaves punctuation, quotes and most colons out (UNCOPIED_TOKENS), unless MISSING; everything else is
    // there, in order.
    const all = b.children.map((c, i) => ({ c, i })).filter((k): k is { c: WasmNode; i: number } => !!k.c);
    const kept = all.filter(({ c }) => c.isMissing || !isUncopied(c.type, b.type));
    const kids = kept.map(({ c }) => c);
    assert.equal(a.children.length, kids.length, `${at}: child count`);
    assert.equal(a.namedChildren.length, kids.filter((c) => c.isNamed).length, `${at}: named child count`);
    for (let i = 0; i < kids.length; i++) {
      assert.equal(a.children[i].fieldName, b.fieldNameForChild(kept[i].i), `${at}: field of child ${i}`);
      assert.equal(a.children[i].parent, a, `${at}: parent of child ${i}`);
      stack.push([a.children[i], kids[i]]);
    }
    // Inside an ERROR node tree-sitter itself gives two answers: the field a child fills (fieldNameForChild, the
    // cursor, the copy) can come from a hidden node, and childForFieldName ignores it.
    if (a.namedChildren.length && !a.isError) {
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

/**
 * Compares two JavaScript copies node by node, down to what only the copy has (indexes into `namedNodes`, the
 * index in the parent, the owning tree): an edited document's copy, which takes nodes over from its previous
 * version, must be indistinguishable from a fresh copy of the same WASM tree.
 */
export function assertSameCopy(actual: Tree, expected: Tree, where: string): void {
  assert.equal(actual.text, expected.text, `${where}: text`);
  assert.equal(actual.namedNodes.length, expected.namedNodes.length, `${where}: named node count`);
  const stack: [Node, Node][] = [[actual.rootNode, expected.rootNode]];
  while (stack.length) {
    const [a, b] = stack.pop()!;
    const at = `${where}: ${b.type} at ${b.startIndex}`;
    assert.equal(a.tree, actual, `${at}: owning tree`);
    assert.deepEqual(
      [a.type, a.isNamed, a.isMissing, a.hasError, a.fieldName, a.startIndex, a.endIndex, a.namedIndex, a.subtreeEnd, a.indexInParent, a.children.length],
      [b.type, b.isNamed, b.isMissing, b.hasError, b.fieldName, b.startIndex, b.endIndex, b.namedIndex, b.subtreeEnd, b.indexInParent, b.children.length],
      `${at}: [type, named, missing, hasError, field, start, end, namedIndex, subtreeEnd, indexInParent, children]`,
    );
    if (a.isNamed) assert.equal(actual.namedNodes[a.namedIndex], a, `${at}: namedNodes[namedIndex]`);
    assert.equal(a.text, b.text, `${at}: text`);
    assert.equal(a.namedChildren.length, b.namedChildren.length, `${at}: named children`);
    for (let i = 0; i < a.children.length; i++) {
      assert.equal(a.children[i].parent, a, `${at}: parent of child ${i}`);
      stack.push([a.children[i], b.children[i]]);
    }
  }
}
