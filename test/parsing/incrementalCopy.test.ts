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

  it('a one-character edit in a 2,000-line file takes over all but the edited statement, keeping every other function', () => {
    const text = manyViews(333);
    withCopiedDocument(text, (doc) => {
      const before = doc.tree;
      const functions = before.rootNode.namedChildren.filter((c) => c.type === 'function_definition');
      assert.equal(functions.length, 333);
      const at = text.indexOf('filter(n=250)');
      doc.applyChanges([changeOf(text, at, at, 'x').change], 2);
      assert.equal(doc.tree, before, 'the same Tree object, renewed');
      // tree-sitter gives most kept statements new addresses (their parents are rebuilt): they are found by position.
      assertReused(doc, 0.95);
      assertCurrent(parser, doc, 'after one edit');
      assert.ok(doc.tree.text.includes('xfilter(n=250)'));
      const after = doc.tree.rootNode.namedChildren.filter((c) => c.type === 'function_definition');
      const kept = functions.filter((f, i) => after[i] === f);
      assert.equal(kept.length, 332, 'every function but the edited one is the same object');
      assert.notEqual(after[250], functions[250]);
      assert.equal(after[251].startPosition.row, 2 + 251 * 6, 'rows of moved nodes follow their new offsets');
    });
  });

  /** Applies each batch of edits (`[start, end, insert]` in the text the previous edit left) and checks the copy. */
  const editAndCheck = (text: string, batches: [number, number, string][][], expectReuse = 0): void => {
    withCopiedDocument(text, (doc) => {
      batches.forEach((batch, i) => {
        const changes = batch.map(([start, end, insert]) => {
          const next = changeOf(text, start, end, insert);
          text = next.text;
          return next.change;
        });
        doc.applyChanges(changes, i + 2);
        assert.equal(doc.text, text);
        assertCurrent(parser, doc, `batch ${i}: ${JSON.stringify(batch)}`);
        if (expectReuse && !doc.tree.rootNode.hasError) assertReused(doc, expectReuse);
      });
    });
  };
  const nested = [
    'import os', '', 'class Shop:', '    x = 1', '', '    def a(self):', '        if self.x:', '            return 1',
    '        else:', '            return 2', '', '    @property', '    def b(self):', '        for i in range(3):',
    '            print(i)', '        return [i for i in range(3)]', '', 'def c():', '    return 3', '',
  ].join('\n');
  const offsetOf = (text: string, needle: string, nth = 0): number => {
    let at = -1;
    for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, needle);
    return at;
  };

  it('edits that change indentation or line breaks before a statement: the tree is as a fresh copy each time', () => {
    const d = offsetOf(nested, '    def b(self)');
    const f = offsetOf(nested, '            print(i)');
    editAndCheck(nested, [
      [[d, d, '  ']], // def b indented deeper (an indentation error)
      [[d, d + 2, '']], // and back
      [[d, d + 4, '']], // def b at the module's level: the class ends before it
      [[d, d, '    ']], // and back into the class
      [[f, f, '\n']], // a blank line inside a loop
      [[f - 1, f + 1, '']], // the loop's body joined to the line before (an error)
      [[f - 1, f - 1, '\n']], // and split again
      [[offsetOf(nested, 'def c'), offsetOf(nested, 'def c'), '\n\n']], // blank lines before a def
      [[offsetOf(nested, '\ndef c'), offsetOf(nested, '\ndef c') + 1, '']], // the line break before it removed (an error)
      [[offsetOf(nested, 'def c') - 1, offsetOf(nested, 'def c') - 1, '\n']],
    ]);
  });

  it('a syntax error introduced and removed, several changes per didChange, CRLF, edits at both ends', () => {
    const call = offsetOf(nested, 'range(3)');
    editAndCheck(nested, [
      [[call + 5, call + 6, '']], // `range(3` : an error
      [[call + 5, call + 5, '(']], // and repaired
      [[0, 0, 'x = 1\n'], [offsetOf(nested, 'return 3'), offsetOf(nested, 'return 3') + 8, 'return 4']],
      [[0, 6, ''], [nested.length - 1, nested.length, '\n# end\n']],
      [[0, 0, '#'], [1, 1, '!'], [nested.length, nested.length, 'pass\n']],
    ]);
    const crlf = nested.replace(/\n/g, '\r\n');
    const b = offsetOf(crlf, '    @property');
    editAndCheck(crlf, [
      [[b, b, '\r\n']],
      [[b, b + 2, '']],
      [[0, 0, '\r\n']],
      [[crlf.length, crlf.length, 'y = 2\r\n']],
      [[b + 4, b + 4, ' ']],
    ]);
  });

  it('statements before and after an edit are taken over by position, in nested code and on full-text changes', () => {
    const text = manyViews(40) + nested;
    withCopiedDocument(text, (doc) => {
      const at = offsetOf(text, 'return 2');
      doc.applyChanges([changeOf(text, at + 7, at + 8, '22').change], 2);
      assertReused(doc, 0.95);
      assertCurrent(parser, doc, 'after an edit in a nested block');
      // A full parse allocates every subtree anew, so no address can match; positions still do.
      doc.applyChanges([{ text: `${doc.text}\n# end\n` }], 3);
      assertReused(doc, 0.95);
      assertCurrent(parser, doc, 'after a full-text change');
      // No positional match while the new tree has an error, nor when the previous one had one.
      doc.applyChanges([changeOf(doc.text, 0, 0, '(').change], 4);
      assert.ok(doc.tree.rootNode.hasError);
      assertCurrent(parser, doc, 'with an error');
      doc.applyChanges([changeOf(doc.text, 0, 1, '').change], 5);
      assertCurrent(parser, doc, 'error repaired');
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

  it('takes over across several reparses without a copy in between (a debounced burst)', () => {
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
      doc.applyChanges([{ text: `${doc.text}\n# end\n` }], 10);
      assert.equal(doc.fullParses, 2, 'a full-text change is a full parse');
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
        withCopiedDocument(text, (doc) => {
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
        });
      }),
      { numRuns: 200, seed: 7 },
    );
    assert.ok(reused > 10_000, `the property exercised the reuse (${reused} nodes taken over)`);
  });

  it('property: edits of indentation and line structure next to unchanged statements equal a fresh copy', () => {
    // Positional matches are decided by the text around a statement's line: edit exactly there.
    const sources = [nested, manyViews(12), nested.replace(/\n/g, '\r\n'), `if a:\n    ${nested.replace(/\n/g, '\n    ')}`];
    const snippet = fc.constantFrom(
      ' ', '  ', '    ', '\t', '\n', '\r\n', '\\\n', ':', '(', ')', '"""', '#', ';', 'x', 'pass', 'if x:\n', 'else:\n',
      'def g():\n', '@d\n', 'try:\n', 'except E:\n', 'return 1\n', 'with a as b:\n', 'while x:\n', 'async ', '',
    );
    const edit = fc.record({
      line: fc.double({ min: 0, max: 1, noNaN: true }),
      atEnd: fc.boolean(),
      len: fc.oneof(fc.constant(0), fc.nat(4)),
      insert: fc.array(snippet, { maxLength: 3 }).map((a) => a.join('')),
    });
    let byPosition = 0;
    fc.assert(
      fc.property(fc.nat(sources.length - 1), fc.array(edit, { minLength: 1, maxLength: 8 }), (which, edits) => {
        let text = sources[which];
        withCopiedDocument(text, (doc) => {
          edits.forEach((e, i) => {
            const starts = [0, ...[...text.matchAll(/\n/g)].map((m) => (m.index ?? 0) + 1)];
            const lineStart = starts[Math.floor(e.line * starts.length)];
            const lineEnd = text.indexOf('\n', lineStart) < 0 ? text.length : text.indexOf('\n', lineStart);
            const start = e.atEnd ? Math.max(lineStart, lineEnd - e.len) : lineStart;
            const next = changeOf(text, start, Math.min(text.length, start + e.len), e.insert);
            text = next.text;
            doc.applyChanges([next.change], i + 2);
            if (!doc.tree.rootNode.hasError) byPosition += doc.tree.reusedNodes;
            assertCurrent(parser, doc, `source ${which}, edit ${i}`);
          });
        });
      }),
      { numRuns: 300, seed: 11 },
    );
    assert.ok(byPosition > 10_000, `the property exercised the reuse (${byPosition} nodes taken over in error-free trees)`);
  });
});
