import { eachFinding, type Report } from './report';
import { allRuleMeta } from '../../core/rules/registry';
import type { Severity } from '../../core/rules/types';

function level(severity: Severity): 'error' | 'warning' | 'note' {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}

/** A related location's path relative to %SRCROOT% (another file, e.g. a helper module), else the finding's file. */
function relatedPath(filePath: string, relPath: string, uri: string | undefined): string {
  if (!uri) return relPath;
  const norm = (p: string) => p.replace(/\\/g, '/');
  const full = norm(filePath);
  if (!full.endsWith(relPath)) return relPath;
  const root = full.slice(0, full.length - relPath.length);
  const other = norm(uri);
  return other.startsWith(root) ? other.slice(root.length) : relPath;
}

/** SARIF 2.1.0 for GitHub code scanning: every rule with its help URI, paths relative to %SRCROOT%. */
export function formatSarif(report: Report, srcRoot: string): string {
  const rules = allRuleMeta();
  const ruleIndex = new Map(rules.map((r, i) => [r.code, i]));
  const results = [...eachFinding(report)].map(({ file, finding }) => ({
    ruleId: finding.code,
    ruleIndex: ruleIndex.get(finding.code) ?? 0,
    level: level(finding.severity),
    message: { text: finding.detail ?? finding.message },
    locations: [{
      physicalLocation: {
        artifactLocation: { uri: file.relPath, uriBaseId: '%SRCROOT%' },
        region: {
          startLine: finding.range.start.line + 1,
          startColumn: finding.range.start.character + 1,
          endLine: finding.range.end.line + 1,
          endColumn: finding.range.end.character + 1,
        },
      },
    }],
    relatedLocations: (finding.related ?? []).map((r, id) => ({
      id,
      message: { text: r.message },
      physicalLocation: {
        artifactLocation: { uri: relatedPath(file.path, file.relPath, r.uri), uriBaseId: '%SRCROOT%' },
        region: { startLine: r.range.start.line + 1, startColumn: r.range.start.character + 1, endLine: r.range.end.line + 1, endColumn: r.range.end.character + 1 },
      },
    })),
    partialFingerprints: { 'djperf/v1': `${finding.code}:${file.relPath}:${finding.detail ?? finding.message}` },
    ...(finding.cost ? { properties: { cost: finding.cost } } : {}),
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'djperf',
          version: report.version,
          informationUri: 'https://github.com/djperf/djperf',
          rules: rules.map((r) => ({
            id: r.code,
            name: r.name,
            shortDescription: { text: r.summary },
            fullDescription: { text: r.summary },
            helpUri: r.docsUrl,
            help: { text: `${r.summary} See ${r.docsUrl}` },
            defaultConfiguration: { level: level(r.defaultSeverity) },
            properties: { tags: ['performance', 'django', r.family] },
          })),
        },
      },
      originalUriBaseIds: { '%SRCROOT%': { uri: `file://${srcRoot.replace(/\\/g, '/').replace(/\/?$/, '/')}` } },
      columnKind: 'utf16CodeUnits',
      results,
    }],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
