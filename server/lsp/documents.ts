/**
 * Open documents. Each keeps its syntax tree current by editing it and reparsing against the old tree
 * (ParsedDocument.applyChanges); a document over the size limit is kept as text only until it shrinks.
 */
import { LineMap, ParsedDocument, type ContentChange } from '../core/parsing/textDocument';
import type { PythonParser } from '../core/parsing/pythonParser';
import type { DocumentStats } from './protocol';

export class OpenDocument {
  private parsed?: ParsedDocument;
  /** Text of a document too large to parse. */
  private plain?: LineMap;
  /** Bumped on every accepted change, so stale analyses can be recognised. */
  revision = 0;

  constructor(
    private readonly parser: PythonParser,
    readonly uri: string,
    readonly languageId: string,
    text: string,
    public version: number,
    maxBytes: number,
  ) {
    if (byteLength(text) > maxBytes) this.plain = new LineMap(text);
    else this.parsed = new ParsedDocument(parser, uri, text, version);
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
    if (this.size > maxBytes) {
      if (this.parsed) {
        this.plain = this.parsed.lineMap;
        this.parsed.dispose();
        this.parsed = undefined;
      }
      return undefined;
    }
    if (!this.parsed) {
      this.parsed = new ParsedDocument(this.parser, this.uri, this.text, this.version);
      this.plain = undefined;
    }
    return this.parsed;
  }

  applyChanges(changes: readonly ContentChange[], version: number): void {
    if (this.parsed) this.parsed.applyChanges(changes, version);
    else {
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
    };
  }

  dispose(): void {
    this.parsed?.dispose();
    this.parsed = undefined;
  }
}

/** Why an edit was not applied; the caller logs it and carries on. */
export type RejectedChange = { reason: string };

export class DocumentStore {
  private readonly docs = new Map<string, OpenDocument>();

  constructor(private readonly parser: PythonParser) {}

  open(uri: string, languageId: string, text: string, version: number, maxBytes: number): OpenDocument {
    this.docs.get(uri)?.dispose();
    const doc = new OpenDocument(this.parser, uri, languageId, text, version, maxBytes);
    this.docs.set(uri, doc);
    return doc;
  }

  /** Applies an edit; edits to documents that are not open, or not newer than what we have, are refused. */
  change(uri: string, changes: readonly ContentChange[], version: number | null | undefined): OpenDocument | RejectedChange {
    const doc = this.docs.get(uri);
    if (!doc) return { reason: `didChange for ${uri}, which is not open` };
    if (typeof version === 'number' && version <= doc.version) {
      return { reason: `didChange for ${uri} with version ${version}, not newer than ${doc.version}` };
    }
    doc.applyChanges(changes, typeof version === 'number' ? version : doc.version + 1);
    return doc;
  }

  close(uri: string): boolean {
    const doc = this.docs.get(uri);
    if (!doc) return false;
    doc.dispose();
    this.docs.delete(uri);
    return true;
  }

  get(uri: string): OpenDocument | undefined {
    return this.docs.get(uri);
  }

  all(): OpenDocument[] {
    return [...this.docs.values()];
  }

  dispose(): void {
    for (const d of this.docs.values()) d.dispose();
    this.docs.clear();
  }
}

/** UTF-8 size, as `max-file-size` counts bytes on disk. */
function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
