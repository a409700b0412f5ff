import { moduleToPath } from '../django/urlFacts';

/**
 * Finding the workspace module an import names, shared by the indexes that answer "what does `from .x import f`
 * give?" (function summaries, exported types, callers): one rule for which file wins.
 */

/** `.../catalog/helpers.py` -> `.../catalog/helpers` (`__init__` names the package). */
export function moduleKey(uri: string): string {
  return uri.replace(/\\/g, '/').replace(/\.pyi?$/, '').replace(/\/__init__$/, '');
}

export function commonPrefix(a: string, b: string): number {
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
export function nearestModule<T>(entries: Iterable<readonly [string, T]>, module: string, fromUri: string): T | undefined {
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
export function moduleTail(module: string, fromUri: string): string {
  const wanted = moduleKey(moduleToPath(module, fromUri.replace(/\\/g, '/')).module);
  return wanted.slice(wanted.lastIndexOf('/') + 1);
}
