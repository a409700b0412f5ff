import type { Node, Tree } from 'web-tree-sitter';
import { LineMap, type Range } from '../parsing/textDocument';

/** Small, allocation-light helpers over tree-sitter-python nodes. Walks are iterative: no stack overflow on deep code. */

/** Per tree: a line map when the text has a lone `\r` (tree-sitter starts rows at `\n` only; LSP at `\r` too). */
const crLineMaps = new WeakMap<Tree, LineMap | null>();

export function rangeOf(node: Node): Range {
  let crMap = crLineMaps.get(node.tree);
  if (crMap === undefined) {
    const text = node.tree.rootNode.text;
    crMap = /\r(?!\n)/.test(text) ? new LineMap(text) : null;
    crLineMaps.set(node.tree, crMap);
  }
  if (crMap) return { start: crMap.positionAt(node.startIndex), end: crMap.positionAt(node.endIndex) };
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
  };
}

/**
 * Every named node of a tree in document order, with where each subtree ends, built once per tree: rules walk
 * the same tree dozens of times, and crossing into WASM for every node of every walk dominated analysis time.
 */
interface FlatTree {
  nodes: Node[];
  /** Node types, read once from the cursor (a Node's `type` getter crosses into WASM on every call). */
  types: string[];
  /** `subtreeEnd[i]`: index just past the last descendant of `nodes[i]`. */
  subtreeEnd: Int32Array;
  /** Index of the nearest named ancestor, -1 for the root. */
  parent: Int32Array;
  indexOf: Map<number, number>;
  /** Per node, filled lazily by parentOf: 1 its subtree has no ERROR/MISSING node, 2 it has, 0 not asked yet. */
  errorFree: Uint8Array;
}

const flatTrees = new WeakMap<Tree, FlatTree>();

interface LanguageTypes {
  named: string[];
  /** Names that a keyword token shares with a named node (`await`): collected nodes of these need an isNamed check. */
  ambiguous: Set<string>;
}
const typesByLanguage = new WeakMap<object, LanguageTypes>();

/**
 * Every named node type of the grammar, for one `descendantsOfType` call per tree. ERROR is not a grammar
 * type (asking for it returns nothing at all); its named children are still collected, and walks that start
 * at an ERROR node fall back to its children.
 */
function languageTypes(tree: Tree): LanguageTypes {
  const language = tree.language;
  let types = typesByLanguage.get(language);
  if (!types) {
    const named = new Set<string>();
    const anonymous = new Set<string>();
    for (let id = 0; id < language.nodeTypeCount; id++) {
      const name = language.nodeTypeForId(id);
      if (!name) continue;
      (language.nodeTypeIsNamed(id) ? named : anonymous).add(name);
    }
    types = { named: [...named], ambiguous: new Set([...named].filter((n) => anonymous.has(n))) };
    typesByLanguage.set(language, types);
  }
  return types;
}

/**
 * One `descendantsOfType` call collects every named node in document order inside WASM; walking with a
 * cursor instead costs several JS/WASM crossings per node, three times slower on real code.
 */
function flatten(tree: Tree): FlatTree {
  const root = tree.rootNode;
  const { named, ambiguous } = languageTypes(tree);
  const nodes: Node[] = [root];
  for (const n of root.descendantsOfType(named)) {
    if (n && n.id !== root.id && (!ambiguous.has(n.type) || n.isNamed)) nodes.push(n);
  }
  const count = nodes.length;
  const types = new Array<string>(count);
  const starts = new Int32Array(count);
  const ends = new Int32Array(count);
  const subtreeEnd = new Int32Array(count);
  const parent = new Int32Array(count);
  const indexOf = new Map<number, number>();
  const open: number[] = [];
  for (let i = 0; i < count; i++) {
    const n = nodes[i];
    types[i] = n.type;
    // Every rule asks these nodes for their type; pin it on the object instead of a WASM round trip per read.
    Object.defineProperty(n, 'type', { value: types[i] });
    starts[i] = n.startIndex;
    ends[i] = n.endIndex;
    indexOf.set(n.id, i);
    // Close every open node that cannot contain this one (document order: containment means ancestry).
    while (open.length) {
      const top = open[open.length - 1];
      if (starts[i] >= starts[top] && ends[i] <= ends[top] && ends[top] > starts[top]) break;
      subtreeEnd[open.pop() as number] = i;
    }
    parent[i] = open.length ? open[open.length - 1] : -1;
    open.push(i);
  }
  while (open.length) subtreeEnd[open.pop() as number] = count;
  return { nodes, types, subtreeEnd, parent, indexOf, errorFree: new Uint8Array(count) };
}

function flatTreeOf(node: Node): FlatTree {
  let flat = flatTrees.get(node.tree);
  if (!flat) {
    flat = flatten(node.tree);
    flatTrees.set(node.tree, flat);
  }
  return flat;
}


/**
 * `node.parent` in O(1). tree-sitter finds a parent by descending from the root (O(depth) per call), so climbing
 * with `.parent` is quadratic on deeply nested code. The flat index knows each node's nearest named ancestor,
 * which is the parent unless an ERROR node (not in the index) sits between them: where the candidate's subtree
 * has an error, or a range is empty (containment is ambiguous), this falls back to `node.parent`.
 */
export function parentOf(node: Node | null | undefined): Node | null {
  if (!node) return null;
  const flat = flatTreeOf(node);
  const i = flat.indexOf.get(node.id);
  if (i === undefined || i === 0) return i === 0 ? null : node.parent;
  const p = flat.parent[i];
  if (p < 0 || node.startIndex === node.endIndex) return node.parent;
  let clean = flat.errorFree[p];
  if (clean === 0) {
    const candidate = flat.nodes[p];
    clean = candidate.hasError || candidate.startIndex === candidate.endIndex ? 2 : 1;
    flat.errorFree[p] = clean;
  }
  return clean === 1 ? flat.nodes[p] : node.parent;
}

const nearestCache = new WeakMap<FlatTree, Map<ReadonlySet<string>, Int32Array>>();

/**
 * The nearest named ancestor whose type is in `types`, or null: O(1) per call after one O(n) pass per tree and type
 * set (pass the same Set object each time). Per-node ancestor walks are O(depth), quadratic over a deep file.
 */
export function nearestAncestorIn(node: Node, types: ReadonlySet<string>): Node | null {
  const flat = flatTreeOf(node);
  const i = flat.indexOf.get(node.id);
  if (i === undefined) {
    for (let p = node.parent; p; p = p.parent) if (types.has(p.type)) return p;
    return null;
  }
  let perTypes = nearestCache.get(flat);
  if (!perTypes) {
    perTypes = new Map();
    nearestCache.set(flat, perTypes);
  }
  let nearest = perTypes.get(types);
  if (!nearest) {
    nearest = new Int32Array(flat.nodes.length);
    for (let k = 0; k < nearest.length; k++) {
      const p = flat.parent[k];
      nearest[k] = p < 0 ? -1 : types.has(flat.types[p]) ? p : nearest[p];
    }
    perTypes.set(types, nearest);
  }
  return nearest[i] < 0 ? null : flat.nodes[nearest[i]];
}

/**
 * Named ancestors of `node`, nearest first, with their types, without a WASM round trip per step
 * (`visit` returns false to stop).
 */
export function forEachAncestor(node: Node, visit: (ancestor: Node, type: string) => boolean | void): void {
  const flat = flatTreeOf(node);
  let i = flat.indexOf.get(node.id);
  if (i === undefined) {
    for (let p = node.parent; p; p = p.parent) if (visit(p, p.type) === false) return;
    return;
  }
  for (let p = flat.parent[i]; p >= 0; p = flat.parent[p]) if (visit(flat.nodes[p], flat.types[p]) === false) return;
}

/** Visits every named descendant (and `root` itself when named) in document order; `visit` returns false to skip a subtree. */
export function walk(root: Node, visit: (node: Node) => boolean | void): void {
  const flat = flatTreeOf(root);
  let i = flat.indexOf.get(root.id);
  if (i === undefined) {
    // An anonymous root (or a node of another tree): walk its named children instead.
    for (const child of root.namedChildren) if (child) walk(child, visit);
    return;
  }
  const end = flat.subtreeEnd[i];
  while (i < end) {
    i = visit(flat.nodes[i]) === false ? flat.subtreeEnd[i] : i + 1;
  }
}



export function enclosing(node: Node, types: ReadonlySet<string>): Node | null {
  let found: Node | null = null;
  forEachAncestor(node, (p, type) => {
    if (!types.has(type)) return true;
    found = p;
    return false;
  });
  return found;
}

/** `a.b.c` -> ['a','b','c'] when the expression is a pure dotted name; otherwise undefined. */
export function dottedName(node: Node | null): string[] | undefined {
  const parts: string[] = [];
  let n: Node | null = node;
  while (n) {
    if (n.type === 'identifier') {
      parts.unshift(n.text);
      return parts;
    }
    if (n.type !== 'attribute') return undefined;
    const attr = n.childForFieldName('attribute');
    if (!attr) return undefined;
    parts.unshift(attr.text);
    n = n.childForFieldName('object');
  }
  return undefined;
}

/** The callee of a call as a dotted string (`models.ForeignKey`), or undefined. */
export function calleeName(call: Node): string | undefined {
  if (call.type !== 'call') return undefined;
  return dottedName(call.childForFieldName('function'))?.join('.');
}

/** The last segment of a call's callee (`x.y.filter(...)` -> 'filter'). */
export function calleeMethod(call: Node): string | undefined {
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  if (fn.type === 'identifier') return fn.text;
  if (fn.type === 'attribute') return fn.childForFieldName('attribute')?.text;
  return undefined;
}

export function positionalArgs(call: Node): Node[] {
  const args = call.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return [];
  return args.namedChildren.filter(
    (c): c is Node => !!c && c.type !== 'keyword_argument' && c.type !== 'comment' &&
      c.type !== 'list_splat' && c.type !== 'dictionary_splat',
  );
}

export function keywordArg(call: Node, name: string): Node | undefined {
  const args = call.childForFieldName('arguments');
  if (!args) return undefined;
  for (const c of args.namedChildren) {
    if (c?.type === 'keyword_argument' && c.childForFieldName('name')?.text === name) {
      return c.childForFieldName('value') ?? undefined;
    }
  }
  return undefined;
}

/** The value of a plain string literal (no f-string interpolation, no concatenation), else undefined. */
export function stringValue(node: Node | null | undefined): string | undefined {
  if (!node || node.type !== 'string') return undefined;
  let out = '';
  for (const c of node.namedChildren) {
    if (!c) continue;
    if (c.type === 'interpolation') return undefined;
    if (c.type === 'string_content') out += c.text;
    if (c.type === 'escape_sequence') out += c.text;
  }
  return out;
}

export function isTrue(node: Node | null | undefined): boolean {
  return node?.type === 'true';
}

/** Strips parentheses around an expression. */
export function unparen(node: Node): Node {
  let n = node;
  while (n.type === 'parenthesized_expression' && n.namedChildCount === 1 && n.namedChildren[0]) n = n.namedChildren[0];
  return n;
}

export const SCOPE_TYPES: ReadonlySet<string> = new Set(['function_definition', 'lambda', 'class_definition']);

const asyncDefs = new WeakMap<Tree, Map<number, boolean>>();

/** Whether a function_definition is `async def` (memoised per tree: rules ask for every enclosing function). */
export function isAsyncDef(fn: Node): boolean {
  if (fn.type !== 'function_definition') return false;
  let perTree = asyncDefs.get(fn.tree);
  if (!perTree) {
    perTree = new Map();
    asyncDefs.set(fn.tree, perTree);
  }
  let known = perTree.get(fn.id);
  if (known === undefined) {
    known = fn.child(0)?.type === 'async';
    perTree.set(fn.id, known);
  }
  return known;
}

/** Decorators of a function or class (the decorated_definition parent holds them). */
export function decoratorsOf(def: Node): Node[] {
  const parent = parentOf(def);
  if (parent?.type !== 'decorated_definition') return [];
  return parent.namedChildren.filter((c): c is Node => c?.type === 'decorator');
}
