import { moduleToPath } from '../django/urlFacts';

/**
 * Finding the workspace module an import names, shared by the indexes that answer "what does `from .x import f`
 * give?" (function summaries, exported types, callers): one rule for which file wins.
 */

/** `.../catalog/helpers.py` -> `.../catalog/helpers` (`__init__` names the package). */
export function moduleKey(uri: string): string {
  return uri.replace(/\\/g, '/').replace(/\.pyi?$/, '').replace(/\/__init__$/, '');
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** `app.helpers.render` / `.helpers.render` (import-resolved) -> module `app.helpers` / `.helpers` and name `render`. */
export function splitQualified(qualified: string): { module: string; name: string } | undefined {
  const m = /^(\.*)([\s\S]*)$/.exec(qualified) as RegExpExecArray; // [\s\S]: a broken file can put a newline in a name
  const parts = m[2].split('.').filter(Boolean);
  const name = parts.pop();
  const module = `${m[1]}${parts.join('.')}`;
  return name && module ? { module, name } : undefined;
}

/**
 * Of module keys (with what each holds), the one a dotted module names from `fromUri`: the exact file for a relative
 * import, else any key ending in the module's path, the one nearest the importing file when several do
 * (`app/helpers.py` and `other/helpers.py`).
 */
function nearestModule<T>(entries: Iterable<readonly [string, T]>, module: string, fromUri: string): T | undefined {
  const target = moduleToPath(module, fromUri.replace(/\\/g, '/'));
  const wanted = moduleKey(target.module);
  let best: T | undefined;
  let bestScore = -1;
  for (const [key, value] of entries) {
    const hit = target.exact ? key === wanted : key === wanted || key.endsWith(`/${wanted}`);
    if (!hit) continue;
    const score = commonPrefix(key, fromUri);
    if (score > bestScore) {
      best = value;
      bestScore = score;
    }
  }
  return best;
}

/** The last path segment of the module a dotted name denotes, to pre-select candidate keys (`helpers`). */
function moduleTail(module: string, fromUri: string): string {
  const wanted = moduleKey(moduleToPath(module, fromUri.replace(/\\/g, '/')).module);
  return wanted.slice(wanted.lastIndexOf('/') + 1);
}

/**
 * Workspace modules by key (`moduleKey`), each with a value, looked up the way imports name them: only the keys that
 * share the import's last segment are compared (`nearestModule`). The one table behind the indexes that resolve
 * imports to files (callers, function summaries, exported types, the scan's order).
 */
export class ModuleTable<T> {
  private readonly values = new Map<string, T>();
  private readonly byTail = new Map<string, string[]>();

  /** The value of `uri`'s module, if it has one. */
  get(uri: string): T | undefined {
    return this.values.get(moduleKey(uri));
  }

  /** Sets the value of `uri`'s module (a later value replaces an earlier one; the module keeps its place). */
  set(uri: string, value: T): void {
    const key = moduleKey(uri);
    if (!this.values.has(key)) {
      const tail = key.slice(key.lastIndexOf('/') + 1);
      const keys = this.byTail.get(tail);
      if (keys) keys.push(key);
      else this.byTail.set(tail, [key]);
    }
    this.values.set(key, value);
  }

  get size(): number {
    return this.values.size;
  }

  /** The value of the module a dotted import in `fromUri` names (relative or absolute), the nearest of several. */
  nearest(module: string, fromUri: string): T | undefined {
    const keys = this.byTail.get(moduleTail(module, fromUri));
    return keys ? nearestModule(keys.map((k) => [k, this.values.get(k) as T] as const), module, fromUri) : undefined;
  }
}
