import type { Node, Tree } from '../parsing/syntaxTree';
import { LineMap, type Range } from '../parsing/textDocument';
import { MemoKey } from '../memo';

/** Small, allocation-light helpers over tree-sitter-python nodes. Walks are iterative: no stack overflow on deep code. */

/** Per tree: a line map when the text has a lone `\r` (tree-sitter starts rows at `\n` only; LSP at `\r` too). */
const CR_LINE_MAP = new MemoKey<LineMap | null>('line map for lone CRs');

export function rangeOf(node: Node): Range {
  return rangeAt(node.tree, node.startIndex, node.endIndex);
}

/** The editor range of the offsets `startIndex..endIndex` of `tree`'s text (see rangeOf). */
export function rangeAt(tree: Tree, startIndex: number, endIndex: number): Range {
  const text = tree.text;
  const crMap = tree.memos.get(CR_LINE_MAP, () => (text.includes('\r') && /\r(?!\n)/.test(text) ? new LineMap(text) : null));
  if (crMap) return { start: crMap.positionAt(startIndex), end: crMap.positionAt(endIndex) };
  const start = tree.pointAt(startIndex);
  const end = tree.pointAt(endIndex);
  return { start: { line: start.row, character: start.column }, end: { line: end.row, character: end.column } };
}

/**
 * The offset of the comma just before `node` (only blanks and line continuations between), or -1: the copy keeps no
 * comma tokens (UNCOPIED_TOKENS). A comment in between answers -1.
 */
export function commaBefore(node: Node): number {
  const text = node.tree.text;
  let i = node.startIndex - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r' || text[i] === '\\' || text[i] === '\f')) i--;
  return i >= 0 && text[i] === ',' ? i : -1;
}

/**
 * Whether what is derived from each module-level statement of `tree` may be kept for the document's next version
 * (`tree.acrossVersions`, keyed by `statementVersionKey`): only for an edited document (the scan's and the CLI's
 * trees are read once) and only without syntax errors (error recovery may read the same text differently).
 */
export function keepsStatementsAcrossVersions(tree: Tree): boolean {
  return tree.subtreeIds !== undefined && !tree.rootNode.hasError;
}

/** A module-level statement across versions: where it starts (LSP position: lone CRs count) and its text. */
export function statementVersionKey(stmt: Node): string {
  const { line, character } = rangeOf(stmt).start;
  return `${line}:${character}\n${stmt.text}`;
}

/** `node.parent`, for callers holding an optional node. */
export function parentOf(node: Node | null | undefined): Node | null {
  return node?.parent ?? null;
}

/** The named node itself, or for an anonymous one its nearest named ancestor (the walks index named nodes). */
function namedSelfOrAncestor(node: Node): Node | null {
  let n: Node | null = node;
  while (n && n.namedIndex < 0) n = n.parent;
  return n;
}

const NEAREST = new MemoKey<Map<ReadonlySet<string>, Int32Array>>('nearest ancestor of a type set');

/**
 * Ancestors climbed one by one before the per-tree table takes over: real code is rarely nested deeper, and building
 * the table (one O(n) pass per tree and type set) costs more than thousands of short climbs, on every keystroke.
 */
const DIRECT_CLIMB = 48;

/**
 * The nearest named ancestor whose type is in `types`, or null. Climbs at most DIRECT_CLIMB ancestors, then answers
 * from a per-tree table (pass the same Set object each time), so that a deeply nested file stays linear.
 */
export function nearestAncestorIn(node: Node, types: ReadonlySet<string>): Node | null {
  let p = node.parent;
  for (let steps = 0; p && steps < DIRECT_CLIMB; steps++, p = p.parent) if (types.has(p.type) && (p.isNamed || node.namedIndex < 0)) return p;
  if (!p) return null;
  if (node.namedIndex < 0) {
    for (; p; p = p.parent) if (types.has(p.type)) return p;
    return null;
  }
  const named = namedSelfOrAncestor(p);
  if (!named) return null;
  if (types.has(named.type)) return named;
  const tree = node.tree;
  const perTypes = tree.memos.get(NEAREST, () => new Map());
  let nearest = perTypes.get(types);
  const nodes = tree.namedNodes;
  if (!nearest) {
    nearest = new Int32Array(nodes.length);
    for (let k = 0; k < nearest.length; k++) {
      const up = nodes[k].parent;
      const pi = up ? (namedSelfOrAncestor(up)?.namedIndex ?? -1) : -1;
      nearest[k] = pi < 0 ? -1 : types.has(nodes[pi].type) ? pi : nearest[pi];
    }
    perTypes.set(types, nearest);
  }
  const i = nearest[named.namedIndex];
  return i < 0 ? null : nodes[i];
}

/** Ancestors of `node`, nearest first, with their types (`visit` returns false to stop). */
export function forEachAncestor(node: Node, visit: (ancestor: Node, type: string) => boolean | void): void {
  for (let p = node.parent; p; p = p.parent) if (visit(p, p.type) === false) return;
}

const NONE: readonly Node[] = [];

const BY_TYPE = new MemoKey<Map<string, Node[]>>('named nodes by type');

/** The tree's named nodes grouped by type, each group in document order (one pass over them, once per tree version). */
function nodesByType(tree: Tree): Map<string, Node[]> {
  return tree.structure.get(BY_TYPE, () => {
    const byType = new Map<string, Node[]>();
    for (const n of tree.namedNodes) {
      const group = byType.get(n.type);
      if (group) group.push(n);
      else byType.set(n.type, [n]);
    }
    return byType;
  });
}

/**
 * The nodes of `group` (one of the tree's document-ordered groups: a type's, a name's) inside `root`, itself
 * included. An anonymous root has no place in the named nodes' order: its named children are looked up instead.
 */
function withinSubtree(root: Node, group: readonly Node[] | undefined): readonly Node[] {
  if (!group) return NONE;
  if (root.namedIndex < 0) {
    const out: Node[] = [];
    for (const child of root.namedChildren) out.push(...withinSubtree(child, group));
    return out;
  }
  if (root.namedIndex === 0) return group;
  const from = firstAtOrAfter(group, root.namedIndex);
  const to = firstAtOrAfter(group, root.subtreeEnd);
  return from === to ? NONE : group.slice(from, to);
}

/**
 * The named nodes of one type inside `root` (itself included), in document order: what `walk` with a type
 * filter visits, without visiting every other node. Rules look for calls, attributes or loops dozens of times per file.
 */
export function nodesOfType(root: Node, type: string): readonly Node[] {
  return withinSubtree(root, nodesByType(root.tree).get(type));
}

/** The identifier starting at `offset` of its tree's text, if any (identifiers are leaves: in document order their starts increase). */
function identifierStartingAt(tree: Tree, offset: number): Node | undefined {
  const ids = nodesByType(tree).get('identifier');
  const at = ids ? ids[firstWithKeyAtLeast(ids, offset, (n) => n.startIndex)] : undefined;
  return at?.startIndex === offset ? at : undefined;
}

const IDENTIFIERS_BY_NAME = new MemoKey<Map<string, Node[]>>('identifiers by name');
/**
 * How many times over identifiersNamed searches a tree's text before it indexes the tree's identifiers: a search of
 * a 91 KB module's text takes about a tenth of a millisecond, the index 2 ms. A models module's keystroke looks up
 * two names in the whole module (calls of `map`, uses of the model class) and row variables in small loops.
 */
const TEXT_SEARCH_BUDGET = 4;
/** Characters of a tree's text that identifiersNamed has searched so far without the index. */
const IDENTIFIER_TEXT_SEARCHES = new MemoKey<{ chars: number }>('identifier searches by text');

/**
 * The identifiers spelled `name` inside `root` (itself included), in document order: `nodesOfType(root,
 * 'identifier')` filtered by text.
 *
 * The first lookups of a tree search its text for `name` and take the identifier starting at each match (one of the
 * same length is that name: identifiers are whole tokens). Once they have read the tree's text four times over, one index
 * of every identifier by name answers the rest (the callers of a function in a caller's file, many names per tree).
 * A keystroke's tree mostly needs a few lookups in small scopes (a loop's row variable), and indexing its thousands
 * of identifiers each time cost more than the lookups.
 */
export function identifiersNamed(root: Node, name: string): readonly Node[] {
  const tree = root.tree;
  let byName = tree.structure.peek(IDENTIFIERS_BY_NAME);
  if (!byName) {
    const searched = tree.structure.get(IDENTIFIER_TEXT_SEARCHES, () => ({ chars: 0 }));
    const span = root.endIndex - root.startIndex;
    if (name.length > 0 && searched.chars + span <= TEXT_SEARCH_BUDGET * tree.text.length) {
      searched.chars += span;
      return identifiersSpelled(root, name);
    }
    byName = new Map<string, Node[]>();
    const text = tree.text;
    for (const id of nodesOfType(tree.rootNode, 'identifier')) {
      const key = text.slice(id.startIndex, id.endIndex);
      const group = byName.get(key);
      if (group) group.push(id);
      else byName.set(key, [id]);
    }
    tree.structure.set(IDENTIFIERS_BY_NAME, byName);
  }
  return withinSubtree(root, byName.get(name));
}

/** `[A-Za-z0-9_]` (NaN, outside the text: no). */
function isAsciiWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/** identifiersNamed by a search of `root`'s text (identifiers inside its span are inside its subtree: they are leaves). */
function identifiersSpelled(root: Node, name: string): Node[] {
  const tree = root.tree;
  const text = tree.text;
  const out: Node[] = [];
  for (let at = text.indexOf(name, root.startIndex); at >= 0 && at + name.length <= root.endIndex; at = text.indexOf(name, at + 1)) {
    // A match inside a longer word is no identifier of its own (a short name matches inside many words).
    if (isAsciiWordChar(text.charCodeAt(at - 1)) || isAsciiWordChar(text.charCodeAt(at + name.length))) continue;
    const id = identifierStartingAt(tree, at);
    if (id && id.endIndex - id.startIndex === name.length) out.push(id);
  }
  return out;
}

/**
 * The named nodes of any of `types` inside `root`, in document order: `nodesOfType` for a walk that looks for
 * several types (a pass over a 2,000-line module visits ~15,000 nodes to find a few hundred).
 */
export function nodesOfTypes(root: Node, types: readonly string[]): readonly Node[] {
  return inDocumentOrder(types.map((t) => nodesOfType(root, t)));
}

/**
 * Nodes of several groups, each in document order and none in two, as one list in document order: a merge, not a
 * sort of their concatenation. A single non-empty group is returned as it is.
 */
export function inDocumentOrder(lists: readonly (readonly Node[])[]): readonly Node[] {
  const groups = lists.filter((g) => g.length > 0);
  if (groups.length <= 1) return groups[0] ?? NONE;
  const all: Node[] = [];
  const at = new Array<number>(groups.length).fill(0);
  for (;;) {
    let next = -1;
    for (let g = 0; g < groups.length; g++) {
      if (at[g] < groups[g].length && (next < 0 || groups[g][at[g]].namedIndex < groups[next][at[next]].namedIndex)) next = g;
    }
    if (next < 0) return all;
    all.push(groups[next][at[next]++]);
  }
}

/** Index of the first node of `group` whose namedIndex is at least `index` (binary search). */
function firstAtOrAfter(group: readonly Node[], index: number): number {
  return firstWithKeyAtLeast(group, index, (n) => n.namedIndex);
}

/** Index of the first node of `group` (in increasing order of `key`) whose key is at least `value` (binary search). */
function firstWithKeyAtLeast(group: readonly Node[], value: number, key: (n: Node) => number): number {
  let lo = 0;
  let hi = group.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(group[mid]) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Visits every named descendant (and `root` itself when named) in document order; `visit` returns false to skip a subtree. */
export function walk(root: Node, visit: (node: Node) => boolean | void): void {
  let i = root.namedIndex;
  if (i < 0) {
    // An anonymous root: walk its named children instead.
    for (const child of root.namedChildren) walk(child, visit);
    return;
  }
  const nodes = root.tree.namedNodes;
  const end = root.subtreeEnd;
  while (i < end) {
    const node = nodes[i];
    i = visit(node) === false ? node.subtreeEnd : i + 1;
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

/** Whether a function_definition is `async def` (its first child is the `async` keyword). */
export function isAsyncDef(fn: Node): boolean {
  return fn.type === 'function_definition' && fn.child(0)?.type === 'async';
}

const DEFS_BY_NAME = new MemoKey<Map<number, ReadonlyMap<string, Node>>>('the defs of each block by name');

/**
 * The `def name` written directly in `block` (a module or a class body), decorated or not; the first one when the
 * name is defined twice. Indexed once per block and tree: rules look up the callee of every call, and a module of a
 * few hundred functions made that a quadratic scan.
 */
export function functionNamed(block: Node, name: string): Node | undefined {
  const defs = block.tree.memos.entry(DEFS_BY_NAME, block.id, () => {
    const byName = new Map<string, Node>();
    for (const stmt of block.namedChildren) {
      const def = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
      const defName = def?.type === 'function_definition' ? def.childForFieldName('name')?.text : undefined;
      if (def && defName !== undefined && !byName.has(defName)) byName.set(defName, def);
    }
    return byName;
  });
  return defs.get(name);
}

/** Decorators of a function or class (the decorated_definition parent holds them). */
export function decoratorsOf(def: Node): Node[] {
  const parent = parentOf(def);
  if (parent?.type !== 'decorated_definition') return [];
  return parent.namedChildren.filter((c): c is Node => c?.type === 'decorator');
}

/** The values of a function's `return` statements (nested functions and classes excluded); undefined for a generator. */
export function returnValues(def: Node): Node[] | undefined {
  const body = def.childForFieldName('body');
  if (!body) return undefined;
  const values: Node[] = [];
  const stack: Node[] = [body];
  while (stack.length) {
    const n = stack.pop() as Node;
    const children = n.namedChildren;
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      if (c.type === 'function_definition' || c.type === 'lambda' || c.type === 'class_definition') continue;
      if (c.type === 'yield') return undefined;
      if (c.type === 'return_statement') {
        const v = c.namedChildren[0];
        // A bare `return` / `return None` gives no rows: the loop over it would fail, so it does not count.
        if (v && unparen(v).type !== 'none') values.push(v);
        continue;
      }
      stack.push(c);
    }
  }
  return values;
}
