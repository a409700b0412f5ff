import type { Range } from '../parsing/textDocument';
import type { RuleContext } from './context';

export type Severity = 'error' | 'warning' | 'information' | 'hint';
export type RuleFamily = 'n-plus-one' | 'locks' | 'async-blocking' | 'sync-async' | 'deployment' | 'cache';

/** Where rule pages live; the docs URL of DJP101 is `${DOCS_BASE_URL}DJP101.md`. */
export const DOCS_BASE_URL = 'https://github.com/djperf/djperf/blob/main/docs/rules/';

export interface RuleMeta {
  /** `DJPnnn`. */
  code: string;
  /** kebab-case, e.g. `fk-read-per-row`. */
  name: string;
  family: RuleFamily;
  defaultSeverity: Severity;
  /** One line, shown in listings and SARIF. */
  summary: string;
  docsUrl: string;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

/** ruff's vocabulary: safe fixes are applied by fix-all; unsafe ones only on request. */
export type FixApplicability = 'safe' | 'unsafe' | 'display-only';

export interface Fix {
  message: string;
  applicability: FixApplicability;
  edits: TextEdit[];
  isPreferred?: boolean;
  /**
   * Edits in other files, by uri (or path in the CLI): a template finding's fix edits the view's queryset. Fix-all
   * never applies such a fix (its edits could meet another file's).
   */
  otherFiles?: { uri: string; edits: TextEdit[] }[];
}

export interface RelatedLocation {
  uri?: string;
  range: Range;
  message: string;
}

/** `1 + k·N` queries: the N+1 family's cost, shared by hovers, the CLI and the simulator. */
export interface QueryCost {
  kind: 'queries';
  /** Queries that run once (usually the queryset itself). */
  base: number;
  /** Extra queries per row of the outermost loop (product over nested loops is in `rowFactors`). */
  perRow: number;
  /** What N counts, outermost first (`rows of Book.objects.all()`); nested loops multiply. */
  rowFactors: string[];
  /**
   * Per factor (outermost first), the row count the code caps it at (`qs[:10]` gives 10, an admin changelist its
   * list_per_page); null where the data decides and the configured N applies. Absent when no factor is capped.
   */
  rowLimits?: (number | null)[];
  /** Per factor, why the code caps it (`a literal slice`, `the page size of Paginator(books, 25)`), aligned with rowLimits. */
  rowLimitSources?: (string | null)[];
  /** Relation path the queries follow, e.g. `author__publisher`. */
  relationPath?: string;
  /** Model whose rows are iterated. */
  model?: string;
}

/** A lock held across work: its hold time drives throughput ceilings in the simulator. */
export interface LockCost {
  kind: 'lock';
  rowKey: string;
  /** Named work done while the lock is held. */
  heldAcross: string[];
  estimatedHoldMs?: number;
  /** false: the code asks for a lock Django never takes (DJP206); the cost is the race, not a wait. */
  taken?: false;
}

/** Time an event loop or worker is blocked by a call. */
export interface BlockingCost {
  kind: 'blocking';
  call: string;
  estimatedMs?: number;
  /** Thread hops added per request (sync_to_async family). */
  threadHops?: number;
}

export type Cost = QueryCost | LockCost | BlockingCost;

export interface Finding {
  code: string;
  range: Range;
  message: string;
  fixes?: Fix[];
  cost?: Cost;
  related?: RelatedLocation[];
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): Finding[];
}

export function ruleMeta(meta: Omit<RuleMeta, 'docsUrl'>): RuleMeta {
  return { ...meta, docsUrl: `${DOCS_BASE_URL}${meta.code}.md` };
}

/** `N = 25 here (the page size of Paginator(books, 25))`: the caps the code puts on a cost's loops, for messages. */
export function rowLimitNote(cost: QueryCost): string | undefined {
  const names = cost.rowFactors.length <= 1 ? ['N'] : cost.rowFactors.map((_, i) => 'NMKL'[i] ?? `N${i}`);
  const parts = (cost.rowLimits ?? []).map((k, i) => (k === null ? undefined : `${names[i]} = ${k} here${cost.rowLimitSources?.[i] ? ` (${cost.rowLimitSources[i]})` : ''}`))
    .filter((x): x is string => !!x);
  return parts.length ? parts.join(', ') : undefined;
}

/** `1 + 2N`, `1 + N·M` … as users read it. */
export function formatQueryCost(cost: QueryCost): string {
  const vars = cost.rowFactors.length <= 1 ? 'N' : cost.rowFactors.map((_, i) => 'NMKL'[i] ?? `N${i}`).join('·');
  const per = cost.perRow === 1 ? vars : `${cost.perRow}${vars}`;
  return cost.base === 0 ? `${per} queries` : `${cost.base} + ${per} queries`;
}
