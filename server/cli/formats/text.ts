import { eachFinding, type Report } from './report';
import { toRowColumn } from './location';
import { formatQueryCost } from '../../core/rules/types';

/** `path:row:col: DJP101 message` lines (ruff's concise format), then a summary unless quiet. */
export function formatText(report: Report, quiet: boolean): string {
  const lines: string[] = [];
  let count = 0;
  let fixable = 0;
  for (const { file, finding } of eachFinding(report)) {
    const { row, column } = toRowColumn(finding.range.start);
    const formula = finding.cost?.kind === 'queries' ? formatQueryCost(finding.cost) : '';
    // The one-line message usually states the cost already (conciseMessage): no second copy in brackets.
    const cost = formula && !finding.message.includes(formula) ? ` [${formula}]` : '';
    lines.push(`${report.displayPath(file)}:${row}:${column}: ${finding.code} ${finding.message}${cost}`);
    count++;
    if (finding.fixes?.some((f) => f.applicability === 'safe')) fixable++;
  }
  if (!quiet) {
    if (count === 0) lines.push('All checks passed!');
    else lines.push(`Found ${count} finding${count === 1 ? '' : 's'}${fixable ? ` (${fixable} with a safe quick fix in the editor)` : ''}.`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
