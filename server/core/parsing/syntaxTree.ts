import { Memos } from '../memo';
import { LineMap } from './textDocument';

/**
 * A syntax tree held in plain JavaScript objects, copied once from tree-sitter's WASM tree right after parsing
 * (see `wasmTreeCopy.ts`). The analysis reads every node dozens of times; on web-tree-sitter's own `Node` each
 * property read crosses into WASM and allocates, which cost the analysis three times the parse itself.
 *
 * The shape follows web-tree-sitter's `Node` (same names, same meaning, same document order), so code written
 * against tree-sitter reads the same; positions follow tree-sitter too (rows start at `\n` only, columns in
 * UTF-16 code units).
 */

export interface Point {
  row: number;
  column: number;
}

const NO_CHILDREN: readonly Node[] = Object.freeze([]);

/** Makes ids unique across every tree of the process, as tree-sitter's node addresses are within one tree. */
let nextNodeId = 1;

export class Tree {
  private root!: Node;
  private source!: string;
  private memoTable!: Memos;
  private named!: Node[];
  /** Rows as tree-sitter counts them (a lone `\r` does not end one), for positions computed on demand. */
  private rows?: LineMap;
  /** Derived data of the structure alone (`structure`): kept by `forgetDerived`, dropped with the version. */
  private structureTable!: Memos;
  /**
   * For the trees of edited documents only: tree-sitter's subtree address of each named inner node, so that the
   * copy of the next version can take over the subtrees tree-sitter reused (see `wasmTreeCopy.ts`).
   */
  subtreeIds?: Map<number, Node>;
  /** Nodes taken over from the previous version instead of copied (edited documents). */
  reusedNodes = 0;
  /**
   * Derived data an edited document carries from one version to the next (`renew` keeps it, unlike `memos`): each
   * user keys it on what it was computed from and checks it is still valid.
   */
  readonly acrossVersions = new Memos();

  /** Built by `wasmTreeCopy`; `build` receives the tree and returns its root. */
  constructor(text: string, build: (tree: Tree) => Node) {
    this.renew(text, build);
  }

  /**
   * Makes this the tree of the next version of its document (`wasmTreeCopy.ts` only, for edited documents): the
   * nodes `build` takes over keep their identity, so the nodes before an edit need no change at all. Every
   * derived datum (memos, rows) is dropped; the previous version is gone.
   */
  renew(text: string, build: (tree: Tree) => Node): void {
    this.source = text;
    this.memoTable = new Memos();
    this.named = [];
    this.rows = undefined;
    this.structureTable = new Memos();
    this.reusedNodes = 0;
    this.root = build(this);
  }

  get rootNode(): Node {
    return this.root;
  }

  get text(): string {
    return this.source;
  }

  /** Derived data of this tree (indexes, scopes, imports), computed once and dropped with the tree (or its next version). */
  get memos(): Memos {
    return this.memoTable;
  }

  /**
   * Drops the derived data (`memos`) while the tree is kept: some of it was computed from facts that changed since.
   * `structure` stays.
   */
  forgetDerived(): void {
    this.memoTable = new Memos();
  }

  /** Named nodes in document order; `Node.namedIndex` indexes it. */
  get namedNodes(): Node[] {
    return this.named;
  }

  /**
   * Derived data of the nodes and the text alone (indexes of the named nodes by type, of identifiers by name): unlike
   * `memos`, kept by `forgetDerived`, since new workspace facts change no node.
   */
  get structure(): Memos {
    return this.structureTable;
  }

  private get rowMap(): LineMap {
    return (this.rows ??= new LineMap(this.text, { loneCr: false }));
  }

  /** The offset of a tree-sitter point (a column past the row's end stops at its line break). */
  indexAt(point: Point): number {
    const rows = this.rowMap;
    const offset = rows.offsetAt({ line: point.row, character: point.column });
    return point.row + 1 < rows.lineCount ? Math.min(offset, rows.offsetAt({ line: point.row + 1, character: 0 }) - 1) : offset;
  }

  pointAt(index: number): Point {
    const p = this.rowMap.positionAt(index);
    return { row: p.line, column: p.character };
  }
}

/** Bits of `Node.flags`. */
const NAMED = 1;
const MISSING = 2;
const HAS_ERROR = 4;
const FLAG_BITS = 3;
const FLAG_MASK = (1 << FLAG_BITS) - 1;

export class Node {
  readonly id: number = nextNodeId++;
  /**
   * Children in order, named and anonymous (keywords, operators), as tree-sitter's `children` less the tokens the
   * copy leaves out (brackets, commas, dots, `=`, the quotes of strings, colons outside slices: UNCOPIED_TOKENS in
   * wasmTreeCopy.ts).
   */
  children: readonly Node[] = NO_CHILDREN;
  /** Index in `tree.namedNodes` (-1 for anonymous nodes). */
  namedIndex = -1;
  /** For named nodes: index in `tree.namedNodes` just past the last named descendant. */
  subtreeEnd = -1;
  /**
   * isNamed, isMissing and hasError (the low FLAG_BITS bits) and the index in the parent's `children` (the rest) in
   * one field: a scan copies millions of nodes, and every field costs 8 bytes a node that the garbage collector
   * copies whenever a tree outlives a young-generation collection.
   */
  private flags: number;
  /**
   * Edited documents only: the tree-sitter address this node is filed under in `Tree.subtreeIds` (0: none), so that
   * a subtree taken over by position can withdraw its descendants' addresses, which may not be tree-sitter's any more.
   * (A map on the tree instead made each keystroke's copy 5-16 % slower.)
   */
  subtreeId = 0;
  private namedCache?: readonly Node[];

  // `parent`, `fieldName`, the offsets and the indexes are written only by `wasmTreeCopy.ts`, which takes the
  // unchanged subtrees of an edited document over into its next version; to everything else they are read-only.
  constructor(
    readonly tree: Tree,
    readonly parent: Node | null,
    readonly type: string,
    isNamed: boolean,
    isMissing: boolean,
    /** The field this node fills in its parent (`function`, `body`, ...), or null. */
    readonly fieldName: string | null,
    readonly startIndex: number,
    readonly endIndex: number,
  ) {
    this.flags = (isNamed ? NAMED : 0) | (isMissing ? MISSING | HAS_ERROR : 0);
  }

  /** Index in the parent's `children`. */
  get indexInParent(): number {
    return this.flags >>> FLAG_BITS;
  }

  set indexInParent(index: number) {
    this.flags = (this.flags & FLAG_MASK) | (index << FLAG_BITS);
  }

  get isNamed(): boolean {
    return (this.flags & NAMED) !== 0;
  }

  get isMissing(): boolean {
    return (this.flags & MISSING) !== 0;
  }

  /**
   * The node or one of its descendants is an ERROR or MISSING node. Exact at the root; below it, a MISSING hidden
   * token (`_newline`, which the copy never sees) does not count.
   */
  get hasError(): boolean {
    return (this.flags & HAS_ERROR) !== 0;
  }

  set hasError(value: boolean) {
    this.flags = value ? this.flags | HAS_ERROR : this.flags & ~HAS_ERROR;
  }

  get isError(): boolean {
    return this.type === 'ERROR';
  }

  get text(): string {
    return this.tree.text.slice(this.startIndex, this.endIndex);
  }

  get startPosition(): Point {
    return this.tree.pointAt(this.startIndex);
  }

  get endPosition(): Point {
    return this.tree.pointAt(this.endIndex);
  }

  get namedChildren(): readonly Node[] {
    if (this.namedCache) return this.namedCache;
    const all = this.children;
    let named = 0;
    // Indexed: `for…of` here allocated an iterator per call (14 MB over DefectDojo's scan; children arrays come in
    // several shapes, frozen empty and packed).
    for (let i = 0; i < all.length; i++) if (all[i].isNamed) named++;
    this.namedCache = named === all.length ? all : named === 0 ? NO_CHILDREN : all.filter((c) => c.isNamed);
    return this.namedCache;
  }

  get namedChildCount(): number {
    return this.namedChildren.length;
  }

  child(index: number): Node | null {
    return this.children[index] ?? null;
  }

  namedChild(index: number): Node | null {
    return this.namedChildren[index] ?? null;
  }

  get nextNamedSibling(): Node | null {
    const siblings = this.parent?.children ?? NO_CHILDREN;
    for (let i = this.indexInParent + 1; i < siblings.length; i++) if (siblings[i].isNamed) return siblings[i];
    return null;
  }

  /** The first child in field `name`, as tree-sitter's `childForFieldName`. */
  childForFieldName(name: string): Node | null {
    // An indexed loop: `for…of` over children arrays of several shapes (frozen empty, packed) cost an iterator
    // per call, and the analysis asks for fields millions of times.
    const children = this.children;
    for (let i = 0; i < children.length; i++) if (children[i].fieldName === name) return children[i];
    return null;
  }

  /** The smallest node (named or not) spanning `start..end`, as tree-sitter's `descendantForIndex`. */
  descendantForIndex(start: number, end = start): Node {
    return this.descendantFor(start, end);
  }

  descendantForPosition(start: Point, end: Point = start): Node {
    return this.descendantFor(this.tree.indexAt(start), this.tree.indexAt(end));
  }

  private descendantFor(start: number, end: number): Node {
    let node: Node = this;
    for (let descended = true; descended; ) {
      descended = false;
      for (const child of node.children) {
        // Same rules as ts_node_descendant_for_byte_range: the child must reach the end of the range, pass its
        // start (or touch it, when empty), and begin no later than it.
        if (child.endIndex < end) continue;
        if (child.startIndex === child.endIndex ? child.endIndex < start : child.endIndex <= start) continue;
        if (start < child.startIndex) break;
        node = child;
        descended = true;
        break;
      }
    }
    return node;
  }

  /** The S-expression of the named nodes, with field names, as tree-sitter's `toString` less the quotes of strings (iterative). */
  toString(): string {
    let out = '';
    const stack: (Node | ')')[] = [this];
    while (stack.length) {
      const item = stack.pop() as Node | ')';
      if (item === ')') {
        out += ')';
        continue;
      }
      if (item !== this) out += ' ';
      if (item.fieldName && item !== this) out += `${item.fieldName}: `;
      out += item.isMissing ? `(MISSING ${item.type}` : `(${item.type}`;
      stack.push(')');
      const named = item.namedChildren;
      for (let i = named.length - 1; i >= 0; i--) stack.push(named[i]);
    }
    return out;
  }
}
