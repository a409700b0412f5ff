import { Edit, type Tree as WasmTree } from 'web-tree-sitter';
import type { Tree } from './syntaxTree';
import type { PythonParser } from './pythonParser';

/** A 0-based position in UTF-16 code units, as LSP and tree-sitter (web build) both count. */
export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}
/** An LSP content change: ranged, or the whole text. */
export type ContentChange = { range: Range; text: string } | { text: string };

/**
 * Line-start offsets of a text, for position <-> offset conversion. Lines end at `\n`, `\r\n` and a lone `\r`, as
 * LSP counts them; with `loneCr: false`, a lone `\r` does not end a line, as tree-sitter counts rows.
 */
export class LineMap {
  private starts: number[] = [0];
  /** Whether the text has a `\r` (its line ends need the character loop; `edited` rebuilds such a map whole). */
  private hasCr = false;
  private source: string;
  constructor(text: string, options: { loneCr?: boolean } = {}) {
    this.source = text;
    const loneCr = options.loneCr ?? true;
    if (text === '') return;
    if (!text.includes('\r')) {
      // Line feeds only (nearly every file): the native search skips from one to the next, where the loop below reads
      // every character; an open document builds a map per keystroke.
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
      return;
    }
    this.hasCr = true;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13 && loneCr) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }
  /**
   * The map of `text`, this map's text with `[start, oldEnd)` replaced by `inserted` (an LSP change, one keystroke):
   * the line starts before the change are kept, those after it shifted, instead of searching the whole text again
   * (a 90 KB module's map took a millisecond per keystroke). A text with a `\r` on either side is mapped whole.
   */
  edited(text: string, start: number, oldEnd: number, inserted: string): LineMap {
    if (this.hasCr || inserted.includes('\r')) return new LineMap(text);
    const map = new LineMap('');
    map.source = text;
    const old = this.starts;
    // Starts at or before `start` stay (a line starts after its `\n`, so a start equal to `start` is before the change).
    let keep = 1;
    while (keep < old.length && old[keep] <= start) keep++;
    const starts = old.slice(0, keep);
    for (let i = inserted.indexOf('\n'); i >= 0; i = inserted.indexOf('\n', i + 1)) starts.push(start + i + 1);
    const delta = inserted.length - (oldEnd - start);
    let from = keep;
    while (from < old.length && old[from] <= oldEnd) from++;
    for (let i = from; i < old.length; i++) starts.push(old[i] + delta);
    map.starts = starts;
    return map;
  }

  get text(): string {
    return this.source;
  }

  get lineCount(): number {
    return this.starts.length;
  }
  offsetAt(pos: Position): number {
    if (pos.line >= this.starts.length) return this.text.length;
    if (pos.line < 0) return 0;
    const start = this.starts[pos.line];
    const next = pos.line + 1 < this.starts.length ? this.starts[pos.line + 1] : this.text.length;
    return Math.min(start + Math.max(0, pos.character), next);
  }
  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }
  lineText(line: number): string {
    const start = this.starts[line] ?? this.text.length;
    const end = line + 1 < this.starts.length ? this.starts[line + 1] : this.text.length;
    return this.text.slice(start, end).replace(/\r?\n$|\r$/, '');
  }
}

/**
 * An open Python document with its syntax tree, kept current by editing the tree and reparsing with the old
 * one (never a full reparse per keystroke). Counters let tests prove which path was taken.
 */
export class ParsedDocument {
  private lines: LineMap;
  /** The WASM tree, kept for incremental reparsing. */
  private current: WasmTree;
  /** Its JavaScript copy, made when first asked for after each parse. */
  private copied?: Tree;
  /**
   * The latest copy while `current` has none (edits came since), and the WASM tree it was copied from. That tree
   * stays alive until the next copy, however many reparses come in between (a debounced burst of keystrokes): while
   * it lives, no new subtree can take the address of one of its own, so an address match in the next copy is
   * tree-sitter's reuse and nothing else.
   */
  private previousCopy?: Tree;
  private copiedFrom?: WasmTree;
  fullParses = 0;
  incrementalParses = 0;
  /** Named nodes of every copy made, summed, and how many of them were taken over from the previous version. */
  treeNodes = 0;
  treeNodesReused = 0;

  constructor(private readonly parser: PythonParser, readonly uri: string, text: string, public version = 0) {
    this.lines = new LineMap(text);
    this.current = parser.parseWasm(text, null);
    this.fullParses++;
  }

  get text(): string {
    return this.lines.text;
  }
  get tree(): Tree {
    if (!this.copied) {
      this.copied = this.parser.copy(this.current, this.lines.text, { previous: this.previousCopy });
      this.previousCopy = undefined;
      if (this.copiedFrom !== this.current) this.copiedFrom?.delete();
      this.copiedFrom = this.current;
      this.treeNodes += this.copied.namedNodes.length;
      this.treeNodesReused += this.copied.reusedNodes;
    }
    return this.copied;
  }

  /** The current WASM tree (for equivalence tests; owned by this document, never to be freed by the caller). */
  get wasmTree(): WasmTree {
    return this.current;
  }
  get lineMap(): LineMap {
    return this.lines;
  }

  /** Applies LSP content changes in order, then reparses once against the edited old tree. */
  applyChanges(changes: readonly ContentChange[], version: number): void {
    let text = this.lines.text;
    let full = false;
    for (const change of changes) {
      if (!('range' in change)) {
        text = change.text;
        full = true;
        this.lines = new LineMap(text);
        continue;
      }
      const startIndex = this.lines.offsetAt(change.range.start);
      const oldEndIndex = Math.max(startIndex, this.lines.offsetAt(change.range.end));
      const startPosition = this.lines.positionAt(startIndex);
      const oldEndPosition = this.lines.positionAt(oldEndIndex);
      text = text.slice(0, startIndex) + change.text + text.slice(oldEndIndex);
      this.lines = this.lines.edited(text, startIndex, oldEndIndex, change.text);
      const newEndIndex = startIndex + change.text.length;
      if (!full) {
        this.current.edit(
          new Edit({
            startIndex,
            oldEndIndex,
            newEndIndex,
            startPosition: { row: startPosition.line, column: startPosition.character },
            oldEndPosition: { row: oldEndPosition.line, column: oldEndPosition.character },
            newEndPosition: (() => {
              const p = this.lines.positionAt(newEndIndex);
              return { row: p.line, column: p.character };
            })(),
          }),
        );
      }
    }
    const old = this.current;
    if (full) {
      this.current = this.parser.parseWasm(text, null);
      this.fullParses++;
    } else {
      this.current = this.parser.parseWasm(text, old);
      this.incrementalParses++;
    }
    if (old !== this.copiedFrom) old.delete();
    this.previousCopy = this.copied ?? this.previousCopy;
    this.copied = undefined;
    this.version = version;
  }

  dispose(): void {
    if (this.copiedFrom !== this.current) this.copiedFrom?.delete();
    this.current.delete();
    this.copiedFrom = undefined;
  }
}
