import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import { LineMap, ParsedDocument, type ContentChange } from '../../server/core/parsing/textDocument';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';

const BASE = [
  'from .models import Book',
  '',
  'def view(request):',
  '    out = []',
  '    for b in Book.objects.all():',
  '        out.append(b.author.name)  # é😀',
  '    return out',
  '',
].join('\r\n');

describe('ParsedDocument: incremental parsing from LSP content changes', () => {
  let parser: PythonParser;
  before(async () => {
    parser = await PythonParser.load(nodeGrammarLocation());
  });

  it('edits the tree and reparses with the old one (no full parse per keystroke)', () => {
    const doc = new ParsedDocument(parser, 'file:///v.py', BASE, 1);
    const lines = new LineMap(BASE);
    const at = lines.positionAt(BASE.indexOf('name'));
    doc.applyChanges([{ range: { start: at, end: { line: at.line, character: at.character + 4 } }, text: 'publisher' }], 2);
    doc.applyChanges([{ range: { start: { line: 3, character: 10 }, end: { line: 3, character: 10 } }, text: ' ' }], 3);
    assert.equal(doc.fullParses, 1);
    assert.equal(doc.incrementalParses, 2);
    assert.ok(doc.text.includes('b.author.publisher'));
    const fresh = parser.parse(doc.text);
    assert.equal(doc.tree.rootNode.toString(), fresh.rootNode.toString());
    doc.dispose();
  });

  it('a full-text change is a full parse', () => {
    const doc = new ParsedDocument(parser, 'file:///v.py', BASE, 1);
    doc.applyChanges([{ text: 'x = 1\n' }], 2);
    assert.equal(doc.fullParses, 2);
    assert.equal(doc.text, 'x = 1\n');
    doc.dispose();
  });

  it('random ranged edits give the same tree as parsing the final text from scratch', () => {
    const alphabet = fc.constantFrom('a', 'b', '.', '(', ')', ':', ' ', '\n', '\r\n', '\t', '#', '"', 'é', '😀', 'for ', 'in ', '    ');
    const edit = fc.record({ start: fc.nat(400), len: fc.nat(12), text: fc.array(alphabet, { maxLength: 8 }).map((a) => a.join('')) });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 12 }), (edits) => {
        const doc = new ParsedDocument(parser, 'file:///v.py', BASE, 1);
        let expected = BASE;
        let version = 1;
        for (const e of edits) {
          const lines = new LineMap(expected);
          let start = Math.min(e.start, expected.length);
          // Never split a surrogate pair or a CRLF: editors do not produce such ranges.
          while (start > 0 && (/[\uDC00-\uDFFF]/.test(expected[start]) || (expected[start] === '\n' && expected[start - 1] === '\r'))) start--;
          let end = Math.min(start + e.len, expected.length);
          while (end < expected.length && (/[\uDC00-\uDFFF]/.test(expected[end]) || (expected[end] === '\n' && expected[end - 1] === '\r'))) end++;
          const change: ContentChange = { range: { start: lines.positionAt(start), end: lines.positionAt(end) }, text: e.text };
          expected = expected.slice(0, start) + e.text + expected.slice(end);
          doc.applyChanges([change], ++version);
        }
        assert.equal(doc.text, expected);
        const fresh = parser.parse(expected);
        const same = doc.tree.rootNode.toString() === fresh.rootNode.toString();
        doc.dispose();
        return same;
      }),
      { numRuns: 150, seed: 42 },
    );
  });
});

describe('LineMap', () => {
  /** Line starts the slow way: after every `\n`, `\r\n`, and (LSP) lone `\r`. */
  function referenceStarts(text: string, loneCr: boolean): number[] {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '\n') starts.push(i + 1);
      else if (text[i] === '\r' && loneCr && text[i + 1] !== '\n') starts.push(i + 1);
    }
    return starts;
  }

  it('finds the same lines with and without carriage returns, in both counts (LSP, tree-sitter rows)', () => {
    const alphabet = fc.constantFrom('a', ' ', '\n', '\r', '\r\n', '\n\n', 'é', '😀');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }).map((a) => a.join('')), fc.boolean(), (text, loneCr) => {
        const lines = new LineMap(text, { loneCr });
        const starts = referenceStarts(text, loneCr);
        assert.equal(lines.lineCount, starts.length);
        starts.forEach((start, line) => assert.equal(lines.offsetAt({ line, character: 0 }), start));
        for (let o = 0; o <= text.length; o++) {
          const p = lines.positionAt(o);
          assert.equal(starts[p.line] + p.character, o);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a map edited in place (one keystroke) is the map of the new text, carriage returns or not', () => {
    const alphabet = fc.constantFrom('a', ' ', '\n', '\r', '\r\n', '\n\n', 'é', '😀');
    const text = fc.array(alphabet, { maxLength: 40 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, fc.nat(50), fc.nat(8), text, (before, at, len, inserted) => {
        const start = Math.min(at, before.length);
        const end = Math.min(start + len, before.length);
        const after = before.slice(0, start) + inserted + before.slice(end);
        const lines = new LineMap(before).edited(after, start, end, inserted);
        const starts = referenceStarts(after, true);
        assert.equal(lines.text, after);
        assert.equal(lines.lineCount, starts.length);
        starts.forEach((s, line) => assert.equal(lines.offsetAt({ line, character: 0 }), s));
        for (let o = 0; o <= after.length; o++) {
          const p = lines.positionAt(o);
          assert.equal(starts[p.line] + p.character, o);
        }
      }),
      { numRuns: 1000, seed: 7 },
    );
  });
});
