import { eachFinding, type Report } from './formats/report';

/** One row of `djperf check --statistics`: how many findings of a code run in one context. */
export interface StatisticsRow {
  code: string;
  name: string;
  /** `request`, `task`, `command`, `startup`, `test`, `migration`, `signal`, or `unknown` when djperf cannot tell. */
  context: string;
  count: number;
}

/** Counts by code and execution context, most frequent first (ties by code, then context), like ruff's table. */
export function findingStatistics(report: Report): StatisticsRow[] {
  const rows = new Map<string, StatisticsRow>();
  for (const { finding } of eachFinding(report)) {
    const context = finding.context?.kind ?? 'unknown';
    const key = `${finding.code}\0${context}`;
    const row = rows.get(key) ?? { code: finding.code, name: finding.meta.name, context, count: 0 };
    row.count++;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code) || a.context.localeCompare(b.context));
}

export function formatStatistics(rows: readonly StatisticsRow[], format: 'text' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  if (rows.length === 0) return '';
  const width = Math.max(...rows.map((r) => String(r.count).length));
  const ctxWidth = Math.max(...rows.map((r) => r.context.length));
  return rows.map((r) => `${String(r.count).padStart(width)}  ${r.code}  ${r.context.padEnd(ctxWidth)}  ${r.name}\n`).join('');
}
