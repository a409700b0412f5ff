import type { Node, Tree } from '../parsing/syntaxTree';
import type { Range } from '../parsing/textDocument';
import { calleeMethod, calleeName, positionalArgs, rangeOf, walk, parentOf, isAsyncDef, keepsStatementsAcrossVersions, statementVersionKey } from '../python/syntax';
import { scopeOfDefinition } from '../python/semantic/bindings';
import { classesRead, returnsRead } from '../python/semantic/infer';
import { workspaceTypeLookup, type WorkspaceTypeLookup } from '../python/semantic/workspaceLookup';
import { MemoKey } from '../memo';
import { chainUses } from '../django/managerChains';
import { classifyBlocking, CATEGORY_LABEL } from '../django/blockingCalls';
import { CHAIN_METHODS, INSTANCE_METHODS, TERMINAL_METHODS } from '../django/querysetValue';
import { ModuleTable, splitQualified } from './modulePaths';
import { querysetMethodSteps, type QuerysetStep } from '../django/querysetMethods';

/**
 * Per-function summaries of a module's top-level functions: which attribute chains each parameter is read
 * through (`product.category.name`, `product.tags.all()` iterated), and the first ORM query / blocking call the
 * function runs itself. Plain data, model-agnostic (models are resolved where the summary is used), so a
 * helper module contributes them to the workspace index and callers in other files can follow one call level.
 */

/** One attribute chain read from a parameter. */
export interface ParamRead {
  /** Data attributes from the parameter on, up to the first method call: `['category', 'name']`. */
  attrs: string[];
  /** Methods called on the last attribute (`['all']`, `['filter', 'count']`), as N+1 analysis classifies them. */
  methods: string[];
  /** Whether the method chain runs (iterated, `list()`ed, counted). */
  evaluated: boolean;
  /** The read as written (`product.category.name`), for messages. */
  text: string;
  range: Range;
  /** Methods of `self` the read is reached through (`['board_label']`: `team_name()` calls `self.board_label()`). */
  via?: string[];
}

/** Something the function does that blocks: an ORM query on `Model.objects` or blocking I/O (DJP305). */
export interface BlockingWork {
  kind: 'query' | 'blocking';
  text: string;
  range: Range;
  /** Class name of the manager's model (`Product` in `Product.objects.get(...)`): a query only when it is a model. */
  model?: string;
  /** Blocking: label of the category (`an HTTP request`) and a typical time. */
  label?: string;
  estimatedMs?: number;
  /** Functions of the same module the work is reached through (`load_titles()` -> `_inner()` runs the query). */
  via?: string[];
}

export interface FunctionSummary {
  name: string;
  /** Parameters that can be passed positionally, in order (keyword-only ones follow, see `kwOnly`). */
  params: string[];
  kwOnly?: string[];
  isAsync: boolean;
  /** Reads per parameter name (only parameters that are never rebound in the body). */
  reads: Record<string, ParamRead[]>;
  /** First query and first blocking call the function runs itself (nested defs/lambdas excluded). */
  work?: BlockingWork[];
  range: Range;
  /**
   * Every `return` gives this parameter back through queryset calls (`return qs.filter(...).select_related("a")`, locals
   * assigned once followed): a caller's queryset keeps its model and gains these steps' loads.
   */
  returnsParam?: ParamReturn;
  /** Parameters the body calls (`fn(v)`): a callable passed for them runs when the function does (DJP305). */
  callsParams?: string[];
}

const DEF_HEAD = /^(?:async[ \t]+)?def[ \t]+\w+[ \t]*\(([^)]*)\)/gm;
const NOT_ROWS = new Set(['self', 'cls', 'request', 'args', 'kwargs']);
/** Text that a query or a blocking call needs: a manager, or a module djperf knows blocking calls of. */
const MAY_WORK = /\.(?:objects|_default_manager)\b|\b(?:requests|httpx|urllib3?|subprocess|smtplib|socket|time\.sleep|get_object_or_404)\b/;

/**
 * Cheap text test: a top-level `def` whose parameter is read through an attribute (`p.x.y`, `p.x(`), or that may
 * run a query / blocking call. Files failing it have nothing a caller could follow.
 */
export function mayHaveFunctionSummaries(text: string): boolean {
  // Top-level functions without row parameters matter too when they query or block (DJP305 follows them).
  if (/^def\s/m.test(text) && MAY_WORK.test(text)) return true;
  DEF_HEAD.lastIndex = 0;
  for (let m = DEF_HEAD.exec(text); m; m = DEF_HEAD.exec(text)) {
    for (const raw of m[1].split(',')) {
      const name = raw.replace(/[:=][\s\S]*$/, '').replace(/^\s*\*+/, '').trim();
      if (!/^[A-Za-z_]\w*$/.test(name) || NOT_ROWS.has(name)) continue;
      // `p.x` (a read), or `p(` (a callable parameter the function calls).
      if (new RegExp(`\\b${name}(?:\\.[A-Za-z_]|\\s*\\()`).test(text)) return true;
    }
  }
  return false;
}

/** The parameter keeps the caller's argument throughout the body: nothing else in the function binds its name. */
function neverRebound(def: Node, param: string): boolean {
  const bindings = scopeOfDefinition(def)?.bindings.get(param);
  return !!bindings && bindings.every((b) => b.kind === 'parameter');
}

function paramName(p: Node): string | undefined {
  switch (p.type) {
    case 'identifier':
      return p.text;
    case 'typed_parameter':
      return p.namedChildren[0]?.type === 'identifier' ? p.namedChildren[0].text : undefined;
    case 'default_parameter':
    case 'typed_default_parameter':
      return p.childForFieldName('name')?.text;
    default:
      return undefined;
  }
}

function parametersOf(def: Node): { params: string[]; kwOnly: string[] } {
  const params: string[] = [];
  const kwOnly: string[] = [];
  let star = false;
  for (const p of def.childForFieldName('parameters')?.namedChildren ?? []) {
    if (!p) continue;
    if (p.type === 'list_splat_pattern' || p.type === 'keyword_separator' || p.type === 'dictionary_splat_pattern') {
      star = true;
      continue;
    }
    if (p.type === 'positional_separator') continue;
    const name = paramName(p);
    if (name) (star ? kwOnly : params).push(name);
  }
  return { params, kwOnly };
}

function isScopeNode(type: string): boolean {
  return type === 'function_definition' || type === 'lambda' || type === 'class_definition';
}

const MANAGER_CHAIN = /^([A-Z]\w*)\.(?:objects|_default_manager)\b/;

function isSyncQueryMethod(m: string): boolean {
  if (!INSTANCE_METHODS.has(m) && !TERMINAL_METHODS.has(m)) return false;
  // `aget`, `acount`…: the async API is not blocking.
  return !(m.startsWith('a') && (INSTANCE_METHODS.has(m.slice(1)) || TERMINAL_METHODS.has(m.slice(1)) || CHAIN_METHODS.has(m.slice(1))));
}

/**
 * The attribute chains a function reads from one parameter (`self` of a model method: `self.author.name`,
 * `self.likes.count()`), deduplicated; nested functions and classes excluded.
 */
export function parameterReads(def: Node, param: string): ParamRead[] {
  const body = def.childForFieldName('body');
  if (!body || !body.text.includes(`${param}.`)) return [];
  const reads: ParamRead[] = [];
  walk(body, (n) => {
    if (n.id !== body.id && isScopeNode(n.type)) return false;
    if (n.type === 'identifier' && n.text === param) {
      const read = readOf(n, body);
      if (read && !reads.some((r) => r.text === read.text && r.methods.join() === read.methods.join() && r.evaluated === read.evaluated)) reads.push(read);
    }
    return true;
  });
  return reads;
}

/** A helper that hands its parameter back chained: which parameter and the loading steps applied on the way. */
export interface ParamReturn {
  param: string;
  /** Its position among the positional parameters (-1: keyword-only). */
  index: number;
  steps: QuerysetStep[];
}

/**
 * `def scoped(qs): return qs.filter(...).select_related("a")` (or `x = qs.extra(...); return x`): the parameter every
 * return hands back through queryset calls, and their loading steps. Undefined when a return gives anything else, or
 * the parameter is rebound. Decorated functions are not read (a decorator may change what is returned).
 */
export function paramReturnSteps(def: Node): ParamReturn | undefined {
  const body = def.childForFieldName('body');
  if (!body || !/\breturn\b/.test(body.text) || parentOf(def)?.type === 'decorated_definition' || isAsyncDef(def)) return undefined;
  const { params, kwOnly } = parametersOf(def);
  const all = [...params, ...kwOnly];
  // The scope is built only for a function with a parameter worth following (most views take only `request`).
  if (!all.some((p) => !NOT_ROWS.has(p))) return undefined;
  const scope = scopeOfDefinition(def);
  const local = (n: Node): Node | undefined => {
    const bs = scope?.bindings.get(n.text);
    return bs?.length === 1 && bs[0].kind === 'assignment' && !bs[0].path ? bs[0].value : undefined;
  };
  for (const [i, param] of all.entries()) {
    if (NOT_ROWS.has(param) || !neverRebound(def, param)) continue;
    const steps = querysetMethodSteps(def, (n) => n.type === 'identifier' && n.text === param, local);
    if (steps) return { param, index: i < params.length ? i : -1, steps };
  }
  return undefined;
}

/** Summaries of the module-level functions of a tree (decorated ones included). */
export function summarizeFunctions(tree: Tree): FunctionSummary[] {
  // Only error-free versions: with error recovery, the same function text can parse differently from one version to
  // the next, so its summary is not a function of its text then.
  const memo = keepsStatementsAcrossVersions(tree) ? reusableSummaries(tree) : undefined;
  const kept = new Map<string, Summarised | null>();
  const out: Summarised[] = [];
  for (const stmt of tree.rootNode.namedChildren) {
    const def = definitionOf(stmt);
    if (def?.type !== 'function_definition') continue;
    let summary: Summarised | null | undefined;
    if (memo) {
      // Its ranges are fixed by its text and where it starts.
      const key = statementVersionKey(stmt);
      summary = memo.byFunction.get(key);
      if (summary === undefined) summary = summariseFunction(def) ?? null;
      kept.set(key, summary);
    } else {
      summary = summariseFunction(def);
    }
    if (summary) out.push(summary);
  }
  if (memo) {
    memo.byFunction = kept;
    for (const read of [...returnsRead(tree), ...classesRead(tree)]) {
      const stmt = topLevelStatement(read);
      if (stmt && definitionKeyword(stmt)) memo.statementsRead.add(stmt.text);
    }
  }
  return propagateWork(out);
}

/** A function's own summary, and the module-level names its body calls (for same-module propagation). */
interface Summarised {
  summary: FunctionSummary;
  callees: readonly string[];
}

/** One function's summary before same-module propagation, or undefined when there is nothing a caller could use. */
function summariseFunction(def: Node): Summarised | undefined {
  const name = def.childForFieldName('name')?.text;
  const body = def.childForFieldName('body');
  if (!name || !body) return undefined;
  const { params, kwOnly } = parametersOf(def);
  const bodyText = body.text;
  const candidates = new Set([...params, ...kwOnly].filter((p) => !NOT_ROWS.has(p) && bodyText.includes(`${p}.`) &&
    neverRebound(def, p)));
  const reads: Record<string, ParamRead[]> = {};
  const work: BlockingWork[] = [];
  const mayWork = /\.(?:objects|_default_manager)\b|\(/.test(bodyText);
  let query: BlockingWork | undefined;
  let blocking: BlockingWork | undefined;
  walk(body, (n) => {
    if (n.id !== body.id && isScopeNode(n.type)) return false;
    if (n.type === 'identifier' && candidates.has(n.text)) {
      const read = readOf(n, body);
      if (read) {
        const list = (reads[n.text] ??= []);
        if (!list.some((r) => r.text === read.text && r.methods.join() === read.methods.join() && r.evaluated === read.evaluated)) list.push(read);
      }
    } else if (mayWork && n.type === 'call') {
      if (!query) query = queryOf(n);
      if (!blocking) {
        const b = classifyBlocking(n);
        if (b) blocking = { kind: 'blocking', text: n.text.split('\n')[0].slice(0, 80), range: rangeOf(n), label: CATEGORY_LABEL[b.category], estimatedMs: b.estimatedMs };
      }
    } else if (mayWork && n.type === 'for_statement' && !query) {
      const right = n.childForFieldName('right');
      const m = right ? MANAGER_CHAIN.exec(right.text) : null;
      if (right && m && !/\.a\w+\(/.test(right.text)) query = { kind: 'query', text: right.text.split('\n')[0].slice(0, 80), range: rangeOf(right), model: m[1] };
    }
    return true;
  });
  if (query) work.push(query);
  if (blocking) work.push(blocking);
  const callees = mayWork ? calledNames(body) : [];
  const returnsParam = paramReturnSteps(def);
  const callsParams = mayWork ? calledNames(body).filter((c) => (params.includes(c) || kwOnly.includes(c)) && neverRebound(def, c)) : [];
  if (Object.keys(reads).length === 0 && work.length === 0 && callees.length === 0 && !returnsParam && !callsParams.length) return undefined;
  const summary: FunctionSummary = {
    name, params, ...(kwOnly.length ? { kwOnly } : {}), isAsync: isAsyncDef(def), reads, ...(returnsParam ? { returnsParam } : {}), ...(callsParams.length ? { callsParams } : {}),
    ...(work.length ? { work } : {}), range: rangeOf(def.childForFieldName('name') ?? def),
  };
  return { summary, callees };
}

/**
 * The summaries an edited document's previous versions computed, by function (place and text), and what they
 * depend on besides their own function: the module's other statements (imports, globals, which names its
 * functions and classes bind) and the functions and classes inference read (a call's result typed through another
 * function's `return`, an instance's attribute through its class body). Dropped whole when any of that changed; a
 * keystroke in one function body, or in a class body no summary read (a viewset's attributes), keeps the rest.
 */
interface SummaryMemo {
  /** The module's statements, each function and class reduced to its name. */
  context: string;
  /** Other modules' exported types, when the model had them (an analysed tree summarised again). */
  lookup: WorkspaceTypeLookup | undefined;
  /** Texts of the top-level functions and classes inference read (returns, members) while the memo lived. */
  statementsRead: Set<string>;
  /** Summary before propagation (null: none), by `line:character` of the function's start and its text. */
  byFunction: Map<string, Summarised | null>;
}

const SUMMARY_MEMO = new MemoKey<SummaryMemo>('function summaries by function');

function reusableSummaries(tree: Tree): SummaryMemo {
  const definitionTexts = new Set<string>();
  const context: string[] = [];
  for (const stmt of tree.rootNode.namedChildren) {
    const keyword = definitionKeyword(stmt);
    if (keyword) {
      definitionTexts.add(stmt.text);
      context.push(`${keyword} ${definitionOf(stmt)?.childForFieldName('name')?.text ?? ''}`);
    } else {
      context.push(stmt.text);
    }
  }
  const joined = context.join('\n\0');
  const lookup = workspaceTypeLookup(tree);
  const prev = tree.acrossVersions.peek(SUMMARY_MEMO);
  if (prev && prev.context === joined && prev.lookup === lookup && [...prev.statementsRead].every((t) => definitionTexts.has(t))) return prev;
  const fresh: SummaryMemo = { context: joined, lookup, statementsRead: new Set(), byFunction: new Map() };
  tree.acrossVersions.set(SUMMARY_MEMO, fresh);
  return fresh;
}

/** The def or class a module-level statement is, through its decorators (or the statement itself). */
function definitionOf(stmt: Node): Node | null {
  return stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
}

/** `def` or `class` for a (decorated) function or class statement, else undefined. */
function definitionKeyword(stmt: Node): 'def' | 'class' | undefined {
  const type = definitionOf(stmt)?.type;
  return type === 'function_definition' ? 'def' : type === 'class_definition' ? 'class' : undefined;
}

/** The module-level statement that contains `node`. */
function topLevelStatement(node: Node): Node | undefined {
  let cur: Node = node;
  while (cur.parent && cur.parent.parent) cur = cur.parent;
  return cur.parent ? cur : undefined;
}

const MAX_WORK_HOPS = 3;

/**
 * A function that does no work itself but calls sync functions of its module that do (up to MAX_WORK_HOPS deep) gets
 * their first query / blocking call, with the functions in between (`via`). Summaries with nothing are dropped.
 */
function propagateWork(summarised: readonly Summarised[]): FunctionSummary[] {
  // Copy on write: an edited document's summaries are kept from version to version (see SummaryMemo), and a summary
  // that gains no work is returned as it is, so the index compares it by identity.
  const current = summarised.map((e) => e.summary);
  const byName = new Map(summarised.map((e, i) => [e.summary.name, i]));
  for (let round = 0; round < MAX_WORK_HOPS; round++) {
    let changed = false;
    for (let i = 0; i < current.length; i++) {
      for (const kind of ['query', 'blocking'] as const) {
        const s = current[i];
        if (s.work?.some((w) => w.kind === kind)) continue;
        for (const name of summarised[i].callees) {
          const at = byName.get(name);
          const callee = at === undefined ? undefined : current[at];
          const w = callee && !callee.isAsync && at !== i ? callee.work?.find((x) => x.kind === kind) : undefined;
          if (!w || (w.via ?? []).includes(s.name)) continue;
          current[i] = { ...s, work: [...(s.work ?? []), { ...w, via: [name, ...(w.via ?? [])] }] };
          changed = true;
          break;
        }
      }
    }
    if (!changed) break;
  }
  return current.filter((s) => Object.keys(s.reads).length > 0 || s.work?.length || s.returnsParam || s.callsParams);
}

/** Names called directly in a body as `name(...)` (nested defs and lambdas excluded), for same-module propagation. */
function calledNames(body: Node): string[] {
  const out = new Set<string>();
  walk(body, (n) => {
    if (n.id !== body.id && isScopeNode(n.type)) return false;
    if (n.type === 'call') {
      const fn = n.childForFieldName('function');
      if (fn?.type === 'identifier' && parentOf(n)?.type !== 'await') out.add(fn.text);
    }
    return true;
  });
  return [...out];
}

const EVALUATING_BUILTINS = new Set(['list', 'tuple', 'set', 'sorted', 'len', 'bool', 'dict', 'frozenset']);

/** `Product.objects.filter(...).get(...)`, `get_object_or_404(Product, ...)`: a query the function runs. */
function queryOf(call: Node): BlockingWork | undefined {
  const callee = calleeName(call);
  if (callee === 'get_object_or_404' || callee === 'get_list_or_404') {
    const first = positionalArgs(call)[0];
    if (first?.type === 'identifier') return { kind: 'query', text: call.text.split('\n')[0].slice(0, 80), range: rangeOf(call), model: first.text };
    return undefined;
  }
  // `list(Book.objects.values_list(...))`: a builtin that iterates its argument runs the queryset.
  if (callee && EVALUATING_BUILTINS.has(callee)) {
    const first = positionalArgs(call)[0];
    const hit = first?.type === 'call' ? MANAGER_CHAIN.exec(first.text) : null;
    return hit && !/\.a\w+\(/.test(first?.text ?? '') ? { kind: 'query', text: call.text.split('\n')[0].slice(0, 80), range: rangeOf(call), model: hit[1] } : undefined;
  }
  const m = calleeMethod(call);
  if (!m || !isSyncQueryMethod(m)) return undefined;
  const recv = call.childForFieldName('function')?.childForFieldName('object');
  const hit = recv ? MANAGER_CHAIN.exec(recv.text) : null;
  return hit ? { kind: 'query', text: call.text.split('\n')[0].slice(0, 80), range: rangeOf(call), model: hit[1] } : undefined;
}

/**
 * Inside a block that ends by raising (`if row.duplicate: log(row.duplicate_finding); raise …`): what the helper
 * reads on its way to an exception is not what it does per row (DefectDojo's set_duplicate read a relation only
 * there, for rows its callers' querysets had excluded).
 */
function onErrorPath(node: Node, body: Node): boolean {
  for (let cur: Node | null = parentOf(node); cur && cur.id !== body.id; cur = parentOf(cur)) {
    if (cur.type !== 'block') continue;
    const last = cur.namedChildren[cur.namedChildren.length - 1];
    if (last?.type === 'raise_statement') return true;
  }
  return false;
}

/** `param.a.b` (the identifier `param`): the attributes read and what the chain does. */
function readOf(ident: Node, body: Node): ParamRead | undefined {
  const chain: Node[] = [];
  const names: string[] = [];
  let cur: Node = ident;
  for (let up = parentOf(cur); up?.type === 'attribute' && up.childForFieldName('object')?.id === cur.id; up = parentOf(cur)) {
    // A method call ends the data attributes: `p.tags.all()` reads `tags`, then calls `all`.
    const call = parentOf(up);
    if (call?.type === 'call' && call.childForFieldName('function')?.id === up.id) break;
    cur = up;
    chain.push(cur);
    names.push(cur.childForFieldName('attribute')?.text ?? '');
  }
  if (chain.length === 0) return undefined;
  if (onErrorPath(ident, body)) return undefined;
  const first = parentOf(chain[0]);
  if (chain.length === 1 && first?.type === 'assignment' && first.childForFieldName('left')?.id === chain[0].id) return undefined;
  // `p.fk, created = …get_or_create(…)`: an unpacking target is written, not read.
  const unpack = chain.length === 1 && (first?.type === 'pattern_list' || first?.type === 'tuple_pattern') ? parentOf(first) : undefined;
  if (unpack?.type === 'assignment' && unpack.childForFieldName('left')?.id === first?.id) return undefined;
  const last = chain[chain.length - 1];
  const uses = chainUses(last, [body]).filter((u) => u.evaluated);
  const use = uses[0];
  return {
    attrs: names, methods: use?.methods ?? [], evaluated: !!use,
    text: use ? `${last.text}.${use.methods.map((m) => `${m}()`).join('.')}` : last.text, range: rangeOf(last),
  };
}

/** Where a helper lives and what it does. */
export interface ResolvedFunction {
  uri: string;
  summary: FunctionSummary;
}

/**
 * The workspace's module-level function summaries by module, resolving `catalog.helpers.render_row` and
 * `.helpers.render_row` (relative to the importing file) to one summary. Modules without precomputed summaries
 * are asked of `load` once (the CLI parses them on demand: most files never need it).
 */
export class FunctionIndex {
  private readonly modules = new ModuleTable<{ uri: string; summaries?: FunctionSummary[] }>();
  private readonly loaded = new Map<string, FunctionSummary[]>();
  private readonly resolved = new Map<string, ResolvedFunction | null>();

  constructor(
    files: Iterable<[string, FunctionSummary[] | undefined]>,
    private readonly load?: (uri: string) => FunctionSummary[] | undefined,
  ) {
    for (const [uri, summaries] of files) {
      const prev = this.modules.get(uri);
      if (!prev || (!prev.summaries && summaries)) this.modules.set(uri, { uri, summaries });
    }
  }

  /**
   * Replaces one module's summaries (an edit in the language server): the other modules keep what they were given
   * or loaded, and every resolution is made again (one of them may now land in this module).
   */
  setModule(uri: string, summaries: FunctionSummary[]): void {
    this.modules.set(uri, { uri, summaries });
    this.loaded.delete(uri);
    this.resolved.clear();
  }

  private summariesOf(entry: { uri: string; summaries?: FunctionSummary[] }): FunctionSummary[] {
    if (entry.summaries) return entry.summaries;
    let hit = this.loaded.get(entry.uri);
    if (!hit) {
      hit = this.load?.(entry.uri) ?? [];
      this.loaded.set(entry.uri, hit);
    }
    return hit;
  }

  /** `qualified` is an import-resolved dotted name (`catalog.helpers.render_row`, `.helpers.render_row`). */
  resolve(fromUri: string, qualified: string): ResolvedFunction | undefined {
    const memo = `${fromUri}\n${qualified}`;
    const hit = this.resolved.get(memo);
    if (hit !== undefined) return hit ?? undefined;
    const found = this.lookup(fromUri, qualified);
    this.resolved.set(memo, found ?? null);
    return found;
  }

  private lookup(fromUri: string, qualified: string): ResolvedFunction | undefined {
    const split = splitQualified(qualified);
    if (!split) return undefined;
    const best = this.modules.nearest(split.module, fromUri);
    if (!best) return undefined;
    const summary = this.summariesOf(best).find((s) => s.name === split.name);
    return summary ? { uri: best.uri, summary } : undefined;
  }

}
