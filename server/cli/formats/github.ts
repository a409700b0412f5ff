import { eachFinding, type Report } from './report';

/** GitHub Actions workflow commands: annotations on the pull request diff. */
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function formatGithub(report: Report): string {
  const lines: string[] = [];
  for (const { file, finding } of eachFinding(report)) {
    const kind = finding.severity === 'error' ? 'error' : finding.severity === 'warning' ? 'warning' : 'notice';
    const props = [
      `file=${escapeProperty(report.displayPath(file))}`,
      `line=${finding.range.start.line + 1}`,
      `col=${finding.range.start.character + 1}`,
      `endLine=${finding.range.end.line + 1}`,
      `endColumn=${finding.range.end.character + 1}`,
      `title=${escapeProperty(`djperf ${finding.code} (${finding.meta.name})`)}`,
    ].join(',');
    lines.push(`::${kind} ${props}::${escapeData(`${finding.code} ${finding.message}`)}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
