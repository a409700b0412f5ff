import type { ModelIndex } from '../django/modelIndex';
import type { Range } from '../parsing/textDocument';
import type { ContextValue, TemplateRender } from './viewRenders';
import type { Lookup, ParsedTemplate, TemplateNode } from './templateSyntax';

/** A template as the flow reads it: parsed once, found by name. */
export interface LoadedTemplate {
  uri: string;
  parsed: ParsedTemplate;
}

/** A loop of the template over rows: one factor of the cost. */
interface RowLoop {
  label: string;
  uri: string;
  start: number;
}

/** What a template variable holds, as far as the N+1 analysis follows it. */
interface Tracked {
  kind: 'rows' | 'row';
  model: string;
  /** The view's queryset the rows come from. */
  source: ContextValue;
  /** Relation path from the source's rows to these rows (`tags`, `author`). */
  path: string[];
  /** Whether the path crosses a many relation (then only prefetch_related loads it). */
  viaMany: boolean;
  /** Template loops over rows this value is one of (empty: read once per request). */
  loops: RowLoop[];
  /**
   * Rows reached through a reverse ForeignKey/OneToOne: Django caches the row they came from on each of them
   * (`review.book` is `book` again, no query).
   */
  parent?: { value: Tracked; field: string };
}

/** A relation read once per row of a template loop that the view's queryset does not load. */
export interface TemplateRead {
  kind: 'single' | 'many';
  /** `all`, `count`, `exists`, `first`, `last`, `length` (many) or the attribute (single). */
  method: string;
  uri: string;
  start: number;
  end: number;
  /** Relation path from the view's rows (`author`, `tags__category`). */
  relationPath: string;
  /** The path crosses a many relation: only prefetch_related can load it. */
  viaMany: boolean;
  model: string;
  source: ContextValue;
  loops: RowLoop[];
  render: TemplateRender;
  /** A `.first`/`.last` that a plain prefetch_related of the path would not answer (see servedFromPrefetch). */
  prefetchMisses?: true;
}

type Env = ReadonlyMap<string, Tracked>;

const MANY_METHODS = new Set(['all', 'count', 'exists', 'first', 'last']);
/** Lookups that evaluate the queryset they end on (`|length` counts by fetching every row). */
const EVALUATING_FILTERS = new Set(['length', 'first', 'last', 'join', 'dictsort', 'slice', 'random']);
const MAX_INCLUDE_DEPTH = 8;

export class TemplateFlow {
  readonly reads: TemplateRead[] = [];
  /** View querysets a template loop iterates as they are (the template evaluates them: one query each). */
  readonly iterated: ContextValue[] = [];
  /** Every template each render reaches (itself, its parents, its includes), by template uri. */
  readonly renderers = new Map<string, TemplateRender[]>();
  private render!: TemplateRender;
  /** Single relations already read per row: Django caches them on the instance, only the first read queries. */
  private readonly cached = new Set<string>();

  constructor(private readonly models: ModelIndex, private readonly load: (name: string) => LoadedTemplate | undefined) {}

  /** Follows one view's render through its template, its parents and its includes. */
  run(render: TemplateRender): void {
    this.render = render;
    this.cached.clear();
    const template = render.templates.map((n) => this.load(n)).find((t) => t !== undefined);
    if (!template) return;
    const env = new Map<string, Tracked>();
    for (const [name, value] of render.context) {
      env.set(name, { kind: value.kind, model: value.model, source: value, path: [], viaMany: false, loops: [] });
    }
    this.template(template, env, new Map(), 0);
  }

  private template(t: LoadedTemplate, env: Env, overrides: ReadonlyMap<string, { uri: string; node: Extract<TemplateNode, { type: 'block' }> }>, depth: number): void {
    if (depth > MAX_INCLUDE_DEPTH) return;
    const seen = this.renderers.get(t.uri) ?? [];
    if (!seen.includes(this.render)) this.renderers.set(t.uri, [...seen, this.render]);
    const hasExtends = t.parsed.nodes.some((n) => n.type === 'extends');
    if (hasExtends) {
      // The child's blocks replace the parent's; a child deeper down the chain wins.
      const merged = new Map(overrides);
      for (const [name, node] of t.parsed.blocks) if (!merged.has(name)) merged.set(name, { uri: t.uri, node });
      const parent = t.parsed.extends ? this.load(t.parsed.extends) : undefined;
      if (parent) this.template(parent, env, merged, depth + 1);
      else for (const b of merged.values()) this.nodes(b.node.body, b.uri, env, merged, depth); // parent unknown: its blocks still render
      return;
    }
    this.nodes(t.parsed.nodes, t.uri, env, overrides, depth);
  }

  private nodes(nodes: readonly TemplateNode[], uri: string, env: Env, overrides: ReadonlyMap<string, { uri: string; node: Extract<TemplateNode, { type: 'block' }> }>, depth: number): void {
    // A part of a template that names none of the tracked variables and has no block or include does nothing here:
    // skipped (a base template walked for every render that extends it, with the variables of none of them).
    const summary = summaryOf(nodes);
    if (!summary.opens && !namesAny(summary.names, env)) return;
    for (const n of nodes) {
      switch (n.type) {
        case 'var':
          if (n.lookup) this.lookup(n.lookup, uri, env, true);
          break;
        case 'tag':
          for (const l of n.lookups) this.lookup(l, uri, env, true);
          break;
        case 'branches':
          for (const l of n.conditions) this.lookup(l, uri, env, true);
          for (const b of n.branches) this.nodes(b, uri, env, overrides, depth);
          break;
        case 'with': {
          const inner = new Map(env);
          for (const [name, l] of n.bindings) bind(inner, name, l && this.lookup(l, uri, env, false));
          this.nodes(n.body, uri, inner, overrides, depth);
          break;
        }
        case 'for': {
          const iter = n.iter && this.lookup(n.iter, uri, env, true);
          if (iter?.kind === 'rows' && iter.path.length === 0 && iter.loops.length === 0 && !this.iterated.includes(iter.source)) this.iterated.push(iter.source);
          const inner = new Map(env);
          for (const t of n.targets) inner.delete(t);
          if (iter?.kind === 'rows' && n.targets.length === 1) {
            const label = iter.path.length === 0 ? `rows of ${iter.source.label}` : `${n.iter?.path.join('.')} rows`;
            inner.set(n.targets[0], { ...iter, kind: 'row', loops: [...iter.loops, { label, uri, start: n.start }] });
          }
          this.nodes(n.body, uri, inner, overrides, depth);
          this.nodes(n.empty, uri, env, overrides, depth);
          break;
        }
        case 'block': {
          const own = overrides.get(n.name);
          if (own && own.node !== n) {
            this.nodes(own.node.body, own.uri, env, overrides, depth);
            if (own.node.usesSuper) this.nodes(n.body, uri, env, overrides, depth);
          } else this.nodes(n.body, uri, env, overrides, depth);
          break;
        }
        case 'include': {
          const target = n.name ? this.load(n.name) : undefined;
          if (!target) break;
          const inner = n.only ? new Map<string, Tracked>() : new Map(env);
          for (const [name, l] of n.bindings) bind(inner, name, l && this.lookup(l, uri, env, false));
          this.template(target, inner, new Map(), depth + 1);
          break;
        }
        case 'extends':
          break;
      }
    }
  }

  /**
   * Walks `a.b.c` from a tracked variable, recording each relation read that costs a query per row; returns what the
   * lookup denotes when it is still rows or a row. `evaluated`: the value is output or iterated (not only bound).
   */
  private lookup(l: Lookup, uri: string, env: Env, evaluated: boolean): Tracked | undefined {
    let cur = env.get(l.path[0]);
    if (!cur) return undefined;
    let end = l.start + l.path[0].length;
    for (let i = 1; i < l.path.length && cur; i++) {
      const seg = l.path[i];
      end += seg.length + 1;
      if (cur.kind === 'row' && cur.parent?.field === seg) {
        cur = cur.parent.value;
        continue;
      }
      if (cur.kind === 'rows') {
        if (seg === 'all') continue;
        return undefined; // count/exists on the view's own queryset run once per request
      }
      const rel = this.models.relation(cur.model, seg);
      if (!rel) return undefined; // a column, a property or a method: not followed
      if (!rel.target || rel.kind === 'generic-fk' || rel.kind === 'generic-relation') return undefined;
      const path: string[] = [...cur.path, seg];
      if (rel.many) {
        const next = l.path[i + 1];
        const filter = l.filters[0];
        const methodName = next && MANY_METHODS.has(next) ? next : undefined;
        const evaluates = methodName !== undefined && (methodName !== 'all' || evaluated || i + 2 < l.path.length || (filter !== undefined && EVALUATING_FILTERS.has(filter)));
        const back = rel.kind === 'reverse-fk' ? this.backField(rel.target, rel.range) : undefined;
        const rowsValue: Tracked = { kind: 'rows', model: rel.target, source: cur.source, path, viaMany: true, loops: cur.loops, parent: back ? { value: cur, field: back } : undefined };
        if (methodName && evaluates) {
          this.record(cur, 'many', methodName === 'all' && filter === 'length' ? 'length' : methodName, path, l.start, end + next.length + 1, uri);
        }
        if (methodName !== 'all') return undefined;
        cur = rowsValue;
        i++;
        end += next.length + 1;
        continue;
      }
      this.record(cur, 'single', seg, path, l.start, end, uri);
      const back = rel.kind === 'reverse-o2o' ? this.backField(rel.target, rel.range) : undefined;
      cur = { kind: 'row', model: rel.target, source: cur.source, path, viaMany: cur.viaMany, loops: cur.loops, parent: back ? { value: cur, field: back } : undefined };
    }
    return cur;
  }

  /** The forward field a reverse relation comes from (same declaration), which points back at the parent row. */
  private backField(model: string, range: Range | undefined): string | undefined {
    if (!range) return undefined;
    for (const rel of this.models.get(model)?.relations.values() ?? []) {
      if ((rel.kind === 'fk' || rel.kind === 'o2o') && rel.range && rel.range.start.line === range.start.line && rel.range.start.character === range.start.character) return rel.accessor;
    }
    return undefined;
  }

  private record(from: Tracked, kind: 'single' | 'many', method: string, path: string[], start: number, end: number, uri: string): void {
    if (from.loops.length === 0 || loaded(this.models, from.source, path, kind, method)) return;
    if (from.source.opaque.some((p) => startsWithPath(path, p))) return;
    if (kind === 'single') {
      const key = `${from.loops.map((l) => `${l.uri}:${l.start}`).join('>')}|${path.join('__')}`;
      if (this.cached.has(key)) return;
      this.cached.add(key);
    }
    this.reads.push({
      kind, method, uri, start, end, relationPath: path.join('__'), viaMany: from.viaMany, model: from.model, source: from.source, loops: from.loops, render: this.render,
      ...(kind === 'many' && !servedFromPrefetch(this.models, from.source.model, path, method) ? { prefetchMisses: true as const } : {}),
    });
  }
}

/** The first names of every lookup in a list of template nodes (nested ones included), and whether it holds a block or an include. */
interface NodesSummary {
  names: ReadonlySet<string>;
  opens: boolean;
}

/** By node list: parsed templates are kept while their text does not change, and so are these. */
const SUMMARIES = new WeakMap<readonly TemplateNode[], NodesSummary>();

function summaryOf(nodes: readonly TemplateNode[]): NodesSummary {
  const known = SUMMARIES.get(nodes);
  if (known) return known;
  const names = new Set<string>();
  let opens = false;
  const add = (l: Lookup | undefined): void => {
    if (l) names.add(l.path[0]);
  };
  const merge = (inner: readonly TemplateNode[]): void => {
    const s = summaryOf(inner);
    for (const n of s.names) names.add(n);
    opens ||= s.opens;
  };
  for (const n of nodes) {
    switch (n.type) {
      case 'var':
        add(n.lookup);
        break;
      case 'tag':
        n.lookups.forEach(add);
        break;
      case 'branches':
        n.conditions.forEach(add);
        n.branches.forEach(merge);
        break;
      case 'with':
        n.bindings.forEach(add);
        merge(n.body);
        break;
      case 'for':
        add(n.iter);
        merge(n.body);
        merge(n.empty);
        break;
      case 'block':
      case 'include':
        opens = true;
        break;
      case 'extends':
        break;
    }
  }
  const summary = { names, opens };
  SUMMARIES.set(nodes, summary);
  return summary;
}

function namesAny(names: ReadonlySet<string>, env: Env): boolean {
  for (const name of env.keys()) if (names.has(name)) return true;
  return false;
}

function bind(env: Map<string, Tracked>, name: string, value: Tracked | undefined): void {
  if (value) env.set(name, value);
  else env.delete(name);
}

/**
 * What Django answers from a prefetched manager's cache: `.last` reverses the order and always queries; `.first`
 * adds `order_by("pk")` (a query) unless the related model is ordered (Meta.ordering). Checked against Django in
 * test/django/prefetchOrdering.test.ts.
 */
function servedFromPrefetch(models: ModelIndex, model: string, path: readonly string[], method: string): boolean {
  if (method === 'last') return false;
  if (method !== 'first') return true;
  let target: string | undefined = model;
  for (const seg of path) target = target ? models.relation(target, seg)?.target : undefined;
  const info = target === undefined ? undefined : models.get(target);
  // An unknown target: whether it is ordered cannot be known, so the read stays served (silent).
  return info === undefined || info.ordered === true;
}

function startsWithPath(path: readonly string[], prefix: string): boolean {
  const p = prefix.split('__');
  return p.every((s, i) => path[i] === s);
}

/** Whether the view's queryset already loads `path` (joined, or prefetched into the rows' caches). */
function loaded(models: ModelIndex, source: ContextValue, path: readonly string[], kind: 'single' | 'many', method: string): boolean {
  const key = path.join('__');
  // prefetch_related("a__b") loads a and a__b.
  if (source.prefetched.some((p) => p === key || p.startsWith(`${key}__`))) return servedFromPrefetch(models, source.model, path, method);
  if (kind === 'many') return false;
  if (source.selected !== 'all') return source.selected.some((p) => p === key || p.startsWith(`${key}__`)) ||
    // select_related("a") below a prefetched relation: prefetch_related("tags__category") was checked above.
    false;
  // A bare select_related() follows non-null forward foreign keys only.
  let model = source.model;
  for (const seg of path) {
    const rel = models.relation(model, seg);
    if (!rel?.target || !['fk', 'o2o', 'parent-link'].includes(rel.kind) || rel.nullable) return false;
    model = rel.target;
  }
  return true;
}
