/**
 * Analysing one file (open or from disk) and publishing what was found. Keeps the index facts of open
 * documents current, remembers the findings of each open document's latest version (hover, code actions)
 * and which URIs carry diagnostics, so a folder can be cleared when its configuration breaks.
 */
import { MessageType, ShowMessageNotification, type Connection } from 'vscode-languageserver/node';
import { analyzeFile, nothingToAnalyse, type FileNotice, type ReportedFinding } from '../core/analyzer';
import type { ParsedDocument } from '../core/parsing/textDocument';
import { LineMap } from '../core/parsing/textDocument';
import { ParseTimeoutError, type PythonParser } from '../core/parsing/pythonParser';
import { extractFileFacts, mayHaveGlobalFacts, mayHaveHelperFacts } from '../core/workspace/fileFacts';
import type { Tree } from '../core/parsing/syntaxTree';
import type { ProfileReport } from '../core/profiles/types';
import { toDiagnostic } from './diagnostics';
import type { AnalysisParts, OpenDocument } from './documents';
import { isExcluded, relativePath, uriKey, type FolderState } from './folders';

/** A file slower than this is logged: users should know which file makes the editor sluggish. */
export const SLOW_FILE_MS = 500;

export interface AnalysedVersion {
  version: number;
  revision: number;
  findings: ReportedFinding[];
}

export class Analysis {
  /** Latest findings of each open document, by URI. */
  private readonly openFindings = new Map<string, AnalysedVersion>();
  /** URIs with non-empty diagnostics, and the folder they belong to. */
  private readonly published = new Map<string, FolderState>();
  private readonly noticedLarge = new Set<string>();

  /** Called after each Python file is analysed, with its tree (the template service reads its renders; none when not parsed). */
  onAnalysed?: (folder: FolderState, uri: string, text: string, tree: Tree | undefined) => void;
  /** What was last published for each template uri, so a folder-wide recheck only sends what changed. */
  private readonly templateSent = new Map<string, string>();

  /** Endpoint profiles of a folder, for the deployment rules (DJP6xx); set by the session. */
  profilesFor?: (folder: FolderState) => ProfileReport | undefined;

  constructor(private readonly connection: Connection, private readonly parser: PythonParser) {}

  /** Analyses an open document at its current version; returns true when the folder's model facts changed. */
  analyzeOpen(doc: OpenDocument, folder: FolderState): boolean {
    const started = performance.now();
    const parts: AnalysisParts = { copy: 0, facts: 0, rules: 0 };
    try {
      return this.analyzeOpenNow(doc, folder, parts);
    } finally {
      doc.recordAnalysis(performance.now() - started, parts);
    }
  }

  private analyzeOpenNow(doc: OpenDocument, folder: FolderState, parts: AnalysisParts): boolean {
    if (!folder.config || !folder.server.enable || isExcluded(folder, doc.uri)) {
      this.openFindings.delete(doc.uri);
      this.publish(doc.uri, folder, [], doc.version);
      return false;
    }
    const parsed = doc.parsedWithin(folder.config.maxFileSize);
    if (!parsed) {
      if (doc.unparsable) this.noticeUnparsable(doc.uri, doc.unparsable);
      else this.noticeTooLarge(doc.uri, doc.size, folder.config.maxFileSize);
      this.publish(doc.uri, folder, [], doc.version);
      this.openFindings.set(doc.uri, { version: doc.version, revision: doc.revision, findings: [] });
      return false;
    }
    this.noticedLarge.delete(doc.uri);
    const started = performance.now();
    const tree = parsed.tree; // copied from the WASM tree on first access after a reparse
    const copied = performance.now();
    parts.copy = copied - started;
    const factsChanged = this.updateFacts(folder, doc.uri, parsed.text, tree);
    const indexed = performance.now();
    parts.facts = indexed - copied;
    const findings = this.run(folder, doc.uri, parsed);
    this.openFindings.set(doc.uri, { version: doc.version, revision: doc.revision, findings });
    this.publish(doc.uri, folder, findings, doc.version);
    parts.rules = performance.now() - indexed;
    return factsChanged;
  }

  /** Parses, analyses and publishes a file that is not open; returns the number of findings. */
  analyzeClosed(folder: FolderState, uri: string, text: string, updateFacts = false): { findings: number; factsChanged: boolean } {
    if (!folder.config || !folder.server.enable || isExcluded(folder, uri)) {
      this.clear(uri);
      return { findings: 0, factsChanged: false };
    }
    if (!updateFacts && nothingToAnalyse(uri, relativePath(folder, uri), text, folder.config)) {
      // Test or migration code that is not checked: not parsed, as `djperf check` does not (half of a real project's
      // text); what an earlier configuration reported on it, and its renders, are dropped.
      this.clear(uri);
      this.onAnalysed?.(folder, uri, text, undefined);
      return { findings: 0, factsChanged: false };
    }
    let tree: Tree;
    try {
      tree = this.parser.parse(text);
    } catch (e) {
      if (!(e instanceof ParseTimeoutError)) throw e;
      this.connection.console.warn(`${uri}: not analysed: ${e.message}`);
      this.clear(uri);
      return { findings: 0, factsChanged: false };
    }
    const factsChanged = updateFacts ? this.updateFacts(folder, uri, text, tree) : false;
    const findings = this.run(folder, uri, { text, tree, lineMap: new LineMap(text) });
    this.publish(uri, folder, findings);
    return { findings: findings.length, factsChanged };
  }

  /** The findings of exactly this version of an open document, if it has been analysed. */
  findingsOf(doc: OpenDocument): ReportedFinding[] | undefined {
    const a = this.openFindings.get(doc.uri);
    return a && a.revision === doc.revision ? a.findings : undefined;
  }

  closed(uri: string): void {
    this.openFindings.delete(uri);
    this.noticedLarge.delete(uri);
  }

  clear(uri: string): void {
    this.templateSent.delete(uri);
    if (!this.published.delete(uri)) return;
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  /** Removes every diagnostic of `folder` (configuration broken, djperf disabled, folder removed). */
  clearFolder(folder: FolderState, keep?: ReadonlySet<string>): void {
    for (const [uri, f] of [...this.published]) {
      if (f === folder && !keep?.has(uri)) this.clear(uri);
    }
  }

  private updateFacts(folder: FolderState, uri: string, text: string, tree: Tree): boolean {
    const key = uriKey(uri);
    folder.imports.setFile(key, text);
    folder.index.textChanged(key, text);
    if (mayHaveGlobalFacts(key, text) || mayHaveHelperFacts(text)) return folder.index.setFile(key, extractFileFacts(tree, key, text, { analyseNext: true }));
    if (!folder.index.has(key)) {
      folder.index.lastScope = 'none';
      return false;
    }
    folder.index.removeFile(key);
    return true;
  }

  private run(folder: FolderState, uri: string, file: Pick<ParsedDocument, 'text' | 'tree' | 'lineMap'>): ReportedFinding[] {
    const started = performance.now();
    const relPath = relativePath(folder, uri);
    const workspace = { ...folder.index.facts(), profiles: () => this.profilesFor?.(folder) };
    const result = analyzeFile({ uri, text: file.text, tree: file.tree, lineMap: file.lineMap }, workspace, folder.config!, { relPath });
    const ms = performance.now() - started;
    if (ms > SLOW_FILE_MS) {
      this.connection.console.warn(`slow file: ${relPath} took ${Math.round(ms)} ms (${file.text.length} characters, budget ${SLOW_FILE_MS} ms)`);
    }
    for (const n of result.notices) this.logNotice(n);
    this.onAnalysed?.(folder, uri, file.text, file.tree);
    return result.findings;
  }

  /** Publishes a template's findings (from the template service); an open document also keeps them for code actions. */
  publishTemplate(folder: FolderState, uri: string, findings: ReportedFinding[], doc?: OpenDocument): void {
    if (doc) this.openFindings.set(doc.uri, { version: doc.version, revision: doc.revision, findings });
    const sent = `${doc ? `${doc.version}#` : ''}${JSON.stringify(findings.map((f) => [f.code, f.range, f.message, f.related, f.fixes]))}`;
    if (this.templateSent.get(uri) === sent && (findings.length === 0 || this.published.has(uri))) return;
    this.templateSent.set(uri, sent);
    this.publish(uri, folder, findings, doc?.version);
  }

  private publish(uri: string, folder: FolderState, findings: readonly ReportedFinding[], version?: number): void {
    if (findings.length === 0) {
      // Nothing was published or the old diagnostics must go: send the empty list once.
      if (this.published.delete(uri) || version !== undefined) void this.connection.sendDiagnostics({ uri, version, diagnostics: [] });
      return;
    }
    this.published.set(uri, folder);
    void this.connection.sendDiagnostics({ uri, version, diagnostics: findings.map((f) => toDiagnostic(f, uri)) });
  }

  private noticeTooLarge(uri: string, bytes: number, max: number): void {
    if (this.noticedLarge.has(uri)) return;
    this.noticedLarge.add(uri);
    const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;
    const message = `djperf: ${uri.replace(/^.*\//, '')} is ${mb(bytes)}, over djperf.maxFileSize (${mb(max)}); it is not analysed.`;
    this.connection.console.info(message);
    void this.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message });
  }

  private noticeUnparsable(uri: string, reason: string): void {
    if (this.noticedLarge.has(uri)) return;
    this.noticedLarge.add(uri);
    const message = `djperf: ${uri.replace(/^.*\//, '')} is not analysed: ${reason}.`;
    this.connection.console.warn(message);
    void this.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message });
  }

  private logNotice(n: FileNotice): void {
    // Syntax errors are normal while typing; rule failures are our bugs and must be visible.
    if (n.level === 'info') return;
    const line = `${n.uri}: ${n.message}`;
    if (n.level === 'error') this.connection.console.error(line);
    else this.connection.console.warn(line);
  }
}
