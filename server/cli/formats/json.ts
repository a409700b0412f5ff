import { eachFinding, type Report } from './report';
import { toRowColumn, type RowColumn } from './location';
import type { Cost, FixApplicability } from '../../core/rules/types';

/** ruff's JSON field names, plus severity and cost. */
export interface JsonFinding {
  code: string;
  message: string;
  /** The rule's full explanation when `message` is its one-line gist; null when the message says it all. */
  detail: string | null;
  filename: string;
  location: RowColumn;
  end_location: RowColumn;
  fix: null | {
    applicability: FixApplicability;
    message: string;
    edits: { content: string; location: RowColumn; end_location: RowColumn }[];
  };
  url: string;
  noqa_row: number;
  severity: string;
  cost: Cost | null;
  /** Where the code runs (`request`, `task`, `command`, `startup`, `test`, `migration`, `signal`), null when unknown. */
  context: string | null;
}

export function toJsonFindings(report: Report): JsonFinding[] {
  const out: JsonFinding[] = [];
  for (const { file, finding } of eachFinding(report)) {
    const fix = finding.fixes?.find((f) => f.isPreferred) ?? finding.fixes?.[0];
    out.push({
      code: finding.code,
      message: finding.message,
      detail: finding.detail ?? null,
      filename: file.path,
      location: toRowColumn(finding.range.start),
      end_location: toRowColumn(finding.range.end),
      fix: fix
        ? {
            applicability: fix.applicability,
            message: fix.message,
            edits: fix.edits.map((e) => ({ content: e.newText, location: toRowColumn(e.range.start), end_location: toRowColumn(e.range.end) })),
          }
        : null,
      url: finding.meta.docsUrl,
      noqa_row: finding.range.start.line + 1,
      severity: finding.severity,
      cost: finding.cost ?? null,
      context: finding.context?.kind ?? null,
    });
  }
  return out;
}

export function formatJson(report: Report): string {
  return `${JSON.stringify(toJsonFindings(report), null, 2)}\n`;
}
