import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import { LineMap, ParsedDocument, type ContentChange } from '../../server/core/parsing/textDocument';
import { nodesOfType } from '../../server/core/python/syntax';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';
import { REPO_ROOT } from '../harness/paths';
import { UNUSUAL, assertSameCopy, assertSameTree, pythonFiles } from '../harness/treeEquivalence';

/** Checks the edited document's tree against a fresh copy of its WASM tree and against the WASM tree itself. */
function assertCurrent(parser: PythonParser, doc: ParsedDocument, where: string): void {
  const fresh = parser.copy(doc.wasmTree, doc.text);
  assertSameCopy(doc.tree, fresh, where);
  assertSameTree(doc.tree.rootNode, doc.wasmTree.rootNode, where);
}

/** `n` views of a few lines each: the shape of the LSP bench's 2,000-line file. */
function manyViews(n: number): string {
  const out = ['from .models import Order', ''];
  for (let i = 0; i < n; i++) out.push(`def view_${i}(request):`, '    rows = []', `    for o in Order.objects.filter(n=${i}):`, '        rows.append(o.customer.name)', '    return rows', '');
  return out.join('\n');
}

/** An LSP change replacing `start..end` of `text` (offsets moved off surrogate pairs and CRLFs, as editors do). */
function changeOf(text: string, start: number, end: number, insert: string): { change: ContentChange; text: string } {
  const inside = (i: number): boolean => i > 0 && i < text.length && (/[\uDC00-\uDFFF]/.test(text[i]) || (text[i] === '\n' && text[i - 1] === '\r'));
  while (inside(start)) start--;
  while (inside(end)) end++;
  const lines = new LineMap(text);
  return { change: { range: { start: lines.positionAt(start), end: lines.positionAt(end) }, text: insert }, text: text.slice(0, start) + insert + text.slice(end) };
}

/** Asserts that more than `share` of the document's named nodes were taken over by its latest copy. */
function assertReused(doc: ParsedDocument, share: number): void {
  const { reusedNodes, namedNodes } = doc.tree;
  assert.ok(reusedNodes > share * namedNodes.length, `reused ${reusedNodes} of ${namedNodes.length}`);
}

describe('ParsedDocument: the copy of an edited document takes over the subtrees tree-sitter kept', () => {
  let parser: PythonParser;
  before(async () => {
    parser = await PythonParser.load(nodeGrammarLocation());
  });

  /** Runs `body` on a document of `text` whose first version is already copied, and frees it after. */
  const withCopiedDocument = (text: string, body: (doc: ParsedDocument) => void): void => {
    const doc = new ParsedDocument(parser, 'file:///v.py', text, 1);
    try {
      void doc.tree;
      body(doc);
    } finally {
      doc.dispose();
    }
  };

  it('a one-character edit in a 2,000-line file takes over most of the tree, and the tree is as a fresh copy', () => {
    const text = manyViews(333);
    withCopiedDocument(text, (doc) => {
      const before = doc.tree;
      const at = text.indexOf('filter(n=250)');
      doc.applyChanges([changeOf(text, at, at, 'x').change], 2);
      assert.equal(doc.tree, before, 'the same Tree object, renewed');
      // Not 100 %: tree-sitter rebuilds some parents far from the edit around children it kept.
      assertReused(doc, 0.75);
      assertCurrent(parser, doc, 'after one edit');
      assert.ok(doc.tree.text.includes('xfilter(n=250)'));
    });
  });

  it('drops what was derived from the previous version (memos) and sees nodes added inside kept code', () => {
    const text = manyViews(20);
    withCopiedDocument(text, (doc) => {
      const calls = nodesOfType(doc.tree.rootNode, 'call').length;
      const at = text.indexOf('rows.append(o.customer.name)', text.indexOf('def view_10('));
      assert.ok(at > 0);
      doc.applyChanges([changeOf(text, at, at, 'log(1); ').change], 2);
      assert.equal(nodesOfType(doc.tree.rootNode, 'call').length, calls + 1);
      const view10 = doc.tree.rootNode.namedChildren.find((c) => c.text.startsWith('def view_10('));
      assert.ok(view10 && nodesOfType(view10, 'call').some((c) => c.text === 'log(1)'), 'the new call is found inside view_10');
      assertCurrent(parser, doc, 'after adding a call');
    });
  });

  it('takes over across several reparses without a copy in between (a debounced burst), not after a full-text change', () => {
    let text = manyViews(50);
    withCopiedDocument(text, (doc) => {
      for (let i = 0; i < 5; i++) {
        const at = text.indexOf('filter(') + 1;
        const next = changeOf(text, at, at, 'x');
        doc.applyChanges([next.change], i + 2);
        text = next.text;
      }
      assertReused(doc, 0.6);
      assertCurrent(parser, doc, 'after five reparses');
      // A full parse allocates every subtree anew while the copied tree is alive: no address can match.
      doc.applyChanges([{ text: `${doc.text}\n# end\n` }], 10);
      assert.equal(doc.tree.reusedNodes, 0, 'a full-text change is a full parse');
      assertCurrent(parser, doc, 'after a full-text change');
    });
  });

  it('stays exact and bounded over a long editing session (stale subtree addresses are pruned)', () => {
    let text = manyViews(120);
    withCopiedDocument(text, (doc) => {
      let largestMap = 0;
      let previousSize = 0;
      let prunes = 0;
      for (let i = 0; i < 1200; i++) {
        // Swap one loop's method per edit, all over the file, so that each copy leaves the addresses of one loop stale.
        const k = (i * 37) % 120;
        const filter = text.indexOf(`.filter(n=${k})`) + 1;
        const exclude = text.indexOf(`.exclude(n=${k})`) + 1;
        const next = filter > 0 ? changeOf(text, filter, filter + 6, 'exclude') : changeOf(text, exclude, exclude + 7, 'filter');
        doc.applyChanges([next.change], i + 2);
        text = next.text;
        const size = doc.tree.subtreeIds?.size ?? 0;
        if (size < previousSize) prunes++;
        previousSize = size;
        largestMap = Math.max(largestMap, size);
      }
      assertCurrent(parser, doc, 'after 1,200 edits');
      assert.ok(prunes > 0, 'the stale addresses were pruned');
      assertReused(doc, 0.6);
      assert.ok(largestMap <= 2 * doc.tree.namedNodes.length + 1024 + 200, `the address map grew to ${largestMap}`);
    });
  });

  it('property: random edits of real files, copied after any of them, equal a fresh copy node for node', () => {
    const files = [...pythonFiles(path.join(REPO_ROOT, 'examples')), ...pythonFiles(path.join(REPO_ROOT, 'test/fixtures'))]
      .map((f) => fs.readFileSync(f, 'utf8'))
      .filter((t) => t.length > 200);
    const sources = [...files, ...UNUSUAL, manyViews(30)];
    const snippet = fc.constantFrom(
      'x', ' ', '\n', '\r\n', '    ', '\t', ':', '(', ')', '[', ']', '{', '}', '"', "'", '"""', '#', '\\', ',', '.', '😀', '\0',
      'def g(a):\n    return a\n', 'class K:\n', 'for r in Book.objects.all():\n', 'await ', 'async ', 'select_for_update()', '',
    );
    const edit = fc.record({
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      len: fc.oneof(fc.constant(0), fc.nat(3), fc.nat(200)),
      insert: fc.array(snippet, { maxLength: 4 }).map((a) => a.join('')),
      changesInMessage: fc.integer({ min: 1, max: 3 }),
      copyAfter: fc.boolean(),
    });
    let reused = 0;
    fc.assert(
      fc.property(fc.nat(sources.length - 1), fc.array(edit, { minLength: 1, maxLength: 10 }), (which, edits) => {
        let text = sources[which];
        const doc = new ParsedDocument(parser, 'file:///f.py', text, 1);
        try {
          void doc.tree;
          edits.forEach((e, i) => {
            const changes: ContentChange[] = [];
            // Several changes in one didChange apply in order, each to the text the previous one left.
            for (let c = 0; c < e.changesInMessage; c++) {
              const start = Math.floor(e.at * text.length * (1 - c / 4));
              const next = changeOf(text, start, Math.min(text.length, start + e.len), e.insert);
              changes.push(next.change);
              text = next.text;
            }
            doc.applyChanges(changes, i + 2);
            if (e.copyAfter || i === edits.length - 1) {
              assert.equal(doc.text, text);
              reused += doc.tree.reusedNodes;
              assertCurrent(parser, doc, `source ${which}, edit ${i}`);
            }
          });
        } finally {
          doc.dispose();
        }
      }),
      { numRuns: 120, seed: 7 },
    );
    assert.ok(reused > 10_000, `the property exercised the reuse (${reused} nodes taken over)`);
  });
});
