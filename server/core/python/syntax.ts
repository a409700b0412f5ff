import type { Node } from 'web-tree-sitter';
import type { Range } from '../parsing/textDocument';

/** Small, allocation-light helpers over tree-sitter-python nodes. Walks are iterative: no stack overflow on deep code. */

export function rangeOf(node: Node): Range {
  return {
    start: { line: node.startPosition.row, character: node.startPosition.column },
    end: { line: node.endPosition.row, character: node.endPosition.column },
  };
}

/** Visits every named descendant in document order; `visit` returns false to skip a subtree. */
export function walk(root: Node, visit: (node: Node) => boolean | void): void {
  const cursor = root.walk();
  try {
    let descend = true;
    for (;;) {
      if (descend && cursor.currentNode.isNamed) {
        descend = visit(cursor.currentNode) !== false;
      }
      if (descend && cursor.gotoFirstChild()) continue;
      descend = true;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return;
        if (cursor.currentNode.id === root.id) return;
      }
      if (cursor.currentNode.id === root.id) return;
    }
  } finally {
    cursor.delete();
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
  for (let p = node.parent; p; p = p.parent) out.push(p);
  return out;
}

export function enclosing(node: Node, types: ReadonlySet<string>): Node | null {
  for (let p = node.parent; p; p = p.parent) if (types.has(p.type)) return p;
  return null;
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
