import { RuleContext, type SourceFile, type WorkspaceFacts } from './rules/context';
import { ALL_RULES } from './rules/registry';
import type { Finding, Rule, RuleMeta, Severity } from './rules/types';
import type { DjperfConfig } from './config/config';
import { RuleSelection } from './config/ruleSelection';
import { isSuppressed } from './rules/suppressions';

/** A finding with everything a front end needs to show it. */
export interface ReportedFinding extends Finding {
  severity: Severity;
  meta: RuleMeta;
}

/** Something about a file the user should know that is not a finding (skipped, slow, a rule failed). */
export interface FileNotice {
  uri: string;
  level: 'info' | 'warning' | 'error';
  message: string;
}

export interface AnalyzeOptions {
  /** Path relative to the project root, for per-file-ignores. */
  relPath: string;
  rules?: readonly Rule[];
  isCancelled?: () => boolean;
}

export interface FileAnalysis {
  findings: ReportedFinding[];
  notices: FileNotice[];
}

/** One selection per configuration object: a scan analyses thousands of files with the same one. */
const selections = new WeakMap<DjperfConfig, RuleSelection>();

function selectionFor(config: DjperfConfig): RuleSelection {
  let selection = selections.get(config);
  if (!selection) {
    selection = new RuleSelection(config);
    selections.set(config, selection);
  }
  return selection;
}

/** Runs every enabled rule over one parsed file; a failing rule becomes a notice, never a crash. */
export function analyzeFile(file: SourceFile, workspace: WorkspaceFacts, config: DjperfConfig, options: AnalyzeOptions): FileAnalysis {
  const selection = selectionFor(config);
  const ctx = new RuleContext(file, workspace, { targetDjango: config.targetDjango });
  const findings: ReportedFinding[] = [];
  const notices: FileNotice[] = [];
  if (file.tree.rootNode.hasError && file.text.length > 0) {
    notices.push({ uri: file.uri, level: 'info', message: 'file has syntax errors; djperf analysed the parts it could parse' });
  }
  for (const rule of options.rules ?? ALL_RULES) {
    if (options.isCancelled?.()) break;
    if (!selection.enabled(rule.meta, options.relPath)) continue;
    let produced: Finding[];
    try {
      produced = rule.check(ctx);
    } catch (e) {
      notices.push({ uri: file.uri, level: 'error', message: `${rule.meta.code} failed: ${e instanceof Error ? e.message : String(e)}` });
      continue;
    }
    const severity = selection.severity(rule.meta);
    if (severity === 'off') continue;
    for (const f of produced) {
      if (isSuppressed(file.lineMap.lineText(f.range.start.line), f.code)) continue;
      findings.push({ ...f, severity, meta: rule.meta });
    }
  }
  findings.sort(compareFindings);
  return { findings, notices };
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    a.range.start.line - b.range.start.line ||
    a.range.start.character - b.range.start.character ||
    a.code.localeCompare(b.code) ||
    a.message.localeCompare(b.message)
  );
}
