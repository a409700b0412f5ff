import type { Node, Tree } from 'web-tree-sitter';
import type { Range } from '../parsing/textDocument';

/** Small, allocation-light helpers over tree-sitter-python nodes. Walks are iterative: no stack overflow on deep code. */

export function rangeOf(node: Node): Range {
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
}

const flatTrees = new WeakMap<Tree, FlatTree>();

function flatten(tree: Tree): FlatTree {
  const nodes: Node[] = [];
  const types: string[] = [];
  const ends: number[] = [];
  const parents: number[] = [];
  const open: number[] = [];
  const cursor = tree.walk();
  try {
    let depth = 0;
    const openDepth: number[] = [];
    for (;;) {
      const node = cursor.currentNode;
      if (node.isNamed) {
        while (openDepth.length && openDepth[openDepth.length - 1] >= depth) {
          ends[open.pop() as number] = nodes.length;
          openDepth.pop();
        }
        parents.push(open.length ? open[open.length - 1] : -1);
        open.push(nodes.length);
        openDepth.push(depth);
        ends.push(0);
        types.push(cursor.nodeType);
        nodes.push(node);
      }
      if (cursor.gotoFirstChild()) {
        depth++;
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) {
          while (open.length) ends[open.pop() as number] = nodes.length;
          const indexOf = new Map<number, number>();
          nodes.forEach((n, i) => indexOf.set(n.id, i));
          return { nodes, types, subtreeEnd: Int32Array.from(ends), parent: Int32Array.from(parents), indexOf };
        }
        depth--;
      }
    }
  } finally {
    cursor.delete();
  }
}

function flatTreeOf(node: Node): FlatTree {
  let flat = flatTrees.get(node.tree);
  if (!flat) {
    flat = flatten(node.tree);
    flatTrees.set(node.tree, flat);
  }
  return flat;
}

/** A node's type, from the tree's flat index when the node is in it. */
export function typeOf(node: Node): string {
  const flat = flatTreeOf(node);
  const i = flat.indexOf.get(node.id);
  return i === undefined ? node.type : flat.types[i];
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

/** All descendants of the given types (document order). */
export function descendantsOfType(root: Node, types: ReadonlySet<string>, stopAt?: ReadonlySet<string>): Node[] {
  const out: Node[] = [];
  walk(root, (n) => {
    if (n.id !== root.id && stopAt?.has(n.type)) return false;
    if (types.has(n.type)) out.push(n);
    return true;
  });
  return out;
}

export function ancestors(node: Node): Node[] {
  const out: Node[] = [];
  forEachAncestor(node, (p) => {
    out.push(p);
  });
  return out;
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

export const FUNCTION_TYPES: ReadonlySet<string> = new Set(['function_definition', 'lambda']);
export const SCOPE_TYPES: ReadonlySet<string> = new Set(['function_definition', 'lambda', 'class_definition']);

/** Whether a function_definition is `async def`. */
export function isAsyncDef(fn: Node): boolean {
  return fn.type === 'function_definition' && fn.children.some((c) => c?.type === 'async');
}

/** Decorators of a function or class (the decorated_definition parent holds them). */
export function decoratorsOf(def: Node): Node[] {
  const parent = def.parent;
  if (parent?.type !== 'decorated_definition') return [];
  return parent.namedChildren.filter((c): c is Node => c?.type === 'decorator');
}
