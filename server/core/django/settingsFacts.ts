import { extractTemplateDirs } from './templateDirs';
import type { Node, Tree } from '../parsing/syntaxTree';
import { rangeOf, stringValue, isTrue, nodesOfType } from '../python/syntax';
import type { Range } from '../parsing/textDocument';

/** Settings that change what code costs, with where each value was read. */
export interface DjangoSettingsFacts {
  authUserModel?: { value: string; uri: string; range: Range };
  atomicRequests?: { value: boolean; uri: string; range: Range };
  connMaxAge?: { value: number | null; uri: string; range: Range };
  /** `ROOT_URLCONF = "shop.urls"` (endpoint profiles walk the URLconf from here). */
  rootUrlconf?: { value: string; uri: string; range: Range };
  /** DATABASES["default"]["HOST"] when a string literal ('' when the key is absent: Django's default, a local socket). */
  dbHost?: { value: string; uri: string; range: Range };
  /** DATABASES["default"]["ENGINE"]. */
  dbEngine?: { value: string; uri: string; range: Range };
  /** CACHES["default"]["BACKEND"]. */
  cacheBackend?: { value: string; uri: string; range: Range };
  /** REST_FRAMEWORK["PAGE_SIZE"] and ["DEFAULT_PAGINATION_CLASS"]: the page size of DRF list views (N of their serializer). */
  drfPageSize?: { value: number; uri: string; range: Range };
  drfPaginationClass?: { value: string; uri: string; range: Range };
  /** Template directories of the DjangoTemplates engine (DIRS, loader directories), see templateDirs.ts. */
  templateDirs?: { value: string[]; uri: string };
  /** `from .settings import *` / `from shop.settings import *`: modules this settings file extends (as written). */
  extends?: string[];
}

export function looksLikeSettings(uri: string, text: string): boolean {
  return /settings/.test(uri) || ((text.includes('INSTALLED_APPS') || text.includes('DATABASES') || text.includes('AUTH_USER_MODEL')) && /^\s*(INSTALLED_APPS|DATABASES|AUTH_USER_MODEL)\s*=/m.test(text));
}

/** Reads AUTH_USER_MODEL and DATABASES' ATOMIC_REQUESTS / CONN_MAX_AGE from a settings-like module. */
export function extractSettingsFacts(tree: Tree, uri: string): DjangoSettingsFacts {
  const facts: DjangoSettingsFacts = {};
  for (const stmt of tree.rootNode.namedChildren) {
    const assign = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
    if (assign?.type !== 'assignment') continue;
    const left = assign.childForFieldName('left')?.text;
    const right = assign.childForFieldName('right');
    if (!right) continue;
    if (left === 'AUTH_USER_MODEL') {
      const v = stringValue(right);
      if (v) facts.authUserModel = { value: v, uri, range: rangeOf(right) };
    }
    if (left === 'DATABASES') readDatabases(right, uri, facts);
    if (left === 'ROOT_URLCONF') {
      const v = stringValue(right);
      if (v) facts.rootUrlconf = { value: v, uri, range: rangeOf(right) };
    }
    if (left === 'CACHES') readBackend(right, 'BACKEND', uri, (v) => { facts.cacheBackend ??= v; });
    if (left === 'REST_FRAMEWORK') readRestFramework(right, uri, facts);
  }
  const dirs = /^\s*TEMPLATE(S|_DIRS)\s*=/m.test(tree.rootNode.text) ? extractTemplateDirs(tree, uri) : [];
  if (dirs.length > 0) facts.templateDirs = { value: dirs, uri };
  for (const stmt of tree.rootNode.namedChildren) {
    if (stmt?.type !== 'import_from_statement' || !stmt.namedChildren.some((c) => c?.type === 'wildcard_import')) continue;
    const mod = stmt.childForFieldName('module_name')?.text;
    if (mod) (facts.extends ??= []).push(mod);
  }
  return facts;
}

function readDatabases(node: Node, uri: string, facts: DjangoSettingsFacts): void {
  for (const n of nodesOfType(node, 'pair')) {
    const key = stringValue(n.childForFieldName('key'));
    const value = n.childForFieldName('value');
    if (!value) continue;
    if (key === 'ENGINE' && !facts.dbEngine) {
      const v = stringValue(value);
      if (v) {
        facts.dbEngine = { value: v, uri, range: rangeOf(value) };
        // No HOST key in this database: Django connects to the local socket.
        const dict = n.parent;
        const hasHost = dict?.namedChildren.some((p) => p?.type === 'pair' && stringValue(p.childForFieldName('key')) === 'HOST');
        if (!hasHost && !facts.dbHost) facts.dbHost = { value: '', uri, range: rangeOf(value) };
      }
    }
    if (key === 'HOST' && (!facts.dbHost || facts.dbHost.value === '')) {
      const v = stringValue(value);
      if (v !== undefined && v !== null) facts.dbHost = { value: v, uri, range: rangeOf(n) };
    }
    if (key === 'ATOMIC_REQUESTS') facts.atomicRequests = { value: isTrue(value), uri, range: rangeOf(n) };
    if (key === 'CONN_MAX_AGE') {
      const num = value.type === 'none' ? null : Number(value.text);
      facts.connMaxAge = { value: Number.isFinite(num) || num === null ? num : 0, uri, range: rangeOf(n) };
    }
  }
}

function readRestFramework(node: Node, uri: string, facts: DjangoSettingsFacts): void {
  if (node.type !== 'dictionary') return;
  for (const n of node.namedChildren) {
    if (n?.type !== 'pair') continue;
    const key = stringValue(n.childForFieldName('key'));
    const value = n.childForFieldName('value');
    if (!value) continue;
    if (key === 'PAGE_SIZE' && value.type === 'integer') {
      const v = Number(value.text.replace(/_/g, ''));
      if (Number.isSafeInteger(v) && v > 0) facts.drfPageSize = { value: v, uri, range: rangeOf(n) };
    }
    if (key === 'DEFAULT_PAGINATION_CLASS') {
      const v = stringValue(value);
      if (v) facts.drfPaginationClass = { value: v, uri, range: rangeOf(n) };
    }
  }
}

function readBackend(node: Node, wanted: string, uri: string, set: (v: { value: string; uri: string; range: Range }) => void): void {
  for (const n of nodesOfType(node, 'pair')) {
    const v = stringValue(n.childForFieldName('value'));
    if (stringValue(n.childForFieldName('key')) === wanted && v) set({ value: v, uri, range: rangeOf(n.childForFieldName('value') as Node) });
  }
}

/** Later files override earlier ones key by key (settings/base.py then settings/prod.py). */
export function mergeSettingsFacts(all: readonly DjangoSettingsFacts[]): DjangoSettingsFacts {
  const out: DjangoSettingsFacts = {};
  for (const f of all) Object.assign(out, Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)));
  return out;
}
