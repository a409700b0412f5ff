import type { Node } from '../parsing/syntaxTree';
import { identifiersNamed, nodesOfType, parentOf } from '../python/syntax';
import { bindingOf } from '../python/semantic/infer';
import { methodKind, semanticIndex } from '../python/semantic/bindings';
import type { CallerIndex } from './callerIndex';
import type { CallSite, DefiningFile, SkipFile } from './callers';
import { MAX_CALLER_FILES } from './callers';

/**
 * Calls of a method, found the ways code written in the workspace calls it: `self.m()` / `cls.m()` / `super().m()`
 * inside the class, its workspace bases and its workspace subclasses (a subclass that overrides `m` calls its own),
 * and from outside `C(...).m()`, `C.m()` and `x.m()` where `x = C(...)` in the same function. A method is also
 * reachable through receivers djperf cannot type (a parameter, an attribute), so the list is never complete: a
 * caller's context is positive evidence (a request caller makes it request code), never a proof that no other
 * caller exists.
 */

/** How many classes up and down the hierarchy are searched for `self.m()` calls. */
const MAX_HIERARCHY = 3;

export interface ClassAt {
  file: DefiningFile;
  cls: Node;
}

/** The class whose body holds `def` directly (through a decorator or not). */
export function ownerClassOf(def: Node): Node | undefined {
  let p = parentOf(def);
  if (p?.type === 'decorated_definition') p = parentOf(p);
  if (p?.type !== 'block') return undefined;
  const cls = parentOf(p);
  return cls?.type === 'class_definition' ? cls : undefined;
}

function nameOf(def: Node): string {
  return def.childForFieldName('name')?.text ?? '';
}

/** The defs directly in a class body (decorated or not). */
function methodsOf(cls: Node): Node[] {
  const out: Node[] = [];
  for (const s of cls.childForFieldName('body')?.namedChildren ?? []) {
    const d = s.type === 'decorated_definition' ? s.childForFieldName('definition') : s;
    if (d?.type === 'function_definition') out.push(d);
  }
  return out;
}

function definesMethod(cls: Node, name: string): boolean {
  return methodsOf(cls).some((m) => nameOf(m) === name);
}

/** `app.models.Book` -> `app.models`; `.models.Book` -> `.models`; undefined for a bare name. */
function moduleOfQualified(qualified: string): string | undefined {
  const i = qualified.lastIndexOf('.');
  if (i < 0) return undefined;
  return qualified.slice(0, i) || qualified.slice(0, i + 1);
}

/** The workspace class an expression of `file` names (`Book`, `models.Book`), if it is one djperf can find. */
function classNamed(expr: Node, file: DefiningFile, index: CallerIndex | undefined): ClassAt | undefined {
  if (expr.type === 'identifier') {
    const b = bindingOf(expr);
    if (b?.kind === 'class' && b.definition) return { file, cls: b.definition };
    if (b?.kind !== 'import' || !b.qualified) return undefined;
    const module = moduleOfQualified(b.qualified);
    return module === undefined ? undefined : topLevelClass(module, b.qualified.slice(b.qualified.lastIndexOf('.') + 1), file, index);
  }
  if (expr.type === 'attribute') {
    const obj = expr.childForFieldName('object');
    const attr = expr.childForFieldName('attribute')?.text;
    const b = obj?.type === 'identifier' ? bindingOf(obj) : undefined;
    if (!attr || b?.kind !== 'import' || !b.qualified) return undefined;
    return topLevelClass(b.qualified, attr, file, index);
  }
  return undefined;
}

function topLevelClass(module: string, name: string, from: DefiningFile, index: CallerIndex | undefined, reexport = 0): ClassAt | undefined {
  const uri = index?.moduleFile(module, from.uri);
  const file = uri === undefined ? undefined : uri === from.uri ? from : index?.file(uri);
  if (!file) return undefined;
  for (const s of file.root.namedChildren) {
    const d = s.type === 'decorated_definition' ? s.childForFieldName('definition') : s;
    if (d?.type === 'class_definition' && nameOf(d) === name) return { file, cls: d };
  }
  // A package re-exporting it (`from .mixins import AcceptedRisksMixin` in `api/__init__.py`), followed one level.
  const bound = reexport === 0 ? semanticIndex(file.root.tree).module.bindings.get(name) : undefined;
  const only = bound?.length === 1 ? bound[0] : undefined;
  const target = only?.kind === 'import' && only.qualified ? moduleOfQualified(only.qualified) : undefined;
  return target === undefined ? undefined : topLevelClass(target, name, file, index, reexport + 1);
}

function sameClass(a: ClassAt, b: ClassAt): boolean {
  return a.file.uri === b.file.uri && a.cls.startIndex === b.cls.startIndex;
}

function baseExprs(cls: Node): Node[] {
  return (cls.childForFieldName('superclasses')?.namedChildren ?? []).filter((a) => a.type === 'identifier' || a.type === 'attribute');
}

/** Workspace bases of a class, transitively (bounded). */
function basesOf(c: ClassAt, index: CallerIndex | undefined, depth = 0, out: ClassAt[] = []): ClassAt[] {
  if (depth >= MAX_HIERARCHY) return out;
  for (const e of baseExprs(c.cls)) {
    const b = classNamed(e, c.file, index);
    if (!b || out.some((o) => sameClass(o, b)) || sameClass(b, c)) continue;
    out.push(b);
    basesOf(b, index, depth + 1, out);
  }
  return out;
}

/**
 * The files that may use class `c` by name (its own first); undefined when too many do to look. Files `skip` names
 * are left out before they are parsed.
 */
function filesUsing(c: ClassAt, index: CallerIndex | undefined, textTest?: RegExp, skip?: SkipFile): DefiningFile[] | undefined {
  const name = nameOf(c.cls);
  const uris = index ? index.filesMentioning(name) : [];
  if (uris.length > MAX_CALLER_FILES) return undefined;
  const out: DefiningFile[] = [c.file];
  for (const uri of uris) {
    if (uri === c.file.uri) continue;
    // Only the files the text test passes are parsed (most files naming a class do not subclass it).
    if (textTest && !textTest.test(index?.textOf(uri) ?? '')) continue;
    if (skip?.(index?.relPathOf(uri) ?? '', uri)) continue;
    const f = index?.file(uri);
    if (f) out.push(f);
  }
  return out;
}

/** Workspace subclasses of a class, transitively (bounded), found among the files naming it (but those `skip` names). */
export function subclassesOf(c: ClassAt, index: CallerIndex | undefined, skip?: SkipFile, depth = 0, out: ClassAt[] = []): ClassAt[] {
  if (depth >= MAX_HIERARCHY) return out;
  const subclassing = new RegExp(`^[ \\t]*class[ \\t]+\\w+[ \\t]*\\([^)]*\\b${nameOf(c.cls)}\\b`, 'm');
  for (const file of filesUsing(c, index, subclassing, skip) ?? []) {
    for (const cls of nodesOfType(file.root, 'class_definition')) {
      if (!baseExprs(cls).some((e) => {
        const b = classNamed(e, file, index);
        return !!b && sameClass(b, c);
      })) continue;
      const sub = { file, cls };
      if (out.some((o) => sameClass(o, sub))) continue;
      out.push(sub);
      subclassesOf(sub, index, skip, depth + 1, out);
    }
  }
  return out;
}

function site(file: DefiningFile, call: Node): CallSite {
  return { uri: file.uri, relPath: file.relPath, root: file.root, text: file.text, call };
}

function directSubclasses(c: ClassAt, index: CallerIndex | undefined, skip?: SkipFile): ClassAt[] {
  return subclassesOf(c, index, skip, MAX_HIERARCHY - 1);
}

/** `self.m(...)` / `cls.m(...)` (and `super().m(...)` when `viaSuper`) in the methods of `holder`. */
function selfCalls(holder: ClassAt, method: string, ownCalls: boolean, viaSuper: boolean): CallSite[] {
  const out: CallSite[] = [];
  for (const m of methodsOf(holder.cls)) {
    const first = methodKind(m) === 'static' ? undefined : m.childForFieldName('parameters')?.namedChildren[0];
    const self = first?.type === 'identifier' ? first.text : undefined;
    for (const call of nodesOfType(m, 'call')) {
      const fn = call.childForFieldName('function');
      if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== method) continue;
      const obj = fn.childForFieldName('object');
      const isSelf = ownCalls && !!self && obj?.type === 'identifier' && obj.text === self;
      const isSuper = viaSuper && obj?.type === 'call' && obj.childForFieldName('function')?.text === 'super';
      if (isSelf || isSuper) out.push(site(holder.file, call));
    }
  }
  return out;
}

/** `C(...).m()`, `C.m()` and `x.m()` with `x = C(...)`, in the files naming class `c`. */
function outsideCalls(c: ClassAt, method: string, index: CallerIndex | undefined, skip?: SkipFile): CallSite[] {
  const out: CallSite[] = [];
  const name = nameOf(c.cls);
  const used = new RegExp(`\\b${name}[ \\t]*\\(|\\b${name}\\.${method}\\b`);
  for (const file of filesUsing(c, index, used, skip) ?? [c.file]) {
    for (const id of identifiersNamed(file.root, name)) {
      const ref = parentOf(id)?.type === 'attribute' && parentOf(id)?.childForFieldName('attribute')?.id === id.id ? parentOf(id) as Node : id;
      const parent = parentOf(ref);
      if (!parent || (parent.type !== 'call' && parent.type !== 'attribute')) continue;
      const named = classNamed(ref, file, index);
      if (!named || !sameClass(named, c)) continue;
      if (parent.type === 'attribute') {
        // `C.m(...)`: a classmethod or staticmethod.
        const call = parentOf(parent);
        if (parent.childForFieldName('attribute')?.text === method && call?.type === 'call' && call.childForFieldName('function')?.id === parent.id) out.push(site(file, call));
        continue;
      }
      if (parent.childForFieldName('function')?.id !== ref.id) continue;
      out.push(...instanceCalls(parent, method, file));
    }
  }
  return out;
}

/** Calls of `method` on the instance the constructor call `ctor` builds. */
function instanceCalls(ctor: Node, method: string, file: DefiningFile): CallSite[] {
  const up = parentOf(ctor);
  if (up?.type === 'attribute' && up.childForFieldName('attribute')?.text === method) {
    const call = parentOf(up);
    return call?.type === 'call' && call.childForFieldName('function')?.id === up.id ? [site(file, call)] : [];
  }
  if (up?.type !== 'assignment' || up.childForFieldName('right')?.id !== ctor.id) return [];
  const target = up.childForFieldName('left');
  if (target?.type !== 'identifier') return [];
  let scope: Node | null = up;
  while (scope && scope.type !== 'function_definition' && scope.type !== 'module') scope = parentOf(scope);
  const out: CallSite[] = [];
  for (const call of nodesOfType(scope ?? file.root, 'call')) {
    const fn = call.childForFieldName('function');
    const obj = fn?.type === 'attribute' ? fn.childForFieldName('object') : undefined;
    if (obj?.type !== 'identifier' || obj.text !== target.text || fn?.childForFieldName('attribute')?.text !== method) continue;
    // `x = C(...)` in one branch and `x = D(...)` in another: `x.m()` may be `C.m` (the semantic model, flow-
    // insensitive, sees the last assignment; any assignment of `x` in this function's scope may reach the call).
    const b = bindingOf(obj);
    if (b?.value?.id === ctor.id || (b?.kind === 'assignment' && b.scope.node.id === (scope ?? file.root).id && b.scope.bindings.get(target.text)?.some((x) => x.value?.id === ctor.id))) {
      out.push(site(file, call));
    }
  }
  return out;
}

/**
 * The calls of method `def` of class `cls` (in `home`) djperf can see; see the module comment for what it misses.
 * Files `skip` names are not searched, for calls nor for subclasses (a test's subclass overriding the method does
 * not change what production code calls).
 */
export function methodCallSitesOf(def: Node, cls: Node, home: DefiningFile, index: CallerIndex | undefined, skip?: SkipFile): CallSite[] {
  const method = nameOf(def);
  if (!method) return [];
  const own: ClassAt = { file: home, cls };
  const subs = subclassesOf(own, index, skip);
  // A subclass overriding the method takes `self.m()` of the shared code for its instances, and djperf does not
  // know which instances reach those calls: they are left out (silence), keeping `super().m()` and direct calls.
  const overridden = subs.some((s) => definesMethod(s.cls, method));
  const sites = overridden ? [] : [...selfCalls(own, method, true, false)];
  if (!overridden) for (const base of basesOf(own, index)) sites.push(...selfCalls(base, method, true, false));
  for (const sub of subs) {
    // A subclass that defines the method calls its own with `self.m()`, and this one with `super().m()`.
    sites.push(...selfCalls(sub, method, !definesMethod(sub.cls, method), true));
  }
  sites.push(...outsideCalls(own, method, index, skip));
  // `Sub(...).m()` calls this `m` too when `Sub` inherits it (direct subclasses only: deeper ones may override it).
  for (const sub of directSubclasses(own, index, skip)) if (!definesMethod(sub.cls, method)) sites.push(...outsideCalls(sub, method, index, skip));
  const seen = new Set<string>();
  return sites.filter((s) => {
    const key = `${s.uri}:${s.call.startIndex}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Whether `sites` are every use of the method name as an attribute (`.m`) in the workspace, but in the files `skip`
 * names (those `methodCallSitesOf` did not search): no `x.m()` on a receiver djperf could not type, no `self.m`
 * passed as a value. Only then may callers that are all tasks (or all commands) make the method a task (a command).
 */
export function sitesAreAllUses(def: Node, sites: readonly CallSite[], index: CallerIndex | undefined, skip?: SkipFile): boolean {
  const method = nameOf(def);
  if (!method || !index) return false;
  const uris = index.filesMentioning(method);
  if (uris.length > MAX_CALLER_FILES) return false;
  const use = new RegExp(`\\.${method}\\b`, 'g');
  let uses = 0;
  for (const uri of uris) if (!skip?.(index.relPathOf(uri) ?? '', uri)) uses += (index.textOf(uri)?.match(use) ?? []).length;
  return uses === sites.length;
}

const HANDLER_NAMES = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'list', 'retrieve', 'create', 'update',
  'partial_update', 'destroy']);
const ACTION_DECORATOR = /(?:^|\.)(?:action|detail_route|list_route)$/;

/**
 * Whether a method of a mixin is one the framework dispatches a request to on the view classes that inherit it:
 * a DRF `@action` (`@detail_route`/`@list_route` of older DRF) or an HTTP-method / viewset handler name.
 */
export function isDispatchedHandler(def: Node): boolean {
  if (HANDLER_NAMES.has(nameOf(def))) return true;
  const wrapper = parentOf(def);
  if (wrapper?.type !== 'decorated_definition') return false;
  return wrapper.namedChildren.some((d) => {
    if (d.type !== 'decorator') return false;
    const e = d.namedChildren[0];
    const name = (e?.type === 'call' ? e.childForFieldName('function')?.text : e?.text) ?? '';
    return ACTION_DECORATOR.test(name);
  });
}

/**
 * The def `self.name(...)` runs when called in a method of class `cls`: the class's own method, else the first
 * workspace base defining it (depth first, bounded; bases in other modules are parsed through the caller index).
 * Undefined when no workspace class on the way defines it (a library base's method, or a name set at run time).
 * `basesOnly`: what `super().name(...)` runs.
 */
export function inheritedMethod(cls: Node, name: string, home: DefiningFile, index: CallerIndex | undefined, basesOnly = false): { def: Node; file: DefiningFile } | undefined {
  const own = basesOnly ? undefined : methodsOf(cls).find((m) => nameOf(m) === name);
  if (own) return { def: own, file: home };
  for (const base of basesOf({ file: home, cls }, index)) {
    const def = methodsOf(base.cls).find((m) => nameOf(m) === name);
    if (def) return { def, file: base.file };
  }
  return undefined;
}
