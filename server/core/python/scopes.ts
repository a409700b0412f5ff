import type { Node } from '../parsing/syntaxTree';
import { nearestAncestorIn, positionalArgs, SCOPE_TYPES } from './syntax';
import { MemoKey } from '../memo';

/** Syntactic scope helpers (enclosing def/class, the loop a name is the target of); name binding is the semantic model's (semantic/). */

const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);

const BINDING_SCOPES: ReadonlySet<string> = new Set(['function_definition', 'lambda', 'module']);
const CLASSES: ReadonlySet<string> = new Set(['class_definition']);

// Ancestor lookups go through nearestAncestorIn (O(1) after one pass per tree): a walk per node is quadratic on deep code.
export function enclosingScope(node: Node): Node {
  return nearestAncestorIn(node, BINDING_SCOPES) ?? node.tree.rootNode;
}

/** The class a method belongs to (for `self.…`). */
export function enclosingClass(node: Node): Node | null {
  return nearestAncestorIn(node, CLASSES);
}

/** The function (def or lambda) directly around a node, or null at module level. */
export function enclosingFunction(node: Node): Node | null {
  const scope = nearestAncestorIn(node, SCOPE_TYPES);
  return scope && scope.type !== 'class_definition' ? scope : null;
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
const LOOP_BINDINGS = new MemoKey<Map<number, LoopBinding | null>>('loop bindings');

export function loopBinding(node: Node): LoopBinding | undefined {
  // Memoised per node: every rule and every row loop asks again for the same identifiers.
  const perTree = node.tree.memos.get(LOOP_BINDINGS, () => new Map());
  let known = perTree.get(node.id);
  if (known === undefined) {
    known = findLoopBinding(node) ?? null;
    perTree.set(node.id, known);
  }
  return known ?? undefined;
}

function findLoopBinding(node: Node): LoopBinding | undefined {
  const name = node.text;
  for (let p = nearestAncestorIn(node, LOOP_STEPS); p; p = nearestAncestorIn(p, LOOP_STEPS)) {
    const result = loopStep(p, p.type, node, name);
    if (result === 'stop') return undefined;
    if (result) return result;
  }
  return undefined;
}

/** The ancestors loopStep looks at (every other one is a step to go on). */
const LOOP_STEPS: ReadonlySet<string> = new Set(['for_statement', ...COMPREHENSIONS, 'function_definition', 'lambda', 'class_definition']);

const within = (node: Node, outer: Node): boolean => node.startIndex >= outer.startIndex && node.endIndex <= outer.endIndex;

/** One step up from a loop variable's use: the binding loop, 'stop' at a scope boundary, or undefined to go on. */
function loopStep(p: Node, type: string, node: Node, name: string): LoopBinding | 'stop' | undefined {
  if (type === 'function_definition' || type === 'lambda' || type === 'class_definition') return 'stop';
  if (type === 'for_statement') {
    const left = p.childForFieldName('left');
    const right = p.childForFieldName('right');
    if (!left || !right || within(node, right) || within(node, left)) return undefined;
    const target = targetsName(left, name);
    return target ? { loop: p, target, iterable: iterableFor(left, right, target) } : undefined;
  }
  if (!COMPREHENSIONS.has(type)) return undefined;
  for (const clause of p.namedChildren) {
    if (clause?.type !== 'for_in_clause') continue;
    const left = clause.childForFieldName('left');
    const right = clause.childForFieldName('right');
    if (!left || !right) continue;
    if (node.startIndex >= right.startIndex && node.endIndex <= right.endIndex) continue;
    const target = targetsName(left, name);
    if (target && target.id !== node.id) return { loop: p, target, iterable: iterableFor(left, right, target) };
  }
  return undefined;
}

export { COMPREHENSIONS };
