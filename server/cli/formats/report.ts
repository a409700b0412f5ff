import type { FileResult } from '../../node/scan';
import type { ReportedFinding } from '../../core/analyzer';

/** What every output format receives. */
export interface Report {
  results: FileResult[];
  version: string;
  /** Path as the user should read it (relative to the working folder). */
  displayPath(file: FileResult): string;
}

export function* eachFinding(report: Report): Generator<{ file: FileResult; finding: ReportedFinding }> {
  for (const file of report.results) for (const finding of file.findings) yield { file, finding };
}
