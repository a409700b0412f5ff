import type { Node, Tree } from 'web-tree-sitter';
import { rangeOf, stringValue, walk, isTrue } from '../python/syntax';
import type { Range } from '../parsing/textDocument';

/** Settings that change what code costs, with where each value was read. */
export interface DjangoSettingsFacts {
  authUserModel?: { value: string; uri: string; range: Range };
  atomicRequests?: { value: boolean; uri: string; range: Range };
  connMaxAge?: { value: number | null; uri: string; range: Range };
}

export function looksLikeSettings(uri: string, text: string): boolean {
  return /settings/.test(uri) || /^\s*(INSTALLED_APPS|DATABASES|AUTH_USER_MODEL)\s*=/m.test(text);
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
  }
  return facts;
}

function readDatabases(node: Node, uri: string, facts: DjangoSettingsFacts): void {
  walk(node, (n) => {
    if (n.type !== 'pair') return true;
    const key = stringValue(n.childForFieldName('key'));
    const value = n.childForFieldName('value');
    if (!value) return true;
    if (key === 'ATOMIC_REQUESTS') facts.atomicRequests = { value: isTrue(value), uri, range: rangeOf(n) };
    if (key === 'CONN_MAX_AGE') {
      const num = value.type === 'none' ? null : Number(value.text);
      facts.connMaxAge = { value: Number.isFinite(num) || num === null ? num : 0, uri, range: rangeOf(n) };
    }
    return true;
  });
}

/** Later files override earlier ones key by key (settings/base.py then settings/prod.py). */
export function mergeSettingsFacts(all: readonly DjangoSettingsFacts[]): DjangoSettingsFacts {
  const out: DjangoSettingsFacts = {};
  for (const f of all) Object.assign(out, Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)));
  return out;
}
