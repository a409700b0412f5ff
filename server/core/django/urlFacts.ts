import type { Node, Tree } from '../parsing/syntaxTree';
import { calleeMethod, positionalArgs, keywordArg, stringValue, unparen, walk, dottedName, nodesOfType } from '../python/syntax';
import { importsOf } from '../python/imports';

/**
 * A view referenced from a URLconf (`path("x/", views.f)`, `views.V.as_view()`, `router.register("x", VS)`).
 * `module` is a slash path: absolute for relative imports (`/proj/app/views`), a suffix for dotted ones (`app/views`).
 */
export interface UrlViewRef {
  module: string;
  /** Whether `module` is a full path (relative import or same file) rather than a suffix to match. */
  exact: boolean;
  /** Function or class name. */
  name: string;
}

export function mayHaveUrls(text: string): boolean {
  // The literal searches first: this runs on every keystroke of an open module, and a regex reads every character.
  return (text.includes('urlpatterns') || text.includes('.register(')) && /\burlpatterns\b|\.register\(/.test(text);
}

function normalize(uri: string): string {
  return uri.replace(/\\/g, '/').replace(/\.pyi?$/, '').replace(/\/__init__$/, '');
}

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

/** `.views` relative to `/proj/app/urls.py` -> `/proj/app/views`; `app.views` -> `app/views` (suffix). */
export function moduleToPath(module: string, fromUri: string): { module: string; exact: boolean } {
  const m = /^(\.*)([\s\S]*)$/.exec(module) as RegExpExecArray; // [\s\S]: a broken file can put a newline in a name
  const dots = m[1].length;
  const rest = m[2].split('.').filter(Boolean).join('/');
  if (dots === 0) return { module: rest, exact: false };
  let dir = dirOf(fromUri.replace(/\\/g, '/'));
  for (let i = 1; i < dots; i++) dir = dirOf(dir);
  return { module: rest ? `${dir}/${rest}` : dir, exact: true };
}

/** The view an expression in a URLconf denotes (`views.f`, `views.V.as_view()`, `f` imported or local). */
export function viewRefOf(expr: Node, imports: ReadonlyMap<string, string>, uri: string): UrlViewRef | undefined {
  let e = unparen(expr);
  if (e.type === 'call' && calleeMethod(e) === 'as_view') e = e.childForFieldName('function')?.childForFieldName('object') ?? e;
  const parts = dottedName(e);
  if (!parts) return undefined;
  const name = parts[parts.length - 1];
  const headResolved = imports.get(parts[0]);
  if (parts.length === 1) {
    if (headResolved) {
      const modName = headResolved.replace(/([^.])\.[^.]+$|^(\.+)[^.]+$/, '$1$2');
      return { ...moduleToPath(modName, uri), name };
    }
    return { module: normalize(uri), exact: true, name };
  }
  const modParts = [headResolved ?? parts[0], ...parts.slice(1, -1)];
  let mod = modParts.join('.');
  mod = mod.replace(/^(\.+)\./, '$1');
  return { ...moduleToPath(mod, uri), name };
}

export function extractUrlViews(tree: Tree, uri: string): UrlViewRef[] {
  const imports = importsOf(tree.rootNode);
  const out: UrlViewRef[] = [];
  const add = (expr: Node | undefined) => {
    const ref = expr && viewRefOf(expr, imports, uri);
    if (ref) out.push(ref);
  };
  for (const n of nodesOfType(tree.rootNode, 'call')) {
    const method = calleeMethod(n);
    if (method === 'path' || method === 're_path' || method === 'url') {
      const view = positionalArgs(n)[1] ?? keywordArg(n, 'view');
      if (view && !(view.type === 'call' && calleeMethod(view) === 'include')) add(view);
    } else if (method === 'register') {
      const args = positionalArgs(n);
      if (args.length >= 2 && stringValue(args[0]) !== undefined) add(args[1]);
    }
  }
  return out;
}

/** Whether `name` defined in the file `uri` is referenced by one of the URLconf facts. */
export function isUrlView(refs: readonly UrlViewRef[] | undefined, uri: string, name: string): boolean {
  if (!refs?.length) return false;
  const file = normalize(uri);
  return refs.some((r) => r.name === name && (r.exact ? r.module === file : file === r.module || file.endsWith(`/${r.module}`)));
}

/** One entry of a URLconf module: a routed view, an included URLconf or a DRF router registration. */
export interface UrlPattern {
  kind: 'path' | 're_path' | 'url' | 'register';
  /** Route as written (`products/<int:pk>/`, `^old/$`; a router prefix gets a trailing `/`). */
  route: string;
  /** 0-based line of the call. */
  line: number;
  name?: string;
  /** The routed view (function, class of `as_view()`, or the registered ViewSet). */
  view?: UrlViewRef;
  /** `include("app.urls")` / `include(app_urls_module)`: the included URLconf module. */
  include?: { module: string; exact: boolean };
  /** `include(router.urls)` (or `urlpatterns += router.urls`): the router variable included here. */
  includeRouter?: string;
  /** For `register`: the router variable. */
  router?: string;
}

/** Route patterns of a URLconf module (`path`/`re_path`/`url`, `include`, DRF `router.register`). */
export function extractUrlPatterns(tree: Tree, uri: string): UrlPattern[] {
  const imports = importsOf(tree.rootNode);
  const out: UrlPattern[] = [];
  const includedRouters = new Set<string>();
  walk(tree.rootNode, (n) => {
    if (n.type === 'assignment' || n.type === 'augmented_assignment') {
      const left = n.childForFieldName('left')?.text;
      const right = n.childForFieldName('right');
      const parts = right ? dottedName(unparen(right)) : undefined;
      if (left === 'urlpatterns' && parts?.length === 2 && parts[1] === 'urls') {
        includedRouters.add(parts[0]);
        out.push({ kind: 'path', route: '', line: n.startPosition.row, includeRouter: parts[0] });
      }
      return true;
    }
    if (n.type !== 'call') return true;
    const method = calleeMethod(n);
    const args = positionalArgs(n);
    if (method === 'path' || method === 're_path' || method === 'url') {
      const route = stringValue(args[0] ?? keywordArg(n, 'route'));
      const view = args[1] ?? keywordArg(n, 'view');
      if (route === undefined || !view) return true;
      const name = stringValue(keywordArg(n, 'name'));
      const base: UrlPattern = { kind: method, route, line: n.startPosition.row, ...(name ? { name } : {}) };
      const v = unparen(view);
      if (v.type === 'call' && calleeMethod(v) === 'include') {
        let target = positionalArgs(v)[0];
        if (target?.type === 'tuple') target = target.namedChildren[0] ?? undefined;
        if (!target) return true;
        const lit = stringValue(target);
        const parts = dottedName(unparen(target));
        if (lit !== undefined) out.push({ ...base, include: moduleToPath(lit, uri) });
        else if (parts?.length === 2 && parts[1] === 'urls' && !imports.has(parts[0])) {
          includedRouters.add(parts[0]);
          out.push({ ...base, includeRouter: parts[0] });
        } else if (parts) {
          const head = imports.get(parts[0]);
          if (head) out.push({ ...base, include: moduleToPath([head, ...parts.slice(1)].join('.').replace(/^(\.+)\./, '$1'), uri) });
        }
        return true;
      }
      const ref = viewRefOf(v, imports, uri);
      if (ref) out.push({ ...base, view: ref });
    } else if (method === 'register') {
      const prefix = stringValue(args[0] ?? keywordArg(n, 'prefix'));
      const vs = args[1] ?? keywordArg(n, 'viewset');
      const router = dottedName(n.childForFieldName('function')?.childForFieldName('object') ?? null)?.join('.');
      const ref = vs && viewRefOf(vs, imports, uri);
      if (prefix !== undefined && ref && router) {
        out.push({ kind: 'register', route: prefix.replace(/^\^/, '').replace(/\/?$/, '/'), line: n.startPosition.row, view: ref, router });
      }
    }
    return true;
  });
  // A router registered but never included in its own module is usually `urlpatterns = router.urls` elsewhere.
  for (const r of new Set(out.filter((p) => p.kind === 'register').map((p) => p.router as string))) {
    if (!includedRouters.has(r)) out.push({ kind: 'path', route: '', line: 0, includeRouter: r });
  }
  return out;
}

/** A view reachable from a root URLconf, with its full route. */
export interface ResolvedRoute {
  /** Full route, prefixes of the includes joined (`inventory/reserve/<int:product_id>/`). */
  route: string;
  view: UrlViewRef;
  name?: string;
  /** The URLconf file and 0-based line of the innermost pattern. */
  uri: string;
  line: number;
  /** Registered on a DRF router (the view is a ViewSet). */
  viewset: boolean;
}

/** The key of `modules` that a (suffix or exact) module path denotes, if any. */
export function findModuleFile(ref: { module: string; exact: boolean }, files: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const f of files) {
    const file = normalize(f);
    const hit = ref.exact ? file === ref.module : file === ref.module || file.endsWith(`/${ref.module}`);
    if (hit && (!best || f.length < best.length)) best = f;
  }
  return best;
}

function joinRoute(prefix: string, route: string): string {
  if (!prefix) return route;
  return prefix.replace(/\$$/, '') + route.replace(/^\^/, '');
}

/**
 * Walks a root URLconf through its includes (any file of the workspace; `patterns` maps a file uri to its
 * patterns) and returns every routed view in URLconf order. Cycles and unknown modules are skipped.
 */
export function resolveRoutes(root: { module: string; exact: boolean }, patterns: ReadonlyMap<string, readonly UrlPattern[]>): ResolvedRoute[] {
  const out: ResolvedRoute[] = [];
  const visit = (uri: string, prefix: string, stack: string[]) => {
    if (stack.includes(uri) || stack.length > 12) return;
    const list = patterns.get(uri) ?? [];
    for (const p of list) {
      const route = joinRoute(prefix, p.route);
      if (p.include) {
        const target = findModuleFile(p.include, patterns.keys());
        if (target) visit(target, route, [...stack, uri]);
      } else if (p.includeRouter) {
        for (const r of list) {
          if (r.kind === 'register' && r.router === p.includeRouter && r.view) {
            out.push({ route: joinRoute(route, r.route), view: r.view, uri, line: r.line, viewset: true });
          }
        }
      } else if (p.view && p.kind !== 'register') {
        out.push({ route, view: p.view, ...(p.name ? { name: p.name } : {}), uri, line: p.line, viewset: false });
      }
    }
  };
  const start = findModuleFile(root, patterns.keys());
  if (start) visit(start, '', []);
  return out;
}
