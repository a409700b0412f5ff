import type { Node } from '../parsing/syntaxTree';
import { calleeName, keywordArg, positionalArgs, returnValues, stringValue, unparen } from '../python/syntax';

/**
 * What a method of a workspace QuerySet or Manager class does to the queryset it is called on, as a tree-free
 * summary: the chained calls of its `return self....` (or `super().get_queryset()....`) in order. Only the calls
 * that change what rows carry matter (select_related, prefetch_related, only, values …) and calls of other custom
 * methods, which are applied through their own summaries.
 */
export interface QuerysetStep {
  method: string;
  /** String literal arguments, in order. */
  args: string[];
  /** Every positional argument is a string literal (a `Prefetch(...)` or `*fields` is not). */
  literal: boolean;
}

/** Calls that neither change the rows' loads nor call custom code: left out of summaries. */
const NEUTRAL = new Set([
  'all', 'filter', 'exclude', 'order_by', 'distinct', 'annotate', 'alias', 'using', 'reverse', 'extra',
  'complex_filter', 'iterator',
]);

/** Roots a summarised chain may start from: the queryset itself. */
export function isSelfRoot(n: Node): boolean {
  if (n.type === 'identifier') return n.text === 'self';
  if (n.type !== 'call') return false;
  // `super().order_by("id")` in a QuerySet method, and `QuerySet(self.model, using=self._db)` (the
  // `self.QUERY_SET_CLASS(self.model, ...)` of a manager's get_queryset): a plain queryset of the same model.
  if (calleeName(n) === 'super') return positionalArgs(n).length === 0;
  const first = positionalArgs(n)[0] ?? keywordArg(n, 'model');
  if (first && first.text.replace(/\s/g, '') === 'self.model') return true;
  const fn = n.childForFieldName('function');
  if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'get_queryset') return false;
  const obj = fn.childForFieldName('object');
  // `self.get_queryset()` in a manager method: the receiver already went through get_queryset.
  if (obj?.type === 'identifier' && obj.text === 'self') return true;
  return obj?.type === 'call' && calleeName(obj) === 'super';
}

/** `self.a().b("x")` -> steps [a(), b("x")]; undefined when the chain does not start at the queryset itself. */
function chainSteps(expr: Node, isRoot: (n: Node) => boolean, local?: (n: Node) => Node | undefined): QuerysetStep[] | undefined {
  const steps: QuerysetStep[] = [];
  let cur = unparen(expr);
  for (let guard = 0; guard < 64; guard++) {
    if (isRoot(cur)) return steps.reverse();
    if (cur.type === 'identifier' && local) {
      // `qs = queryset.extra(...); return qs`: a local assigned once stands for its value.
      const value = local(cur);
      if (!value) return undefined;
      cur = unparen(value);
      continue;
    }
    if (cur.type !== 'call') return undefined;
    const fn = cur.childForFieldName('function');
    if (fn?.type !== 'attribute') return undefined;
    const method = fn.childForFieldName('attribute')?.text ?? '';
    const object = fn.childForFieldName('object');
    if (!object) return undefined;
    if (!NEUTRAL.has(method)) {
      const args = positionalArgs(cur);
      const strings = args.map((a) => stringValue(a));
      const literal = strings.every((s) => s !== undefined) &&
        !(cur.childForFieldName('arguments')?.namedChildren ?? []).some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat');
      steps.push({ method, args: strings.filter((s): s is string => s !== undefined), literal });
    }
    cur = unparen(object);
  }
  return undefined;
}

/**
 * The summary of one method: the steps every `return` applies (all returns must agree on them). `null` when the
 * method returns anything else (an instance, a new QuerySet, a local built elsewhere): its rows are not known.
 */
export function querysetMethodSteps(def: Node, isRoot: (n: Node) => boolean = isSelfRoot, local?: (n: Node) => Node | undefined): QuerysetStep[] | null {
  const values = returnValues(def);
  if (!values?.length) return null;
  let first: QuerysetStep[] | undefined;
  for (const v of values) {
    const steps = chainSteps(v, isRoot, local);
    if (!steps) return null;
    if (first && JSON.stringify(first) !== JSON.stringify(steps)) return null;
    first ??= steps;
  }
  return first ?? null;
}

/** Base classes that make a class a QuerySet or Manager (the summaries are kept only for those). */
export function isQuerysetClassBase(base: string): boolean {
  let known = QUERYSET_BASES.get(base);
  if (known === undefined) {
    known = /(queryset|manager|qs)$/i.test(base.split('.').pop() ?? base);
    // Bounded: base names are few in a workspace, but a hostile one may spell thousands.
    if (QUERYSET_BASES.size >= 10_000) QUERYSET_BASES.clear();
    QUERYSET_BASES.set(base, known);
  }
  return known;
}

/** The model index asks this of every class's bases at each rebuild (each keystroke in a models module). */
const QUERYSET_BASES = new Map<string, boolean>();
