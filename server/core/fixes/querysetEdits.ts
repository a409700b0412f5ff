import type { Node } from '../parsing/syntaxTree';
import { CHAIN_METHODS, type QuerysetValue } from '../django/querysetValue';
import { calleeMethod, positionalArgs, rangeOf, stringValue } from '../python/syntax';
import type { Position, Range } from '../parsing/textDocument';
import type { TextEdit } from '../rules/types';
import { MemoKey } from '../memo';

const QUOTE = new MemoKey<string>('preferred quote');

/** The quote character the file already prefers, so fixes read like the surrounding code (once per tree: every fix asks). */
export function preferredQuote(node: Node): string {
  return node.tree.memos.get(QUOTE, () => {
    const text = node.tree.text;
    const singles = (text.match(/'[\w.]*'/g) ?? []).length;
    const doubles = (text.match(/"[\w.]*"/g) ?? []).length;
    return singles > doubles ? "'" : '"';
  });
}

/**
 * Edit that makes `qs` call `method(path)` (select_related / prefetch_related): extend an existing call of
 * that method in the chain, or insert one right after the manager (`Book.objects` -> `Book.objects.select_related("x")`).
 * Undefined when the queryset was not built from a manager in this code (nothing safe to edit).
 */
export function addToQuerysetChain(qs: QuerysetValue, method: 'select_related' | 'prefetch_related', path: string): TextEdit | undefined {
  const quote = preferredQuote(qs.origin);
  const existing = qs.calls.find((c) => calleeMethod(c) === method && positionalArgs(c).length > 0);
  if (existing) {
    const args = positionalArgs(existing);
    if (args.some((a) => stringValue(a) === path)) return undefined;
    const last = args[args.length - 1];
    return { range: { start: rangeOf(last).end, end: rangeOf(last).end }, newText: `, ${quote}${path}${quote}` };
  }
  const range = chainInsertRange(qs);
  if (!range) return undefined;
  return { range, newText: `.${method}(${quote}${path}${quote})` };
}

/**
 * The range a standard QuerySet call replaces in the chain that built `qs`: the insert point, widened over a bare
 * `.all()` right after it, which the inserted call makes redundant (`Book.objects.all()` becomes
 * `Book.objects.select_related("x")`, not `Book.objects.select_related("x").all()`).
 */
export function chainInsertRange(qs: QuerysetValue): Range | undefined {
  const at = chainInsertPoint(qs);
  if (!at) return undefined;
  const all = qs.calls.find((c) => {
    const fn = c.childForFieldName('function');
    const receiver = fn?.type === 'attribute' ? fn.childForFieldName('object') : null;
    if (!receiver || calleeMethod(c) !== 'all' || (c.childForFieldName('arguments')?.namedChildren.length ?? 1) !== 0) return false;
    const end = rangeOf(receiver).end;
    return end.line === at.line && end.character === at.character;
  });
  return { start: at, end: all ? rangeOf(all).end : at };
}

/**
 * Where a standard QuerySet call can be inserted into the chain that built `qs`: right after the manager, or after
 * the last custom (manager/QuerySet-specific) method, since a custom manager method may not exist on a QuerySet.
 */
export function chainInsertPoint(qs: QuerysetValue): Position | undefined {
  if (!qs.manager || qs.relatedFrom) return undefined;
  const custom = qs.calls.filter((c) => !CHAIN_METHODS.has(calleeMethod(c) ?? ''));
  const last = custom[custom.length - 1];
  return rangeOf(last ?? qs.manager).end;
}

/**
 * How to refer to `name` from `module` in the file of `node`: already imported, via `from django.db import models`,
 * by extending an existing `from module import …`, or with a new import line after the last top-level import.
 * Undefined when the name is bound to something else at module level.
 */
export function ensureImported(node: Node, module: string, name: string): { ref: string; edits: TextEdit[] } | undefined {
  const root = node.tree.rootNode; // `.parent` costs O(depth) in tree-sitter: never climb to the root
  let fromModule: Node | undefined;
  let lastImport: Node | undefined;
  let modelsAlias: string | undefined;
  for (const stmt of root.namedChildren) {
    if (!stmt) continue;
    if (stmt.type === 'import_from_statement' || stmt.type === 'import_statement' || stmt.type === 'future_import_statement') lastImport = stmt;
    if (stmt.type !== 'import_from_statement') {
      if (stmt.type === 'class_definition' || stmt.type === 'function_definition') {
        if (stmt.childForFieldName('name')?.text === name) return undefined;
      }
      continue;
    }
    const mod = stmt.childForFieldName('module_name')?.text;
    const names = stmt.children.filter((c) => c && (c.type === 'dotted_name' || c.type === 'aliased_import') && c.id !== stmt.childForFieldName('module_name')?.id) as Node[];
    for (const n of names) {
      const bound = n.type === 'aliased_import' ? n.childForFieldName('alias')?.text : n.text;
      const orig = n.type === 'aliased_import' ? n.childForFieldName('name')?.text : n.text;
      if (bound === name) return mod === module && orig === name ? { ref: name, edits: [] } : undefined;
      if (mod === module.split('.').slice(0, -1).join('.') && orig === module.split('.').pop()) modelsAlias = bound;
    }
    if (mod === module && names.length > 0 && !stmt.text.includes('*')) fromModule = stmt;
  }
  if (modelsAlias) return { ref: `${modelsAlias}.${name}`, edits: [] };
  if (fromModule) {
    const names = fromModule.children.filter((c) => c && (c.type === 'dotted_name' || c.type === 'aliased_import') && c.id !== fromModule!.childForFieldName('module_name')?.id) as Node[];
    const at = rangeOf(names[names.length - 1]).end;
    return { ref: name, edits: [{ range: { start: at, end: at }, newText: `, ${name}` }] };
  }
  const line = lastImport ? lastImport.endPosition.row + 1 : 0;
  return { ref: name, edits: [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `from ${module} import ${name}\n` }] };
}
