import type { Node } from 'web-tree-sitter';
import type { QuerysetValue } from '../django/querysetValue';
import { calleeMethod, positionalArgs, rangeOf, stringValue } from '../python/syntax';
import type { TextEdit } from '../rules/types';

/** The quote character the file already prefers, so fixes read like the surrounding code. */
export function preferredQuote(node: Node): string {
  let root = node;
  while (root.parent) root = root.parent;
  const text = root.text;
  const singles = (text.match(/'[\w.]*'/g) ?? []).length;
  const doubles = (text.match(/"[\w.]*"/g) ?? []).length;
  return singles > doubles ? "'" : '"';
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
  if (!qs.manager || qs.relatedFrom) return undefined;
  const at = rangeOf(qs.manager).end;
  return { range: { start: at, end: at }, newText: `.${method}(${quote}${path}${quote})` };
}
