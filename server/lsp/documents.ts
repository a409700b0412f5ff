/**
 * Open documents. Each keeps its syntax tree current by editing it and reparsing against the old tree
 * (ParsedDocument.applyChanges); a document over the size limit is kept as text only until it shrinks.
 */
import { LineMap, ParsedDocument, type ContentChange } from '../core/parsing/textDocument';
import { ParseTimeoutError, type PythonParser } from '../core/parsing/pythonParser';
import type { DocumentStats, ServerPhases } from './protocol';
import { uriKey } from './folders';
import { isTemplateLanguage } from './templates';

export class OpenDocument {
  private parsed?: ParsedDocument;
  /** Text of a document too large to parse. */
  private plain?: LineMap;
  /** Bumped on every accepted change, so stale analyses can be recognised. */
  revision = 0;
  /** Why the current text could not be parsed (a parse over its time budget); retried after the next edit. */
  unparsable?: string;

  constructor(
    private readonly parser: PythonParser,
    readonly uri: string,
    readonly languageId: string,
    text: string,
    public version: number,
    maxBytes: number,
  ) {
    // Templates are kept as text: the template service reads them, the Python parser never does.
    if (isTemplateLanguage(languageId) || byteLength(text) > maxBytes) this.plain = new LineMap(text);
    else this.tryParse(text);
  }

  /** A Django template (by its language id), analysed by the template service. */
  get isTemplate(): boolean {
    return isTemplateLanguage(this.languageId);
  }

  /** Parses `text` into `parsed`, or keeps it as plain text with the reason when the parse runs too long. */
  private tryParse(text: string): void {
    try {
      this.parsed = new ParsedDocument(this.parser, this.uri, text, this.version);
      this.plain = undefined;
      this.unparsable = undefined;
    } catch (e) {
      if (!(e instanceof ParseTimeoutError)) throw e;
      this.parsed = undefined;
      this.plain = new LineMap(text);
      this.unparsable = e.message;
    }
  }

  get text(): string {
    return this.parsed ? this.parsed.text : this.plain!.text;
  }

  get lineMap(): LineMap {
    return this.parsed ? this.parsed.lineMap : this.plain!;
  }

  get size(): number {
    return byteLength(this.text);
  }

  /** The parsed form, or undefined when the document is over the limit (its tree is freed then). */
  parsedWithin(maxBytes: number): ParsedDocument | undefined {
    if (this.isTemplate) return undefined;
    if (this.size > maxBytes) {
      if (this.parsed) {
        this.plain = this.parsed.lineMap;
        this.parsed.dispose();
        this.parsed = undefined;
      }
      return undefined;
    }
    if (!this.parsed && !this.unparsable) this.tryParse(this.text);
    return this.parsed;
  }

  /** Time spent applying edits since the last analysis (reparse included), and the analyses' server times. */
  private pendingEditMs = 0;
  private readonly serverMs: number[] = [];
  private readonly phases: ServerPhases = { reparse: [], copy: [], facts: [], rules: [] };

  /** Called by the analysis with its own duration and its parts: one sample per analysed version. */
  recordAnalysis(ms: number, parts: AnalysisParts): void {
    record(this.serverMs, this.pendingEditMs + ms);
    record(this.phases.reparse, this.pendingEditMs);
    record(this.phases.copy, parts.copy);
    record(this.phases.facts, parts.facts);
    record(this.phases.rules, parts.rules);
    this.pendingEditMs = 0;
  }

  applyChanges(changes: readonly ContentChange[], version: number): void {
    const started = performance.now();
    try {
      this.applyChangesNow(changes, version);
    } finally {
      this.pendingEditMs += performance.now() - started;
    }
  }

  private applyChangesNow(changes: readonly ContentChange[], version: number): void {
    if (this.parsed) {
      try {
        this.parsed.applyChanges(changes, version);
      } catch (e) {
        if (!(e instanceof ParseTimeoutError)) throw e;
        // The text is current (changes are applied before the reparse); only the tree is gone.
        this.plain = this.parsed.lineMap;
        this.parsed.dispose();
        this.parsed = undefined;
        this.unparsable = e.message;
      }
    } else {
      this.unparsable = undefined;
      let lines = this.plain!;
      for (const c of changes) {
        if (!('range' in c)) lines = new LineMap(c.text);
        else {
          const start = lines.offsetAt(c.range.start);
          const end = Math.max(start, lines.offsetAt(c.range.end));
          lines = new LineMap(lines.text.slice(0, start) + c.text + lines.text.slice(end));
        }
      }
      this.plain = lines;
    }
    this.version = version;
    this.revision++;
  }

  stats(): DocumentStats {
    return {
      version: this.version,
      fullParses: this.parsed?.fullParses ?? 0,
      incrementalParses: this.parsed?.incrementalParses ?? 0,
      parsed: this.parsed !== undefined,
      serverMs: [...this.serverMs],
      serverPhases: { reparse: [...this.phases.reparse], copy: [...this.phases.copy], facts: [...this.phases.facts], rules: [...this.phases.rules] },
      treeNodes: this.parsed?.treeNodes ?? 0,
      treeNodesReused: this.parsed?.treeNodesReused ?? 0,
    };
  }

  dispose(): void {
    this.parsed?.dispose();
    this.parsed = undefined;
  }
}

function isPosition(p: unknown): boolean {
  const { line, character } = (p ?? {}) as { line?: unknown; character?: unknown };
  return typeof line === 'number' && Number.isFinite(line) && typeof character === 'number' && Number.isFinite(character);
}

/** A content change as LSP defines it (out-of-range positions are clamped when applied, not refused). */
function isContentChange(c: unknown): c is ContentChange {
  if (typeof c !== 'object' || c === null || typeof (c as { text?: unknown }).text !== 'string') return false;
  if (!('range' in c)) return true;
  const { start, end } = ((c as { range?: unknown }).range ?? {}) as { start?: unknown; end?: unknown };
  return isPosition(start) && isPosition(end);
}

/** Why an edit was not applied; the caller logs it and carries on. */
export type RejectedChange = { reason: string };

export class DocumentStore {
  private readonly docs = new Map<string, OpenDocument>();
  /** Open documents by normalised file URI (`uriKey`): the workspace scan asks for every file it reads. */
  private readonly byKey = new Map<string, OpenDocument>();

  constructor(private readonly parser: PythonParser) {}

  open(uri: string, languageId: string, text: string, version: number, maxBytes: number): OpenDocument {
    this.docs.get(uri)?.dispose();
    const doc = new OpenDocument(this.parser, uri, languageId, text, version, maxBytes);
    this.docs.set(uri, doc);
    this.byKey.set(uriKey(uri), doc);
    return doc;
  }

  /** Applies an edit; edits to documents that are not open, or not newer than what we have, are refused. */
  change(uri: string, changes: readonly ContentChange[], version: number | null | undefined): OpenDocument | RejectedChange {
    const doc = this.docs.get(uri);
    if (!doc) return { reason: `didChange for ${uri}, which is not open` };
    if (typeof version === 'number' && version <= doc.version) {
      return { reason: `didChange for ${uri} with version ${version}, not newer than ${doc.version}` };
    }
    // Checked whole before any is applied: a bad change after good ones must not leave the text half edited.
    const bad = Array.isArray(changes) ? changes.findIndex((c) => !isContentChange(c)) : 0;
    if (bad >= 0) {
      return { reason: `didChange for ${uri} version ${version}: content change ${bad + 1} is malformed (expected { text } or { range: { start, end }, text }); the document stays at version ${doc.version}` };
    }
    doc.applyChanges(changes, typeof version === 'number' ? version : doc.version + 1);
    return doc;
  }

  close(uri: string): boolean {
    const doc = this.docs.get(uri);
    if (!doc) return false;
    doc.dispose();
    this.docs.delete(uri);
    if (this.byKey.get(uriKey(uri)) === doc) this.byKey.delete(uriKey(uri));
    return true;
  }

  get(uri: string): OpenDocument | undefined {
    return this.docs.get(uri);
  }

  /** The open document for `uri` however the client spelled it (`%3A`, `file:///C:` …). */
  atKey(uri: string): OpenDocument | undefined {
    return this.docs.get(uri) ?? this.byKey.get(uriKey(uri));
  }

  all(): OpenDocument[] {
    return [...this.docs.values()];
  }

  dispose(): void {
    for (const d of this.docs.values()) d.dispose();
    this.docs.clear();
    this.byKey.clear();
  }
}

/** UTF-8 size, as `max-file-size` counts bytes on disk. */
function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** What one analysis of an open document spent on each part after the reparse (ms; 0 for a part it did not run). */
export interface AnalysisParts {
  copy: number;
  facts: number;
  rules: number;
}

/** Keeps the latest 200 samples of a series. */
function record(series: number[], ms: number): void {
  series.push(ms);
  if (series.length > 200) series.shift();
}
