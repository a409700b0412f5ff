import type { Node } from '../parsing/syntaxTree';
import type { Range } from '../parsing/textDocument';

/** How a prefetched relation is cached on each row. */
export interface PrefetchInfo {
  /** `Prefetch(..., to_attr="x")`: rows get a plain list at `x`, the manager itself is not cached. */
  toAttr?: string;
  node: Node;
}

/** What djperf knows about a queryset expression at one point of a function. */
export interface QuerysetValue {
  kind: 'queryset';
  /** Model key, `app.Model`. */
  model: string;
  /** Relation paths joined by select_related (`a`, `a__b`), or 'all' for a bare select_related(). */
  selectRelated: Set<string> | 'all';
  prefetch: Map<string, PrefetchInfo>;
  /** Instances, or dict/tuple rows from values()/values_list() that cannot lazy-load anything. */
  rows: 'instances' | 'values';
  /** Fields restricted by only() (undefined = all) and fields deferred by defer(). */
  only?: Set<string>;
  defer?: Set<string>;
  /** The expression that built it, for messages, related information and fixes. */
  origin: Node;
  /** The manager expression (`Book.objects`), where a fix may insert a call. */
  manager?: Node;
  /** Calls in the chain, innermost first. */
  calls: Node[];
  /**
   * Set when this is a related manager reached from a row (`author.book_set`); `prefetched` when the row's
   * queryset prefetched that relation into the manager's cache.
   */
  relatedFrom?: { model: string; accessor: string; node: Node; prefetched?: PrefetchInfo };
  /** select_for_update() appears in the chain. */
  forUpdate?: Node;
  /**
   * Why N+1 rules must stay silent on these rows: what they carry cannot be known here (`select_related(*fields)`, a
   * `QuerySet[X]` parameter filled by the caller), or there are none (`none()`). Relation reads and served prefetches
   * are then taken as loaded, rather than guessed.
   */
  loadsUnknown?: string;
  /** Rows of a reverse FK manager (`customer.invoices`) have their FK back to the owner cached by Django: no query. */
  knownRelated?: string;
  /** Workspace QuerySet/Manager classes of the manager it came from: their methods are applied by their summaries. */
  managerClasses?: string[];
  /** A helper's parameter typed from its callers: each call site and what its own queryset joins and prefetches. */
  passedBy?: PassedBy[];
}

/** One caller of a helper whose rows fill a parameter (related information names the callers a fix concerns). */
export interface PassedBy {
  uri: string;
  range: Range;
  selectRelated: Set<string> | 'all';
  prefetched: Set<string>;
}

/** A model instance (from get()/first()/a loop over a queryset). */
export interface InstanceValue {
  kind: 'instance';
  model: string;
  /** The queryset rows came from, when known (its select_related/prefetch state applies). */
  from?: QuerysetValue;
  node: Node;
}

export type TrackedValue = QuerysetValue | InstanceValue;

/** QuerySet methods that return a new QuerySet of the same model. */
export const CHAIN_METHODS: ReadonlySet<string> = new Set([
  'all', 'filter', 'exclude', 'order_by', 'distinct', 'annotate', 'alias', 'select_related', 'prefetch_related',
  'only', 'defer', 'using', 'reverse', 'none', 'extra', 'select_for_update', 'complex_filter', 'union',
  'intersection', 'difference', 'values', 'values_list', 'iterator', 'aiterator',
]);
/** Methods that run a query and return one instance. */
export const INSTANCE_METHODS: ReadonlySet<string> = new Set(['get', 'first', 'last', 'earliest', 'latest', 'create']);
/** Methods that run a query and return something that is not a queryset or instance. */
export const TERMINAL_METHODS: ReadonlySet<string> = new Set([
  'count', 'exists', 'aggregate', 'update', 'delete', 'in_bulk', 'get_or_create', 'update_or_create',
  'bulk_create', 'bulk_update', 'explain', 'contains', 'values_list_flat', 'add', 'remove', 'set', 'clear',
  'aget', 'afirst', 'alast', 'acount', 'aexists', 'aaggregate', 'acreate', 'aupdate', 'adelete', 'ain_bulk',
  'aget_or_create', 'aupdate_or_create', 'abulk_create', 'abulk_update', 'aearliest', 'alatest', 'aadd',
  'aremove', 'aset', 'aclear', 'acontains', 'aexplain',
]);

export function cloneQueryset(q: QuerysetValue, patch: Partial<QuerysetValue>): QuerysetValue {
  return {
    ...q,
    selectRelated: q.selectRelated === 'all' ? 'all' : new Set(q.selectRelated),
    prefetch: new Map(q.prefetch),
    only: q.only && new Set(q.only),
    defer: q.defer && new Set(q.defer),
    calls: [...q.calls],
    ...patch,
  };
}

/** Whether `path` (`a` or `a__b`) is joined by select_related. */
export function isSelected(q: QuerysetValue, path: string): boolean {
  return q.selectRelated === 'all' || q.selectRelated.has(path);
}

/** Whether the single-object relation at `path` is already on each row (joined, or prefetched into the cache). */
export function isLoaded(q: QuerysetValue, path: string): boolean {
  if (q.loadsUnknown || isSelected(q, path) || path === q.knownRelated) return true;
  const p = q.prefetch.get(path);
  return !!p && !p.toAttr;
}
