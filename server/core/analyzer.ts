import { RuleContext, type SourceFile, type WorkspaceFacts } from './rules/context';
import { reportedText } from './rules/conciseMessage';
import { ALL_RULES } from './rules/registry';
import { rowLimitNote, type Finding, type Rule, type RuleMeta, type Severity } from './rules/types';
import type { DjperfConfig } from './config/config';
import { RuleSelection } from './config/ruleSelection';
import { isSuppressed } from './rules/suppressions';
import { ExecutionContexts, fileContextOf, isTestLike, type ExecutionContext } from './workspace/executionContext';
import type { PhaseTimes } from './phaseTimes';
import type { Tree } from './parsing/syntaxTree';
import { mayConfigureDeployment } from './rules/deployment/shared';
import { mayRenderTemplates } from './templates/viewRenders';

/** A finding with everything a front end needs to show it. */
export interface ReportedFinding extends Finding {
  severity: Severity;
  meta: RuleMeta;
  /** Where the flagged code runs, when djperf can tell (request path, task, command, startup; tests when checked). */
  context?: ExecutionContext;
  /** The rule's full explanation when `message` is its one-line gist (conciseMessage): hover, JSON, SARIF. */
  detail?: string;
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
  /** Time of each rule family and of the execution contexts goes here (benchmarks). */
  times?: PhaseTimes;
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

/**
 * A test or migration file when tests are not checked: analyzeFile would run only the deployment rules on it, which
 * report nothing on a file that configures no server, and the template pass wants only the renders of files that
 * render. A host need not parse such a file at all (most of a real project's test code). `uri` as analyzeFile gets it.
 */
export function nothingToAnalyse(uri: string, relPath: string, text: string, config: DjperfConfig): boolean {
  return !config.checkTests && isTestLike(fileContextOf(relPath, text)?.kind) && !mayConfigureDeployment(uri, text) && !mayRenderTemplates(text);
}

/** Runs every enabled rule over one parsed file; a failing rule becomes a notice, never a crash. */
export function analyzeFile(file: SourceFile, workspace: WorkspaceFacts, config: DjperfConfig, options: AnalyzeOptions): FileAnalysis {
  const selection = selectionFor(config);
  const ctx = new RuleContext(file, workspace, { targetDjango: config.targetDjango });
  const findings: ReportedFinding[] = [];
  const notices: FileNotice[] = [];
  let contexts: ExecutionContexts | undefined;
  let brokenLines: Set<number> | undefined;
  if (file.tree.rootNode.hasError && file.text.length > 0) {
    notices.push({ uri: file.uri, level: 'info', message: 'file has syntax errors; djperf analysed the parts it could parse' });
  }
  // A test or migration file (by its path and imports) would have all its code findings dropped below: not analysing
  // it at all is the same answer, and on real projects (half their Python is tests) most of the time.
  const skipCode = !config.checkTests && isTestLike(fileContextOf(options.relPath, file.text)?.kind);
  for (const rule of options.rules ?? ALL_RULES) {
    if (options.isCancelled?.()) break;
    if (!selection.enabled(rule.meta, options.relPath)) continue;
    if (skipCode && rule.meta.family !== 'deployment') continue;
    let produced: Finding[];
    const t0 = options.times ? performance.now() : 0;
    try {
      produced = rule.check(ctx);
    } catch (e) {
      notices.push({ uri: file.uri, level: 'error', message: `${rule.meta.code} failed: ${e instanceof Error ? e.message : String(e)}` });
      continue;
    }
    const severity = selection.severity(rule.meta);
    if (severity === 'off') continue;
    const explicit = selection.hasExplicitSeverity(rule.meta);
    const t1 = options.times ? performance.now() : 0;
    options.times?.add(`rules: ${rule.meta.family}`, t1 - t0);
    for (const f of produced) {
      if (isSuppressed(file.lineMap.lineText(f.range.start.line), f.code)) continue;
      contexts ??= new ExecutionContexts(file.tree.rootNode, file.uri, options.relPath, file.text, workspace);
      // Deployment findings are about the deployment, not the line they are anchored on.
      const context = rule.meta.family === 'deployment' ? undefined : contexts.at(f.range.start);
      if (isTestLike(context?.kind) && !config.checkTests) continue;
      const g = withoutFixesOnBrokenLines(withRowLimitNote(f), file.tree, () => (brokenLines ??= linesWithSyntaxErrors(file.tree)));
      findings.push(placeInContext({ ...g, severity, meta: rule.meta, ...reportedText(g.message, g.cost, rule.meta) }, g.message, context, explicit));
    }
    options.times?.add('execution contexts', performance.now() - t1);
  }
  findings.sort(compareFindings);
  return { findings, notices };
}

/** The N the code caps a loop at (a slice, a page size) is said in the message, as the hover and the simulator use it. */
function withRowLimitNote(f: Finding): Finding {
  const note = f.cost?.kind === 'queries' ? rowLimitNote(f.cost) : undefined;
  return note ? { ...f, message: `${f.message.replace(/\.?$/, '')}; ${note}.` } : f;
}

/**
 * A fix that edits a line holding a syntax error is not offered: its text can pair with the broken token (a quote,
 * a bracket) and make the file worse; the finding stays, and the fix comes back once the line parses.
 */
function withoutFixesOnBrokenLines(f: Finding, tree: Tree, broken: () => Set<number>): Finding {
  if (!f.fixes?.length || !tree.rootNode.hasError) return f;
  const lines = broken();
  const fixes = f.fixes.filter((fix) => !fix.edits.some((e) => {
    for (let l = e.range.start.line; l <= e.range.end.line; l++) if (lines.has(l)) return true;
    return false;
  }));
  return fixes.length === f.fixes.length ? f : { ...f, fixes };
}

/** Lines spanned by ERROR and MISSING nodes (iterative: broken files can nest deeply). */
function linesWithSyntaxErrors(tree: Tree): Set<number> {
  const lines = new Set<number>();
  const stack = [tree.rootNode];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!node.hasError && !node.isMissing) continue;
    if (node.isError || node.isMissing) {
      for (let l = node.startPosition.row; l <= node.endPosition.row; l++) lines.add(l);
    }
    for (const c of node.children) stack.push(c);
  }
  return lines;
}

/** How the one-line message names a long place (the detail keeps the whole `where`). */
const SHORT_WHERE: Partial<Record<ExecutionContext['kind'], string>> = {
  task: 'a background task', command: 'a management command', test: 'test code', migration: 'a migration',
  signal: 'a signal receiver',
};

/**
 * Says where off-request code runs, and ranks it below the request path: a warning in a task, a command or
 * startup code becomes information unless the user set the rule's severity. Errors stay errors (the code fails).
 */
function placeInContext(f: ReportedFinding, full: string, context: ExecutionContext | undefined, explicitSeverity: boolean): ReportedFinding {
  if (!context) return f;
  // Startup code runs once per process: said in the context, not worth a message (DJP408 lives in settings).
  if (context.kind === 'request' || context.kind === 'startup') return { ...f, context };
  // A signal receiver runs wherever the signal is sent (often a view): said, not ranked down.
  const severity = !explicitSeverity && f.severity === 'warning' && context.kind !== 'signal' ? 'information' : f.severity;
  const { detail: _previous, ...rest } = f;
  return { ...rest, context, severity, ...reportedText(full, f.cost, f.meta, context.where, SHORT_WHERE[context.kind]) };
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    a.range.start.line - b.range.start.line ||
    a.range.start.character - b.range.start.character ||
    a.code.localeCompare(b.code) ||
    a.message.localeCompare(b.message)
  );
}
