/**
 * Code actions: each finding's fixes as quick fixes, "fix all DJPnnn in this file", "disable DJPnnn for this
 * line", "show documentation", and `source.fixAll.djperf` (safe fixes only, never two that overlap).
 */
import { pathToFileURL } from 'node:url';
import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver/node';
import type { ReportedFinding } from '../core/analyzer';
import type { LineMap } from '../core/parsing/textDocument';
import { suppressionEdit } from '../core/rules/suppressions';
import type { Fix } from '../core/rules/types';
import { diagnosticData, isDjperfDiagnostic } from './diagnostics';
import { Commands, FIX_ALL_KIND } from './protocol';

export interface CodeActionDocument {
  uri: string;
  version: number;
  lineMap: LineMap;
  /** The findings of the latest analysis of exactly this version (undefined when stale or not analysed). */
  findings?: readonly ReportedFinding[];
  /** A Django template: "disable for this line" writes a template comment, not a Python one. */
  template?: boolean;
}

export interface CodeActionOptions {
  /** The client understands `documentChanges` (versioned edits it can refuse when the document moved on). */
  versionedEdits: boolean;
  /** Version of another open document (a fix that edits the view of a template), null when it is closed. */
  versionOf?: (uri: string) => number | null;
}

export function codeActions(params: CodeActionParams, doc: CodeActionDocument, options: CodeActionOptions): CodeAction[] {
  const only = params.context.only;
  const wants = (kind: string): boolean => !only || only.some((k) => kind === k || kind.startsWith(`${k}.`));
  const edit = (edits: TextEdit[]): WorkspaceEdit => workspaceEdit(doc, edits, options);
  const actions: CodeAction[] = [];

  if (wants(CodeActionKind.QuickFix)) {
    const docsSeen = new Set<string>();
    const fixAllSeen = new Set<string>();
    for (const diagnostic of params.context.diagnostics) {
      if (!isDjperfDiagnostic(diagnostic)) continue;
      const code = String(diagnostic.code);
      const data = diagnosticData(diagnostic);
      const fixes = (data?.fixes ?? []).filter((f) => f.applicability !== 'display-only' && (f.edits.length > 0 || (f.otherFiles ?? []).some((o) => o.edits.length > 0)));
      const preferred = fixes.find((f) => f.isPreferred && f.applicability === 'safe') ?? fixes.find((f) => f.applicability === 'safe');
      for (const fix of fixes) {
        actions.push({
          title: fix.applicability === 'unsafe' ? `${fix.message} (unsafe: review the change)` : fix.message,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          isPreferred: fix === preferred,
          edit: fix.otherFiles?.length ? crossFileEdit(doc, fix, options) : edit(fix.edits),
        });
      }
      if (!fixAllSeen.has(code) && doc.findings) {
        fixAllSeen.add(code);
        const safe = nonOverlapping(safeFixes(doc.findings.filter((f) => f.code === code)));
        if (safe.length > 1) {
          actions.push({
            title: `Fix all ${code} in this file (${safe.length} safe fixes)`,
            kind: CodeActionKind.QuickFix,
            edit: edit(safe.flatMap((f) => f.edits)),
          });
        }
      }
      const disable = disableForLine(diagnostic, code, doc.lineMap, doc.template === true);
      if (disable) {
        actions.push({ title: `Disable ${code} for this line`, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit: edit([disable]) });
      }
      if (data && !docsSeen.has(code)) {
        docsSeen.add(code);
        actions.push({
          title: `Show documentation for ${code}`,
          kind: CodeActionKind.QuickFix,
          command: { title: `Show documentation for ${code}`, command: Commands.showDocumentation, arguments: [data.docsUrl] },
        });
      }
    }
  }

  // Only on explicit request (save-time fix-all, "Fix all" command): never mixed into the light bulb.
  if (only && wants(FIX_ALL_KIND) && doc.findings) {
    const safe = nonOverlapping(safeFixes(doc.findings));
    if (safe.length > 0) {
      actions.push({ title: `Fix all safe djperf issues (${safe.length})`, kind: FIX_ALL_KIND, edit: edit(safe.flatMap((f) => f.edits)) });
    }
  }
  return actions;
}

function safeFixes(findings: readonly ReportedFinding[]): Fix[] {
  const out: Fix[] = [];
  for (const f of findings) {
    // A fix that edits another file (a template's view) is never part of a fix-all of this file.
    const fixes = (f.fixes ?? []).filter((x) => x.applicability === 'safe' && x.edits.length > 0 && !x.otherFiles?.length);
    const fix = fixes.find((x) => x.isPreferred) ?? fixes[0];
    if (fix) out.push(fix);
  }
  return out;
}

type Pos = { line: number; character: number };
const cmp = (a: Pos, b: Pos): number => a.line - b.line || a.character - b.character;

/**
 * Fixes whose edits touch no edit of an earlier-accepted fix, in document order; identical fixes count once.
 * Two insertions at the same point also conflict: their order would be arbitrary.
 */
export function nonOverlapping(fixes: readonly Fix[]): Fix[] {
  const accepted: Fix[] = [];
  const taken: TextEdit[] = [];
  const seen = new Set<string>();
  const sorted = [...fixes].sort((a, b) => cmp(firstStart(a), firstStart(b)));
  for (const fix of sorted) {
    const key = JSON.stringify(fix.edits);
    if (seen.has(key)) continue;
    const conflicts = fix.edits.some((e) =>
      taken.some((t) => (cmp(e.range.start, t.range.end) < 0 && cmp(t.range.start, e.range.end) < 0) || cmp(e.range.start, t.range.start) === 0),
    );
    if (conflicts) continue;
    seen.add(key);
    accepted.push(fix);
    taken.push(...fix.edits);
  }
  return accepted;
}

function firstStart(fix: Fix): Pos {
  return fix.edits.map((e) => e.range.start).sort(cmp)[0] ?? { line: 0, character: 0 };
}

function disableForLine(diagnostic: Diagnostic, code: string, lines: LineMap, template: boolean): TextEdit | undefined {
  const line = diagnostic.range.start.line;
  if (line < 0 || line >= lines.lineCount) return undefined;
  const s = suppressionEdit(lines.lineText(line), code);
  // `{# djperf: ignore[DJP110] #}`: a new comment in a template is a template comment (merging edits the inside of one).
  if (template && s.replaceTo === undefined) s.text = `{# djperf: ignore[${code}] #}`;
  return { range: { start: { line, character: s.column }, end: { line, character: s.replaceTo ?? s.column } }, newText: s.text };
}

/** One edit over several files: this document's edits and those of the other files (the view of a template finding). */
function crossFileEdit(doc: CodeActionDocument, fix: Fix, options: CodeActionOptions): WorkspaceEdit {
  const files = [...(fix.edits.length > 0 ? [{ uri: doc.uri, edits: fix.edits }] : []), ...(fix.otherFiles ?? []).map((o) => ({ uri: asFileUri(o.uri), edits: o.edits }))];
  if (options.versionedEdits) {
    return {
      documentChanges: files.map((f) => ({
        textDocument: { uri: f.uri, version: f.uri === doc.uri ? doc.version : options.versionOf?.(f.uri) ?? null },
        edits: f.edits,
      })),
    };
  }
  const changes: Record<string, TextEdit[]> = {};
  for (const f of files) changes[f.uri] = [...(changes[f.uri] ?? []), ...f.edits];
  return { changes };
}

function asFileUri(uriOrPath: string): string {
  return /^[a-z][a-z0-9+.-]+:/i.test(uriOrPath) ? uriOrPath : pathToFileURL(uriOrPath).href;
}

function workspaceEdit(doc: CodeActionDocument, edits: TextEdit[], options: CodeActionOptions): WorkspaceEdit {
  if (options.versionedEdits) return { documentChanges: [{ textDocument: { uri: doc.uri, version: doc.version }, edits }] };
  return { changes: { [doc.uri]: edits } };
}
