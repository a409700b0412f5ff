import type { Node } from '../parsing/syntaxTree';
import { decoratorsOf, keywordArg, positionalArgs, unparen, parentOf, walk, isAsyncDef } from '../python/syntax';
import { enclosingClass, enclosingFunction } from '../python/scopes';
import { scopeOfDefinition } from '../python/semantic/bindings';
import { bindingOf } from '../python/semantic/infer';
import { calledLocalFunction, localFunction } from './asyncContext';
import type { CallerIndex } from '../workspace/callerIndex';
import type { DefiningFile } from '../workspace/callers';
import { inheritedMethod } from '../workspace/methodCallers';

/**
 * What a call in async code runs synchronously, resolved the ways djperf can prove (DJP305 made transitive): a
 * function of the same module, `self.m()` of the enclosing class or of a workspace base, a callback passed to a sync
 * helper that calls it, and the function `map()`/`filter()`/`key=` applies when the result is consumed on the spot.
 * Anything else (a parameter, an attribute, a library callable) is unknown and stays silent.
 */

/** A sync def and the file it is written in. */
export interface SyncTarget {
  /** A def, or a lambda passed as a callback. */
  def: Node;
  file: DefiningFile;
}

/** `self` of the method that holds `node` (its first parameter named `self`), and the class. */
function selfClass(node: Node, self: Node): Node | undefined {
  const fn = enclosingFunction(node);
  const first = fn?.childForFieldName('parameters')?.namedChildren[0];
  if (!fn || first?.type !== 'identifier' || first.text !== self.text || self.text !== 'self') return undefined;
  const cls = enclosingClass(fn);
  return cls && enclosingFunction(cls) === null ? cls : undefined;
}

/** The class of the method holding `node` (for `super()`, a method of a module-level class). */
function superClass(node: Node): Node | undefined {
  const fn = enclosingFunction(node);
  const cls = fn ? enclosingClass(fn) : undefined;
  return cls && enclosingFunction(cls) === null ? cls : undefined;
}

/** The def a callable expression names: a module function of its file, or `self.m` through the class's workspace bases. */
export function callableDef(expr: Node, from: DefiningFile, index: CallerIndex | undefined): SyncTarget | undefined {
  const e = unparen(expr);
  if (e.type === 'lambda') return { def: e, file: from };
  const hit = namedDef(e, from, index);
  return hit && !hopsToThread(hit.def) ? hit : undefined;
}

function namedDef(e: Node, from: DefiningFile, index: CallerIndex | undefined): SyncTarget | undefined {
  if (e.type === 'identifier') {
    // The name must be bound to that module-level def where it is used (not a parameter or local of the same name).
    const b = bindingOf(e);
    const def = b?.kind === 'function' ? localFunction(from.root, e.text) : undefined;
    return def && b?.definition?.id === def.id ? { def, file: from } : undefined;
  }
  if (e.type !== 'attribute') return undefined;
  const obj = e.childForFieldName('object');
  const name = e.childForFieldName('attribute')?.text;
  // `super().m()` in a method: the first workspace base defining `m`.
  const viaSuper = obj?.type === 'call' && obj.childForFieldName('function')?.text === 'super' && positionalArgs(obj).length === 0;
  const cls = obj?.type === 'identifier' && name ? selfClass(e, obj) : viaSuper ? superClass(e) : undefined;
  if (!cls || !name) return undefined;
  const hit = inheritedMethod(cls, name, from, index, viaSuper);
  return hit ? { def: hit.def, file: hit.file } : undefined;
}

/** A def wrapped into a coroutine function by its decorator (`@database_sync_to_async`): calling it runs nothing here. */
function hopsToThread(def: Node): boolean {
  return decoratorsOf(def).some((d) => /sync_to_async|SyncToAsync|to_thread/.test(d.text));
}

/** The sync def a call runs directly (`helper()`, `self.m()` with `m` in the class or a workspace base). */
export function calledSyncDef(call: Node, from: DefiningFile, index: CallerIndex | undefined): SyncTarget | undefined {
  const local = calledLocalFunction(call, from.root);
  const fn = call.childForFieldName('function');
  const hit = local ? { def: local, file: from } : fn?.type === 'attribute' ? callableDef(fn, from, index) : undefined;
  return hit && !(hit.def.type === 'function_definition' && hopsToThread(hit.def)) ? hit : undefined;
}

/** Builtins that run `map()`/`filter()` right away, and those that take a `key=` function. */
const CONSUMERS = new Set(['list', 'tuple', 'set', 'sorted', 'sum', 'any', 'all', 'dict', 'frozenset', 'max', 'min']);
const KEYED = new Set(['sorted', 'max', 'min']);

/** `list(map(f, xs))`, `for x in map(f, xs)`, `sorted(xs, key=f)`: the callable applied now, in this code. */
export function appliedCallable(call: Node): Node | undefined {
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'identifier') return undefined;
  if (KEYED.has(fn.text)) {
    const key = keywordArg(call, 'key');
    if (key) return key;
  }
  if (fn.text !== 'map' && fn.text !== 'filter') return undefined;
  const parent = parentOf(call);
  const args = parentOf(parent ?? call);
  const consumed = (parent?.type === 'argument_list' && args?.type === 'call' && CONSUMERS.has(args.childForFieldName('function')?.text ?? '') && positionalArgs(args)[0]?.id === call.id) ||
    ((parent?.type === 'for_statement' || parent?.type === 'for_in_clause') && parent.childForFieldName('right')?.id === call.id);
  return consumed ? positionalArgs(call)[0] : undefined;
}

/** Whether `param` of `def` is called in its own body (not in a nested def or lambda) and never rebound. */
function callsParameter(def: Node, param: string): boolean {
  const body = def.childForFieldName('body');
  if (!body || !body.text.includes(`${param}(`)) return false;
  const bindings = scopeOfDefinition(def)?.bindings.get(param);
  if (!bindings?.every((b) => b.kind === 'parameter')) return false;
  let hit = false;
  walk(body, (n) => {
    if (hit) return false;
    if (n.id !== body.id && (n.type === 'function_definition' || n.type === 'lambda' || n.type === 'class_definition')) return false;
    if (n.type === 'call') {
      const f = n.childForFieldName('function');
      if (f?.type === 'identifier' && f.text === param) hit = true;
    }
    return true;
  });
  return hit;
}

/** The parameter names of a def in order (positional ones; `self` of a method included). */
function positionalParams(def: Node): string[] {
  const out: string[] = [];
  for (const p of def.childForFieldName('parameters')?.namedChildren ?? []) {
    if (p.type === 'list_splat_pattern' || p.type === 'keyword_separator' || p.type === 'dictionary_splat_pattern') break;
    const id = p.type === 'identifier' ? p : p.type === 'typed_parameter' ? p.namedChildren[0] : p.childForFieldName('name');
    if (id?.type === 'identifier') out.push(id.text);
  }
  return out;
}

/**
 * Callables passed to a sync `callee` that calls the receiving parameter: `apply_all(load_rows, ids)` with
 * `def apply_all(fn, ids): return [fn(i) for i in ids]`. Only arguments that resolve to a sync def or a lambda.
 */
export function passedCallbacks(call: Node, callee: SyncTarget, from: DefiningFile, index: CallerIndex | undefined): { arg: Node; param: string; target: SyncTarget }[] {
  if (callee.def.type !== 'function_definition') return [];
  const params = positionalParams(callee.def);
  // `self.m(f)`: the first parameter is the instance.
  const offset = call.childForFieldName('function')?.type === 'attribute' && params[0] === 'self' ? 1 : 0;
  const out: { arg: Node; param: string; target: SyncTarget }[] = [];
  const positional = positionalArgs(call);
  const candidates: [Node, string | undefined][] = positional.map((a, i) => [a, params[i + offset]]);
  for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
    if (a.type === 'keyword_argument') {
      const v = a.childForFieldName('value');
      if (v) candidates.push([v, a.childForFieldName('name')?.text]);
    }
  }
  for (const [arg, param] of candidates) {
    if (!param || !['identifier', 'attribute', 'lambda'].includes(arg.type)) continue;
    if (!callsParameter(callee.def, param)) continue;
    const target = callableDef(arg, from, index);
    if (!target || (target.def.type === 'function_definition' && isAsyncDef(target.def))) continue;
    out.push({ arg, param, target });
  }
  return out;
}


