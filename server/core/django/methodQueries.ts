import type { Range } from '../parsing/textDocument';
import { LineMap } from '../parsing/textDocument';
import { RuleContext } from '../rules/context';
import type { ModelIndex, RelationInfo } from './modelIndex';
import type { ParamRead } from '../workspace/functionSummaries';
import { MAX_CALLER_FILES } from '../workspace/callers';
import { isTestPath } from './callerArguments';
import { helperCalls, helperLabel, type HelperRowCall } from './helperCalls';
import { allManagerUses, kindOf, managerCost, type ManagerUseKind } from './n1Analysis';
import type { Finding } from '../rules/types';
import { rangeOf } from '../python/syntax';
import { MemoKey } from '../memo';

/**
 * A model method or property whose query on a related manager of `self` no prefetch can serve
 * (`self.likes.filter(...)`, `.values_list()`, `.aggregate()`, `first()` on an unordered relation): every caller that
 * runs it per row pays a query per row whatever its queryset prefetches, so the fix belongs in the method. It is
 * reported once, at the query in the method (DJP112), with the loops that call it; those loops' own N+1 rules leave
 * that use to it (`reportedAtMethod`), so one cause gives one finding.
 */

/** The relation a read of `self` ends on and how it is used, when no prefetch serves that use. */
export interface DefeatingUse {
  path: string;
  rel: RelationInfo;
  kind: ManagerUseKind;
  decisive?: string;
}

export function defeatingUse(models: ModelIndex, model: string, read: ParamRead): DefeatingUse | undefined {
  if (!read.evaluated) return undefined;
  let cur = model;
  for (let i = 0; i < read.attrs.length; i++) {
    const rel = models.relation(cur, read.attrs[i]);
    if (!rel?.target) return undefined;
    if (!rel.many) {
      cur = rel.target;
      continue;
    }
    if (i !== read.attrs.length - 1) return undefined;
    const { kind, decisive } = kindOf(read.methods);
    // first() is served by a prefetch when the related model is ordered (Meta.ordering): the caller can fix that one.
    const defeats = kind === 'requery' || kind === 'aggregate' || (kind === 'first' && !models.get(rel.target)?.ordered);
    return defeats ? { path: read.attrs.join('__'), rel, kind, decisive } : undefined;
  }
  return undefined;
}

const DEFEATING_NAMES = new WeakMap<ModelIndex, string[]>();

/** Names of the workspace's model methods and properties with a query no prefetch serves (once per model index). */
function defeatingMethodNames(models: ModelIndex): string[] {
  let names = DEFEATING_NAMES.get(models);
  if (!names) {
    const set = new Set<string>();
    for (const m of models.models()) for (const [name, entry] of m.methodReads ?? []) if (entry.reads.some((r) => defeatingUse(models, m.key, r))) set.add(name);
    names = [...set];
    DEFEATING_NAMES.set(models, names);
  }
  return names;
}

/** The bare method name of a model method call (`Story.team_name` -> `team_name`). */
function methodName(call: HelperRowCall): string {
  return call.name.slice(call.name.lastIndexOf('.') + 1);
}

/**
 * Whether the method-level finding takes this use of a row loop: a model method call on the row whose read no
 * prefetch serves, in application code (test loops keep their own findings), and whose callers the method's file
 * can look up (the same bound as the lookup below: otherwise the loop reports it, as before).
 */
export function reportedAtMethod(ctx: RuleContext, call: HelperRowCall, read: ParamRead, model: string): boolean {
  if (call.param !== 'self' || !call.name.includes('.')) return false;
  if (!defeatingUse(ctx.workspace.models, model, read)) return false;
  const index = ctx.workspace.callers;
  if (isTestPath(index?.relPathOf(ctx.file.uri) ?? ctx.file.uri)) return false;
  if (!index) return !call.uri; // without a workspace, only the method's own file is searched
  return index.filesMentioning(methodName(call)).length <= MAX_CALLER_FILES;
}

/** One loop that calls the method per row. */
export interface MethodCaller {
  uri: string;
  call: HelperRowCall;
  /** The query as this call reaches it (`via`: the methods of self in between). */
  read: ParamRead;
}

/** One defeating query of a method, with the loops that run it per row. */
export interface MethodQuery {
  read: ParamRead;
  /** Model and method names the query is reached through (`Story.team_name`), one per model sharing the method. */
  methods: string[];
  use: DefeatingUse;
  callers: MethodCaller[];
}

const CONTEXTS = new MemoKey<Map<string, RuleContext | null>>('caller file contexts for method queries');
const METHOD_QUERIES = new MemoKey<MethodQuery[]>('defeating model method queries of this file');

function sameRead(a: ParamRead, b: ParamRead): boolean {
  return a.text === b.text && a.range.start.line === b.range.start.line && a.range.start.character === b.range.start.character;
}

function rangeKey(r: Range): string {
  return `${r.start.line}:${r.start.character}`;
}

/** The analysis context of another workspace file (parsed through the caller index, kept for this file's analysis). */
function contextOf(ctx: RuleContext, uri: string): RuleContext | undefined {
  if (uri === ctx.file.uri) return ctx;
  return ctx.memos.entry(CONTEXTS, uri, () => {
    const f = ctx.workspace.callers?.file(uri);
    return f ? new RuleContext({ uri, text: f.text, tree: f.root.tree, lineMap: new LineMap(f.text) }, ctx.workspace, ctx.settings) : null;
  }) ?? undefined;
}

/** Every defeating query written in this file's model methods, with the row loops of the workspace that call them. */
export function methodQueries(ctx: RuleContext): MethodQuery[] {
  return ctx.memos.get(METHOD_QUERIES, () => {
    const models = ctx.workspace.models;
    const byRead = new Map<string, MethodQuery>();
    const names = new Map<string, Set<string>>();
    for (const { model, name, entry } of models.methodReadsIn(ctx.file.uri)) {
      for (const read of entry.reads) {
        const use = defeatingUse(models, model.key, read);
        if (!use) continue;
        const key = `${rangeKey(read.range)}:${read.text}`;
        let q = byRead.get(key);
        if (!q) byRead.set(key, (q = { read, methods: [], use, callers: [] }));
        if (!q.methods.includes(`${model.name}.${name}`)) q.methods.push(`${model.name}.${name}`);
        (names.get(key) ?? names.set(key, new Set()).get(key) as Set<string>).add(name);
      }
    }
    if (byRead.size === 0) return [];
    const index = ctx.workspace.callers;
    for (const [key, q] of byRead) {
      for (const name of names.get(key) ?? []) {
        const uris = index ? index.filesMentioning(name) : [ctx.file.uri];
        if (uris.length > MAX_CALLER_FILES) continue;
        const called = new RegExp(`\\.${name}\\b`);
        for (const uri of uris) {
          const text = uri === ctx.file.uri ? ctx.file.text : index?.textOf(uri);
          // Only files that use the name on something and loop are parsed.
          if (!text || !called.test(text) || !/\b(?:for|while)\b/.test(text)) continue;
          if (isTestPath(index?.relPathOf(uri) ?? uri)) continue;
          const c = contextOf(ctx, uri);
          if (!c) continue;
          for (const loop of c.rowLoops()) {
            for (const call of helperCalls(c, loop)) {
              const read = call.param === 'self' && methodName(call) === name ? call.reads.find((r) => sameRead(r, q.read)) : undefined;
              if (read && !q.callers.some((x) => x.uri === uri && x.call.call.id === call.call.id)) q.callers.push({ uri, call, read });
            }
          }
        }
      }
    }
    return [...byRead.values()].filter((q) => q.callers.length > 0);
  });
}

/**
 * The per-row cost, at each calling loop of this file, of the queries reported at their model method (DJP112): not
 * findings of this file (the method's file reports them once), but what the endpoint profiles price at the call.
 */
export function methodQueryCallCosts(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  // Only files naming such a method can call one (most files: no row loop is evaluated for this).
  if (!defeatingMethodNames(ctx.workspace.models).some((n) => ctx.file.text.includes(`.${n}`))) return out;
  for (const use of allManagerUses(ctx)) {
    if (!use.via || !reportedAtMethod(ctx, use.via.call, use.via.read, use.loop.source.model)) continue;
    out.push({
      code: 'DJP112', range: rangeOf(use.expr), cost: managerCost(use, 1, ctx),
      message: `${helperLabel(use.via.call)} runs \`${use.via.read.text}\` per row (reported at the method)`,
    });
  }
  return out;
}
