import { clipWords } from '../text/clip';
import type { Node, Tree } from '../parsing/syntaxTree';
import { LineMap } from '../parsing/textDocument';
import { RuleContext, type WorkspaceFacts } from '../rules/context';
import { ALL_RULES, ruleByCode } from '../rules/registry';
import { methodQueryCallCosts } from '../django/methodQueries';
import { analyzeFile } from '../analyzer';
import type { DjperfConfig } from '../config/config';
import { mergeConfig } from '../config/config';
import { importsOf } from '../python/imports';
import { decoratorsOf, isAsyncDef, keywordArg, positionalArgs, rangeOf, stringValue, walk, parentOf, nodesOfType } from '../python/syntax';
import { extractSettingsFacts, looksLikeSettings, type DjangoSettingsFacts } from '../django/settingsFacts';
import { extractUrlPatterns, findModuleFile, mayHaveUrls, moduleToPath, resolveRoutes, type ResolvedRoute, type UrlPattern, type UrlViewRef } from '../django/urlFacts';
import { isMaterialized, queryEvaluations } from '../django/evaluation';
import { formatQueryCost, rowLimitNote, type Finding } from '../rules/types';
import { detectDeployments, type DeploymentFile } from '../deployment/detect';
import { envDefaults } from '../deployment/pythonConfig';
import { collectAtoms, pathModels, rowsOfCost, writeOf, type AnalyzedFile, type Atom, type AtomEnv, type HandlerWork } from './atoms';
import { assembleSteps } from './assemble';
import { cacheAdviceFor, type WriteSite } from './cacheAdvice';
import type { TemplateSource } from '../templates/templateAnalysis';
import { TemplateWork } from './templateAtoms';
import { serializerSilence, workspaceBaseNames } from '../drf/viewQueryset';
import type { DetectedDeployment, EndpointProfile, ProfileReport, Sourced } from './types';

/** What the profile builder reads: every Python file and deployment file of the workspace. */
export interface ProfileInput {
  files: readonly DeploymentFile[];
  /** Parses Python (the caller owns the parser; trees are deleted before returning). */
  parse(text: string): Tree;
  workspace: WorkspaceFacts;
  config?: DjperfConfig;
  /** Workspace root: ids and `ValueSource.file` are relative to it. */
  root?: string;
  /** The workspace's Django templates: their N+1s (DJP110/DJP111) count in the queries of the views that render them. */
  templates?: readonly TemplateSource[];
}

const RULES = ALL_RULES.filter((r) => r.meta.family !== 'deployment');
const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const GET_ONLY = /(^|\.)(ListView|DetailView|TemplateView|RedirectView|ArchiveIndexView|YearArchiveView|MonthArchiveView|DayArchiveView|ListAPIView|RetrieveAPIView)$/;
const FORM_VIEWS = /(^|\.)(CreateView|UpdateView|FormView|DeleteView)$/;
const API_METHODS: Record<string, string[]> = {
  CreateAPIView: ['POST'], ListCreateAPIView: ['GET', 'POST'], RetrieveUpdateAPIView: ['GET', 'PUT', 'PATCH'],
  RetrieveDestroyAPIView: ['GET', 'DELETE'], RetrieveUpdateDestroyAPIView: ['GET', 'PUT', 'PATCH', 'DELETE'], UpdateAPIView: ['PUT', 'PATCH'], DestroyAPIView: ['DELETE'],
};
const ACTION_METHODS: Record<string, string> = { list: 'GET', retrieve: 'GET', create: 'POST', update: 'PUT', partial_update: 'PATCH', destroy: 'DELETE' };
const CBV_PATH = ['dispatch', 'get_queryset', 'get_object', 'get_context_data', 'get_serializer_context', 'render_to_response'];

function normalizePath(p: string): string { return p.replace(/\\/g, '/'); }

export function relativePath(path: string, root?: string): string {
  const n = normalizePath(path);
  const r = root ? normalizePath(root).replace(/\/$/, '') : undefined;
  return r && n.startsWith(`${r}/`) ? n.slice(r.length + 1) : n;
}

/** `catalog/views.py` -> `catalog.views`. */
export function dottedModule(relPath: string): string {
  return relPath.replace(/\.pyi?$/, '').replace(/\/__init__$/, '').split('/').filter(Boolean).join('.');
}

interface Handler {
  id: string;
  name: string;
  kind: EndpointProfile['handler']['kind'];
  file: AnalyzedFile;
  /** Node whose range is the handler's (the def or the class). */
  node: Node;
  /** Functions that run on this path, in order. */
  fns: Node[];
  methods?: string[];
  isAsync: boolean;
  route: ResolvedRoute;
  routeText: string;
  /** Queries a generic view runs without code in the class (`queryset = …` of a ListView). */
  implicit: Atom[];
  /** The view class (class-based views and ViewSets): N+1 findings on its attributes (DJP108) count too. */
  cls?: Node;
}

export function buildProfileReport(input: ProfileInput): ProfileReport {
  const config = input.config ?? mergeConfig();
  const pyFiles = input.files.filter((f) => /\.pyi?$/.test(f.path));
  const byUri = new Map(pyFiles.map((f) => [f.path, f]));
  const trees = new Map<string, Tree>();
  const analyzed = new Map<string, AnalyzedFile>();
  const tree = (uri: string): Tree | undefined => {
    let t = trees.get(uri);
    if (!t) {
      const f = byUri.get(uri);
      if (!f) return undefined;
      t = input.parse(f.text);
      trees.set(uri, t);
    }
    return t;
  };
  const analyze = (uri: string): AnalyzedFile | undefined => {
    let a = analyzed.get(uri);
    if (a) return a;
    const t = tree(uri);
    const f = byUri.get(uri);
    if (!t || !f) return undefined;
    const file = { uri, text: f.text, tree: t, lineMap: new LineMap(f.text) };
    const relPath = relativePath(uri, input.root);
    const { findings } = analyzeFile(file, input.workspace, config, { relPath, rules: RULES });
    const ctx = new RuleContext(file, input.workspace, { targetDjango: config.targetDjango });
    // A model method's query reported once at the method (DJP112) still costs per row at each calling loop here.
    const meta = ruleByCode('DJP112')?.meta;
    const atMethod = meta ? methodQueryCallCosts(ctx).map((f) => ({ ...f, meta, severity: meta.defaultSeverity })) : [];
    a = { uri, root: t.rootNode, ctx, imports: importsOf(t.rootNode), findings: [...findings, ...atMethod] };
    analyzed.set(uri, a);
    return a;
  };
  // URLconfs and settings, per file.
  const patterns = new Map<string, UrlPattern[]>();
  const settings = new Map<string, DjangoSettingsFacts>();
  for (const f of pyFiles) {
    if (mayHaveUrls(f.text)) {
      const t = tree(f.path);
      if (t) { const p = extractUrlPatterns(t, f.path); if (p.length) patterns.set(f.path, p); }
    }
    if (looksLikeSettings(f.path, f.text) && /^\s*(ROOT_URLCONF|DATABASES|CACHES|INSTALLED_APPS)\s*=|import \*/m.test(f.text)) {
      const t = tree(f.path);
      if (t) settings.set(f.path, extractSettingsFacts(t, f.path));
    }
  }
  const resolveSettings = (uri: string, depth = 0): DjangoSettingsFacts => {
    const own = settings.get(uri) ?? {};
    if (depth > 5 || !own.extends?.length) return own;
    const merged: DjangoSettingsFacts = {};
    for (const mod of own.extends) {
      const target = findModuleFile(moduleToPath(mod, uri), settings.keys());
      if (target && target !== uri) Object.assign(merged, resolveSettings(target, depth + 1));
    }
    return { ...merged, ...Object.fromEntries(Object.entries(own).filter(([k, v]) => v !== undefined && k !== 'extends')) };
  };
  const settingsUriOf = (module: string): string | undefined => findModuleFile(moduleToPath(module, ''), settings.keys());

  // Deployments and the settings module each one runs.
  const deployments = detectDeployments(input.files, { root: input.root });
  const defaultSettings = pickDefaultSettings(input, settings, byUri);
  for (const dep of deployments) {
    if (!dep.settingsModule && dep.app) {
      const mod = dep.app.value.split(':')[0];
      const appFile = findModuleFile(moduleToPath(mod, ''), byUri.keys());
      const dsm = appFile ? envDefaults(byUri.get(appFile)!.text).get('DJANGO_SETTINGS_MODULE') : undefined;
      if (appFile && dsm) dep.settingsModule = { value: dsm.value, source: { file: relativePath(appFile, input.root), line: dsm.line, note: `DJANGO_SETTINGS_MODULE set in ${relativePath(appFile, input.root)}`, uri: appFile } };
    }
    if (!dep.settingsModule && defaultSettings) dep.settingsModule = defaultSettings;
    const sUri = dep.settingsModule && settingsUriOf(dep.settingsModule.value);
    if (sUri) fillFromSettings(dep, resolveSettings(sUri), input.root);
  }

  // Root URLconfs: every deployment's, then every settings module's.
  const roots: Sourced<string>[] = [];
  const primaryFirst = [...deployments].sort((a, b) => Number(isPrimary(b)) - Number(isPrimary(a)));
  for (const dep of primaryFirst) if (dep.rootUrlconf) roots.push(dep.rootUrlconf);
  for (const uri of [...settings.keys()].sort()) {
    const s = resolveSettings(uri);
    if (s.rootUrlconf) roots.push({ value: s.rootUrlconf.value, source: { file: relativePath(s.rootUrlconf.uri, input.root), line: s.rootUrlconf.range.start.line + 1, note: 'ROOT_URLCONF', uri: s.rootUrlconf.uri } });
  }
  if (!roots.length) {
    // No settings: every URLconf that no other one includes is a root.
    const included = new Set<string>();
    for (const list of patterns.values()) for (const p of list) if (p.include) { const t = findModuleFile(p.include, patterns.keys()); if (t) included.add(t); }
    for (const uri of patterns.keys()) if (!included.has(uri)) roots.push({ value: dottedModule(relativePath(uri, input.root)), source: { note: 'URLconf not included elsewhere', uri } });
  }

  const env: AtomEnv = { resolveHelper: (call, file) => resolveHelper(call, file, byUri, analyze) };
  const templateWork = new TemplateWork(input.templates ?? [], config, (uri) => relativePath(uri, input.root));
  const endpoints: EndpointProfile[] = [];
  const seen = new Map<string, EndpointProfile>();
  const writes = collectWrites(pyFiles, analyze, input.root);
  const urlconfIds = new Map<string, string[]>();
  const pendingAdvice: ((writes: WriteSite[]) => void)[] = [];
  for (const root of roots) {
    const ids: string[] = [];
    for (const route of resolveRoutes(moduleToPath(root.value, root.source.uri ?? ''), patterns)) {
      for (const h of handlersOf(route, byUri, analyze, input.root)) {
        let profile = seen.get(h.id);
        if (!profile) {
          const built = profileOf(h, env, config.rows, templateWork);
          profile = built.profile;
          seen.set(h.id, profile);
          endpoints.push(profile);
          if (built.advise) pendingAdvice.push(built.advise);
          // Writes the framework does for a handler (ModelViewSet.create/update/destroy) are invalidation points too.
          for (const a of built.writes) {
            if (!a.write || writes.some((w) => w.uri === a.uri && w.line === a.line && w.model === a.write!.model && w.what === a.write!.what)) continue;
            writes.push({ uri: a.uri, line: a.line, model: a.write.model, what: a.write.what, fn: h.name });
          }
        }
        ids.push(h.id);
      }
    }
    urlconfIds.set(root.value, [...new Set(ids)]);
  }
  for (const advise of pendingAdvice) advise(writes);
  for (const dep of deployments) {
    const ids = dep.rootUrlconf ? urlconfIds.get(dep.rootUrlconf.value) : undefined;
    if (ids) dep.endpointIds = ids;
  }
  const primary = deployments.find(isPrimary) ?? deployments[0] ?? defaultDeployment();
  return { endpoints, deployment: primary, deployments };
}

function isPrimary(d: DetectedDeployment): boolean {
  return /Procfile[\w.]* web$/.test(d.name ?? '');
}

export function defaultDeployment(): DetectedDeployment {
  const note = 'default (no deployment config found; gunicorn docs)';
  return {
    server: { workerClass: { value: 'sync', source: { note } }, workers: { value: 1, source: { note } }, timeoutMs: { value: 30000, source: { note } }, backlog: { value: 2048, source: { note } } },
    sources: [{ note }], conflicts: [], name: 'default', program: 'gunicorn',
  };
}

function pickDefaultSettings(input: ProfileInput, settings: Map<string, DjangoSettingsFacts>, byUri: Map<string, DeploymentFile>): Sourced<string> | undefined {
  for (const [uri, f] of byUri) {
    if (!/(^|\/)manage\.py$/.test(normalizePath(uri))) continue;
    const d = envDefaults(f.text).get('DJANGO_SETTINGS_MODULE');
    if (d) return { value: d.value, source: { file: relativePath(uri, input.root), line: d.line, note: 'DJANGO_SETTINGS_MODULE in manage.py', uri } };
  }
  const candidates = [...settings.entries()].filter(([, s]) => s.rootUrlconf).map(([u]) => u).sort((a, b) => a.length - b.length);
  const u = candidates[0];
  return u ? { value: dottedModule(relativePath(u, input.root)), source: { file: relativePath(u, input.root), note: 'the only/shortest settings module with ROOT_URLCONF', uri: u } } : undefined;
}

function fillFromSettings(dep: DetectedDeployment, s: DjangoSettingsFacts, root?: string): void {
  const src = (v: { uri: string; range: { start: { line: number } } }, note: string) => ({ file: relativePath(v.uri, root), line: v.range.start.line + 1, note, uri: v.uri });
  if (s.rootUrlconf) dep.rootUrlconf = { value: s.rootUrlconf.value, source: src(s.rootUrlconf, 'ROOT_URLCONF') };
  const db: NonNullable<DetectedDeployment['db']> = {};
  if (s.connMaxAge) db.connMaxAge = { value: s.connMaxAge.value === null ? 1e9 : s.connMaxAge.value, source: src(s.connMaxAge, s.connMaxAge.value === null ? 'CONN_MAX_AGE = None (persistent)' : 'CONN_MAX_AGE') };
  else db.connMaxAge = { value: 0, source: { note: 'default (Django: CONN_MAX_AGE = 0, a connection per request)' } };
  if (s.atomicRequests) db.atomicRequests = { value: s.atomicRequests.value, source: src(s.atomicRequests, 'ATOMIC_REQUESTS') };
  const engine = s.dbEngine?.value ?? '';
  const max = /postgres/.test(engine) ? 100 : /mysql/.test(engine) ? 151 : undefined;
  if (max && s.dbEngine) db.maxConnections = { value: max, source: { ...src(s.dbEngine, `default max_connections of ${/postgres/.test(engine) ? 'PostgreSQL' : 'MySQL'} (${s.dbEngine.value})`) } };
  // A database on localhost, 127.0.0.1 or a unix socket shares the app host's cores.
  const h = s.dbHost?.value;
  if (s.dbHost && max && h !== undefined && (h === '' || h === 'localhost' || h === '127.0.0.1' || h === '::1' || h.startsWith('/'))) {
    db.host = { value: 'shared', source: src(s.dbHost, h === '' ? 'no DATABASES HOST: a local socket, the DB shares the app cores' : `DATABASES HOST ${h}: the DB shares the app cores`) };
  }
  dep.db = db;
  if (s.cacheBackend) {
    const b = s.cacheBackend.value;
    const latency = /locmem/i.test(b) ? 0.05 : /dummy/i.test(b) ? 0 : /db\.DatabaseCache/i.test(b) ? 2 : /file/i.test(b) ? 1 : 0.5;
    dep.cache = { backend: { value: b, source: src(s.cacheBackend, 'CACHES BACKEND') }, latencyMs: { value: latency, source: { note: `typical latency of ${b.split('.').pop()}` } } };
    if (/locmem/i.test(b)) (dep.notes ??= []).push('LocMemCache is per process: every worker fills and invalidates its own copy (cache.delete in one worker does not reach the others)');
    if (/dummy/i.test(b)) (dep.notes ??= []).push('DummyCache never stores anything: every cache read misses');
  }
}

function routeKwargs(route: string): string[] {
  return [...route.matchAll(/<(?:\w+:)?(\w+)>|\(\?P<(\w+)>/g)].map((m) => m[1] ?? m[2]);
}

function topLevelDef(root: Node, name: string): Node | undefined {
  for (const stmt of root.namedChildren) {
    const def = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if ((def?.type === 'function_definition' || def?.type === 'class_definition') && def.childForFieldName('name')?.text === name) return def;
  }
  return undefined;
}

function classMethods(cls: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const stmt of cls.childForFieldName('body')?.namedChildren ?? []) {
    const def = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (def?.type === 'function_definition') out.set(def.childForFieldName('name')?.text ?? '', def);
  }
  return out;
}

function classAttr(cls: Node, name: string): Node | undefined {
  for (const stmt of cls.childForFieldName('body')?.namedChildren ?? []) {
    const a = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
    if (a?.type === 'assignment' && a.childForFieldName('left')?.text === name) return a.childForFieldName('right') ?? undefined;
  }
  return undefined;
}

function basesOf(cls: Node): string[] {
  return (cls.childForFieldName('superclasses')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'keyword_argument').map((a) => a.text);
}

function decoratorMethods(fn: Node): string[] | undefined {
  for (const d of decoratorsOf(fn)) {
    const e = d.namedChildren[0];
    if (!e) continue;
    const name = (e.type === 'call' ? e.childForFieldName('function')?.text : e.text) ?? '';
    if (/(^|\.)require_POST$/.test(name)) return ['POST'];
    if (/(^|\.)require_GET$/.test(name)) return ['GET'];
    if (/(^|\.)require_safe$/.test(name)) return ['GET', 'HEAD'];
    if (e.type === 'call' && /(^|\.)(require_http_methods|api_view)$/.test(name)) {
      const list = positionalArgs(e)[0] ?? keywordArg(e, 'http_method_names');
      const methods = (list?.namedChildren ?? []).map((c) => stringValue(c)).filter((x): x is string => !!x).map((x) => x.toUpperCase());
      return methods.length ? methods : name.endsWith('api_view') ? ['GET'] : undefined;
    }
  }
  return undefined;
}

/** The function(s) a routed view denotes: a function, a class-based view's request path, or each ViewSet action. */
function handlersOf(route: ResolvedRoute, byUri: Map<string, DeploymentFile>, analyze: (uri: string) => AnalyzedFile | undefined, root?: string): Handler[] {
  const located = locate(route.view, byUri, analyze);
  if (!located) return [];
  const { file, def } = located;
  const module = dottedModule(relativePath(file.uri, root));
  const name = def.childForFieldName('name')?.text ?? route.view.name;
  const base = { file, route, routeText: route.route, implicit: [] as Atom[], ...(def.type === 'class_definition' ? { cls: def } : {}) };
  if (def.type === 'function_definition') {
    return [{ ...base, id: `${module}.${name}`, name, kind: 'function', node: def, fns: [def], methods: decoratorMethods(def), isAsync: isAsyncDef(def) }];
  }
  const methods = classMethods(def);
  const bases = basesOf(def);
  const qsAttr = classAttr(def, 'queryset');
  const modelAttr = classAttr(def, 'model');
  const implicitQuery = (queries: number, write?: string): Atom[] => {
    const node = qsAttr ?? modelAttr ?? def;
    const model = (qsAttr && file.ctx.evaluator.queryset(qsAttr)?.model) ?? (modelAttr && file.ctx.evaluator.modelClass(modelAttr)?.key);
    return [{ kind: 'db', order: node.startIndex, line: node.startPosition.row, uri: file.uri, loop: 0, queries, ...(model ? { reads: [model] } : {}), ...(write && model ? { write: { model, what: write } } : {}) }];
  };
  const isViewSet = route.viewset || bases.some((b) => /ViewSet$/.test(b));
  if (isViewSet) {
    const out: Handler[] = [];
    // A project base viewset (`class BookViewSet(PrefetchingViewSet)`) brings DRF's actions of its own bases.
    const allBases = bases.some((b) => /(^|\.)(ReadOnly)?ModelViewSet$/.test(b)) ? bases : workspaceBaseNames(def, file.uri, file.ctx.workspace);
    const model = allBases.some((b) => /(^|\.)ModelViewSet$/.test(b)) ? ['list', 'create', 'retrieve', 'update', 'partial_update', 'destroy']
      : allBases.some((b) => /(^|\.)ReadOnlyModelViewSet$/.test(b)) ? ['list', 'retrieve'] : [];
    const actions = new Set([...model, ...[...methods.keys()].filter((m) => ACTION_METHODS[m])]);
    const extra = [...methods.entries()].filter(([, fn]) => decoratorsOf(fn).some((d) => /(^|\.)action\b/.test(d.namedChildren[0]?.text ?? '')));
    for (const action of [...actions, ...extra.map(([n]) => n)]) {
      const fn = methods.get(action);
      const detail = ['retrieve', 'update', 'partial_update', 'destroy'].includes(action) ||
        (!!fn && extra.some(([n]) => n === action) && /detail\s*=\s*True/.test(decoratorsOf(fn).map((d) => d.text).join(' ')));
      const suffix = ACTION_METHODS[action] ? '' : `${action}/`;
      const routeText = `${route.route}${detail ? '<pk>/' : ''}${suffix}`;
      const fns = [fn, ...['get_queryset', ...(detail ? ['get_object'] : [])].map((m) => methods.get(m))].filter((x): x is Node => !!x);
      const deco = fn && decoratorsOf(fn).map((d) => d.text).join(' ');
      const actionMethods = ACTION_METHODS[action] ? [ACTION_METHODS[action]] : [...(deco?.matchAll(/['"](get|post|put|patch|delete)['"]/gi) ?? [])].map((m) => m[1].toUpperCase());
      const implicit = fn ? (detail && !methods.has('get_object') && /self\.get_object\(\)/.test(fn.text) ? implicitQuery(1) : []) : action === 'list' || action === 'retrieve' ? (methods.has('get_queryset') ? [] : implicitQuery(1))
        : action === 'create' ? implicitQuery(1, `${name}.create()`) : action === 'destroy' ? implicitQuery(2, `${name}.destroy()`) : implicitQuery(2, `${name}.${action}()`);
      out.push({ ...base, routeText, implicit, id: `${module}.${name}.${action}`, name: `${name}.${action}`, kind: 'viewset-action', node: fn ?? def, fns,
        methods: actionMethods.length ? actionMethods : ['GET'], isAsync: !!fn && isAsyncDef(fn) });
    }
    return out;
  }
  // Class-based view: the GET path (or the first HTTP method the class defines), plus a profile per other method it defines.
  const defined = HTTP_METHODS.filter((m) => methods.has(m));
  const lastBase = bases.map((b) => b.split('.').pop() ?? b);
  const generic = bases.some((b) => GET_ONLY.test(b)) ? ['GET'] : bases.some((b) => FORM_VIEWS.test(b)) ? ['GET', 'POST'] : lastBase.map((b) => API_METHODS[b]).find(Boolean) ?? [];
  const all = [...new Set([...defined.map((m) => m.toUpperCase()), ...generic])];
  const pathFns = CBV_PATH.map((m) => methods.get(m)).filter((x): x is Node => !!x);
  const implicitList = !methods.has('get') && all.includes('GET') ? lazyQueryset(file, methods.get('get_queryset')) ?? ((qsAttr || modelAttr) && !methods.has('get_queryset') ? implicitQuery(qsAttr ? loadCount(file, qsAttr) : 1) : []) : [];
  const out: Handler[] = [];
  const primary = all.includes('GET') || all.length === 0 ? 'GET' : all[0];
  const primaryFn = methods.get(primary.toLowerCase());
  out.push({ ...base, id: `${module}.${name}`, name, kind: 'class', node: def, fns: [...(primaryFn ? [primaryFn] : []), ...pathFns], methods: all.length ? [primary, ...(all.includes('HEAD') ? ['HEAD'] : [])] : undefined,
    isAsync: !!primaryFn && isAsyncDef(primaryFn), implicit: implicitList });
  for (const m of defined) {
    if (m.toUpperCase() === primary) continue;
    const fn = methods.get(m) as Node;
    out.push({ ...base, id: `${module}.${name}.${m}`, name: `${name}.${m}`, kind: 'method', node: fn, fns: [fn, ...pathFns.filter((f) => f.childForFieldName('name')?.text === 'dispatch')], methods: [m.toUpperCase()], isAsync: isAsyncDef(fn) });
  }
  return out;
}

function loadCount(file: AnalyzedFile, node: Node): number {
  const qs = file.ctx.evaluator.queryset(node);
  return qs ? 1 + qs.prefetch.size : 1;
}

/** A get_queryset() that returns a lazy queryset: the generic view evaluates it (one query + one per prefetch). */
function lazyQueryset(file: AnalyzedFile, fn: Node | undefined): Atom[] | undefined {
  if (!fn) return undefined;
  let out: Atom[] | undefined;
  walk(fn, (n) => {
    if (out || n.type === 'lambda' || (n.type === 'function_definition' && n.id !== fn.id)) return false;
    if (n.type !== 'return_statement') return true;
    const v = n.namedChildren[0];
    const qs = v ? file.ctx.evaluator.queryset(v) : undefined;
    if (v && qs && !isMaterialized(v)) out = [{ kind: 'db', order: v.startIndex, line: v.startPosition.row, uri: file.uri, loop: 0, queries: 1 + qs.prefetch.size, reads: [qs.model] }];
    return false;
  });
  return out;
}

function locate(ref: UrlViewRef, byUri: Map<string, DeploymentFile>, analyze: (uri: string) => AnalyzedFile | undefined, depth = 0): { file: AnalyzedFile; def: Node } | undefined {
  const uri = findModuleFile(ref, byUri.keys()) ?? findModuleFile({ module: `${ref.module}/__init__`, exact: ref.exact }, byUri.keys());
  if (!uri) return undefined;
  const file = analyze(uri);
  if (!file) return undefined;
  const def = topLevelDef(file.root, ref.name);
  if (def) return { file, def };
  // Re-exported (`from .list import product_list` in views/__init__.py): follow the import.
  const target = file.imports.get(ref.name);
  if (!target || depth > 2) return undefined;
  const split = splitTarget(target);
  return locate({ ...moduleToPath(split.module, uri), name: split.name }, byUri, analyze, depth + 1);
}

/** `.species_client.recognize` -> module `.species_client`, name `recognize`; `.x` -> module `.`, name `x`. */
function splitTarget(target: string): { module: string; name: string } {
  const i = target.lastIndexOf('.');
  const name = target.slice(i + 1);
  let module = target.slice(0, i);
  if (/^\.*$/.test(module)) module = target.slice(0, i + 1);
  return { module, name };
}

function resolveHelper(call: Node, file: AnalyzedFile, byUri: Map<string, DeploymentFile>, analyze: (uri: string) => AnalyzedFile | undefined): { fn: Node; file: AnalyzedFile } | undefined {
  const fnNode = call.childForFieldName('function');
  if (!fnNode) return undefined;
  if (fnNode.type === 'attribute' && fnNode.childForFieldName('object')?.text === 'self') {
    const name = fnNode.childForFieldName('attribute')?.text ?? '';
    let cls: Node | null = parentOf(call);
    while (cls && cls.type !== 'class_definition') cls = parentOf(cls);
    const m = cls ? classMethods(cls).get(name) : undefined;
    return m ? { fn: m, file } : undefined;
  }
  let name: string | undefined;
  let module: string | undefined;
  if (fnNode.type === 'identifier') {
    const local = topLevelDef(file.root, fnNode.text);
    if (local?.type === 'function_definition') return { fn: local, file };
    const target = file.imports.get(fnNode.text);
    if (!target) return undefined;
    ({ module, name } = splitTarget(target));
  } else if (fnNode.type === 'attribute') {
    const obj = fnNode.childForFieldName('object');
    const target = obj?.type === 'identifier' ? file.imports.get(obj.text) : undefined;
    if (!target) return undefined;
    name = fnNode.childForFieldName('attribute')?.text;
    module = target;
  }
  if (!name || !module || /^(django|rest_framework|asgiref|requests|httpx)\b/.test(module)) return undefined;
  const uri = findModuleFile(moduleToPath(module, file.uri), byUri.keys());
  if (!uri) return undefined;
  const other = analyze(uri);
  const def = other && topLevelDef(other.root, name);
  return other && def?.type === 'function_definition' ? { fn: def, file: other } : undefined;
}


function costText(f: Finding): string {
  const c = f.cost;
  if (!c) return clipWords(f.message.split('\n')[0], 120);
  if (c.kind === 'queries') {
    const note = rowLimitNote(c);
    return note ? `${formatQueryCost(c)}; ${note}` : formatQueryCost(c);
  }
  if (c.kind === 'lock' && c.taken === false) return `no row lock on ${c.rowKey} (never taken)`;
  if (c.kind === 'lock') return `row lock on ${c.rowKey}${c.heldAcross.length ? ` held across ${c.heldAcross.join(', ')}` : ''}`;
  return `${c.call} blocks${c.estimatedMs ? ` ~${c.estimatedMs} ms` : ''}${c.threadHops ? `, ${c.threadHops} thread hops` : ''}`;
}

interface BuiltProfile {
  profile: EndpointProfile;
  /** Atoms of the handler that write (for other handlers' invalidation points). */
  writes: Atom[];
  /** Completes the caching advice once every write of the workspace is known. */
  advise?: (writes: WriteSite[]) => void;
}

function profileOf(h: Handler, env: AtomEnv, rows: number, templates: TemplateWork): BuiltProfile {
  const work: HandlerWork = { atoms: [...h.implicit], locks: [], notes: [], findings: [], usesRequestUser: false, queryParams: [], isAsync: h.isAsync };
  for (const fn of h.fns) {
    const w = collectAtoms(fn, h.file, env, { depth: 0, asyncCtx: isAsyncDef(fn), baseOrder: 0, baseLoop: 0 });
    const offset = work.locks.length;
    work.locks.push(...w.locks);
    for (const a of w.atoms) work.atoms.push(a.lock !== undefined ? { ...a, lock: a.lock + offset } : a);
    work.notes.push(...w.notes);
    for (const f of w.findings) if (!work.findings.includes(f)) work.findings.push(f);
    if (w.usesRequestUser) work.usesRequestUser = true;
    if (w.readsBody) work.readsBody = true;
    work.queryParams.push(...w.queryParams.filter((p) => !work.queryParams.includes(p)));
  }
  if (h.cls) classLevelFindings(h, work);
  // Only the GET path renders the view's template (a class's post() profile does not).
  if (h.kind !== 'method') {
    const fromTemplates = templates.forHandler(h.file, h.cls ?? h.node, h.kind !== 'function');
    work.atoms.push(...fromTemplates.atoms);
    work.findings.push(...fromTemplates.findings);
  }
  work.atoms.sort((a, b) => a.order - b.order);
  const assembled = assembleSteps(work, {}, { rows });
  const applied = new Set<string>();
  for (const a of flatten(work.atoms)) {
    if (a.fixedQueries && a.code) applied.add(a.code);
    if (a.fixOutOfLock) applied.add('DJP202');
  }
  const unblocked = flatten(work.atoms).filter((a) => a.fixUnblock);
  const fixes = [...new Set(work.findings.filter((f) => applied.has(f.code) || (unblocked.length && /^DJP30[1-5]$/.test(f.code)))
    .map((f) => `${f.code}: ${f.fixes?.[0]?.message ?? firstSentence(f.message)}`))];
  if (work.usesRequestUser && h.isAsync) fixes.push('read the user with await request.auser() (Django 5) or one sync_to_async hop');
  const changed = JSON.stringify(assembled.fixed) !== JSON.stringify(assembled.steps);
  const routeText = h.routeText.startsWith('/') ? h.routeText : `/${h.routeText}`;
  const profile: EndpointProfile = {
    id: h.id,
    route: h.routeText,
    ...(h.methods ? { methods: h.methods } : {}),
    handler: { uri: h.file.uri, range: rangeOf((parentOf(h.node)?.type === 'decorated_definition' ? parentOf(h.node) : null) ?? h.node), name: h.name, kind: h.kind, async: h.isAsync },
    endpoint: {
      name: h.id, path: routeText, async: h.isAsync, steps: assembled.steps,
      ...(changed ? { fixed: assembled.fixed, fixDescription: fixes.join('; ') || 'djperf fixes' } : {}),
    },
    findings: work.findings.map((f) => ({ code: f.code, line: f.range.start.line, cost: costText(f) })),
    defaults: assembled.defaults,
    readOnly: false,
    usesRequestUser: work.usesRequestUser,
    urlconf: { uri: h.route.uri, line: h.route.line, ...(h.route.name ? { name: h.route.name } : {}) },
  };
  const allAtoms = flatten(work.atoms);
  const handlerWrites = allAtoms.filter((a) => a.write);
  const writesMethod = h.methods?.some((m) => !['GET', 'HEAD', 'OPTIONS'].includes(m)) ?? false;
  if (work.readsBody && !writesMethod && !handlerWrites.length) {
    profile.readOnly = false;
    profile.cacheUnsafe = 'not cacheable: the response depends on the request body (request.body/POST/data), which a URL-keyed cache entry does not see';
    if (work.notes.length) profile.notes = [...new Set(work.notes)];
    return { profile, writes: handlerWrites };
  }
  profile.readOnly = handlerWrites.length === 0 && !work.usesRequestUser && !writesMethod;
  if (work.notes.length) profile.notes = [...new Set(work.notes)];
  const rendersTemplate = h.fns.some((f) => /\b(render|TemplateResponse|render_to_string)\(/.test(f.text)) || (!!h.cls && /template_name\s*=/.test(h.cls.text));
  const advise = (writes: WriteSite[]) => {
    const advice = cacheAdviceFor({ profile, atoms: allAtoms, writes, routeKwargs: routeKwargs(h.routeText), queryParams: work.queryParams, handlerWrites, writesMethod, rendersTemplate });
    if (advice.advice) profile.cacheAdvice = advice.advice;
    if (advice.unsafe) profile.cacheUnsafe = advice.unsafe;
  };
  return { profile, writes: handlerWrites, advise };
}

const SINGLE_OBJECT_ACTIONS: ReadonlySet<string> = new Set(['retrieve', 'update', 'partial_update', 'create', 'destroy']);

/** N+1 findings on a view class's attributes (`queryset = …` read per row by its serializer: DJP108). */
function classLevelFindings(h: Handler, work: HandlerWork): void {
  const cls = h.cls as Node;
  const methods = [...classMethods(cls).values()];
  const silence = serializerSilence(cls, h.file.uri, h.file.ctx.workspace);
  if (silence) work.notes.push(silence);
  for (const f of h.file.findings) {
    const line = f.range.start.line;
    if (line < cls.startPosition.row || line > cls.endPosition.row || f.cost?.kind !== 'queries' || work.findings.includes(f)) continue;
    if (methods.some((m) => line >= m.startPosition.row && line <= m.endPosition.row)) continue;
    work.findings.push(f);
    const prefetch = /prefetch_related\(([^)]*)\)/.exec(f.detail ?? f.message);
    const extra = prefetch ? (prefetch[1].match(/["']/g)?.length ?? 0) / 2 : 0;
    const reads = pathModels(f.cost.model, f.cost.relationPath, h.file.ctx);
    // A viewset's single-object actions serialize one object; the list action a page (the finding's cap) or N.
    const rows = h.kind === 'viewset-action' && SINGLE_OBJECT_ACTIONS.has(h.name.split('.').pop() ?? '') ? { rows: 1 } : rowsOfCost(f.cost);
    work.atoms.push({ kind: 'db', order: cls.startIndex + line, line, uri: h.file.uri, loop: 1, queries: f.cost.perRow, code: f.code, ...rows,
      fixedQueries: { base: extra, perRow: 0 }, ...(reads.length ? { reads } : {}) });
  }
}

function firstSentence(message: string): string {
  const m = /^[\s\S]*?\.(\s|$)/.exec(message);
  return clipWords((m ? m[0] : message).trim(), 160);
}

function flatten(atoms: readonly Atom[]): Atom[] {
  return atoms.flatMap((a) => [a, ...flatten(a.inner ?? [])]);
}

const WRITE_HINT = /\.(save|create|update|delete|bulk_create|bulk_update|get_or_create|update_or_create|add|remove|set|clear|a?save|acreate|aupdate|adelete)\(|admin\.(site\.)?register|\b(post_save|post_delete|m2m_changed)\b/;
const SIGNALS = /^(post_save|post_delete|m2m_changed|pre_save|pre_delete)$/;

/** Every place in the workspace that writes a model (tests and migrations excluded): invalidation points. */
function collectWrites(files: readonly DeploymentFile[], analyze: (uri: string) => AnalyzedFile | undefined, root?: string): WriteSite[] {
  const out: WriteSite[] = [];
  for (const f of files) {
    const rel = relativePath(f.path, root);
    if (/(^|\/)(tests?|migrations)(\/|\.py$)|(^|\/)test_[^/]*\.py$|_tests?\.py$|conftest\.py$/.test(rel) || !WRITE_HINT.test(f.text)) continue;
    const a = analyze(f.path);
    if (!a) continue;
    for (const e of queryEvaluations(a.root, a.ctx.evaluator)) {
      const w = writeOf(e);
      if (w) out.push({ uri: f.path, line: e.node.startPosition.row, model: w.model, what: w.what, fn: enclosingName(e.node) });
    }
    // Signal receivers of those models run on every write: a natural place to invalidate.
    for (const n of nodesOfType(a.root, 'call')) {
      const fn = n.childForFieldName('function')?.text ?? '';
      const args = positionalArgs(n);
      const signal = /(^|\.)receiver$/.test(fn) ? args[0]?.text.split('.').pop() : /\.connect$/.test(fn) ? fn.split('.').slice(-2, -1)[0] : undefined;
      const sender = keywordArg(n, 'sender');
      if (!signal || !SIGNALS.test(signal) || !sender) continue;
      const parts = sender.text.split('.');
      const m = a.ctx.evaluator.modelClass(sender) ?? a.ctx.workspace.models.find(parts[0]);
      if (!m) continue;
      const model = signal === 'm2m_changed' && parts.length >= 3 && parts[parts.length - 1] === 'through' ? `${m.key}.${parts[1]}` : m.key;
      out.push({ uri: f.path, line: n.startPosition.row, model, what: `${signal} receiver for ${sender.text} (runs on every such write)` });
    }
    // The admin writes every model it registers (change form, delete, actions).
    walk(a.root, (n) => {
      if (n.type !== 'call' && n.type !== 'decorator') return true;
      const call = n.type === 'decorator' ? n.namedChildren[0] : n;
      if (call?.type !== 'call' || !/(^|\.)(site\.)?register$/.test(call.childForFieldName('function')?.text ?? '') || !/admin/.test(call.childForFieldName('function')?.text ?? '')) return true;
      for (const arg of positionalArgs(call)) {
        const m = a.ctx.evaluator.modelClass(arg);
        if (m) out.push({ uri: f.path, line: call.startPosition.row, model: m.key, what: `admin for ${m.name} (change form, delete, actions)` });
      }
      return false;
    });
  }
  return out;
}

function enclosingName(n: Node): string | undefined {
  for (let p = parentOf(n); p; p = parentOf(p)) if (p.type === 'function_definition') return p.childForFieldName('name')?.text;
  return undefined;
}
