import type { Node } from '../../parsing/syntaxTree';
import { MemoKey } from '../../memo';
import { positionalArgs, returnValues, unparen } from '../syntax';
import { forgetIndex, methodKind, resolveName, scopeOfDefinition, unpackedValue, type Binding, type Scope } from './bindings';
import type { Tree } from '../../parsing/syntaxTree';
import { setWorkspaceTypeLookup, workspaceTypeLookup, type WorkspaceTypeLookup } from './workspaceLookup';
import {
  annotatedClass, attributeType, BUILTINS, classMethodReturn, constructedClass, elementType,
  enteredType, methodReturn, OPTIONAL, PATH_CLASS, TRANSPARENT, UNION, WELL_KNOWN_MODULES,
} from './library';
import {
  annotationText, instance, membersOf, parseAnnotationText, unionOf, type AnnotationTerm, type PyType,
} from './types';

/**
 * "What is this expression?": the semantic model's one question, answered from bindings, annotations, constructors,
 * known library returns and the bodies of functions and classes of the same file. Undefined when it cannot be known.
 */

const MAX_DEPTH = 12;
const TYPES = new MemoKey<Map<number, PyType | null>>('expression types');

/**
 * Drops a tree's semantic model (index, types, returns). The workspace facts pass calls it on the trees it keeps for
 * the analysis pass: measured on DefectDojo, keeping the model alive between the passes made the young-generation
 * collector copy it again and again (scavenges 0.6 s -> 2.3 s); rebuilding it in the analysis pass costs far less.
 */
export function forgetSemanticModel(tree: Tree): void {
  forgetIndex(tree);
  tree.memos.delete(TYPES);
  tree.memos.delete(RETURNS);
}

/**
 * The lookup of types other workspace modules export, for the analysis about to run on `tree`; types inferred with a
 * previous lookup (an older state of the workspace) are dropped.
 */
export function useWorkspaceTypes(tree: Tree, lookup: WorkspaceTypeLookup | undefined): void {
  if (!setWorkspaceTypeLookup(tree, lookup)) return;
  tree.memos.delete(TYPES);
  tree.memos.delete(RETURNS);
}

export function typeOf(node: Node | null | undefined, depth = 0): PyType | undefined {
  if (!node || depth > MAX_DEPTH) return undefined;
  const memo = node.tree.memos.get(TYPES, () => new Map());
  const known = memo.get(node.id);
  if (known !== undefined) return known ?? undefined;
  memo.set(node.id, null); // cycle guard: a type that depends on itself is unknown
  const t = compute(node, depth + 1);
  memo.set(node.id, t ?? null);
  return t;
}

/** The dotted name an expression denotes when it names a module or a library symbol (`sp.run` -> `subprocess.run`). */
export function qualifiedName(node: Node | null | undefined): string | undefined {
  const t = node ? typeOf(node) : undefined;
  return t?.kind === 'symbol' ? t.name : undefined;
}

/** The binding a bare name reads at its position, if any. */
export function bindingOf(identifier: Node): Binding | undefined {
  if (identifier.type !== 'identifier') return undefined;
  const r = resolveName(identifier.text, identifier);
  return r.kind === 'binding' ? r.binding : undefined;
}

/** Whether a bare name is bound by the code at all (a local def, a parameter, an import …), as opposed to a builtin. */
export function isBoundName(identifier: Node): boolean {
  const r = resolveName(identifier.text, identifier);
  return r.kind === 'binding' || r.kind === 'local';
}

function compute(node: Node, depth: number): PyType | undefined {
  switch (node.type) {
    case 'identifier': return identifierType(node, depth);
    case 'attribute': return attributeOf(node, depth);
    case 'call': return callType(node, depth);
    case 'parenthesized_expression': return node.namedChildCount === 1 ? typeOf(node.namedChildren[0], depth) : undefined;
    case 'conditional_expression': {
      const [a, , b] = node.namedChildren;
      return unionOf(notNone([a, b]).map((x) => typeOf(x, depth)));
    }
    case 'boolean_operator': {
      if (node.children.some((c) => c.type === 'and')) return undefined;
      return unionOf(notNone([node.childForFieldName('left'), node.childForFieldName('right')]).map((x) => typeOf(x, depth)));
    }
    case 'binary_operator': {
      const op = node.children.find((c) => !c.isNamed)?.type;
      const left = typeOf(node.childForFieldName('left'), depth);
      if (op === '/' && left?.kind === 'instance' && left.cls === PATH_CLASS) return left;
      return undefined;
    }
    case 'string': case 'concatenated_string': return instance('str');
    default: return undefined;
  }
}

function notNone(nodes: readonly (Node | null | undefined)[]): Node[] {
  return nodes.filter((n): n is Node => !!n && unparen(n).type !== 'none');
}

function identifierType(node: Node, depth: number): PyType | undefined {
  const name = node.text;
  const r = resolveName(name, node);
  if (r.kind === 'binding') return bindingType(r.binding, depth);
  if (r.kind === 'local') return undefined;
  if (r.kind === 'star') {
    // `from time import *`: a name only a well-known module of the star imports can provide.
    if (WELL_KNOWN_MODULES.has(name) || BUILTINS.has(name)) return { kind: 'symbol', name };
    const known = r.modules.filter((m) => WELL_KNOWN_MODULES.has(m));
    if (known.length === 1 && r.modules.length === known.length) return { kind: 'symbol', name: `${known[0]}.${name}` };
    return undefined;
  }
  if (BUILTINS.has(name) || WELL_KNOWN_MODULES.has(name)) return { kind: 'symbol', name };
  return undefined;
}

/** The type a binding gives its name. */
export function bindingType(b: Binding, depth = 0): PyType | undefined {
  switch (b.kind) {
    case 'import': {
      if (!b.qualified) return undefined;
      // A library object another module of the workspace built (`from .clients import http`).
      const exported = workspaceTypeLookup(b.node.tree)?.(b.qualified);
      return exported?.kind === 'instance' ? instance(exported.cls) : { kind: 'symbol', name: b.qualified };
    }
    case 'function': return b.definition ? { kind: 'function', name: b.name, def: b.definition } : undefined;
    case 'class': return b.definition ? { kind: 'class', cls: b.name, def: b.definition } : undefined;
    case 'parameter': return parameterType(b, depth);
    case 'assignment':
    case 'annotation':
      if (b.annotation) return annotationType(b.annotation, depth);
      return b.value ? valueAt(b.value, b.path, depth) : undefined;
    case 'walrus': return typeOf(b.value, depth);
    case 'for': return b.value ? iteratedAt(b.value, b.path, depth) : undefined;
    case 'with': {
      if (b.path?.length || !b.value) return undefined;
      const t = typeOf(b.value, depth);
      return t && enteredType(t);
    }
    default: return undefined;
  }
}

function parameterType(b: Binding, depth: number): PyType | undefined {
  if (b.splat) return undefined;
  if (b.annotation) return annotationType(b.annotation, depth);
  // `self` / `cls` of a method.
  const fn = b.definition;
  const cls = b.index === 0 && fn?.type === 'function_definition' ? b.scope.parent : null;
  if (cls?.kind !== 'class') return undefined;
  const kind = methodKind(fn as Node);
  if (kind === 'static') return undefined;
  const name = cls.node.childForFieldName('name')?.text ?? '';
  return kind === 'class' ? { kind: 'class', cls: name, def: cls.node } : instance(name, undefined, cls.node);
}

/** The element of a (possibly unpacked) value: `a, b = X(), Y()` gives `b` the type of `Y()`. */
function valueAt(value: Node, path: readonly number[] | undefined, depth: number): PyType | undefined {
  const v = unpackedValue(value, path);
  return v ? typeOf(v, depth) : undefined;
}

/** What a `for` target is bound to: the element type of the iterable (through `enumerate`). */
function iteratedAt(iterable: Node, path: readonly number[] | undefined, depth: number): PyType | undefined {
  const it = unparen(iterable);
  if (it.type === 'call' && it.childForFieldName('function')?.text === 'enumerate' && path?.length === 1 && path[0] === 1) {
    return elementType(typeOf(positionalArgs(it)[0], depth));
  }
  if (path?.length) return undefined;
  return elementType(typeOf(it, depth));
}

function attributeOf(node: Node, depth: number): PyType | undefined {
  const object = node.childForFieldName('object');
  const attr = node.childForFieldName('attribute')?.text;
  if (!object || !attr) return undefined;
  const owner = typeOf(object, depth);
  if (!owner) return undefined;
  return unionOf(membersOf(owner).map((m) => memberOf(m, attr, depth, node)));
}

function memberOf(owner: PyType, attr: string, depth: number, at: Node): PyType | undefined {
  switch (owner.kind) {
    case 'symbol': {
      const name = `${owner.name}.${attr}`;
      // `clients.http` where the workspace module `clients` built `http`.
      const exported = workspaceTypeLookup(at.tree)?.(name);
      return exported?.kind === 'instance' ? instance(exported.cls) : { kind: 'symbol', name };
    }
    case 'instance':
      if (owner.def) return classMember(owner.def, attr, true, depth, 0);
      return attributeType(owner.cls, attr);
    case 'class':
      return owner.def ? classMember(owner.def, attr, false, depth, 0) : undefined;
    default: return undefined;
  }
}

const PROPERTY_DECORATORS = new Set(['property', 'cached_property', 'functools.cached_property', 'django.utils.functional.cached_property']);

/** An attribute of a class defined in this file (its body, `self.x = …` in its methods, then its bases in this file). */
function classMember(cls: Node, attr: string, onInstance: boolean, depth: number, inherited: number): PyType | undefined {
  cls.tree.memos.get(CLASSES_READ, () => new Set()).add(cls);
  const scope = scopeOfDefinition(cls);
  if (!scope || inherited > 4) return undefined;
  const own = scope.bindings.get(attr);
  if (own?.length) {
    const last = own[own.length - 1];
    if (last.kind === 'function' && last.definition) {
      if (onInstance && isProperty(last.definition)) return returnTypeOf(last.definition, depth);
      return { kind: 'function', name: attr, def: last.definition };
    }
    return bindingType(last, depth);
  }
  const assigned = onInstance ? scope.selfAttributes.get(attr) : undefined;
  if (assigned?.length) {
    const annotated = assigned.find((b) => b.annotation);
    if (annotated?.annotation) return annotationType(annotated.annotation, depth);
    return unionOf(assigned.filter((b) => b.value && unparen(b.value).type !== 'none').map((b) => bindingType(b, depth)));
  }
  for (const base of basesInFile(cls, scope)) {
    const t = classMember(base, attr, onInstance, depth, inherited + 1);
    if (t) return t;
  }
  return undefined;
}

function isProperty(def: Node): boolean {
  const wrapper = def.parent;
  if (wrapper?.type !== 'decorated_definition') return false;
  return wrapper.namedChildren.some((d) => d.type === 'decorator' && (() => {
    const expr = d.namedChildren[0];
    if (!expr) return false;
    const t = typeOf(expr);
    return PROPERTY_DECORATORS.has(t?.kind === 'symbol' ? t.name : expr.text);
  })());
}

function basesInFile(cls: Node, scope: Scope): Node[] {
  const out: Node[] = [];
  for (const arg of cls.childForFieldName('superclasses')?.namedChildren ?? []) {
    if (arg.type !== 'identifier') continue;
    const r = resolveName(arg.text, arg);
    if (r.kind === 'binding' && r.binding.kind === 'class' && r.binding.definition && r.binding.definition !== scope.node) out.push(r.binding.definition);
  }
  return out;
}

function callType(node: Node, depth: number): PyType | undefined {
  const fn = node.childForFieldName('function');
  if (!fn) return undefined;
  const callee = typeOf(fn, depth);
  if (callee) return unionOf(membersOf(callee).map((c) => calledType(c, depth, node)));
  // A method of a library instance: `path.read_text()`, `conn.cursor()`.
  if (fn.type === 'attribute') {
    const method = fn.childForFieldName('attribute')?.text ?? '';
    const receiver = typeOf(fn.childForFieldName('object'), depth);
    return unionOf(membersOf(receiver).map((r) => {
      if (r.kind === 'instance' && !r.def) return methodReturn(r.cls, method);
      return undefined;
    }));
  }
  return undefined;
}

function calledType(callee: PyType, depth: number, at: Node): PyType | undefined {
  switch (callee.kind) {
    case 'symbol': {
      const cls = constructedClass(callee.name);
      if (cls) return instance(cls);
      // A function of another workspace module that returns a library object (`def client() -> httpx.Client`).
      const exported = workspaceTypeLookup(at.tree)?.(callee.name);
      if (exported?.kind === 'returns') return instance(exported.cls);
      const dot = callee.name.lastIndexOf('.');
      const owner = dot > 0 ? constructedClass(callee.name.slice(0, dot)) : undefined;
      return owner ? classMethodReturn(owner, callee.name.slice(dot + 1)) : undefined;
    }
    case 'class': return instance(callee.cls, undefined, callee.def);
    case 'function': return returnTypeOf(callee.def, depth);
    default: return undefined;
  }
}

const RETURNS = new MemoKey<Map<Node, PyType | null>>('function return types');

/** What a function of this file returns: its annotation, else the one type all its `return`s agree on. */
export function returnTypeOf(def: Node, depth = 0): PyType | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const memo = def.tree.memos.get(RETURNS, () => new Map());
  const known = memo.get(def);
  if (known !== undefined) return known ?? undefined;
  memo.set(def, null);
  const t = computeReturn(def, depth + 1);
  memo.set(def, t ?? null);
  return t;
}

/**
 * The functions whose bodies inference has read for their return types since the tree's model was built: what a
 * result derived from this model depends on besides the code it was computed for (memos of per-function results).
 */
export function returnsRead(tree: Tree): Iterable<Node> {
  return tree.memos.peek(RETURNS)?.keys() ?? [];
}

const CLASSES_READ = new MemoKey<Set<Node>>('classes whose members were read');

/**
 * The classes of this file whose bodies inference has read for a member's type (their own, or as a base) since the
 * tree's memos were made: like `returnsRead`, what a result derived from this model depends on. Kept when the model
 * is dropped (a class read stays read: a longer list only keeps fewer memos).
 */
export function classesRead(tree: Tree): Iterable<Node> {
  return tree.memos.peek(CLASSES_READ) ?? [];
}

function computeReturn(def: Node, depth: number): PyType | undefined {
  if (def.child(0)?.type === 'async') return undefined; // a coroutine
  const annotation = def.childForFieldName('return_type');
  if (annotation) return annotationType(annotation, depth);
  const values = returnValues(def);
  if (!values?.length) return undefined;
  return unionOf(values.map((v) => typeOf(v, depth)));
}

/** The type an annotation denotes (`Optional[X]`, `X | None`, `"X"`, `list[X]`, `QuerySet[X]`). */
export function annotationType(annotation: Node, depth = 0): PyType | undefined {
  const text = annotationText(annotation);
  const term = text === undefined ? undefined : parseAnnotationText(text);
  return term ? termType(term, annotation, depth) : undefined;
}

function termType(term: AnnotationTerm, at: Node, depth: number): PyType | undefined {
  if (term.alternatives) return unionOf(term.alternatives.filter((a) => a.name !== 'None').map((a) => termType(a, at, depth)));
  if (term.name === 'None' || term.name === '...' || term.name === '[]') return undefined;
  const resolved = resolveAnnotationName(term.name, at, depth);
  const name = resolved.name;
  if (OPTIONAL.has(name)) return term.args[0] ? termType(term.args[0], at, depth) : undefined;
  if (UNION.has(name)) return unionOf(term.args.filter((a) => a.name !== 'None').map((a) => termType(a, at, depth)));
  if (TRANSPARENT.has(name)) return term.args[0] ? termType(term.args[0], at, depth) : undefined;
  const args = term.args.length ? term.args.map((a) => termArg(a, at, depth)) : undefined;
  const canonical = annotatedClass(name);
  if (canonical) return instance(canonical);
  if (resolved.def) return instance(name, args, resolved.def);
  if (BUILTINS.has(name) || name.includes('.') || resolved.unresolved) return instance(name, args);
  return undefined;
}

/** A generic argument: `...` is kept as a marker (`tuple[X, ...]`), unknown arguments stay unknown symbols. */
function termArg(term: AnnotationTerm, at: Node, depth: number): PyType {
  if (term.name === '...') return { kind: 'symbol', name: '...' };
  return termType(term, at, depth) ?? { kind: 'symbol', name: '?' };
}

/**
 * The dotted name an annotation's name stands for: through imports (`Optional` -> `typing.Optional`), to a class of this
 * file (`def`), or as written when nothing binds it (a string annotation naming a class imported only for type checking
 * elsewhere, or a snippet): an annotation names a type, never a runtime value.
 */
function resolveAnnotationName(dotted: string, at: Node, depth: number): { name: string; def?: Node; unresolved?: boolean } {
  const parts = dotted.split('.');
  const r = resolveName(parts[0], at);
  if (r.kind === 'binding') {
    const b = r.binding;
    if (b.kind === 'import' && b.qualified) return { name: [b.qualified, ...parts.slice(1)].join('.') };
    if (b.kind === 'class' && parts.length === 1) return { name: dotted, def: b.definition };
    const t = bindingType(b, depth);
    if (t?.kind === 'symbol') return { name: [t.name, ...parts.slice(1)].join('.') };
    return { name: dotted };
  }
  if (r.kind === 'local') return { name: dotted };
  return { name: dotted, unresolved: !BUILTINS.has(parts[0]) };
}
