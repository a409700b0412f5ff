import * as assert from 'node:assert/strict';
import { LineMap, type ParsedDocument } from '../../server/core/parsing/textDocument';

type RangeChange = { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string };

/** An LSP change that replaces the first `find` of `text` with `replace`. */
export function replaceIn(text: string, find: string, replace: string): RangeChange {
  const at = text.indexOf(find);
  assert.ok(at >= 0, `${find} not in text`);
  const lines = new LineMap(text);
  return { range: { start: lines.positionAt(at), end: lines.positionAt(at + find.length) }, text: replace };
}

/**
 * Applies a random edit as property tests draw it: at offset `at` (modulo the text's length), `removed` characters
 * replaced by `inserted`.
 */
export function applyRandomEdit(doc: ParsedDocument, [at, removed, inserted]: readonly [number, number, string], version: number): void {
  const text = doc.text;
  const start = at % (text.length + 1);
  const end = Math.min(text.length, start + removed);
  const lines = new LineMap(text);
  doc.applyChanges([{ range: { start: lines.positionAt(start), end: lines.positionAt(end) }, text: inserted }], version);
}
