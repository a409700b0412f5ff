import type { Node } from '../parsing/syntaxTree';
import type { TextEdit } from '../rules/types';
import { rangeOf, parentOf } from '../python/syntax';
import type { ImportMap } from '../python/imports';

/** Parent positions where `await x` must be parenthesised to keep its meaning (`(await x).attr`). */
function needsParens(node: Node): boolean {
  const p = parentOf(node);
  if (!p) return false;
  if (p.type === 'attribute' && p.childForFieldName('object')?.id === node.id) return true;
  if (p.type === 'subscript' && p.childForFieldName('value')?.id === node.id) return true;
  if (p.type === 'call' && p.childForFieldName('function')?.id === node.id) return true;
  if (p.type === 'binary_operator' && p.children.some((c) => c?.type === '**')) return true;
  return false;
}

/** Edits turning `node` into `await node` (parenthesised when the context needs it). */
export function awaitEdits(node: Node): TextEdit[] {
  const r = rangeOf(node);
  if (needsParens(node)) {
    return [{ range: { start: r.start, end: r.start }, newText: '(await ' }, { range: { start: r.end, end: r.end }, newText: ')' }];
  }
  return [{ range: { start: r.start, end: r.start }, newText: 'await ' }];
}

/** Replaces `node` with `await <text>`, parenthesised when needed. */
export function replaceWithAwait(node: Node, text: string): TextEdit {
  return { range: rangeOf(node), newText: needsParens(node) ? `(await ${text})` : `await ${text}` };
}

/** Renames the attribute of a method call (`qs.get(...)` -> `qs.aget(...)`). */
export function renameMethod(call: Node, newName: string): TextEdit | undefined {
  const attr = call.childForFieldName('function')?.childForFieldName('attribute');
  return attr ? { range: rangeOf(attr), newText: newName } : undefined;
}

/**
 * Adds `statement` (`import asyncio`, `from asgiref.sync import sync_to_async`) unless `local` is already bound
 * by an import: at the first top-level import, else after the module docstring, else at the top.
 */
export function ensureImport(root: Node, imports: ImportMap, local: string, statement: string): TextEdit | undefined {
  if (imports.has(local)) return undefined;
  let at = { line: 0, character: 0 };
  const stmts = root.namedChildren.filter((c): c is Node => !!c);
  const firstImport = stmts.find((s) => (s.type === 'import_statement' || s.type === 'import_from_statement') &&
    !/^from\s+__future__/.test(s.text));
  if (firstImport) at = { line: firstImport.startPosition.row, character: 0 };
  else if (stmts[0]?.type === 'expression_statement' && stmts[0].namedChildren[0]?.type === 'string') {
    at = { line: stmts[0].endPosition.row + 1, character: 0 };
  }
  return { range: { start: at, end: at }, newText: `${statement}\n` };
}
