import type { Node, Tree } from '../parsing/syntaxTree';
import type { CallerIndex } from '../workspace/callerIndex';
import type { CallSite, DefiningFile } from '../workspace/callers';
import { callerArguments, mayTypeFromCallers } from './callerArguments';
import type { ModelIndex, ModelInfo } from './modelIndex';
import {
  CHAIN_METHODS, INSTANCE_METHODS, TERMINAL_METHODS, cloneQueryset, type InstanceValue, type PassedBy, type QuerysetValue,
  type TrackedValue,
} from './querysetValue';
import { calleeMethod, calleeName, functionNamed, keywordArg, positionalArgs, rangeOf, returnValues, stringValue, unparen, parentOf } from '../python/syntax';
import { enclosingClass, loopBinding } from '../python/scopes';
import { annotationType, bindingOf, typeOf } from '../python/semantic/infer';
import { scopeOfDefinition, unpackedValue, type Binding } from '../python/semantic/bindings';
import { elementType } from '../python/semantic/library';
import { instance, shortName, type PyType } from '../python/semantic/types';
import { pagePaginator, paginatedRows, paginatorCall } from './pagination';
import { applySteps, customChain, viaManager } from './customQuerysets';
import { paramReturnSteps, type FunctionIndex, type ParamReturn } from '../workspace/functionSummaries';
import { inheritedGetQuerysetUnknown } from './inheritedGetQueryset';

const MAX_DEPTH = 24;
const MANAGER_ATTRS = new Set(['objects', '_default_manager', '_base_manager']);
const LIST_WRAPPERS = new Set(['list', 'tuple', 'sorted', 'reversed', 'set']);
/** Annotation classes whose first argument is the model of a queryset. */
const QUERYSET_CLASSES = new Set(['QuerySet', 'Manager', 'BaseManager', 'RelatedManager']);

/**
 * Follows an expression back to the queryset or instance it denotes, through chains, local variables,
 * class-based-view attributes and loop variables. Unknown is `undefined`, never a guess.
 */
export class QuerysetEvaluator {
  private readonly cache = new Map<number, TrackedValue | null>();
  /** What callers pass, per parameter binding (see `fromCallers`). */
  private readonly passed = new Map<Binding, TrackedValue | null>();
  /** Resolved non-test calls per module-level function (def node id), shared by its parameters. */
  private readonly callSites = new Map<number, CallSite[] | null>();
  /** Attribute names through which a row can cost a query (see `mayCostThrough`), built on first use. */
  private rowCostNames?: Set<string>;
  /** The files whose trees this evaluator has met through caller lookups, by tree. */
  private readonly homes = new Map<Tree, DefiningFile>();
  /**
   * `callers`: the analysed file and the workspace's caller index, so an unannotated parameter of a module-level
   * function can be typed from what its resolved callers pass. Without it parameters stay unknown.
   */
  /** Same-file helpers' parameter returns, by def node id (null: the helper does not hand a parameter back). */
  private readonly paramReturns = new Map<number, ParamReturn | null>();
  constructor(readonly models: ModelIndex, private readonly callers?: { home: DefiningFile; index?: CallerIndex; functions?: FunctionIndex }) {
    if (callers) this.homes.set(callers.home.root.tree, callers.home);
  }

  evaluate(node: Node | null | undefined, depth = 0): TrackedValue | undefined {
    if (!node || depth > MAX_DEPTH) return undefined;
    const cached = this.cache.get(node.id);
    if (cached !== undefined) return cached ?? undefined;
    this.cache.set(node.id, null); // cycle guard
    const value = this.compute(unparen(node), depth + 1);
    this.cache.set(node.id, value ?? null);
    return value;
  }

  queryset(node: Node | null | undefined): QuerysetValue | undefined {
    const v = this.evaluate(node);
    return v?.kind === 'queryset' ? v : undefined;
  }

  /** The model a name denotes as a class (`Book` in `Book.objects`), if any. */
  modelClass(node: Node | null | undefined): ModelInfo | undefined {
    if (!node) return undefined;
    if (isGetUserModel(node)) return this.userModel();
    if (node.type === 'identifier') {
      // `User = get_user_model()`: the swappable user model, whatever the name.
      const b = bindingOf(node);
      if (b?.kind === 'assignment' && b.value && isGetUserModel(unparen(b.value))) return this.userModel();
      return this.models.find(node.text);
    }
    if (node.type === 'attribute') {
      const attr = node.childForFieldName('attribute')?.text;
      // `models.Book` (module attribute) names the class too.
      return attr && /^[A-Z]/.test(attr) ? this.models.find(attr) : undefined;
    }
    return undefined;
  }

  private compute(node: Node, depth: number): TrackedValue | undefined {
    switch (node.type) {
      case 'identifier':
        return this.identifier(node, depth);
      case 'attribute':
        return this.attribute(node, depth);
      case 'call':
        return this.call(node, depth);
      case 'subscript': {
        const base = this.evaluate(node.childForFieldName('value'), depth);
        if (base?.kind !== 'queryset') return undefined;
        const sub = node.childForFieldName('subscript');
        if (sub?.type === 'slice') return base;
        return base.rows === 'instances' ? { kind: 'instance', model: base.model, from: base, node } : undefined;
      }
      case 'await': {
        const inner = node.namedChildren[0];
        if (inner?.type !== 'call') return undefined;
        const m = calleeMethod(inner);
        const recv = this.evaluate(inner.childForFieldName('function')?.childForFieldName('object'), depth);
        if (recv?.kind === 'queryset' && m && ['aget', 'afirst', 'alast', 'aearliest', 'alatest', 'acreate'].includes(m)) {
          return { kind: 'instance', model: recv.model, from: recv, node };
        }
        return this.throughThreadHop(inner, depth) ?? this.evaluate(inner, depth);
      }
      case 'conditional_expression':
        return this.evaluate(node.namedChildren[0], depth);
      default:
        return undefined;
    }
  }

  private identifier(node: Node, depth: number): TrackedValue | undefined {
    const loop = loopBinding(node);
    if (loop) {
      const iterable = this.evaluate(loop.iterable, depth);
      if (iterable?.kind === 'queryset' && iterable.rows === 'instances') {
        return { kind: 'instance', model: iterable.model, from: iterable, node: loop.target };
      }
      // `for b in books` with `books: list[Book]`: an instance, but nothing is known of how it was loaded.
      return this.fromType(elementType(typeOf(loop.iterable)), node);
    }
    const b = bindingOf(node);
    if (!b) return undefined;
    switch (b.kind) {
      case 'assignment':
      case 'annotation':
      case 'walrus': {
        if (b.value) {
          const value = unpackedValue(b.value, b.path);
          const v = value ? this.evaluate(value, depth) : undefined;
          if (v || !b.annotation) return v;
        }
        return b.annotation ? this.fromType(annotationType(b.annotation), node) : undefined;
      }
      case 'parameter':
        if (b.annotation) return this.fromType(annotationType(b.annotation), node);
        return (b.index === 0 ? this.selfOfModel(node) : undefined) ?? this.fromCallers(b, node, depth);
      default:
        return undefined;
    }
  }

  /**
   * An unannotated parameter of a module-level function that every resolved (non-test) caller fills with rows or an
   * instance of the same model: a value of that model whose loads are what all callers share (a relation is joined
   * or prefetched only when every caller's queryset does it), so a read is reported when at least one caller path
   * runs it per row. Callers that disagree, pass something unknown, or cannot all be found: unknown.
   */
  private fromCallers(b: Binding, node: Node, depth: number): TrackedValue | undefined {
    if (!this.callers || depth > MAX_DEPTH - CALLER_HOP_DEPTH) return undefined;
    const known = this.passed.get(b);
    if (known !== undefined) return known ? asPassed(known, node, b.node, undefined) : undefined;
    this.passed.set(b, null); // recursion through callers
    // The parameter and its function alone rule most parameters out (methods' `self`) before the body is searched.
    if (!mayTypeFromCallers(b) || !this.mayCostThrough(b)) return undefined;
    const home = this.homes.get(node.tree);
    const args = home ? callerArguments(b, home, this.callers.index, this.callSites) : undefined;
    let merged: TrackedValue | undefined;
    const passedBy: PassedBy[] = [];
    for (const { site, arg } of args ?? []) {
      if (!this.homes.has(site.root.tree)) this.homes.set(site.root.tree, { uri: site.uri, relPath: site.relPath, root: site.root, text: site.text });
      const v = this.evaluate(arg, depth + CALLER_HOP_DEPTH);
      merged = v ? (merged ? sharedValue(merged, v) : v) : undefined;
      if (!v || !merged) break;
      const q = v.kind === 'queryset' ? v : v.from;
      passedBy.push({ uri: site.uri, range: rangeOf(site.call), selectRelated: q?.selectRelated ?? new Set(), prefetched: new Set(q?.prefetch.keys() ?? []) });
    }
    const value = merged && asPassed(merged, node, b.node, passedBy);
    this.passed.set(b, value ?? null);
    return value;
  }

  /**
   * Whether typing parameter `b` from its callers can matter: its function passes it on or returns it, or has a loop and iterates it
   * or reads through it a name that costs a query on some workspace model (a relation, a manager, a method or property that reads relations,
   * a write) or a queryset method. Finding the callers parses their files; a helper reading only plain fields is not worth that.
   */
  private mayCostThrough(b: Binding): boolean {
    const body = b.definition?.childForFieldName('body')?.text;
    if (body === undefined) return true;
    // Handed on to another call (whose own parameter may be typed through this one) or returned (a caller's value).
    if (new RegExp(`[(,]\\s*(?:\\w+\\s*=\\s*)?${b.name}\\s*[,)]|\\breturn\\b[^\\n]*\\b${b.name}\\b`).test(body)) return true;
    // Without a loop in the function, a read through the parameter costs once per call: its callers' loops are
    // reported where they are, from the function's summary, without typing the parameter.
    if (!/\b(?:for|while)\b/.test(body)) return false;
    if (new RegExp(`\\bin\\s+${b.name}\\b`).test(body)) return true;
    if (!this.rowCostNames) {
      // A queryset parameter is read through its methods; a row through relations, managers, methods and writes.
      const names = new Set(['save', 'delete', 'refresh_from_db', 'full_clean', 'validate_unique', ...CHAIN_METHODS, ...INSTANCE_METHODS, ...TERMINAL_METHODS]);
      for (const m of this.models.models()) {
        for (const k of m.relations.keys()) names.add(k);
        for (const k of m.managers) names.add(k);
        for (const k of m.methodReads?.keys() ?? []) names.add(k);
        for (const k of m.selfCalls?.keys() ?? []) names.add(k);
      }
      this.rowCostNames = names;
    }
    for (const m of body.matchAll(new RegExp(`(?<![\\w.])${b.name}\\.(\\w+)`, 'g'))) if (this.rowCostNames.has(m[1])) return true;
    return false;
  }

  /**
   * `self` of an instance method or property of a model class: an instance of that model, loaded by code djperf
   * does not see (the caller), so what it joined or prefetched is unknown. The class must be the very model the
   * index holds (same name and declaration line), never a same-named class of another module.
   */
  private selfOfModel(node: Node): TrackedValue | undefined {
    const t = typeOf(node);
    const nameNode = t?.kind === 'instance' ? t.def?.childForFieldName('name') : undefined;
    if (!nameNode) return undefined;
    const model = this.models.find(nameNode.text);
    if (!model || model.builtin || model.range.start.line !== nameNode.startPosition.row) return undefined;
    return this.fromType(instance(nameNode.text), node);
  }

  /** `qs: QuerySet[Book]`, `book: Optional[Book]`, `"Book"`: what an annotation says (one model, never a union). */
  private fromType(t: PyType | undefined, node: Node): TrackedValue | undefined {
    if (t?.kind !== 'instance') return undefined;
    const cls = shortName(t.cls);
    if (QUERYSET_CLASSES.has(cls)) {
      const arg = t.args?.[0];
      const model = arg?.kind === 'instance' ? this.models.find(shortName(arg.cls)) : undefined;
      // The type says which rows, not what the code that built the queryset joined or prefetched.
      return model ? { ...this.fresh(model, node, undefined), loadsUnknown: 'a queryset built elsewhere (known by its type)' } : undefined;
    }
    const model = this.models.find(cls);
    // What the code that built the instance joined or prefetched is not known here (a parameter, an annotation).
    return model ? { kind: 'instance', model: model.key, node, from: { ...this.fresh(model, node, undefined), loadsUnknown: 'an instance built elsewhere (known by its type)' } } : undefined;
  }

  private fresh(model: ModelInfo, origin: Node, manager: Node | undefined): QuerysetValue {
    return { kind: 'queryset', model: model.key, selectRelated: new Set(), prefetch: new Map(), rows: 'instances', origin, manager, calls: [] };
  }

  private attribute(node: Node, depth: number): TrackedValue | undefined {
    const objectNode = node.childForFieldName('object');
    const attr = node.childForFieldName('attribute')?.text;
    if (!objectNode || !attr) return undefined;
    const cls = this.modelClass(objectNode);
    if (cls && (MANAGER_ATTRS.has(attr) || cls.managers.has(attr))) return viaManager(this.models, this.fresh(cls, node, node), cls, attr, node);
    if (attr === 'object_list') {
      const paginator = pagePaginator(node);
      if (paginator) {
        const rows = this.evaluate(paginatedRows(paginator), depth);
        return rows?.kind === 'queryset' ? rows : undefined;
      }
    }
    if (objectNode.type === 'identifier' && objectNode.text === 'self') {
      if (attr === 'queryset') return this.classQueryset(node, depth);
      const assigned = this.selfAttribute(objectNode, attr, node, depth);
      // Not assigned in the class: a relation of the model the method belongs to (below), else unknown.
      if (assigned) return assigned;
    }
    const owner = this.evaluate(objectNode, depth);
    if (owner?.kind !== 'instance') return undefined;
    const rel = this.models.relation(owner.model, attr);
    if (!rel?.target) return undefined;
    const target = this.models.get(rel.target);
    if (!target) return undefined;
    if (rel.many) {
      // Related managers subclass the target's default manager: its get_queryset() applies to them too.
      const q = viaManager(this.models, this.fresh(target, node, node), target, undefined, node);
      const prefetched = owner.from?.prefetch.get(attr);
      q.relatedFrom = { model: owner.model, accessor: attr, node, prefetched: prefetched && !prefetched.toAttr ? prefetched : undefined };
      // The caller may have prefetched this manager with a Prefetch(queryset=...select_related(...)): its rows' loads are unknown.
      if (owner.from?.loadsUnknown) q.loadsUnknown = `a related manager of ${owner.from.loadsUnknown}`;
      // Rows of `customer.invoices` know their customer: Django sets the back reference (known related objects), no query.
      if (rel.kind === 'reverse-fk' && rel.remoteField) q.knownRelated = rel.remoteField;
      if (q.relatedFrom.prefetched) this.applyPrefetchQueryset(q, q.relatedFrom.prefetched.node, depth);
      // `prefetch_related("products__stock")`: each product in the cached manager has its stock cached too.
      for (const [p, info] of owner.from?.prefetch ?? []) {
        if (p.startsWith(`${attr}__`)) q.prefetch.set(p.slice(attr.length + 2), info);
      }
      return q;
    }
    // A single related object: what was joined below `attr` stays joined for chains like a.b.c.
    const from = owner.from;
    let nested: QuerysetValue | undefined;
    if (from) {
      nested = cloneQueryset(from, { model: target.key, selectRelated: new Set(), prefetch: new Map(), only: undefined, defer: undefined, knownRelated: undefined });
      if (from.selectRelated === 'all') nested.selectRelated = 'all';
      else for (const p of from.selectRelated) if (p.startsWith(`${attr}__`)) (nested.selectRelated as Set<string>).add(p.slice(attr.length + 2));
      for (const [p, info] of from.prefetch) if (p.startsWith(`${attr}__`)) nested.prefetch.set(p.slice(attr.length + 2), info);
    }
    return { kind: 'instance', model: target.key, from: nested, node };
  }

  /**
   * `Prefetch("rel", queryset=Target.objects.select_related("a"))`: the cached rows carry what that queryset joined
   * and prefetched. A queryset djperf cannot read leaves the rows' loads unknown, so N+1 rules stay silent on them.
   */
  private applyPrefetchQueryset(q: QuerysetValue, prefetchNode: Node, depth: number): void {
    if (prefetchNode.type !== 'call' || !/(^|\.)Prefetch$/.test(calleeName(prefetchNode) ?? '')) return;
    const qsArg = keywordArg(prefetchNode, 'queryset') ?? positionalArgs(prefetchNode)[1];
    if (!qsArg) return;
    const inner = this.evaluate(qsArg, depth + 1);
    if (inner?.kind !== 'queryset' || inner.model !== q.model) {
      q.loadsUnknown ??= 'a Prefetch() queryset djperf cannot read';
      return;
    }
    q.selectRelated = inner.selectRelated === 'all' ? 'all' : new Set(inner.selectRelated);
    for (const [p, info] of inner.prefetch) q.prefetch.set(p, info);
    if (inner.only) q.only = new Set(inner.only);
    if (inner.defer) q.defer = new Set(inner.defer);
    if (inner.loadsUnknown) q.loadsUnknown ??= inner.loadsUnknown;
  }

  /** `self.x` set in one place of the class (`self.items = Order.objects.filter(...)` in `__init__`, or `self.x: Book`). */
  private selfAttribute(self: Node, attr: string, node: Node, depth: number): TrackedValue | undefined {
    const selfType = typeOf(self);
    const cls = selfType?.kind === 'instance' ? selfType.def : undefined;
    const scope = cls ? scopeOfDefinition(cls) : undefined;
    const assigned = scope?.selfAttributes.get(attr);
    if (!assigned || assigned.length !== 1 || scope?.bindings.has(attr)) return undefined; // reassigned: not one value
    const b = assigned[0];
    if (b.value) return this.evaluate(b.value, depth);
    return b.annotation ? this.fromType(annotationType(b.annotation), node) : undefined;
  }

  /** `self.queryset` / `self.get_queryset()` / `model = X` of the enclosing class-based view. */
  private classQueryset(node: Node, depth: number): QuerysetValue | undefined {
    const cls = enclosingClass(node);
    const body = cls?.childForFieldName('body');
    if (!body) return undefined;
    let modelAttr: Node | undefined;
    for (const stmt of body.namedChildren) {
      const assign = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
      if (assign?.type !== 'assignment') continue;
      const left = assign.childForFieldName('left')?.text;
      const right = assign.childForFieldName('right');
      if (left === 'queryset' && right) {
        const v = this.evaluate(right, depth);
        if (v?.kind === 'queryset') return v;
      }
      if (left === 'model' && right) modelAttr = right;
    }
    const model = this.modelClass(modelAttr);
    return model ? this.fresh(model, modelAttr as Node, undefined) : undefined;
  }

  private getQuerysetMethod(node: Node, depth: number): QuerysetValue | undefined {
    const cls = enclosingClass(node);
    const body = cls?.childForFieldName('body');
    for (const stmt of body?.namedChildren ?? []) {
      const def = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
      if (def?.type !== 'function_definition' || def.childForFieldName('name')?.text !== 'get_queryset') continue;
      const fbody = def.childForFieldName('body');
      for (const s of fbody?.namedChildren ?? []) {
        if (s?.type === 'return_statement') {
          const v = this.evaluate(s.namedChildren[0], depth);
          if (v?.kind === 'queryset') return v;
        }
      }
    }
    return this.inheritedQueryset(node, depth);
  }

  /** The class's `queryset`, unless a base class's get_queryset() (which may add loads) runs instead. */
  private inheritedQueryset(node: Node, depth: number): QuerysetValue | undefined {
    const q = this.classQueryset(node, depth);
    const cls = enclosingClass(node);
    const why = q && cls ? inheritedGetQuerysetUnknown(cls) : undefined;
    return q && why ? { ...q, loadsUnknown: q.loadsUnknown ?? why } : q;
  }

  /**
   * `await sync_to_async(Book.objects.filter)(...)`, `await sync_to_async(lambda: qs)()` and `await helper()` of a
   * module-level `@sync_to_async def helper(): return qs`: the awaited value is what the sync callable returns.
   */
  private throughThreadHop(call: Node, depth: number): TrackedValue | undefined {
    const fn = call.childForFieldName('function');
    if (!fn) return undefined;
    const isWrapper = (n: Node | null | undefined) => !!n && /(^|\.)(database_)?sync_to_async$/.test(n.type === 'call' ? (calleeName(n) ?? '') : n.text);
    let target: Node | undefined;
    if (fn.type === 'call' && isWrapper(fn)) target = positionalArgs(fn)[0];
    else if (fn.type === 'identifier') {
      const def = moduleFunction(call, fn.text);
      const wrapper = parentOf(def);
      const decorated = wrapper?.type === 'decorated_definition' &&
        wrapper.namedChildren.some((d) => d?.type === 'decorator' && isWrapper(d.namedChildren[0]));
      if (def && decorated) return this.returnedValue(def, depth);
      return undefined;
    }
    if (!target) return undefined;
    const t = unparen(target);
    if (t.type === 'attribute') {
      const method = t.childForFieldName('attribute')?.text ?? '';
      const receiver = this.evaluate(t.childForFieldName('object'), depth);
      if (receiver?.kind !== 'queryset') return undefined;
      if (INSTANCE_METHODS.has(method)) return receiver.rows === 'instances' ? { kind: 'instance', model: receiver.model, from: receiver, node: call } : undefined;
      if (TERMINAL_METHODS.has(method)) return undefined;
      return this.chain(receiver, method, call);
    }
    if (t.type === 'lambda') return this.evaluate(t.childForFieldName('body'), depth);
    if (t.type === 'identifier') {
      const def = moduleFunction(call, t.text);
      return def ? this.returnedValue(def, depth) : undefined;
    }
    return undefined;
  }

  /**
   * What a function of this file returns, when every `return` gives a queryset (or every one an instance) of the
   * same model: `def active(): return Order.objects.filter(...)`. Returns that load different relations make the
   * loads unknown; any return the evaluator cannot follow (or a generator) makes the whole call unknown.
   */
  private agreedReturn(def: Node, depth: number): TrackedValue | undefined {
    const values = returnValues(def);
    if (!values?.length) return undefined;
    let first: TrackedValue | undefined;
    let differs = false;
    for (const v of values) {
      const t = this.evaluate(v, depth);
      if (!t) return undefined;
      if (!first) { first = t; continue; }
      if (t.kind !== first.kind || t.model !== first.model) return undefined;
      const a = t.kind === 'queryset' ? t : t.from;
      const b = first.kind === 'queryset' ? first : first.from;
      if (!a || !b || a.rows !== b.rows) return undefined;
      if (loadsKey(a) !== loadsKey(b)) differs = true;
    }
    if (!first || !differs) return first;
    if (first.kind === 'queryset') return { ...first, loadsUnknown: 'a helper whose returns load different relations' };
    return first.from ? { ...first, from: { ...first.from, loadsUnknown: 'a helper whose returns load different relations' } } : first;
  }

  /** The tracked value of a function's first `return` that has one. */
  private returnedValue(def: Node, depth: number): TrackedValue | undefined {
    const body = def.childForFieldName('body');
    for (const s of body?.namedChildren ?? []) {
      if (s?.type !== 'return_statement') continue;
      const v = this.evaluate(s.namedChildren[0], depth);
      if (v) return v;
    }
    return undefined;
  }

  private call(node: Node, depth: number): TrackedValue | undefined {
    const fn = node.childForFieldName('function');
    if (!fn) return undefined;
    if (fn.type === 'identifier') {
      if (LIST_WRAPPERS.has(fn.text)) {
        const inner = this.evaluate(positionalArgs(node)[0], depth);
        return inner?.kind === 'queryset' ? inner : undefined;
      }
      if (fn.text === 'get_object_or_404' || fn.text === 'aget_object_or_404') {
        const first = positionalArgs(node)[0];
        const cls = this.modelClass(first);
        if (cls) return { kind: 'instance', model: cls.key, from: this.fresh(cls, first as Node, undefined), node };
        const q = this.queryset(first);
        return q ? { kind: 'instance', model: q.model, from: q, node } : undefined;
      }
      if (fn.text === 'get_list_or_404') {
        const first = positionalArgs(node)[0];
        const cls = this.modelClass(first);
        return cls ? this.fresh(cls, node, undefined) : this.queryset(first);
      }
      const b = bindingOf(fn);
      if (b?.kind === 'function' && b.definition && !isAsyncFunction(b.definition)) {
        let ret = this.paramReturns.get(b.definition.id);
        if (ret === undefined) {
          ret = paramReturnSteps(b.definition) ?? null;
          this.paramReturns.set(b.definition.id, ret);
        }
        return (ret ? this.throughParamReturn(node, ret, depth) : undefined) ?? this.agreedReturn(b.definition, depth);
      }
      if (b?.kind === 'import' && b.qualified) return this.importedParamReturn(node, b.qualified, depth);
      return undefined;
    }
    if (fn.type !== 'attribute') return undefined;
    const method = fn.childForFieldName('attribute')?.text ?? '';
    const receiverNode = fn.childForFieldName('object');
    if (receiverNode?.type === 'identifier') {
      // `utils.scoped(qs)`: a function of an imported workspace module.
      const b = bindingOf(receiverNode);
      if (b?.kind === 'import' && b.qualified) return this.importedParamReturn(node, `${b.qualified}.${method}`, depth);
    }
    if (receiverNode?.type === 'identifier' && receiverNode.text === 'self' && method === 'get_queryset') {
      return this.getQuerysetMethod(node, depth);
    }
    if (receiverNode?.type === 'call' && calleeName(receiverNode) === 'super' && method === 'get_queryset') {
      return this.inheritedQueryset(node, depth);
    }
    if (method === 'page' || method === 'get_page') {
      // `Paginator(qs, 25).get_page(n)`: a page iterates rows of the paginated queryset.
      const paginator = paginatorCall(receiverNode);
      if (paginator) {
        const rows = this.evaluate(paginatedRows(paginator), depth);
        return rows?.kind === 'queryset' ? rows : undefined;
      }
    }
    const receiver = this.evaluate(receiverNode, depth);
    if (receiver?.kind !== 'queryset') return undefined;
    if (INSTANCE_METHODS.has(method)) {
      return receiver.rows === 'instances' ? { kind: 'instance', model: receiver.model, from: receiver, node } : undefined;
    }
    if (TERMINAL_METHODS.has(method)) return undefined;
    if (!CHAIN_METHODS.has(method)) {
      const custom = customChain(this.models, receiver, method, node);
      if (custom !== 'django') return custom;
    }
    return this.chain(receiver, method, node);
  }

  /**
   * `scoped(qs)` of a helper that hands its parameter back chained: the caller's queryset for that parameter, with the
   * helper's loading steps applied (built at the call: fixes and messages point at the caller's code). Unknown when the
   * argument is not a queryset djperf can follow.
   */
  private throughParamReturn(call: Node, ret: ParamReturn, depth: number): QuerysetValue | undefined {
    const arg = keywordArg(call, ret.param) ?? (ret.index >= 0 ? positionalArgs(call)[ret.index] : undefined);
    const args = call.childForFieldName('arguments')?.namedChildren ?? [];
    if (!arg || args.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat')) return undefined;
    const q = this.evaluate(arg, depth);
    if (q?.kind !== 'queryset') return undefined;
    const start = cloneQueryset(q, { origin: call });
    start.calls = [...q.calls, call];
    return applySteps(this.models, start, ret.steps, call, 0);
  }

  /** A helper imported from a workspace module (its summary says whether it hands a parameter back). */
  private importedParamReturn(call: Node, qualified: string, depth: number): QuerysetValue | undefined {
    const functions = this.callers?.functions;
    const home = this.homes.get(call.tree);
    // Only a call passed a queryset is worth resolving (resolving may parse the helper's module).
    if (!functions || !home || !positionalArgs(call).concat(keywordValues(call)).some((a) => this.evaluate(a, depth)?.kind === 'queryset')) return undefined;
    const ret = functions.resolve(home.uri, qualified)?.summary.returnsParam;
    return ret ? this.throughParamReturn(call, ret, depth) : undefined;
  }

  private userModel(): ModelInfo | undefined {
    return this.models.userModelKey ? this.models.get(this.models.userModelKey) : undefined;
  }

  /** Applies one chained QuerySet method (unknown ones are taken as custom QuerySet methods). */
  private chain(receiver: QuerysetValue, method: string, call: Node): QuerysetValue {
    const next = cloneQueryset(receiver, { origin: call });
    next.calls.push(call);
    const args = positionalArgs(call);
    if ((method === 'select_related' || method === 'prefetch_related') && !literalLookups(call)) {
      next.loadsUnknown ??= `${method}() with lookups computed at run time`;
    }
    switch (method) {
      case 'select_related': {
        if (args.length === 0) next.selectRelated = 'all';
        else if (next.selectRelated !== 'all') {
          for (const a of args) {
            const s = stringValue(a);
            if (s === undefined) continue;
            const parts = s.split('__');
            for (let i = 1; i <= parts.length; i++) next.selectRelated.add(parts.slice(0, i).join('__'));
          }
        }
        break;
      }
      case 'prefetch_related':
        for (const a of args) {
          const s = stringValue(a);
          if (s !== undefined) {
            const parts = s.split('__');
            for (let i = 1; i <= parts.length; i++) {
              const p = parts.slice(0, i).join('__');
              // A plain lookup caches the manager even when a Prefetch(..., to_attr=...) of the same relation exists.
              if (!next.prefetch.has(p) || next.prefetch.get(p)?.toAttr) next.prefetch.set(p, { node: a });
            }
          } else if (a.type === 'call' && /(^|\.)(Generic)?Prefetch$/.test(calleeName(a) ?? '')) {
            const lookup = stringValue(positionalArgs(a)[0] ?? keywordArg(a, 'lookup'));
            if (lookup === undefined) continue;
            const toAttr = stringValue(keywordArg(a, 'to_attr'));
            // `prefetch_related("x", Prefetch("x", ..., to_attr="x_f"))`: the manager stays cached by the plain lookup.
            if (toAttr && next.prefetch.has(lookup) && !next.prefetch.get(lookup)?.toAttr) continue;
            next.prefetch.set(lookup, { node: a, toAttr });
          }
        }
        break;
      case 'values':
      case 'values_list':
        next.rows = 'values';
        break;
      case 'only': {
        next.only = new Set(args.map((a) => stringValue(a)).filter((s): s is string => s !== undefined));
        break;
      }
      case 'defer': {
        next.defer = new Set([...(next.defer ?? []), ...args.map((a) => stringValue(a)).filter((s): s is string => s !== undefined)]);
        break;
      }
      case 'select_for_update':
        next.forUpdate = call;
        break;
      case 'none':
        // No rows: nothing is read per row (a `get_queryset()` branch returning none() is no N+1).
        next.loadsUnknown = 'an empty queryset (none())';
        break;
      default:
        break;
    }
    return next;
  }
}

export type { InstanceValue };

/** `get_user_model()` (bare or `auth.get_user_model()`). */
function isGetUserModel(node: Node): boolean {
  return node.type === 'call' && /(^|\.)get_user_model$/.test(calleeName(node) ?? '') && positionalArgs(node).length === 0;
}

function isAsyncFunction(def: Node): boolean {
  return def.child(0)?.type === 'async';
}

/** The values of a call's keyword arguments. */
function keywordValues(call: Node): Node[] {
  const out: Node[] = [];
  for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
    const v = a.type === 'keyword_argument' ? a.childForFieldName('value') : null;
    if (v) out.push(v);
  }
  return out;
}

/** What a queryset joins and prefetches, as one comparable string. */
function loadsKey(q: QuerysetValue): string {
  const sel = q.selectRelated === 'all' ? 'all' : [...q.selectRelated].sort().join(',');
  const pre = [...q.prefetch].map(([k, v]) => `${k}${v.toAttr ? `>${v.toAttr}` : ''}`).sort().join(',');
  return `${sel}|${pre}|${q.loadsUnknown ?? ''}`;
}

/**
 * Whether every lookup of a select_related/prefetch_related call is written in the code: string literals, or
 * `Prefetch(...)` with a literal lookup (`*fields`, a variable or a keyword argument makes the loads unknown).
 */
function literalLookups(call: Node): boolean {
  for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
    if (a.type === 'comment') continue;
    if (stringValue(a) !== undefined) continue;
    // `GenericPrefetch("content_object", [qs, ...])` (Django 5) caches a GenericForeignKey like a plain lookup.
    if (a.type === 'call' && /(^|\.)(Generic)?Prefetch$/.test(calleeName(a) ?? '') && stringValue(positionalArgs(a)[0] ?? keywordArg(a, 'lookup')) !== undefined) continue;
    return false;
  }
  return true;
}

/** A module-level `def name` of the file containing `node`. */
function moduleFunction(node: Node, name: string): Node | undefined {
  return functionNamed(node.tree.rootNode, name); // `.parent` costs O(depth) in tree-sitter: never climb to the root
}

/** Evaluation depth one caller hop costs (bounds how far up callers are followed). */
const CALLER_HOP_DEPTH = 9;

function sharedLoads(a: QuerysetValue, b: QuerysetValue): QuerysetValue | undefined {
  if (a.model !== b.model || a.rows !== b.rows) return undefined;
  const out = cloneQueryset(a, {});
  if (a.selectRelated !== 'all' || b.selectRelated !== 'all') {
    const other = b.selectRelated;
    out.selectRelated = new Set([...(a.selectRelated === 'all' ? (other as Set<string>) : a.selectRelated)].filter((p) => other === 'all' || other.has(p)));
  }
  for (const [p, info] of a.prefetch) if (b.prefetch.get(p)?.toAttr !== info.toAttr || !b.prefetch.has(p)) out.prefetch.delete(p);
  if (a.only || b.only || a.defer || b.defer) out.loadsUnknown ??= 'only()/defer() of a caller';
  out.loadsUnknown ??= b.loadsUnknown;
  if (a.knownRelated !== b.knownRelated) out.knownRelated = undefined;
  return out;
}

/** What two callers pass in common: the same kind and model, with the loads both have. */
function sharedValue(a: TrackedValue, b: TrackedValue): TrackedValue | undefined {
  if (a.kind !== b.kind || a.model !== b.model) return undefined;
  if (a.kind === 'queryset') return sharedLoads(a, b as QuerysetValue);
  const fb = (b as InstanceValue).from;
  // An instance without a known queryset (get(), create()) has nothing joined.
  const from = a.from && fb ? sharedLoads(a.from, fb) : undefined;
  return { kind: 'instance', model: a.model, node: a.node, ...(from ? { from } : {}) };
}

/**
 * The merged value as the helper sees it: built at the parameter's declaration (messages and fixes edit only the helper's own
 * chain: the callers' manager, calls and related-manager origin belong to other code).
 */
function asPassed(v: TrackedValue, node: Node, param: Node, passedBy: PassedBy[] | undefined): TrackedValue {
  // Built at the parameter (not where it is used: a loop iterating the parameter does not build it each time).
  const local = (q: QuerysetValue): QuerysetValue => cloneQueryset(q, {
    origin: param, manager: undefined, calls: [], relatedFrom: undefined, forUpdate: undefined, ...(passedBy ? { passedBy } : {}),
  });
  if (v.kind === 'instance') return { kind: 'instance', model: v.model, node, ...(v.from ? { from: local(v.from) } : {}) };
  return local(v);
}
