import type { Node } from '../parsing/syntaxTree';
import type { Range } from '../parsing/textDocument';
import type { QuerysetEvaluator } from '../django/querysetEvaluator';
import { clipCode } from '../text/clip';
import type { QuerysetValue, TrackedValue } from '../django/querysetValue';
import { calleeName, functionNamed, keywordArg, nodesOfType, positionalArgs, rangeOf, stringValue, walk } from '../python/syntax';

/** A queryset (rows) or an instance (row) a view puts into a template context, as far as djperf knows it. */
export interface ContextValue {
  kind: 'rows' | 'row';
  /** Model key of the rows. */
  model: string;
  /** Relation paths joined by select_related, or 'all' for a bare select_related(). */
  selected: 'all' | string[];
  /** Plain prefetch_related paths (their managers serve all/count/exists from the cache). */
  prefetched: string[];
  /** Prefetch() objects with their own queryset or to_attr: what lies below them is not known. */
  opaque: string[];
  /** The expression that built it (`Book.objects.all()`), for messages. */
  label: string;
  uri: string;
  range: Range;
  /**
   * Where a quick fix may append `.select_related(...)`: the end of the queryset expression, when it is a literal
   * chain of queryset methods on a manager (`Book.objects.filter(x=1)`) in the view's file. Absent: no fix.
   */
  fixAt?: Range['end'];
  /** How the view's module names django.db.models.Count (`Count`, `models.Count`), when it imports it. */
  countName?: string;
}

/** One place where a view renders a template with a context whose querysets are known. */
export interface TemplateRender {
  /** Candidate template names, in Django's lookup order (the first found wins). */
  templates: string[];
  /** `views.book_list` / `BookListView`. */
  view: string;
  uri: string;
  range: Range;
  context: Map<string, ContextValue>;
}

/** Cheap text test: only files that can render a template are parsed for renders. */
export function mayRenderTemplates(text: string): boolean {
  // Substrings first: the alternation of whole words is slow over every file of a large workspace.
  return RENDER_WORDS.some((w) => text.includes(w)) &&
    /\b(render|TemplateResponse|render_to_string|get_template|ListView|DetailView|template_name|inclusion_tag)\b/.test(text);
}

const RENDER_WORDS = ['render', 'TemplateResponse', 'get_template', 'ListView', 'DetailView', 'template_name', 'inclusion_tag'];

function describe(v: TrackedValue | undefined, node: Node, uri: string): ContextValue | undefined {
  if (!v) return undefined;
  const qs: QuerysetValue | undefined = v.kind === 'queryset' ? v : v.from;
  // An instance whose queryset is unknown (a parameter, an annotation) stays silent: its joins are not known.
  if (!qs || qs.rows !== 'instances' || qs.relatedFrom || qs.loadsUnknown) return undefined;
  const prefetched: string[] = [];
  const opaque: string[] = [];
  for (const [path, info] of qs.prefetch) {
    const n = info.node;
    const custom = info.toAttr !== undefined || (n.type === 'call' && (positionalArgs(n).length > 1 || keywordArg(n, 'queryset') !== undefined));
    (custom ? opaque : prefetched).push(path);
  }
  const label = qs.origin.text.replace(/\s+/g, ' ');
  const fixAt = v.kind === 'queryset' && literalChain(qs) ? rangeOf(qs.origin).end : undefined;
  return {
    kind: v.kind === 'queryset' ? 'rows' : 'row', model: qs.model,
    selected: qs.selectRelated === 'all' ? 'all' : [...qs.selectRelated], prefetched, opaque,
    label: clipCode(label, 80), uri, range: rangeOf(node), ...(fixAt ? { fixAt } : {}),
  };
}

/** Queryset methods after which appending select_related/prefetch_related/annotate keeps the same rows. */
const FIXABLE_CHAIN = new Set(['all', 'filter', 'exclude', 'order_by', 'select_related', 'prefetch_related', 'only', 'defer', 'using', 'annotate', 'alias']);

/** `Book.objects.filter(...).order_by(...)`: method calls of FIXABLE_CHAIN down to the manager, nothing else. */
function literalChain(qs: QuerysetValue): boolean {
  if (!qs.manager) return false;
  let n: Node | null = qs.origin;
  while (n && n.type === 'call') {
    const fn = n.childForFieldName('function');
    if (fn?.type !== 'attribute' || !FIXABLE_CHAIN.has(fn.childForFieldName('attribute')?.text ?? '')) return false;
    n = fn.childForFieldName('object');
  }
  return !!n && n.startIndex === qs.manager.startIndex && n.endIndex === qs.manager.endIndex;
}

/** `{"books": qs}`, or a local dict built from one literal plus `ctx["k"] = v` assignments. */
function contextOf(node: Node | undefined, scope: Node, ev: QuerysetEvaluator, uri: string): Map<string, ContextValue> {
  const out = new Map<string, ContextValue>();
  if (!node) return out;
  const entries: [string, Node][] = [];
  const fromDict = (dict: Node): void => {
    for (const pair of dict.namedChildren) {
      const key = pair?.type === 'pair' ? stringValue(pair.childForFieldName('key')) : undefined;
      const value = pair?.childForFieldName('value');
      if (key && value) entries.push([key, value]);
    }
  };
  if (node.type === 'dictionary') fromDict(node);
  else if (node.type === 'identifier') {
    walk(scope, (n) => {
      if (n.type !== 'assignment') return true;
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      if (left?.text === node.text && right?.type === 'dictionary') fromDict(right);
      if (left?.type === 'subscript' && left.childForFieldName('value')?.text === node.text && right) {
        const key = stringValue(left.childForFieldName('subscript'));
        if (key) entries.push([key, right]);
      }
      return true;
    });
  }
  for (const [key, value] of entries) {
    const d = describe(ev.evaluate(value), value, uri);
    if (d) out.set(key, d);
  }
  return out;
}

const RENDER_CALLS = /^(?:[\w.]*\.)?(render|TemplateResponse|render_to_response|render_to_string|SimpleTemplateResponse)$/;

function templateNames(node: Node | undefined): string[] {
  if (!node) return [];
  const s = stringValue(node);
  if (s) return [s];
  if (node.type === 'list' || node.type === 'tuple') return node.namedChildren.map((c) => stringValue(c)).filter((c): c is string => !!c);
  if (node.type === 'identifier') {
    // `template = "x.html"` assigned once in the function (several: chosen at run time, silent).
    const values: (Node | null)[] = [];
    walk(enclosingDef(node), (n) => {
      if (n.type === 'assignment' && n.childForFieldName('left')?.text === node.text) values.push(n.childForFieldName('right'));
      return true;
    });
    const only = values.length === 1 ? stringValue(values[0]) : undefined;
    return only ? [only] : [];
  }
  if (node.type === 'call' && positionalArgs(node).length === 0) {
    // `self.get_template()`: a method of the view class whose only return is a literal.
    const m = /^self\.(\w+)$/.exec(calleeName(node) ?? '');
    const body = m ? enclosingClassBody(node) : undefined;
    const def = body && m ? functionNamed(body, m[1]) : undefined;
    const only = def ? stringValue(onlyReturn(def)) : undefined;
    return only ? [only] : [];
  }
  return [];
}

function enclosingClassBody(node: Node): Node | undefined {
  for (let p: Node | null = node.parent; p; p = p.parent) if (p.type === 'class_definition') return p.childForFieldName('body') ?? undefined;
  return undefined;
}

function functionName(node: Node): string {
  for (let p: Node | null = node.parent; p; p = p.parent) {
    if (p.type === 'function_definition' || p.type === 'class_definition') return p.childForFieldName('name')?.text ?? '?';
  }
  return '<module>';
}

function enclosingDef(node: Node): Node {
  for (let p: Node | null = node.parent; p; p = p.parent) if (p.type === 'function_definition') return p;
  return node.tree.rootNode;
}

/** Function views: render(request, "x.html", ctx), TemplateResponse(...), render_to_string, get_template(...).render(ctx). */
function functionRenders(root: Node, ev: QuerysetEvaluator, uri: string): TemplateRender[] {
  const out: TemplateRender[] = [];
  for (const n of nodesOfType(root, 'call')) {
    const callee = calleeName(n) ?? '';
    const m = RENDER_CALLS.exec(callee);
    const args = positionalArgs(n);
    let names: string[] = [];
    let ctxNode: Node | undefined;
    if (m) {
      const byName = m[1] === 'render_to_string' || m[1] === 'render_to_response';
      names = templateNames(keywordArg(n, 'template_name') ?? args[byName ? 0 : 1]);
      ctxNode = keywordArg(n, 'context') ?? args[byName ? 1 : 2];
    } else if (/\.render$/.test(callee)) {
      const obj = n.childForFieldName('function')?.childForFieldName('object');
      if (obj?.type === 'call' && /(^|\.)get_template$/.test(calleeName(obj) ?? '')) {
        names = templateNames(positionalArgs(obj)[0]);
        ctxNode = keywordArg(n, 'context') ?? args[0];
      }
    }
    if (names.length === 0) continue;
    out.push({ templates: names, view: functionName(n), uri, range: rangeOf(n), context: contextOf(ctxNode, enclosingDef(n), ev, uri) });
  }
  return out;
}

function classAttr(body: Node, name: string): Node | undefined {
  for (const stmt of body.namedChildren) {
    const assign = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
    if (assign?.type === 'assignment' && assign.childForFieldName('left')?.text === name) return assign.childForFieldName('right') ?? undefined;
  }
  return undefined;
}


/** The only `return x` of a method, or undefined when there are several (a queryset chosen at run time). */
function onlyReturn(def: Node): Node | undefined {
  const returns: Node[] = [];
  walk(def, (n) => {
    if (n !== def && (n.type === 'function_definition' || n.type === 'lambda')) return false;
    if (n.type === 'return_statement') returns.push(n);
    return true;
  });
  return returns.length === 1 ? returns[0].namedChildren[0] ?? undefined : undefined;
}

function modelKeyName(key: string): { app: string; name: string } {
  const dot = key.lastIndexOf('.');
  return { app: key.slice(0, dot), name: key.slice(dot + 1).toLowerCase() };
}

/** Generic ListView/DetailView subclasses: object_list / object and their default names and templates. */
function classRenders(root: Node, ev: QuerysetEvaluator, uri: string): TemplateRender[] {
  const out: TemplateRender[] = [];
  for (const cls of nodesOfType(root, 'class_definition')) {
    const bases = (cls.childForFieldName('superclasses')?.namedChildren ?? []).map((b) => b?.text ?? '');
    const kind = bases.some((b) => /(^|\.)ListView$/.test(b)) ? 'list' : bases.some((b) => /(^|\.)DetailView$/.test(b)) ? 'detail' : undefined;
    const body = cls.childForFieldName('body');
    if (!kind || !body) continue;
    // get_object() overridden, or the context built by code we do not follow: the object is not known.
    if (kind === 'detail' && functionNamed(body, 'get_object')) continue;
    const getQs = functionNamed(body, 'get_queryset');
    const qsNode = getQs ? onlyReturn(getQs) : classAttr(body, 'queryset');
    const modelNode = classAttr(body, 'model');
    let value: ContextValue | undefined;
    if (qsNode) value = describe(ev.evaluate(qsNode), qsNode, uri);
    else if (modelNode && !getQs) {
      const model = ev.modelClass(modelNode);
      if (model) value = { kind: 'rows', model: model.key, selected: [], prefetched: [], opaque: [], label: `${model.name}.objects.all()`, uri, range: rangeOf(modelNode) };
    }
    if (!value || value.kind !== 'rows') continue;
    const { app, name } = modelKeyName(value.model);
    const templates = templateNames(classAttr(body, 'template_name'));
    const suffix = classAttr(body, 'template_name_suffix');
    if (templates.length === 0 && !suffix) templates.push(`${app}/${name}_${kind}.html`);
    if (templates.length === 0) continue;
    const context = new Map<string, ContextValue>();
    const objectName = stringValue(classAttr(body, 'context_object_name'));
    if (kind === 'list') {
      for (const k of ['object_list', 'page_obj', `${name}_list`]) context.set(k, value);
      if (objectName) context.set(objectName, value);
    } else {
      const row: ContextValue = { ...value, kind: 'row' };
      for (const k of ['object', name]) context.set(k, row);
      if (objectName) context.set(objectName, row);
    }
    const extra = functionNamed(body, 'get_context_data');
    if (extra) {
      const ctxName = onlyReturn(extra);
      if (ctxName?.type === 'identifier') for (const [k, v] of contextOf(ctxName, extra, ev, uri)) context.set(k, v);
    }
    out.push({ templates, view: cls.childForFieldName('name')?.text ?? '?', uri, range: rangeOf(cls.childForFieldName('name') ?? cls), context });
  }
  return out;
}

/**
 * Inclusion tags: `@register.inclusion_tag("x.html")` on a function whose only return is the context (a dict literal
 * or a local dict). Only querysets the function builds itself are known; one derived from a parameter is not.
 */
function inclusionTagRenders(root: Node, ev: QuerysetEvaluator, uri: string): TemplateRender[] {
  const out: TemplateRender[] = [];
  for (const n of nodesOfType(root, 'decorated_definition')) {
    const def = n.childForFieldName('definition');
    if (def?.type !== 'function_definition') continue;
    for (const d of n.namedChildren) {
      const call = d?.type === 'decorator' ? d.namedChildren[0] : undefined;
      if (call?.type !== 'call' || !/(^|\.)inclusion_tag$/.test(calleeName(call) ?? '')) continue;
      const names = templateNames(keywordArg(call, 'filename') ?? positionalArgs(call)[0]);
      const ret = onlyReturn(def);
      if (names.length === 0 || !ret) continue;
      const context = contextOf(ret, def, ev, uri);
      out.push({ templates: names, view: def.childForFieldName('name')?.text ?? '?', uri, range: rangeOf(def.childForFieldName('name') ?? def), context });
    }
  }
  return out;
}

/** Every template render of one Python file whose template name is a literal. */
export function extractTemplateRenders(root: Node, ev: QuerysetEvaluator, uri: string): TemplateRender[] {
  const renders = [...functionRenders(root, ev, uri), ...classRenders(root, ev, uri), ...inclusionTagRenders(root, ev, uri)];
  const countName = countImport(root.text);
  if (countName) for (const r of renders) for (const v of r.context.values()) if (v.fixAt) v.countName = countName;
  return renders;
}

/** The module's name for django.db.models.Count, read from its imports (an annotate fix uses it, never adds an import). */
function countImport(text: string): string | undefined {
  if (/^from\s+django\.db\.models\s+import\s+(\([^)]*|[^\n]*)\bCount\b(?!\s+as\b)/m.test(text)) return 'Count';
  if (/^from\s+django\.db\s+import\s+(\([^)]*|[^\n]*)\bmodels\b(?!\s+as\b)/m.test(text)) return 'models.Count';
  return undefined;
}
