/** Findings as LSP diagnostics: source, code, docs link, related locations, and the data code actions need. */
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import type { ReportedFinding } from '../core/analyzer';
import type { Severity } from '../core/rules/types';
import type { DiagnosticData } from './protocol';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toDiagnostic(finding: ReportedFinding, documentUri: string): Diagnostic {
  const data: DiagnosticData = {
    docsUrl: finding.meta.docsUrl,
    ruleName: finding.meta.name,
    fixes: finding.fixes ?? [],
    cost: finding.cost,
  };
  return {
    range: finding.range,
    severity: SEVERITY[finding.severity],
    source: 'djperf',
    code: finding.code,
    codeDescription: { href: finding.meta.docsUrl },
    message: finding.message,
    relatedInformation: finding.related?.map((r) => ({
      location: { uri: r.uri ? asUri(r.uri) : documentUri, range: r.range },
      message: r.message,
    })),
    data,
  };
}

/** Reads back `Diagnostic.data` from a client, which may hand us anything. */
export function diagnosticData(d: Diagnostic): DiagnosticData | undefined {
  const data = d.data as Partial<DiagnosticData> | undefined;
  if (!data || typeof data !== 'object' || typeof data.docsUrl !== 'string' || !Array.isArray(data.fixes)) return undefined;
  return data as DiagnosticData;
}

export function isDjperfDiagnostic(d: Diagnostic): boolean {
  return d.source === 'djperf' && typeof d.code === 'string';
}

/** Related locations from the workspace index carry URIs; a bare path (from a CLI-built index) becomes one. */
function asUri(uriOrPath: string): string {
  return /^[a-z][a-z0-9+.-]+:/i.test(uriOrPath) ? uriOrPath : pathToFileURL(uriOrPath).href;
}
