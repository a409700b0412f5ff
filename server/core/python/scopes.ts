import type { Node } from 'web-tree-sitter';
import { positionalArgs } from './syntax';

/** Name binding in Python scopes, flow-insensitive but position-aware: good enough for lint, never executed. */

const SCOPE_NODE = new Set(['function_definition', 'lambda', 'module', 'class_definition']);
const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);

export function enclosingScope(node: Node): Node {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'function_definition' || p.type === 'lambda' || p.type === 'module') return p;
  }
  let root = node;
  while (root.parent) root = root.parent;
  return root;
}

/** The class a method belongs to (for `self.…`). */
export function enclosingClass(node: Node): Node | null {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'class_definition') return p;
  }
  return null;
}

/** The function (def or lambda) directly around a node, or null at module level. */
export function enclosingFunction(node: Node): Node | null {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'function_definition' || p.type === 'lambda') return p;
    if (p.type === 'class_definition') return null;
  }
  return null;
}

function targetsName(target: Node, name: string): Node | undefined {
  if (target.type === 'identifier') return target.text === name ? target : undefined;
  if (target.type === 'pattern_list' || target.type === 'tuple_pattern' || target.type === 'list_pattern' ||
      target.type === 'tuple' || target.type === 'list') {
    for (const c of target.namedChildren) {
      const hit = c && targetsName(c, name);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** Right-hand sides of `name = …` in `scope` (not in nested scopes) that start before `before`. */
export function bindingsBefore(scope: Node, name: string, before: number): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [];
  const body = scope.type === 'module' ? scope : scope.childForFieldName('body');
  if (body) stack.push(body);
  while (stack.length) {
    const n = stack.pop() as Node;
    if (n.startIndex >= before) continue;
    if (n.type === 'assignment') {
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      if (left?.type === 'identifier' && left.text === name && right && right.endIndex <= before) out.push(right);
    } else if (n.type === 'named_expression') {
      const left = n.childForFieldName('name');
      const right = n.childForFieldName('value');
      if (left?.text === name && right && right.endIndex <= before) out.push(right);
    }
    for (let i = n.namedChildCount - 1; i >= 0; i--) {
      const c = n.namedChild(i);
      if (c && !SCOPE_NODE.has(c.type)) stack.push(c);
    }
  }
  return out.sort((a, b) => a.startIndex - b.startIndex);
}

export function parameterAnnotation(scope: Node, name: string): Node | undefined {
  if (scope.type !== 'function_definition') return undefined;
  const params = scope.childForFieldName('parameters');
  for (const p of params?.namedChildren ?? []) {
    if (!p) continue;
    if ((p.type === 'typed_parameter' || p.type === 'typed_default_parameter')) {
      const id = p.type === 'typed_parameter' ? p.namedChildren[0] : p.childForFieldName('name');
      if (id?.text === name) return p.childForFieldName('type') ?? undefined;
    }
  }
  return undefined;
}

export interface LoopBinding {
  /** The for statement or comprehension. */
  loop: Node;
  /** The identifier node in the loop target. */
  target: Node;
  /** What the name iterates over (for `enumerate(x)`, x). */
  iterable: Node;
}

function iterableFor(left: Node, right: Node, target: Node): Node {
  // `for i, row in enumerate(qs)`: the second element walks qs.
  if (right.type === 'call' && right.childForFieldName('function')?.text === 'enumerate' &&
      (left.type === 'pattern_list' || left.type === 'tuple_pattern') && left.namedChildren[1]?.id === target.id) {
    return positionalArgs(right)[0] ?? right;
  }
  return right;
}

/** The loop that binds the identifier `node`, when it is a loop variable used inside that loop. */
export function loopBinding(node: Node): LoopBinding | undefined {
  const name = node.text;
  let child: Node = node;
  for (let p = node.parent; p; child = p, p = p.parent) {
    if (p.type === 'function_definition' || p.type === 'lambda' || p.type === 'class_definition') return undefined;
    if (p.type === 'for_statement') {
      const left = p.childForFieldName('left');
      const right = p.childForFieldName('right');
      if (!left || !right || child.id === right.id || child.id === left.id) continue;
      const target = targetsName(left, name);
      if (target) return { loop: p, target, iterable: iterableFor(left, right, target) };
    } else if (COMPREHENSIONS.has(p.type)) {
      for (const clause of p.namedChildren) {
        if (clause?.type !== 'for_in_clause') continue;
        const left = clause.childForFieldName('left');
        const right = clause.childForFieldName('right');
        if (!left || !right) continue;
        if (node.startIndex >= right.startIndex && node.endIndex <= right.endIndex) continue;
        const target = targetsName(left, name);
        if (target && target.id !== node.id) return { loop: p, target, iterable: iterableFor(left, right, target) };
      }
    }
  }
  return undefined;
}

export { COMPREHENSIONS };
