import type { Language, Tree as WasmTree } from 'web-tree-sitter';
import { Node, Tree } from './syntaxTree';
import { UnchangedStatements, isStatementLevel } from './unchangedStatements';

/**
 * Copies a web-tree-sitter tree into plain JavaScript objects in one walk of a tree cursor driven through the
 * module's raw exports. web-tree-sitter's own cursor marshals its four words into the transfer buffer through
 * JavaScript on every call; here the cursor state stays in the transfer buffer between calls (the movement
 * exports write it back there, the getters only read it), so each step is a few plain WASM calls.
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
  const address = (tree as unknown as Record<number, unknown>)[0];
  if (typeof address !== 'number' || address === 0) throw new Error('web-tree-sitter tree has no WASM handle (deleted?)');
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

export function copyWasmTree(raw: TreeSitterExports, wasmTree: WasmTree, text: string, reuse?: CopyReuse): Tree {
  const { types, named, leftOut, keptUnder, statementLevel, fields } = tablesOf(wasmTree.language);
  // Read before the raw walk: web-tree-sitter's own calls reuse the transfer buffer that holds the cursor.
  const mayBeMissing = wasmTree.rootNode.hasError;
  const t = addressOf(wasmTree);
  const previous = reuse?.previous;
  const previousIds = previous?.subtreeIds;
  const previousText = previous?.text ?? '';
  const previousNamed = previous?.namedNodes ?? [];
  // One map per document, updated in place: entries of nodes that were not taken over go stale, and `reusable`
  // refuses them (they are no longer in the previous version's namedNodes); pruned when they outnumber the live ones.
  const ids = reuse ? (previousIds ?? new Map<number, Node>()) : undefined;
  const unchanged = previous && !previous.rootNode.hasError && !mayBeMissing
    ? new UnchangedStatements(previousText, previousNamed, text)
    : undefined;
  let reused = 0;
  const build = (tree: Tree): Node => {
    const namedNodes = tree.namedNodes;
    /** The subtree address of the node last made (reuse only). */
    let currentId = 0;
    /** Whether the node last made was taken over (its children are not walked then). */
    let moved = false;

    /**
     * Previous nodes below which a node was taken over on its own: taking one of them whole would take that node
     * twice. Address and position could pair nodes differently when the same text occurs twice next to an edit
     * (never seen in the tests; a wrong pairing is harmless, a double one would corrupt the tree).
     */
    const split = new Set<Node>();
    /** Whether `old` is still where the previous version had it, and neither it nor a node below it is taken over yet. */
    const available = (old: Node): boolean =>
      previousNamed[old.namedIndex] === old && namedNodes[old.namedIndex] !== old && !split.has(old);
    /** Whether `old`, found by address, may be taken over as the node under the cursor. */
    const reusable = (old: Node, type: string, startIndex: number, endIndex: number): boolean =>
      available(old) &&
      // The same address means tree-sitter kept the subtree; type, extent and text make sure nothing else changed
      // it, so a mistaken match costs a fresh copy, never a wrong tree.
      old.type === type && old.endIndex - old.startIndex === endIndex - startIndex &&
      previousText.slice(old.startIndex, old.endIndex) === text.slice(startIndex, endIndex);

    /** Takes over `old` and its subtree, now at `startIndex`, as a child of `parent`. */
    const move = (old: Node, parent: Node, fieldName: string | null, startIndex: number): void => {
      for (let a = old.parent; a !== null && !split.has(a); a = a.parent) split.add(a);
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
      reused += to - from;
      const m = old as unknown as Movable;
      m.parent = parent;
      m.fieldName = fieldName;
      attach(old);
    };
    /**
     * The children of the nodes whose children are being walked (`open`, a path from the root), each node's a run
     * from its start in `starts` up to `top`: `finish` copies the run into an array of the exact size. (Arrays grown
     * by pushes, then copied, allocated 156 MB more over DefectDojo's scan.) A node is attached to the innermost
     * open node, always its parent.
     */
    const kids: Node[] = [];
    let top = 0;
    const open: Node[] = [];
    const starts: number[] = [];
    const attach = (node: Node): void => {
      node.indexInParent = top - starts[starts.length - 1];
      kids[top++] = node;
    };
    const descend = (node: Node): void => {
      open.push(node);
      starts.push(top);
    };
    const make = (parent: Node | null, typeId: number): Node => {
      const isError = typeId === ERROR_SYMBOL;
      const isNamed = isError || named[typeId] === true;
      const type = isError ? 'ERROR' : (types[typeId] ?? 'ERROR');
      const fieldId = parent ? raw._ts_tree_cursor_current_field_id_wasm(t) : 0;
      const fieldName = fieldId ? (fields[fieldId] ?? null) : null;
      const startIndex = raw._ts_tree_cursor_start_index_wasm(t);
      const endIndex = raw._ts_tree_cursor_end_index_wasm(t);
      moved = false;
      if (ids) {
        currentId = raw._ts_tree_cursor_current_node_id_wasm(t);
        const old = parent && isNamed ? previousIds?.get(currentId) : undefined;
        if (old && parent && reusable(old, type, startIndex, endIndex)) {
          move(old, parent, fieldName, startIndex);
          moved = true;
          return old;
        }
        const same = parent && unchanged && statementLevel[typeId] ? unchanged.find(type, startIndex, endIndex) : undefined;
        if (same && parent && available(same)) {
          refile(ids, same, currentId, previousNamed);
          move(same, parent, fieldName, startIndex);
          moved = true;
          return same;
        }
      }
      const isMissing = mayBeMissing && !isError && raw._ts_tree_cursor_current_node_is_missing_wasm(t) === 1;
      const node = new Node(tree, parent, type, isNamed, isMissing, fieldName, startIndex, endIndex);
      if (isError || isMissing) node.hasError = true;
      if (isNamed) {
        node.namedIndex = namedNodes.length;
        namedNodes.push(node);
      }
      if (parent) attach(node);
      return node;
    };
    /**
     * The node under the cursor, made, or the first sibling after it that is not left out (the cursor moves there);
     * undefined when the rest of the siblings are all left out (the cursor stays on the last one).
     */
    const makeKept = (parent: Node): Node | undefined => {
      for (;;) {
        const typeId = raw._ts_tree_cursor_current_node_type_id_wasm(t);
        if (!leftOut[typeId] || keptUnder[typeId] === parent.type || (mayBeMissing && raw._ts_tree_cursor_current_node_is_missing_wasm(t) === 1)) {
          return make(parent, typeId);
        }
        if (!raw._ts_tree_cursor_goto_next_sibling_wasm(t)) return undefined;
      }
    };
    const finish = (node: Node): void => {
      // A node taken over has its subtreeEnd already; a new one's is still -1.
      if (node.isNamed && node.subtreeEnd < 0) node.subtreeEnd = namedNodes.length;
      // A node walked into (not a leaf, not one taken over with its subtree): its children are the run on `kids`.
      if (open.length > 0 && open[open.length - 1] === node) {
        open.pop();
        const start = starts.pop() as number;
        if (top > start) node.children = kids.slice(start, top);
        top = start;
      }
      if (node.hasError && node.parent) node.parent.hasError = true;
    };

    raw._ts_tree_root_node_wasm(t);
    raw._ts_tree_cursor_new_wasm(t);
    try {
      const root = make(null, raw._ts_tree_cursor_current_node_type_id_wasm(t));
      let node = root;
      // Iterative pre-order walk: no recursion, so 10,000 levels of nesting are fine.
      for (;;) {
        if (!moved && raw._ts_tree_cursor_goto_first_child_wasm(t)) {
          if (ids && node.isNamed) {
            ids.set(currentId, node);
            node.subtreeId = currentId;
          }
          descend(node);
          const child = makeKept(node);
          if (child) {
            node = child;
            continue;
          }
          // Only left-out tokens below (`()`, `""`): back to the node, finished like a leaf.
          raw._ts_tree_cursor_goto_parent_wasm(t);
          moved = false;
        }
        let next: Node | undefined;
        while (!next) {
          finish(node);
          if (node === root) return root;
          const parent = node.parent as Node;
          if (raw._ts_tree_cursor_goto_next_sibling_wasm(t)) next = makeKept(parent);
          if (!next) {
            raw._ts_tree_cursor_goto_parent_wasm(t);
            moved = false;
            node = parent;
          }
        }
        node = next;
      }
    } finally {
      raw._ts_tree_cursor_delete_wasm(t);
    }
  };
  let tree: Tree;
  if (previous) {
    previous.renew(text, build);
    tree = previous;
  } else {
    tree = new Tree(text, build);
  }
  // A MISSING hidden token (tree-sitter-python's `_newline`) is an error the cursor never visits: the root says
  // what tree-sitter says.
  if (mayBeMissing) tree.rootNode.hasError = true;
  if (ids) {
    const namedNodes = tree.namedNodes;
    if (ids.size > 2 * namedNodes.length + 1024) {
      for (const [id, node] of ids) if (namedNodes[node.namedIndex] !== node) ids.delete(id);
    }
    tree.subtreeIds = ids;
    tree.reusedNodes = reused;
  }
  return tree;
}
