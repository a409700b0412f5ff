import type { Node } from '../parsing/syntaxTree';
import { calleeMethod, dottedName, keywordArg, positionalArgs, unparen } from '../python/syntax';
import { bindingOf } from '../python/semantic/infer';
import { unpackedValue } from '../python/semantic/bindings';

/**
 * Django's `Paginator`: a loop over one of its pages walks at most `per_page` rows, so the page size is the loop's N.
 * Names are followed through their binding (`paginator = Paginator(qs, 25)`, `page = paginator.get_page(n)`).
 */

const PAGE_METHODS = new Set(['page', 'get_page']);

/** What an identifier was assigned (one binding at that point), else the expression itself. */
function assigned(expr: Node | null | undefined, hops = 0): Node | undefined {
  if (!expr) return undefined;
  const e = unparen(expr);
  if (e.type !== 'identifier' || hops > 4) return e;
  const b = bindingOf(e);
  if (b?.kind !== 'assignment' || !b.value) return undefined;
  const v = unpackedValue(b.value, b.path);
  return v ? assigned(v, hops + 1) : undefined;
}

/** `Paginator(qs, 25)` / `django.core.paginator.Paginator(object_list=qs, per_page=n)`: the call, through names. */
export function paginatorCall(expr: Node | null | undefined): Node | undefined {
  const e = assigned(expr);
  if (e?.type !== 'call') return undefined;
  const parts = dottedName(e.childForFieldName('function'));
  return parts?.[parts.length - 1] === 'Paginator' ? e : undefined;
}

/** The rows a Paginator pages through (`qs` of `Paginator(qs, 25)`). */
export function paginatedRows(paginator: Node): Node | undefined {
  return positionalArgs(paginator)[0] ?? keywordArg(paginator, 'object_list');
}

/**
 * The Paginator behind a page expression: `paginator.page(n)`, `paginator.get_page(n)`, `Paginator(qs, k).page(n)`,
 * a name bound to one of those, or its `.object_list`.
 */
export function pagePaginator(expr: Node | null | undefined): Node | undefined {
  let e = assigned(expr);
  if (e?.type === 'attribute' && e.childForFieldName('attribute')?.text === 'object_list') e = assigned(e.childForFieldName('object'));
  if (e?.type !== 'call' || !PAGE_METHODS.has(calleeMethod(e) ?? '')) return undefined;
  return paginatorCall(e.childForFieldName('function')?.childForFieldName('object'));
}

/** An integer literal, or a name bound once to one (`PER_PAGE = 25`). */
function intValue(expr: Node | null | undefined): number | undefined {
  const e = assigned(expr);
  if (e?.type !== 'integer') return undefined;
  const v = Number(e.text.replace(/_/g, ''));
  return Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

/** The page size a loop over `iterable` walks when it is a page of a Paginator with a literal `per_page`. */
export function pageRowLimit(iterable: Node): { limit: number; paginator: Node } | undefined {
  const paginator = pagePaginator(iterable);
  const limit = paginator ? intValue(positionalArgs(paginator)[1] ?? keywordArg(paginator, 'per_page')) : undefined;
  return paginator && limit ? { limit, paginator } : undefined;
}
