import type { Node, Tree } from '../../parsing/syntaxTree';
import { MemoKey } from '../../memo';
import { nodesOfTypes, unparen } from '../syntax';

/**
 * Python name binding, the way the interpreter scopes names (module, class, function, lambda, comprehension), built
 * in one pass per tree. Position-aware but flow-insensitive: a use sees the last binding of its scope written before
 * it. Nothing here knows about Django; types are in `types.ts` and `infer.ts`.
 */

export type BindingKind =
  | 'parameter' | 'assignment' | 'annotation' | 'augmented' | 'walrus' | 'for' | 'with' | 'except' | 'match'
  | 'import' | 'function' | 'class';

export interface Binding {
  name: string;
  kind: BindingKind;
  scope: Scope;
  /** The identifier that is bound (the alias of an import, the target of an assignment, the def's name). */
  node: Node;
  /** Offset from which the binding is visible to later code of its scope. */
  start: number;
  /** Right-hand side (assignment, walrus), iterable (`for`, comprehension) or context manager (`with`). */
  value?: Node;
  /** Index path of the target inside a tuple/list unpacking (`a, (b, c) = …`: `c` is [1, 1]); -1 marks a starred target. */
  path?: readonly number[];
  /** Annotation (parameter, `x: T = …`, `x: T`). */
  annotation?: Node;
  /** Import: the dotted name bound (`from a import b as c`: `a.b`; `import a.b`: `a`). */
  qualified?: string;
  /** def / class node, and for parameters the function that declares them. */
  definition?: Node;
  /** Parameter: its position among the function's parameters (0 = `self` of a method). */
  index?: number;
  /** Parameter: `*args` ('list') or `**kwargs` ('dict'). */
  splat?: 'list' | 'dict';
}

export type ScopeKind = 'module' | 'class' | 'function' | 'lambda' | 'comprehension';

export interface Scope {
  node: Node;
  kind: ScopeKind;
  parent: Scope | null;
  bindings: Map<string, Binding[]>;
  globals: ReadonlySet<string>;
  nonlocals: ReadonlySet<string>;
  /** Modules of `from m import *` in this scope, in source order. */
  starImports: readonly string[];
  /** Class scopes: `self.x = …` / `self.x: T = …` in its methods. */
  selfAttributes: ReadonlyMap<string, Binding[]>;
  /** Function scopes: the first parameter's name (`self` of a method). */
  firstParameter?: string;
  /** Memo of `enclosingBinder` for code nested in this scope. */
  outer?: Map<string, OuterLookup>;
}

export interface SemanticIndex {
  module: Scope;
  /** Scope per scope node id. */
  scopes: Map<number, Scope>;
  /** Every name bound anywhere in the file (any scope, any kind). */
  boundAnywhere: Set<string>;
  /** The innermost scope around each named node, by `namedIndex` (for a scope node, the scope it is written in). */
  scopeAt: Scope[];
}

const COMPREHENSION_NODES: ReadonlySet<string> = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);
const UNPACKING: ReadonlySet<string> = new Set(['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list']);

/** Nodes that open a scope. */
const SCOPE_NODES: readonly string[] = ['function_definition', 'class_definition', 'lambda', ...COMPREHENSION_NODES];
/** Nodes that bind a name (defs, classes and lambdas: their name or parameters) or declare one global/nonlocal. */
const BINDING_NODES: readonly string[] = [
  'function_definition', 'class_definition', 'lambda', 'for_in_clause', 'for_statement', 'assignment', 'augmented_assignment',
  'named_expression', 'as_pattern', 'case_pattern', 'import_statement', 'import_from_statement', 'global_statement', 'nonlocal_statement',
];

const INDEX = new MemoKey<SemanticIndex>('semantic index');
const NO_NAMES: ReadonlySet<string> = new Set();
const NO_MODULES: readonly string[] = [];
const NO_ATTRIBUTES: ReadonlyMap<string, Binding[]> = new Map();

export function semanticIndex(tree: Tree): SemanticIndex {
  return tree.memos.get(INDEX, () => buildIndex(tree));
}

export function forgetIndex(tree: Tree): void {
  tree.memos.delete(INDEX);
}

function newScope(node: Node, kind: ScopeKind, parent: Scope | null): Scope {
  // Most scopes declare no global, import no star and set no attribute: they share empty tables until written.
  return { node, kind, parent, bindings: new Map(), globals: NO_NAMES, nonlocals: NO_NAMES, starImports: NO_MODULES, selfAttributes: NO_ATTRIBUTES };
}

function scopeKind(type: string): ScopeKind {
  if (type === 'class_definition') return 'class';
  if (type === 'lambda') return 'lambda';
  if (COMPREHENSION_NODES.has(type)) return 'comprehension';
  return 'function';
}

function buildIndex(tree: Tree): SemanticIndex {
  const root = tree.rootNode;
  const module = newScope(root, 'module', null);
  const scopes = new Map<number, Scope>([[root.id, module]]);
  const boundAnywhere = new Set<string>();
  const add = (scope: Scope, b: Omit<Binding, 'scope'>): void => {
    const binding = b as Binding;
    binding.scope = scope;
    const list = scope.bindings.get(b.name);
    if (list) list.push(binding);
    else scope.bindings.set(b.name, [binding]);
    boundAnywhere.add(b.name);
  };
  const nodes = tree.namedNodes;
  // The innermost scope around each named node (a scope node's own slot keeps the outer scope: a def's name and
  // decorators are read outside it), each slot written once: the scopes still open are a stack, and each stretch of
  // slots is filled with the innermost one when the next scope opens or the innermost closes (filling every scope's
  // whole subtree, nested ones again, was quadratic in the nesting: a second for 10,000 nested comprehensions). Only
  // the nodes that open a scope or bind a name are visited, through the tree's index by type, not all ~15,000 nodes
  // of a large module.
  const scopeAt: Scope[] = new Array<Scope>(nodes.length);
  const open: { scope: Scope; end: number }[] = [{ scope: module, end: root.subtreeEnd }];
  let filled = root.namedIndex + 1;
  const closeUpTo = (index: number): void => {
    for (let top = open[open.length - 1]; open.length > 1 && top.end <= index; top = open[open.length - 1]) {
      scopeAt.fill(top.scope, filled, top.end);
      filled = top.end;
      open.pop();
    }
  };
  for (const n of nodesOfTypes(root, SCOPE_NODES)) {
    closeUpTo(n.namedIndex);
    const outer = open[open.length - 1].scope;
    // The scope node's own slot keeps the outer scope.
    scopeAt.fill(outer, filled, n.namedIndex + 1);
    filled = n.namedIndex + 1;
    const inner = newScope(n, scopeKind(n.type), outer);
    scopes.set(n.id, inner);
    open.push({ scope: inner, end: n.subtreeEnd });
  }
  closeUpTo(root.subtreeEnd);
  scopeAt.fill(module, filled, root.subtreeEnd);
  const chainValue = new Map<number, Node | null>();
  for (const n of nodesOfTypes(root, BINDING_NODES)) {
    const scope = scopeAt[n.namedIndex];
    switch (n.type) {
      case 'function_definition':
      case 'class_definition': {
        const name = n.childForFieldName('name');
        const outer = n.parent?.type === 'decorated_definition' ? n.parent : n;
        if (name) add(scope, { name: name.text, kind: n.type === 'class_definition' ? 'class' : 'function', node: name, start: outer.startIndex, definition: n });
        if (n.type === 'function_definition') bindParameters(scopes.get(n.id) as Scope, n, n.childForFieldName('parameters'), add);
        break;
      }
      case 'lambda':
        bindParameters(scopes.get(n.id) as Scope, n, n.childForFieldName('parameters'), add);
        break;
      case 'for_in_clause': {
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        // The comprehension's element expression comes first in the source but runs after the clause binds.
        if (left) bindTargets(left, [], (id, path) => add(scope, { name: id.text, kind: 'for', node: id, start: scope.node.startIndex, value: right ?? undefined, path }));
        break;
      }
      case 'for_statement': {
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        if (left) bindTargets(left, [], (id, path) => add(scope, { name: id.text, kind: 'for', node: id, start: right?.endIndex ?? n.startIndex, value: right ?? undefined, path }));
        break;
      }
      case 'assignment': {
        const left = n.childForFieldName('left');
        // `a = b = value`: each target gets the innermost value (found once per chain: chains can be long).
        let right = n.childForFieldName('right');
        if (chainValue.has(n.id)) right = chainValue.get(n.id) ?? null;
        else if (right?.type === 'assignment') {
          const inner: Node[] = [];
          while (right?.type === 'assignment') {
            inner.push(right);
            right = right.childForFieldName('right');
          }
          for (const a of inner) chainValue.set(a.id, right);
        }
        const annotation = n.childForFieldName('type');
        if (!left) break;
        if (left.type === 'attribute') {
          recordSelfAttribute(scope, left, n, right ?? undefined, annotation ?? undefined);
          break;
        }
        const kind: BindingKind = right ? 'assignment' : 'annotation';
        const start = annotation && !right ? n.startIndex : n.endIndex;
        bindTargets(left, [], (id, path) => add(scope, {
          name: id.text, kind, node: id, start, value: right ?? undefined, path: path.length ? path : undefined,
          annotation: annotation ?? undefined,
        }));
        break;
      }
      case 'augmented_assignment': {
        const left = n.childForFieldName('left');
        if (left?.type === 'identifier') add(scope, { name: left.text, kind: 'augmented', node: left, start: n.endIndex, value: n });
        break;
      }
      case 'named_expression': {
        // PEP 572: a walrus in a comprehension binds in the enclosing function or module.
        let target = scope;
        while (target.kind === 'comprehension' && target.parent) target = target.parent;
        const name = n.childForFieldName('name');
        const value = n.childForFieldName('value');
        if (name) add(target, { name: name.text, kind: 'walrus', node: name, start: n.endIndex, value: value ?? undefined });
        break;
      }
      case 'as_pattern': {
        const alias = n.childForFieldName('alias');
        const value = n.namedChildren[0];
        const up = n.parent?.type;
        const kind: BindingKind = up === 'with_item' ? 'with' : up === 'except_clause' ? 'except' : 'match';
        const target = alias?.type === 'as_pattern_target' ? alias.namedChildren[0] : alias;
        if (target) bindTargets(target, [], (id, path) => add(scope, { name: id.text, kind, node: id, start: n.endIndex, value: kind === 'with' ? value : undefined, path: path.length ? path : undefined }));
        break;
      }
      case 'case_pattern': {
        // Capture patterns (`case x:`, `case Point(x=px)`): bare names that are not class references.
        for (const c of n.namedChildren) {
          const id = c.type === 'dotted_name' && c.namedChildCount === 1 ? c.namedChildren[0] : undefined;
          if (id?.type === 'identifier' && id.text !== '_') add(scope, { name: id.text, kind: 'match', node: id, start: n.endIndex });
          if (c.type === 'keyword_pattern') {
            const v = c.namedChildren[1];
            const vid = v?.type === 'dotted_name' && v.namedChildCount === 1 ? v.namedChildren[0] : undefined;
            if (vid) add(scope, { name: vid.text, kind: 'match', node: vid, start: n.endIndex });
          }
        }
        break;
      }
      case 'import_statement':
        for (const c of n.namedChildren) {
          if (c.type === 'dotted_name') {
            const head = c.namedChildren[0];
            if (head) add(scope, { name: head.text, kind: 'import', node: head, start: n.endIndex, qualified: head.text });
          } else if (c.type === 'aliased_import') {
            const name = c.childForFieldName('name');
            const alias = c.childForFieldName('alias');
            if (name && alias) add(scope, { name: alias.text, kind: 'import', node: alias, start: n.endIndex, qualified: name.text });
          }
        }
        break;
      case 'import_from_statement': {
        const moduleNode = n.childForFieldName('module_name');
        const mod = moduleNode?.text ?? '';
        const sep = mod.endsWith('.') ? '' : '.';
        for (const c of n.namedChildren) {
          if (c.id === moduleNode?.id) continue;
          if (c.type === 'wildcard_import') scope.starImports = [...scope.starImports, mod];
          else if (c.type === 'dotted_name') {
            add(scope, { name: c.text, kind: 'import', node: c, start: n.endIndex, qualified: `${mod}${sep}${c.text}` });
          } else if (c.type === 'aliased_import') {
            const name = c.childForFieldName('name');
            const alias = c.childForFieldName('alias');
            if (name && alias) add(scope, { name: alias.text, kind: 'import', node: alias, start: n.endIndex, qualified: `${mod}${sep}${name.text}` });
          }
        }
        break;
      }
      case 'global_statement':
        for (const c of n.namedChildren) if (c.type === 'identifier') scope.globals = new Set([...scope.globals, c.text]);
        break;
      case 'nonlocal_statement':
        for (const c of n.namedChildren) if (c.type === 'identifier') scope.nonlocals = new Set([...scope.nonlocals, c.text]);
        break;
      default:
        break;
    }
  }
  return { module, scopes, boundAnywhere, scopeAt };
}

/** Unpacking deeper than this gives its names an unknown element (hostile input nests thousands of levels). */
const MAX_PATH = 16;

/** Calls `bind` for every identifier a target binds, with its unpacking path (iterative: targets may nest deeply). */
function bindTargets(target: Node, path: number[], bind: (id: Node, path: number[]) => void): void {
  const stack: { node: Node; path: number[] }[] = [{ node: target, path }];
  while (stack.length) {
    const { node, path: at } = stack.pop() as { node: Node; path: number[] };
    if (node.type === 'identifier') { bind(node, at); continue; }
    if (node.type === 'list_splat_pattern' || node.type === 'list_splat' || node.type === 'parenthesized_expression') {
      const inner = node.namedChildren[0];
      if (inner) stack.push({ node: inner, path: node.type === 'parenthesized_expression' ? at : extend(at, -1) });
      continue;
    }
    if (!UNPACKING.has(node.type)) continue; // attributes and subscripts bind no name
    const items = node.namedChildren.filter((c) => c.type !== 'comment');
    for (let k = items.length - 1; k >= 0; k--) stack.push({ node: items[k], path: extend(at, k) });
  }
}

function extend(path: number[], k: number): number[] {
  return path.length >= MAX_PATH ? [-1] : [...path, k];
}

type AddBinding = (scope: Scope, b: Omit<Binding, 'scope'>) => void;

function bindParameters(scope: Scope, fn: Node, params: Node | null, add: AddBinding): void {
  if (!params) return;
  let index = 0;
  for (const p of params.namedChildren) {
    let id: Node | null | undefined;
    let annotation: Node | undefined;
    let splat: 'list' | 'dict' | undefined;
    switch (p.type) {
      case 'identifier': id = p; break;
      case 'default_parameter': id = p.childForFieldName('name'); break;
      case 'typed_parameter': id = p.namedChildren[0]; annotation = p.childForFieldName('type') ?? undefined; break;
      case 'typed_default_parameter': id = p.childForFieldName('name'); annotation = p.childForFieldName('type') ?? undefined; break;
      case 'list_splat_pattern': id = p.namedChildren[0]; splat = 'list'; break;
      case 'dictionary_splat_pattern': id = p.namedChildren[0]; splat = 'dict'; break;
      default: continue;
    }
    if (id?.type === 'list_splat_pattern') { splat = 'list'; id = id.namedChildren[0]; }
    if (id?.type === 'dictionary_splat_pattern') { splat = 'dict'; id = id.namedChildren[0]; }
    if (id?.type !== 'identifier') continue;
    if (index === 0) scope.firstParameter = id.text;
    add(scope, { name: id.text, kind: 'parameter', node: id, start: fn.startIndex, annotation, definition: fn, index: index++, splat });
  }
}

/** `self.x = …` in a method: recorded on the method's class (the receiver is the method's first parameter). */
function recordSelfAttribute(scope: Scope, left: Node, assignment: Node, value: Node | undefined, annotation: Node | undefined): void {
  const object = left.childForFieldName('object');
  const attr = left.childForFieldName('attribute');
  if (object?.type !== 'identifier' || !attr || scope.kind !== 'function' || scope.parent?.kind !== 'class') return;
  if (scope.firstParameter !== object.text || methodKind(scope.node) !== 'instance') return;
  const cls = scope.parent;
  const binding: Binding = { name: attr.text, kind: value ? 'assignment' : 'annotation', scope, node: attr, start: assignment.endIndex, value, annotation };
  if (cls.selfAttributes === NO_ATTRIBUTES) cls.selfAttributes = new Map();
  const attributes = cls.selfAttributes as Map<string, Binding[]>;
  const list = attributes.get(attr.text);
  if (list) list.push(binding);
  else attributes.set(attr.text, [binding]);
}

/** How a def in a class body receives its first parameter: `self` (instance), `cls` (classmethod) or nothing (staticmethod). */
export function methodKind(fn: Node): 'instance' | 'class' | 'static' {
  const wrapper = fn.parent;
  if (wrapper?.type !== 'decorated_definition') return 'instance';
  const names = wrapper.namedChildren.filter((d) => d.type === 'decorator').map((d) => d.namedChildren[0]?.text);
  return names.includes('staticmethod') ? 'static' : names.includes('classmethod') ? 'class' : 'instance';
}

/** The scope a node's names are looked up in. */
export function scopeOf(node: Node): Scope {
  const index = semanticIndex(node.tree);
  let named: Node | null = node;
  while (named && named.namedIndex < 0) named = named.parent;
  let scope = (named && index.scopeAt[named.namedIndex]) || index.module;
  // A def's or class's name and bases, and a comprehension's first iterable, belong to the outer scope.
  while (scope.parent && isOutsidePart(node, scope.node)) scope = scope.parent;
  return scope;
}

function isOutsidePart(node: Node, s: Node): boolean {
  if (s.type === 'function_definition' || s.type === 'class_definition') {
    const name = s.childForFieldName('name');
    if (name && within(node, name)) return true;
    const bases = s.type === 'class_definition' ? s.childForFieldName('superclasses') : null;
    return !!bases && within(node, bases);
  }
  if (COMPREHENSION_NODES.has(s.type)) {
    const first = s.namedChildren.find((c) => c.type === 'for_in_clause')?.childForFieldName('right');
    return !!first && within(node, first);
  }
  return false;
}

const within = (node: Node, outer: Node): boolean => node.startIndex >= outer.startIndex && node.endIndex <= outer.endIndex;

/** What a name denotes at a point of the code. */
export type Resolution =
  | { kind: 'binding'; binding: Binding }
  /** Bound in the scope that reads it, but only later in the source (a loop's back edge, or unbound at run time). */
  | { kind: 'local'; scope: Scope }
  | { kind: 'star'; modules: readonly string[] }
  | { kind: 'unbound' };

/** Python's LEGB lookup of `name` as read at `at` (a node inside the code that reads it). */
export function resolveName(name: string, at: Node): Resolution {
  const start = scopeOf(at);
  const pos = at.startIndex;
  if (start.globals.has(name)) return fromOuter(rootOf(start), name, pos, [], true);
  const own = start.nonlocals.has(name) ? undefined : start.bindings.get(name);
  if (own) {
    const before = lastBefore(own, pos);
    return before ? { kind: 'binding', binding: before } : { kind: 'local', scope: start };
  }
  if (!start.parent) return start.starImports.length ? { kind: 'star', modules: start.starImports } : { kind: 'unbound' };
  const outer = enclosingBinder(start.parent, name);
  return fromOuter(outer.scope, name, pos, [...start.starImports, ...outer.stars], false);
}

function fromOuter(scope: Scope | null, name: string, pos: number, stars: readonly string[], isGlobal: boolean): Resolution {
  const list = scope?.bindings.get(name);
  if (scope && list) {
    // Read by a nested function (run later): the last binding before the read, else the scope's last one.
    return { kind: 'binding', binding: lastBefore(list, pos) ?? list[list.length - 1] };
  }
  const all = isGlobal && scope ? [...stars, ...scope.starImports] : stars;
  return all.length ? { kind: 'star', modules: all } : { kind: 'unbound' };
}

export interface OuterLookup { scope: Scope | null; stars: readonly string[] }

/**
 * The nearest scope from `scope` outwards that binds `name` for code nested in it (class bodies do not count,
 * `global` jumps to the module), with the star imports passed on the way. Memoised per scope and name, filled
 * iteratively: thousands of nested comprehensions must not make each lookup climb them all.
 */
function enclosingBinder(scope: Scope, name: string): OuterLookup {
  const chain: Scope[] = [];
  let s: Scope | null = scope;
  let result: OuterLookup | undefined;
  while (s) {
    const cached = s.outer?.get(name);
    if (cached) { result = cached; break; }
    if (s.kind !== 'class') {
      if (s.globals.has(name)) { result = { scope: rootOf(s), stars: [] }; break; }
      if (s.bindings.has(name) && !s.nonlocals.has(name)) { result = { scope: s, stars: [] }; break; }
    }
    chain.push(s);
    s = s.parent;
  }
  let acc: OuterLookup = result ?? { scope: null, stars: [] };
  if (result) setOuter(s as Scope, name, result);
  for (let k = chain.length - 1; k >= 0; k--) {
    const c = chain[k];
    if (c.kind !== 'class' && c.starImports.length) acc = { scope: acc.scope, stars: [...c.starImports, ...acc.stars] };
    setOuter(c, name, acc);
  }
  return acc;
}

function setOuter(scope: Scope, name: string, value: OuterLookup): void {
  (scope.outer ??= new Map()).set(name, value);
}

function rootOf(scope: Scope): Scope {
  let s = scope;
  while (s.parent) s = s.parent;
  return s;
}

function lastBefore(list: readonly Binding[], pos: number): Binding | undefined {
  let found: Binding | undefined;
  for (const b of list) if (b.start <= pos) found = b;
  return found;
}

/** The scope of a def, class, lambda or comprehension node. */
export function scopeOfDefinition(def: Node): Scope | undefined {
  return semanticIndex(def.tree).scopes.get(def.id);
}

/** The part of an unpacked value a target gets (`a, b = x, y`), or the value itself. */
export function unpackedValue(value: Node, path: readonly number[] | undefined): Node | undefined {
  let v: Node | undefined = unparen(value);
  for (const k of path ?? []) {
    if (k < 0 || !v || (v.type !== 'tuple' && v.type !== 'list' && v.type !== 'expression_list')) return undefined;
    const items: Node[] = v.namedChildren.filter((c) => c.type !== 'comment');
    if (items.some((c) => c.type === 'list_splat')) return undefined;
    v = items[k] ? unparen(items[k]) : undefined;
  }
  return v;
}
