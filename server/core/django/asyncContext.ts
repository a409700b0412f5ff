import type { Node, Tree } from '../parsing/syntaxTree';
import type { QuerysetEvaluator } from './querysetEvaluator';
import { CHAIN_METHODS, INSTANCE_METHODS, TERMINAL_METHODS } from './querysetValue';
import { isMaterialized, queryEvaluations, type QueryEvaluation } from './evaluation';
import { classifyBlocking, type BlockingCall } from './blockingCalls';
import { qualifiedName } from '../python/semantic/infer';
import { calleeMethod, decoratorsOf, functionNamed, isAsyncDef, keywordArg, nodesOfType, positionalArgs, unparen, walk, parentOf } from '../python/syntax';
import { MemoKey } from '../memo';
import { enclosingClass, enclosingFunction } from '../python/scopes';
import type { ImportMap } from '../python/imports';

/** What async-context analysis needs about one file. */
export interface AsyncEnv {
  root: Node;
  evaluator: QuerysetEvaluator;
  imports: ImportMap;
}

const HAS_ASYNC_DEF = new MemoKey<boolean>('the tree has an async def');

/**
 * Whether `tree` has an `async def` anywhere (no code of it runs on an event loop otherwise). Asked for every call
 * and attribute the async rules look at: the memo is read without the closure a `get` would allocate each time.
 */
export function hasAsyncDef(tree: Tree): boolean {
  const known = tree.memos.peek(HAS_ASYNC_DEF);
  if (known !== undefined) return known;
  const found = nodesOfType(tree.rootNode, 'function_definition').some(isAsyncDef);
  tree.memos.set(HAS_ASYNC_DEF, found);
  return found;
}

/**
 * The `async def` whose event loop runs `node`, or null. Only the nearest function counts: a `lambda` or a
 * nested plain `def` inside an `async def` is sync code (it runs wherever it is called, usually in a thread).
 */
export function asyncFunctionOf(node: Node): Node | null {
  // Most modules have no async def: the async rules ask this of every call, and the climb is then always for nothing.
  if (!hasAsyncDef(node.tree)) return null;
  const fn = functionOf(node);
  return fn && fn.type === 'function_definition' && isAsyncDef(fn) ? fn : null;
}

/** The function (def or lambda) that runs `node`, or null at module/class level. */
export function functionOf(node: Node): Node | null {
  return enclosingFunction(node);
}

/** `await <node>` (through parentheses). */
export function isAwaited(node: Node): boolean {
  let p = parentOf(node);
  while (p?.type === 'parenthesized_expression') p = parentOf(p);
  return p?.type === 'await';
}

export function isAsyncToken(n: Node): boolean {
  return n.children.some((c) => c?.type === 'async');
}

const SYNC_TO_ASYNC = new Set(['sync_to_async', 'database_sync_to_async', 'SyncToAsync']);

export type HopKind = 'sync_to_async' | 'to_thread' | 'run_in_executor';

/** A call that runs sync code in a worker thread and returns an awaitable. */
export interface ThreadHop {
  /** The outer call (`sync_to_async(f)(x)`, `asyncio.to_thread(f, x)`, `helper()` of a decorated helper). */
  call: Node;
  kind: HopKind;
  /** The callable run in the thread (`f`), when visible. */
  target?: Node;
  /** asgiref's thread_sensitive (default True): all such calls share one thread per request. */
  threadSensitive: boolean;
  /** The `sync_to_async(...)` call or decorator. */
  wrapper?: Node;
}

function isSyncToAsyncName(node: Node | null | undefined): boolean {
  if (!node) return false;
  const name = qualifiedName(node) ?? node.text;
  return SYNC_TO_ASYNC.has(name.split('.').pop() ?? '');
}

function threadSensitiveOf(wrapperCall: Node | undefined): boolean {
  const v = wrapperCall ? keywordArg(wrapperCall, 'thread_sensitive') : undefined;
  return v ? v.type !== 'false' : true;
}

/** `sync_to_async(...)` as a wrapper call (not yet called): returns the wrapped callable. */
export function syncToAsyncWrapper(node: Node): { target?: Node; threadSensitive: boolean } | undefined {
  const n = unparen(node);
  if (n.type !== 'call' || !isSyncToAsyncName(n.childForFieldName('function'))) return undefined;
  return { target: positionalArgs(n)[0], threadSensitive: threadSensitiveOf(n) };
}

export function threadHopOf(call: Node, env: AsyncEnv): ThreadHop | undefined {
  if (call.type !== 'call') return undefined;
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  const inner = unparen(fn);
  if (inner.type === 'call') {
    const w = syncToAsyncWrapper(inner);
    if (w) return { call, kind: 'sync_to_async', target: w.target, threadSensitive: w.threadSensitive, wrapper: inner };
    return undefined;
  }
  const name = qualifiedName(fn);
  if (name === 'asyncio.to_thread') return { call, kind: 'to_thread', target: positionalArgs(call)[0], threadSensitive: false };
  if (calleeMethod(call) === 'run_in_executor') return { call, kind: 'run_in_executor', target: positionalArgs(call)[1], threadSensitive: false };
  if (fn.type === 'identifier') {
    const def = localFunction(env.root, fn.text);
    const deco = def && decoratorsOf(def).map((d) => d.namedChildren[0]).find((d) => d && (isSyncToAsyncName(d) ||
      (d.type === 'call' && isSyncToAsyncName(d.childForFieldName('function')))));
    if (def && deco) {
      return { call, kind: 'sync_to_async', target: def, threadSensitive: deco.type === 'call' ? threadSensitiveOf(deco) : true, wrapper: deco };
    }
  }
  return undefined;
}

/** Module-level `def name` (or `self.name` method of the enclosing class when `from` is given). */
export function localFunction(root: Node, name: string, from?: Node): Node | undefined {
  const scopes: Node[] = [];
  if (from) {
    const cls = enclosingClass(from);
    const body = cls?.childForFieldName('body');
    if (body) scopes.push(body);
  } else scopes.push(root);
  for (const scope of scopes) {
    const def = functionNamed(scope, name);
    if (def) return def;
  }
  return undefined;
}

/** The function a call invokes, when it is defined in this file (`helper(x)`, `self.helper(x)`). */
export function calledLocalFunction(call: Node, root: Node): Node | undefined {
  const fn = call.childForFieldName('function');
  if (fn?.type === 'identifier') return localFunction(root, fn.text);
  if (fn?.type === 'attribute' && fn.childForFieldName('object')?.text === 'self') {
    return localFunction(root, fn.childForFieldName('attribute')?.text ?? '', call);
  }
  return undefined;
}

/** What a callable does when run: queries, blocking I/O, and whether it hands back a lazy queryset. */
export interface CallableWork {
  queries: QueryEvaluation[];
  /** `Product.objects.get` passed as the callable itself. */
  boundQuery?: { node: Node; method: string };
  blocking: BlockingCall[];
  /** Expression returned unevaluated that is a QuerySet. */
  returnsQueryset?: Node;
  /** The def or lambda analysed. */
  fn?: Node;
}

/** Statements and expressions that run when `fn` runs (nested defs/lambdas/classes excluded). */
export function ownNodes(fn: Node, visit: (n: Node) => void): void {
  const body = fn.type === 'lambda' ? fn.childForFieldName('body') : fn.childForFieldName('body');
  if (!body) return;
  walk(body, (n) => {
    if (n.id !== body.id && (n.type === 'function_definition' || n.type === 'lambda' || n.type === 'class_definition')) return false;
    visit(n);
    return true;
  });
}

export function callableWork(target: Node | undefined, env: AsyncEnv): CallableWork {
  const work: CallableWork = { queries: [], blocking: [] };
  if (!target) return work;
  const t = unparen(target);
  if (t.type === 'attribute') {
    const method = t.childForFieldName('attribute')?.text ?? '';
    const recv = t.childForFieldName('object');
    const qs = env.evaluator.queryset(recv);
    if (qs && (INSTANCE_METHODS.has(method) || TERMINAL_METHODS.has(method))) work.boundQuery = { node: t, method };
    else if (qs && CHAIN_METHODS.has(method) && method !== 'iterator') work.returnsQueryset = t;
    else if (recv && env.evaluator.evaluate(recv)?.kind === 'instance' && ['save', 'delete', 'refresh_from_db'].includes(method)) {
      work.boundQuery = { node: t, method };
    }
    return work;
  }
  let fn: Node | undefined;
  if (t.type === 'lambda') fn = t;
  else if (t.type === 'function_definition') fn = t;
  else if (t.type === 'identifier') fn = localFunction(env.root, t.text);
  if (!fn) return work;
  work.fn = fn;
  const body = fn.childForFieldName('body');
  if (!body) return work;
  const nested = (n: Node) => {
    for (let p = parentOf(n); p && p.id !== fn!.id; p = parentOf(p)) {
      if (p.type === 'function_definition' || p.type === 'lambda' || p.type === 'class_definition') return true;
    }
    return false;
  };
  work.queries = queryEvaluations(body, env.evaluator).filter((q) => !nested(q.node));
  ownNodes(fn, (n) => {
    if (n.type === 'call') {
      const b = classifyBlocking(n);
      if (b) work.blocking.push(b);
    }
  });
  if (fn.type === 'lambda') {
    if (env.evaluator.queryset(body) && !isMaterialized(body)) work.returnsQueryset = body;
  } else {
    ownNodes(fn, (n) => {
      if (n.type === 'return_statement' && !work.returnsQueryset) {
        const v = n.namedChildren[0];
        if (v && env.evaluator.queryset(v) && !isMaterialized(v)) work.returnsQueryset = v;
      }
    });
  }
  return work;
}


/** Whether `node` sits inside a loop (statement or comprehension) that is itself inside `fn`. */
export function enclosingLoop(node: Node, fn: Node): Node | undefined {
  let child = node;
  for (let p = parentOf(node); p && p.id !== fn.id; child = p, p = parentOf(p)) {
    if ((p.type === 'for_statement' || p.type === 'while_statement') && p.childForFieldName('body')?.id === child.id) return p;
    if (['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression'].includes(p.type)) {
      // Only the element and later clauses repeat, not the first iterable.
      const first = p.namedChildren.find((c) => c?.type === 'for_in_clause');
      const firstIter = first?.childForFieldName('right');
      if (!firstIter || !(node.startIndex >= firstIter.startIndex && node.endIndex <= firstIter.endIndex)) return p;
    }
    if (p.type === 'function_definition' || p.type === 'lambda') return undefined;
  }
  return undefined;
}
