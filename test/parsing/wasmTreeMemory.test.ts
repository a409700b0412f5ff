import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import type { Tree } from '../../server/core/parsing/syntaxTree';
import { copyWasmTree, type TreeSitterExports } from '../../server/core/parsing/wasmTreeCopy';
import { heapOf, memoryLayoutOf, rootAgrees, type WasmHeap } from '../../server/core/parsing/wasmTreeMemory';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';
import { REPO_ROOT } from '../harness/paths';
import { UNUSUAL, assertSameCopy, pythonFiles } from '../harness/treeEquivalence';

/** Django's own source, where Debian's python3-django puts it (CI installs it): 859 real modules. */
const DJANGO_SOURCE = '/usr/lib/python3/dist-packages/django';

describe('syntax tree: the copy read from WASM memory', function () {
  this.timeout(120_000);
  let parser: PythonParser;
  let raw: TreeSitterExports & WasmHeap;
  before(async () => {
    parser = await PythonParser.load(nodeGrammarLocation());
    raw = (parser as unknown as { raw: TreeSitterExports & WasmHeap }).raw;
  });

  /** The copy through memory and through the cursor, compared node for node (fields, extents, indexes). */
  function assertBothWalksAgree(text: string, where: string): number {
    const wasm = parser.parseWasm(text, null);
    try {
      const viaMemory = parser.copy(wasm, text);
      assertSameCopy(viaMemory, parser.copy(wasm, text, undefined, { viaCursor: true }), where);
      return viaMemory.namedNodes.length;
    } finally {
      wasm.delete();
    }
  }

  it("reads tree-sitter-python's layout, checked against the API", () => {
    const wasm = parser.parseWasm('import os\n', null);
    try {
      const layout = memoryLayoutOf(raw, parser.language, wasm);
      assert.ok(layout, 'layout read');
      assert.equal(layout.publicSymbol.length, parser.language.nodeTypeCount);
      assert.ok(rootAgrees(raw, layout, wasm, wasm.rootNode));
      // Another extent than the root's: the check says no.
      assert.equal(rootAgrees(raw, layout, wasm, { typeId: wasm.rootNode.typeId, startIndex: 0, endIndex: 3 }), false);
    } finally {
      wasm.delete();
    }
  });

  it('copies what the cursor copies: every fixture and example, and broken input', () => {
    let nodes = 0;
    for (const file of [...pythonFiles(path.join(REPO_ROOT, 'test/fixtures')), ...pythonFiles(path.join(REPO_ROOT, 'examples'))]) {
      nodes += assertBothWalksAgree(fs.readFileSync(file, 'utf8'), path.relative(REPO_ROOT, file));
    }
    UNUSUAL.forEach((text, i) => assertBothWalksAgree(text, `case ${i}`));
    // Aliases (`as_pattern_target`), inherited fields, extras (comments), MISSING tokens and ERROR nodes all occur here.
    assertBothWalksAgree('async with a as b:\n    pass  # c\nx = [1 for y in z if y]\nif (:\n', 'aliases, extras, errors');
    assert.ok(nodes > 10_000, `named nodes compared: ${nodes}`);
  });

  it("copies what the cursor copies on Django's source", function () {
    if (!fs.existsSync(DJANGO_SOURCE)) this.skip();
    let files = 0;
    for (const file of pythonFiles(DJANGO_SOURCE)) {
      assertBothWalksAgree(fs.readFileSync(file, 'utf8'), path.relative(DJANGO_SOURCE, file));
      files++;
    }
    assert.ok(files > 500, `modules compared: ${files}`);
  });

  it("files the same nodes under the same tree-sitter ids, for an edited document's next copy", () => {
    const ids = (tree: Tree): string[] => [...(tree.subtreeIds ?? [])].map(([id, node]) => `${id}:${node.type}@${node.startIndex}`).sort();
    for (const file of pythonFiles(path.join(REPO_ROOT, 'examples/shop'))) {
      const text = fs.readFileSync(file, 'utf8');
      const wasm = parser.parseWasm(text, null);
      try {
        const viaMemory = parser.copy(wasm, text, {});
        const viaCursor = parser.copy(wasm, text, {}, { viaCursor: true });
        assert.deepEqual(ids(viaMemory), ids(viaCursor), file);
        if (text.includes('def ')) assert.ok(ids(viaMemory).length > 0, file);
      } finally {
        wasm.delete();
      }
    }
  });

  it("copies through the cursor when the memory's views are not there", () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, 'examples/shop/catalog/views.py'), 'utf8');
    const wasm = parser.parseWasm(text, null);
    try {
      const noViews = Object.create(raw, { HEAPU32: { value: undefined } }) as TreeSitterExports;
      assert.equal(heapOf(noViews), undefined);
      assertSameCopy(copyWasmTree(noViews, wasm, text), parser.copy(wasm, text), 'without HEAPU32');
    } finally {
      wasm.delete();
    }
  });
});
