import type { Language, Tree as WasmTree } from 'web-tree-sitter';
import { Node, Tree } from './syntaxTree';

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
}

const RAW_EXPORTS: readonly (keyof TreeSitterExports)[] = [
  '_ts_tree_root_node_wasm', '_ts_tree_cursor_new_wasm', '_ts_tree_cursor_delete_wasm',
  '_ts_tree_cursor_goto_first_child_wasm', '_ts_tree_cursor_goto_next_sibling_wasm', '_ts_tree_cursor_goto_parent_wasm',
  '_ts_tree_cursor_current_node_type_id_wasm', '_ts_tree_cursor_current_field_id_wasm',
  '_ts_tree_cursor_current_node_is_missing_wasm', '_ts_tree_cursor_start_index_wasm', '_ts_tree_cursor_end_index_wasm',
];

/** The module object handed to `Parser.init` becomes emscripten's Module; this checks it has what the copy calls. */
export function rawExportsOf(module: object): TreeSitterExports {
  const missing = RAW_EXPORTS.filter((name) => typeof (module as Record<string, unknown>)[name] !== 'function');
  if (missing.length) throw new Error(`web-tree-sitter module lacks ${missing.join(', ')}: unsupported web-tree-sitter version`);
  return module as TreeSitterExports;
}

/** The symbol tree-sitter gives ERROR nodes (`ts_builtin_sym_error`). */
const ERROR_SYMBOL = 65535;

interface LanguageTables {
  types: string[];
  named: boolean[];
  fields: (string | null)[];
}
const tablesByLanguage = new WeakMap<Language, LanguageTables>();

function tablesOf(language: Language): LanguageTables {
  let tables = tablesByLanguage.get(language);
  if (!tables) {
    const types: string[] = [];
    const named: boolean[] = [];
    for (let id = 0; id < language.nodeTypeCount; id++) {
      types[id] = language.nodeTypeForId(id) ?? 'ERROR';
      named[id] = language.nodeTypeIsNamed(id);
    }
    tables = { types, named, fields: language.fields.map((f) => f ?? null) };
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

export function copyWasmTree(raw: TreeSitterExports, wasmTree: WasmTree, text: string): Tree {
  const { types, named, fields } = tablesOf(wasmTree.language);
  // Read before the raw walk: web-tree-sitter's own calls reuse the transfer buffer that holds the cursor.
  const mayBeMissing = wasmTree.rootNode.hasError;
  const t = addressOf(wasmTree);
  return new Tree(text, (tree) => {
    const namedNodes = tree.namedNodes;
    const make = (parent: Node | null): Node => {
      const typeId = raw._ts_tree_cursor_current_node_type_id_wasm(t);
      const isError = typeId === ERROR_SYMBOL;
      const isNamed = isError || named[typeId] === true;
      const isMissing = mayBeMissing && !isError && raw._ts_tree_cursor_current_node_is_missing_wasm(t) === 1;
      const fieldId = parent ? raw._ts_tree_cursor_current_field_id_wasm(t) : 0;
      const node = new Node(
        tree, parent, isError ? 'ERROR' : (types[typeId] ?? 'ERROR'), isNamed, isMissing, fieldId ? (fields[fieldId] ?? null) : null,
        raw._ts_tree_cursor_start_index_wasm(t), raw._ts_tree_cursor_end_index_wasm(t),
      );
      if (isError || isMissing) node.hasError = true;
      if (isNamed) {
        node.namedIndex = namedNodes.length;
        namedNodes.push(node);
      }
      if (parent) {
        if (parent.children.length === 0) parent.children = [];
        const siblings = parent.children as Node[];
        node.indexInParent = siblings.length;
        siblings.push(node);
      }
      return node;
    };
    const finish = (node: Node): void => {
      if (node.isNamed) node.subtreeEnd = namedNodes.length;
      if (node.hasError && node.parent) node.parent.hasError = true;
    };

    raw._ts_tree_root_node_wasm(t);
    raw._ts_tree_cursor_new_wasm(t);
    try {
      const root = make(null);
      let node = root;
      // Iterative pre-order walk: no recursion, so 10,000 levels of nesting are fine.
      for (;;) {
        if (raw._ts_tree_cursor_goto_first_child_wasm(t)) {
          node = make(node);
          continue;
        }
        let next: Node | undefined;
        while (!next) {
          finish(node);
          if (node === root) return root;
          const parent = node.parent as Node;
          if (raw._ts_tree_cursor_goto_next_sibling_wasm(t)) next = make(parent);
          else {
            raw._ts_tree_cursor_goto_parent_wasm(t);
            node = parent;
          }
        }
        node = next;
      }
    } finally {
      raw._ts_tree_cursor_delete_wasm(t);
    }
  });
}
