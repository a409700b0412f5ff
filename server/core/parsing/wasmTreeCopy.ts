import type { Language, Tree as WasmTree } from 'web-tree-sitter';
import { Node, Tree } from './syntaxTree';
import { UnchangedStatements, isStatementLevel } from './unchangedStatements';
import {
  FIELD_SLOTS, HEAP_CHILD_COUNT, HEAP_FLAGS, HEAP_MISSING, HEAP_PADDING_BYTES, HEAP_PRODUCTION_ID, HEAP_SIZE_BYTES, HEAP_SYMBOL,
  HEAP_VISIBLE_CHILD_COUNT, SUBTREE_BYTES, handleOf, heapOf, memoryLayoutOf, rootAgrees, type MemoryLayout, type WasmHeap,
} from './wasmTreeMemory';

/**
 * Copies a web-tree-sitter tree into plain JavaScript objects in one walk. The walk reads the subtrees straight from
 * the WASM memory (`wasmTreeMemory.ts`) where their layout is known and checked; otherwise it drives a tree cursor
 * through the module's raw exports, the cursor state left in the transfer buffer between calls (the movement exports
 * write it back there, the getters only read it), so each step is a few plain WASM calls. (web-tree-sitter's own
 * cursor marshals its four words into the transfer buffer through JavaScript on every call.)
 */

/** The raw exports of web-tree-sitter's emscripten module that the copy uses (binding.c's `*_wasm` functions). */
export interface TreeSitterExports {
  _ts_tree_root_node_wasm(tree: number): void;
  _ts_tree_cursor_new_wasm(tree: number): void;
  _ts_tree_cursor_delete_wasm(tree: number): void;
  _ts_tree_cursor_goto_first_child_wasm(tree: number): number;
  _ts_tree_cursor_goto_next_sibling_wasm(tree: number): number;
  _ts_tree_cursor_goto_parent_wasm(tree: number): number;
  _ts_tree_cursor_current_node_type_id_wasm(tree: number): number;
  _ts_tree_cursor_current_field_id_wasm(tree: number): number;
  _ts_tree_cursor_current_node_is_missing_wasm(tree: number): number;
  _ts_tree_cursor_start_index_wasm(tree: number): number;
  _ts_tree_cursor_end_index_wasm(tree: number): number;
  _ts_tree_cursor_current_node_id_wasm(tree: number): number;
}

const RAW_EXPORTS: readonly (keyof TreeSitterExports)[] = [
  '_ts_tree_root_node_wasm', '_ts_tree_cursor_new_wasm', '_ts_tree_cursor_delete_wasm',
  '_ts_tree_cursor_goto_first_child_wasm', '_ts_tree_cursor_goto_next_sibling_wasm', '_ts_tree_cursor_goto_parent_wasm',
  '_ts_tree_cursor_current_node_type_id_wasm', '_ts_tree_cursor_current_field_id_wasm',
  '_ts_tree_cursor_current_node_is_missing_wasm', '_ts_tree_cursor_start_index_wasm', '_ts_tree_cursor_end_index_wasm',
  '_ts_tree_cursor_current_node_id_wasm',
];

/** The module object handed to `Parser.init` becomes emscripten's Module; this checks it has what the copy calls. */
export function rawExportsOf(module: object): TreeSitterExports {
  const missing = RAW_EXPORTS.filter((name) => typeof (module as Record<string, unknown>)[name] !== 'function');
  if (missing.length) throw new Error(`web-tree-sitter module lacks ${missing.join(', ')}: unsupported web-tree-sitter version`);
  return module as TreeSitterExports;
}

/**
 * Tokens the copy leaves out of `children`, read by no analysis: the punctuation `( ) [ ] { } , . =`, the quotes of
 * strings (`string_start` and `string_end`, named tokens: a string's parts are `string_content`, `escape_sequence`
 * and `interpolation`) and colons outside slices. On DefectDojo they are 980,000 of tree-sitter's 2,597,000 nodes.
 * Every construct they delimit is a named node, with fields. A MISSING one (broken code) is kept: it carries the
 * error. Keywords and operators stay (`async`, `for`, `not in` are read).
 */
export const UNCOPIED_TOKENS: ReadonlySet<string> = new Set(['(', ')', '[', ']', '{', '}', ',', '.', '=', ':', 'string_start', 'string_end']);

/** The one parent under which an uncopied token is kept: a slice's parts are told apart by its colons (`loopBounds.ts`). */
const KEPT_UNDER: ReadonlyMap<string, string> = new Map([[':', 'slice']]);

/** Whether the copy leaves out a node of `type` (not MISSING) under a parent of `parentType`. */
export function isUncopied(type: string, parentType: string): boolean {
  return UNCOPIED_TOKENS.has(type) && KEPT_UNDER.get(type) !== parentType;
}

/** The symbol tree-sitter gives ERROR nodes (`ts_builtin_sym_error`). */
const ERROR_SYMBOL = 65535;

interface LanguageTables {
  types: string[];
  named: boolean[];
  /** Tokens the copy leaves out (UNCOPIED_TOKENS), by type id. */
  leftOut: boolean[];
  /** The parent type under which a left-out token is kept after all (KEPT_UNDER), by type id. */
  keptUnder: (string | undefined)[];
  /** Types whose previous node may be found by position (`unchangedStatements.ts`). */
  statementLevel: boolean[];
  fields: (string | null)[];
}
const tablesByLanguage = new WeakMap<Language, LanguageTables>();

/**
 * The same string as V8's internalized copy, the one a string literal of the same text is. Names read from WASM
 * memory are fresh strings: `node.type === 'call'` then compares characters (a `switch` over many types compares
 * them with each case in turn), while two internalized strings compare by address. The analysis makes millions of
 * such comparisons.
 */
function internalized(name: string): string {
  const holder = Object.create(null) as Record<string, true>; // no prototype: `__proto__` is a key like any other
  holder[name] = true;
  return Object.keys(holder)[0] ?? name;
}

function tablesOf(language: Language): LanguageTables {
  let tables = tablesByLanguage.get(language);
  if (!tables) {
    const types: string[] = [];
    const named: boolean[] = [];
    const statementLevel: boolean[] = [];
    const leftOut: boolean[] = [];
    const keptUnder: (string | undefined)[] = [];
    for (let id = 0; id < language.nodeTypeCount; id++) {
      types[id] = internalized(language.nodeTypeForId(id) ?? 'ERROR');
      named[id] = language.nodeTypeIsNamed(id);
      statementLevel[id] = named[id] && isStatementLevel(types[id]);
      leftOut[id] = UNCOPIED_TOKENS.has(types[id]);
      keptUnder[id] = KEPT_UNDER.get(types[id]);
    }
    tables = { types, named, leftOut, keptUnder, statementLevel, fields: language.fields.map((f) => (f ? internalized(f) : null)) };
    tablesByLanguage.set(language, tables);
  }
  return tables;
}

/** The WASM address of a web-tree-sitter tree (its internal handle `[0]`). */
function addressOf(tree: WasmTree): number {
  const address = handleOf(tree);
  if (address === 0) throw new Error('web-tree-sitter tree has no WASM handle (deleted?)');
  return address;
}

/** The node fields the copy writes when it takes a subtree over into the next version of its tree. */
type Movable = { -readonly [K in 'parent' | 'fieldName' | 'startIndex' | 'endIndex']: Node[K] };

/**
 * How to copy the tree of an edited document. `previous` is the document's latest copy, and the WASM tree it was
 * copied from must still be alive (then no new subtree can have taken one of its addresses; `ParsedDocument` keeps
 * it until the next copy). tree-sitter's incremental parse keeps every subtree the edits did not touch, at the same
 * address; the copy takes those nodes over from `previous` instead of copying them again, and so the statements
 * the edits left alone, found by position (`unchangedStatements.ts`) when both versions are free of errors (most
 * of them get new addresses). `previous` itself becomes the new version (`Tree.renew`): nodes before the edit are
 * kept as they are, nodes after it move to their new offsets. The previous version is gone.
 */
export interface CopyReuse {
  previous?: Tree;
}

/** Shifts `node`'s anonymous children and the anonymous nodes under them (named ones are shifted through `namedNodes`). */
function shiftAnonymousChildren(node: Node, delta: number): void {
  for (const c of node.children) {
    if (c.isNamed) continue;
    const m = c as unknown as Movable;
    m.startIndex += delta;
    m.endIndex += delta;
    // Tokens are leaves; an anonymous node with children is rare.
    if (c.children.length) shiftAnonymousBelow(c, delta);
  }
}

function shiftAnonymousBelow(node: Node, delta: number): void {
  const stack: Node[] = node.children.filter((c) => !c.isNamed);
  while (stack.length) {
    const n = stack.pop() as Node;
    const m = n as unknown as Movable;
    m.startIndex += delta;
    m.endIndex += delta;
    for (const c of n.children) if (!c.isNamed) stack.push(c);
  }
}

/**
 * Files `old`, found by position, under its slot `id` in the new tree, and withdraws the addresses below it:
 * tree-sitter may have rebuilt its subtree, so they may be the old tree's, soon freed and given to new subtrees.
 */
function refile(ids: Map<number, Node>, old: Node, id: number, previousNamed: readonly Node[]): void {
  for (let i = old.namedIndex; i < old.subtreeEnd; i++) {
    const n = previousNamed[i];
    if (n.subtreeId !== 0 && ids.get(n.subtreeId) === n) ids.delete(n.subtreeId);
    n.subtreeId = 0;
  }
  ids.set(id, old);
  old.subtreeId = id;
}

export function copyWasmTree(raw: TreeSitterExports, wasmTree: WasmTree, text: string, reuse?: CopyReuse, options?: CopyOptions): Tree {
  // Read before the raw walk: web-tree-sitter's own calls reuse the transfer buffer that holds the cursor.
  const rootNode = wasmTree.rootNode;
  const copy = new TreeCopy(raw, wasmTree, text, rootNode.hasError, reuse);
  // The memory's views as they are after this tree's parse (a parse may grow the memory).
  const heap = options?.viaCursor ? undefined : heapOf(raw);
  const memory = heap && memoryLayoutOf(heap, wasmTree.language, wasmTree);
  const viaMemory = heap && memory && rootAgrees(heap, memory, wasmTree, rootNode) ? { heap, memory } : undefined;
  const build = (tree: Tree): Node => {
    copy.start(tree);
    return viaMemory ? copy.walkMemory(viaMemory.memory, viaMemory.heap) : copy.walkCursor();
  };
  let tree: Tree;
  if (copy.previous) {
    copy.previous.renew(text, build);
    tree = copy.previous;
  } else {
    tree = new Tree(text, build);
  }
  // A MISSING hidden token (tree-sitter-python's `_newline`) is an error the cursor never visits: the root says
  // what tree-sitter says.
  if (copy.mayBeMissing) tree.rootNode.hasError = true;
  const ids = copy.ids;
  if (ids) {
    const namedNodes = tree.namedNodes;
    if (ids.size > 2 * namedNodes.length + 1024) {
      for (const [id, node] of ids) if (namedNodes[node.namedIndex] !== node) ids.delete(id);
    }
    tree.subtreeIds = ids;
    tree.reusedNodes = copy.reused;
  }
  return tree;
}

/** For tests: `viaCursor` copies through tree-sitter's cursor even where the memory layout is known. */
export interface CopyOptions {
  viaCursor?: boolean;
}

/**
 * One copy in progress. A class rather than closures made per copy: V8 inlines the methods of one class into the
 * walk, while a fresh closure per tree made the optimised walk bail out on every new tree ("wrong call target").
 */
class TreeCopy {
  private readonly types: string[];
  private readonly named: boolean[];
  private readonly leftOut: boolean[];
  private readonly keptUnder: (string | undefined)[];
  private readonly statementLevel: boolean[];
  private readonly fields: (string | null)[];
  /** The WASM tree's address (the cursor's handle too). */
  private readonly t: number;
  private readonly previousIds: Map<number, Node> | undefined;
  private readonly previousText: string;
  private readonly previousNamed: readonly Node[];
  /**
   * One map per document, updated in place: entries of nodes that were not taken over go stale, and `reusable`
   * refuses them (they are no longer in the previous version's namedNodes); pruned when they outnumber the live ones.
   */
  readonly ids: Map<number, Node> | undefined;
  private readonly unchanged: UnchangedStatements | undefined;
  readonly previous: Tree | undefined;
  reused = 0;

  private tree!: Tree;
  private namedNodes!: Node[];
  /** The subtree address of the node last made (reuse only). */
  private currentId = 0;
  /** Whether the node last made was taken over (its children are not walked then). */
  private moved = false;
  /**
   * Previous nodes below which a node was taken over on its own: taking one of them whole would take that node
   * twice. Address and position could pair nodes differently when the same text occurs twice next to an edit
   * (never seen in the tests; a wrong pairing is harmless, a double one would corrupt the tree).
   */
  private readonly split = new Set<Node>();
  /**
   * The children of the nodes whose children are being walked (`open`, a path from the root), each node's a run
   * from its start in `starts` up to `top`: `finish` copies the run into an array of the exact size. (Arrays grown
   * by pushes, then copied, allocated 156 MB more over DefectDojo's scan.) A node is attached to the innermost
   * open node, always its parent.
   */
  private readonly kids: Node[] = [];
  private top = 0;
  private readonly open: Node[] = [];
  private readonly starts: number[] = [];

  constructor(
    private readonly raw: TreeSitterExports,
    wasmTree: WasmTree,
    private readonly text: string,
    readonly mayBeMissing: boolean,
    reuse: CopyReuse | undefined,
  ) {
    const previous = reuse?.previous;
    this.previous = previous;
    const tables = tablesOf(wasmTree.language);
    this.types = tables.types;
    this.named = tables.named;
    this.leftOut = tables.leftOut;
    this.keptUnder = tables.keptUnder;
    this.statementLevel = tables.statementLevel;
    this.fields = tables.fields;
    this.t = addressOf(wasmTree);
    this.previousIds = previous?.subtreeIds;
    this.previousText = previous?.text ?? '';
    this.previousNamed = previous?.namedNodes ?? [];
    this.ids = reuse ? (this.previousIds ?? new Map<number, Node>()) : undefined;
    this.unchanged = previous && !previous.rootNode.hasError && !mayBeMissing
      ? new UnchangedStatements(this.previousText, this.previousNamed, text)
      : undefined;
  }

  /** Starts the copy into `tree` (new, or the previous version being renewed). */
  start(tree: Tree): void {
    this.tree = tree;
    this.namedNodes = tree.namedNodes;
  }

  /** Whether `old` is still where the previous version had it, and neither it nor a node below it is taken over yet. */
  private available(old: Node): boolean {
    return this.previousNamed[old.namedIndex] === old && this.namedNodes[old.namedIndex] !== old && !this.split.has(old);
  }

  /** Whether `old`, found by address, may be taken over as the node being made. */
  private reusable(old: Node, type: string, startIndex: number, endIndex: number): boolean {
    return this.available(old) &&
      // The same address means tree-sitter kept the subtree; type, extent and text make sure nothing else changed
      // it, so a mistaken match costs a fresh copy, never a wrong tree.
      old.type === type && old.endIndex - old.startIndex === endIndex - startIndex &&
      this.previousText.slice(old.startIndex, old.endIndex) === this.text.slice(startIndex, endIndex);
  }

  /** Takes over `old` and its subtree, now at `startIndex`, as a child of `parent`. */
  private move(old: Node, parent: Node, fieldName: string | null, startIndex: number): void {
    const { namedNodes, previousNamed } = this;
    for (let a = old.parent; a !== null && !this.split.has(a); a = a.parent) this.split.add(a);
    const from = old.namedIndex;
    const to = old.subtreeEnd;
    const shift = namedNodes.length - from;
    const delta = startIndex - old.startIndex;
    if (shift === 0 && delta === 0) {
      for (let i = from; i < to; i++) namedNodes.push(previousNamed[i]);
    } else {
      for (let i = from; i < to; i++) {
        const n = previousNamed[i];
        n.namedIndex += shift;
        n.subtreeEnd += shift;
        if (delta !== 0) {
          const m = n as unknown as Movable;
          m.startIndex += delta;
          m.endIndex += delta;
          shiftAnonymousChildren(n, delta);
        }
        namedNodes.push(n);
      }
    }
    this.reused += to - from;
    const m = old as unknown as Movable;
    m.parent = parent;
    m.fieldName = fieldName;
    this.attach(old);
  }

  private attach(node: Node): void {
    node.indexInParent = this.top - this.starts[this.starts.length - 1];
    this.kids[this.top++] = node;
  }

  private descend(node: Node): void {
    this.open.push(node);
    this.starts.push(this.top);
  }

  /**
   * Makes the node the walk is on, or takes over the previous version's node for it (then `moved`): `nodeId` is
   * tree-sitter's id of the node (the address of its subtree's slot), read only with `ids`; `isMissing` only when
   * `mayBeMissing`.
   */
  private place(parent: Node | null, typeId: number, fieldId: number, startIndex: number, endIndex: number, nodeId: number, isMissing: boolean): Node {
    const isError = typeId === ERROR_SYMBOL;
    const isNamed = isError || this.named[typeId] === true;
    const type = isError ? 'ERROR' : (this.types[typeId] ?? 'ERROR');
    const fieldName = fieldId ? (this.fields[fieldId] ?? null) : null;
    this.moved = false;
    const ids = this.ids;
    if (ids) {
      this.currentId = nodeId;
      const old = parent && isNamed ? this.previousIds?.get(nodeId) : undefined;
      if (old && parent && this.reusable(old, type, startIndex, endIndex)) {
        this.move(old, parent, fieldName, startIndex);
        this.moved = true;
        return old;
      }
      const same = parent && this.unchanged && this.statementLevel[typeId] ? this.unchanged.find(type, startIndex, endIndex) : undefined;
      if (same && parent && this.available(same)) {
        refile(ids, same, nodeId, this.previousNamed);
        this.move(same, parent, fieldName, startIndex);
        this.moved = true;
        return same;
      }
    }
    const missing = isMissing && !isError;
    const node = new Node(this.tree, parent, type, isNamed, missing, fieldName, startIndex, endIndex);
    if (isError || missing) node.hasError = true;
    if (isNamed) {
      node.namedIndex = this.namedNodes.length;
      this.namedNodes.push(node);
    }
    if (parent) this.attach(node);
    return node;
  }

  /** A node that has children (one visible at least) is filed under its id, for the next version's copy. */
  private fileParent(node: Node, nodeId: number): void {
    if (this.ids && node.isNamed) {
      this.ids.set(nodeId, node);
      node.subtreeId = nodeId;
    }
  }

  private finish(node: Node): void {
    // A node taken over has its subtreeEnd already; a new one's is still -1.
    if (node.isNamed && node.subtreeEnd < 0) node.subtreeEnd = this.namedNodes.length;
    // A node walked into (not a leaf, not one taken over with its subtree): its children are the run on `kids`.
    const open = this.open;
    if (open.length > 0 && open[open.length - 1] === node) {
      open.pop();
      const start = this.starts.pop() as number;
      if (this.top > start) node.children = this.kids.slice(start, this.top);
      this.top = start;
    }
    if (node.hasError && node.parent) node.parent.hasError = true;
  }

  /** The node under the cursor, made. */
  private make(parent: Node | null, typeId: number): Node {
    const { raw, t } = this;
    return this.place(
      parent,
      typeId,
      parent ? raw._ts_tree_cursor_current_field_id_wasm(t) : 0,
      raw._ts_tree_cursor_start_index_wasm(t),
      raw._ts_tree_cursor_end_index_wasm(t),
      this.ids ? raw._ts_tree_cursor_current_node_id_wasm(t) : 0,
      this.mayBeMissing && typeId !== ERROR_SYMBOL && raw._ts_tree_cursor_current_node_is_missing_wasm(t) === 1,
    );
  }

  /**
   * The node under the cursor, made, or the first sibling after it that is not left out (the cursor moves there);
   * undefined when the rest of the siblings are all left out (the cursor stays on the last one).
   */
  private makeKept(parent: Node): Node | undefined {
    const { raw, t } = this;
    for (;;) {
      const typeId = raw._ts_tree_cursor_current_node_type_id_wasm(t);
      if (!this.leftOut[typeId] || this.keptUnder[typeId] === parent.type || (this.mayBeMissing && raw._ts_tree_cursor_current_node_is_missing_wasm(t) === 1)) {
        return this.make(parent, typeId);
      }
      if (!raw._ts_tree_cursor_goto_next_sibling_wasm(t)) return undefined;
    }
  }

  /** The walk through tree-sitter's cursor (a language whose memory layout is not known here). */
  walkCursor(): Node {
    const { raw, t } = this;
    raw._ts_tree_root_node_wasm(t);
    raw._ts_tree_cursor_new_wasm(t);
    try {
      const root = this.make(null, raw._ts_tree_cursor_current_node_type_id_wasm(t));
      let node = root;
      // Iterative pre-order walk: no recursion, so 10,000 levels of nesting are fine.
      for (;;) {
        if (!this.moved && raw._ts_tree_cursor_goto_first_child_wasm(t)) {
          this.fileParent(node, this.currentId);
          this.descend(node);
          const child = this.makeKept(node);
          if (child) {
            node = child;
            continue;
          }
          // Only left-out tokens below (`()`, `""`): back to the node, finished like a leaf.
          raw._ts_tree_cursor_goto_parent_wasm(t);
          this.moved = false;
        }
        let next: Node | undefined;
        while (!next) {
          this.finish(node);
          if (node === root) return root;
          const parent = node.parent as Node;
          if (raw._ts_tree_cursor_goto_next_sibling_wasm(t)) next = this.makeKept(parent);
          if (!next) {
            raw._ts_tree_cursor_goto_parent_wasm(t);
            this.moved = false;
            node = parent;
          }
        }
        node = next;
      }
    } finally {
      raw._ts_tree_cursor_delete_wasm(t);
    }
  }

  /**
   * The walk through the subtrees in WASM memory (`wasmTreeMemory.ts`), visiting the nodes a cursor visits, in
   * the same order, with the same type, field, extent and id: a parent's visible children are its children, with
   * the visible children of its hidden ones (tree-sitter's `_rules`) in their place, recursively.
   */
  walkMemory(memory: MemoryLayout, heap: WasmHeap): Node {
    const u16 = heap.HEAPU16;
    const u32 = heap.HEAPU32;
    const { publicSymbol, aliases, maxAlias, fields: fieldTable } = memory;
    const { leftOut, keptUnder, mayBeMissing } = this;
    const symbolCount = publicSymbol.length;
    // One frame per subtree whose children are being walked (visible or hidden), in parallel arrays.
    const frames = FRAMES;
    frames.start(u16, u32);
    let depth = 0;
    const t = this.t;
    const rootSubtree = u32[t >> 2];
    const rootSymbol = u16[(rootSubtree + HEAP_SYMBOL) >> 1];
    const rootStart = u32[(rootSubtree + HEAP_PADDING_BYTES) >> 2];
    const root = this.place(
      null,
      rootSymbol < symbolCount ? publicSymbol[rootSymbol] : rootSymbol,
      0,
      rootStart >>> 1,
      (rootStart + u32[(rootSubtree + HEAP_SIZE_BYTES) >> 2]) >>> 1,
      t,
      mayBeMissing && (u16[(rootSubtree + HEAP_FLAGS) >> 1] & HEAP_MISSING) !== 0,
    );
    // A node with children is walked into, as the cursor tries to (with only hidden empty ones it stays a leaf).
    if (this.moved || u32[(rootSubtree + HEAP_CHILD_COUNT) >> 2] === 0) {
      this.finish(root);
      return root;
    }
    this.descend(root);
    frames.push(depth++, rootSubtree, rootStart, root, 0, -1, t);
    while (depth > 0) {
      const f = depth - 1;
      const index = frames.index[f];
      if (index === frames.count[f]) {
        depth--;
        // A visible node's own frame: the node is done.
        if (frames.owner[f] === f) this.finish(frames.node[f] as Node);
        continue;
      }
      const slot = frames.children[f] + SUBTREE_BYTES * index;
      const lo = u32[slot >> 2];
      let symbol: number, visible: boolean, extra: boolean, missing: boolean, padding: number, size: number;
      let subtree = 0;
      if ((lo & 1) !== 0) {
        // An inline leaf: flags in byte 0 (is_inline, visible, named, extra, has_changes, is_missing), the symbol in
        // byte 1; padding and size in bytes in the second word's bytes 2 and 3.
        const hi = u32[(slot >> 2) + 1];
        visible = (lo & 2) !== 0;
        extra = (lo & 8) !== 0;
        missing = (lo & 32) !== 0;
        symbol = (lo >>> 8) & 0xff;
        padding = (hi >>> 16) & 0xff;
        size = hi >>> 24;
      } else {
        subtree = lo;
        const flags = u16[(subtree + HEAP_FLAGS) >> 1];
        visible = (flags & 1) !== 0;
        extra = (flags & 4) !== 0;
        missing = (flags & HEAP_MISSING) !== 0;
        symbol = u16[(subtree + HEAP_SYMBOL) >> 1];
        padding = u32[(subtree + HEAP_PADDING_BYTES) >> 2];
        size = u32[(subtree + HEAP_SIZE_BYTES) >> 2];
      }
      // Its start: the frame's position, past its padding unless it is the first child.
      const position = index === 0 ? frames.position[f] : frames.position[f] + padding;
      frames.index[f] = index + 1;
      frames.position[f] = position + size;
      const production = frames.production[f];
      const structural = frames.structural[f];
      let alias = 0;
      if (!extra) {
        if (production !== 0) alias = aliases[production * maxAlias + structural] | 0;
        frames.structural[f] = structural + 1;
      }
      const childCount = subtree !== 0 ? u32[(subtree + HEAP_CHILD_COUNT) >> 2] : 0;
      if (!visible && alias === 0) {
        // A hidden subtree: its visible children take its place, filling its field unless they fill one in it.
        if (childCount > 0 && u32[(subtree + HEAP_VISIBLE_CHILD_COUNT) >> 2] > 0) {
          const own = extra ? 0 : fieldTable[production * FIELD_SLOTS + structural] || frames.inherited[f];
          frames.push(depth++, subtree, position, frames.node[f] as Node, own, frames.owner[f], 0);
        }
        continue;
      }
      const typeId = alias !== 0 ? publicSymbol[alias] : symbol < symbolCount ? publicSymbol[symbol] : symbol;
      // The first visible child of a visible node files that node (the cursor could step into it).
      const owner = frames.owner[f];
      const parent = frames.node[f] as Node;
      if (frames.pendingId[owner] !== 0) {
        this.fileParent(parent, frames.pendingId[owner]);
        frames.pendingId[owner] = 0;
      }
      const isMissing = mayBeMissing && missing;
      if (leftOut[typeId] && keptUnder[typeId] !== parent.type && !isMissing) continue;
      const fieldId = extra ? 0 : fieldTable[production * FIELD_SLOTS + structural] || frames.inherited[f];
      const node = this.place(parent, typeId, fieldId, position >>> 1, (position + size) >>> 1, slot, isMissing);
      if (!this.moved && childCount > 0) {
        this.descend(node);
        frames.push(depth++, subtree, position, node, 0, -1, slot);
      } else {
        this.finish(node);
      }
    }
    frames.release();
    return root;
  }
}

/**
 * The memory walk's frames: one per subtree whose children are being walked (visible or hidden), in parallel arrays
 * kept across copies (a copy runs to its end before the next one starts).
 */
class Frames {
  /** The address of the subtree's children array. */
  readonly children: number[] = [];
  readonly count: number[] = [];
  readonly index: number[] = [];
  /** The structural index of the next child that is not extra (aliases and fields are by structural index). */
  readonly structural: number[] = [];
  /** The start of the next child, in bytes of UTF-16 (after its padding). */
  readonly position: number[] = [];
  readonly production: number[] = [];
  /** The field a hidden subtree fills for its visible children that fill none in it (0 for a visible one). */
  readonly inherited: number[] = [];
  /** The visible node whose children these are. */
  readonly node: (Node | undefined)[] = [];
  /** For a visible node's own frame: its id, until its first visible child files it (fileParent); else 0. */
  readonly pendingId: number[] = [];
  /** The frame of the visible node (the same frame for a visible one). */
  readonly owner: number[] = [];

  /** The memory's views for this copy. */
  private u16: Uint16Array = new Uint16Array(0);
  private u32: Uint32Array = new Uint32Array(0);

  start(u16: Uint16Array, u32: Uint32Array): void {
    this.u16 = u16;
    this.u32 = u32;
  }

  push(at: number, subtree: number, position: number, node: Node, inherited: number, owner: number, pendingId: number): void {
    const { u16, u32 } = this;
    const count = u32[(subtree + HEAP_CHILD_COUNT) >> 2];
    this.children[at] = subtree - SUBTREE_BYTES * count;
    this.count[at] = count;
    this.index[at] = 0;
    this.structural[at] = 0;
    this.position[at] = position;
    this.production[at] = u16[(subtree + HEAP_PRODUCTION_ID) >> 1];
    this.inherited[at] = inherited;
    this.node[at] = node;
    this.pendingId[at] = pendingId;
    this.owner[at] = owner < 0 ? at : owner;
  }

  /** Lets the nodes and the memory of the finished copy go. */
  release(): void {
    this.node.fill(undefined);
    this.start(new Uint16Array(0), new Uint32Array(0));
  }
}

const FRAMES = new Frames();
