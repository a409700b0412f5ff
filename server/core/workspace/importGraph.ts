import { moduleToPath } from '../django/urlFacts';
import { moduleKey } from './modulePaths';

/**
 * Which workspace files import which modules, read from the import statements' text (no parse), so that the language
 * server re-checks only the dependants of a module whose function summaries or exported types changed. Over-approximate
 * on purpose: an import that may name the module counts (a re-check too many costs time, one too few leaves stale
 * diagnostics).
 */
export class ImportGraph {
  /** uri -> the module targets its imports may name (`moduleToPath` results: exact for relative imports). */
  private readonly imports = new Map<string, readonly ImportTarget[]>();

  setFile(uri: string, text: string): void {
    this.imports.set(uri, importTargets(uri, text));
  }

  removeFile(uri: string): void {
    this.imports.delete(uri);
  }

  get size(): number {
    return this.imports.size;
  }

  /**
   * Files that import `uri`'s module, then those importing them, up to `depth` levels (summaries propagate through
   * that many calls across modules), nearest first; at most `limit` (undefined when there are more: the caller
   * falls back to re-checking everything).
   */
  dependantsOf(uri: string, depth: number, limit: number): string[] | undefined {
    const out: string[] = [];
    const seen = new Set<string>([uri]);
    let frontier = [uri];
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const next: string[] = [];
      const keys = frontier.map((u) => moduleKey(u));
      for (const [importer, targets] of this.imports) {
        if (seen.has(importer) || !targets.some((t) => keys.some((k) => names(t, k)))) continue;
        seen.add(importer);
        out.push(importer);
        next.push(importer);
        if (out.length > limit) return undefined;
      }
      frontier = next;
    }
    return out;
  }
}

interface ImportTarget {
  /** Module path, `/`-separated, without `.py` (`app/helpers`). */
  module: string;
  /** Relative imports name exactly one file; absolute ones any key ending in the path (the workspace root is unknown). */
  exact: boolean;
}

function names(target: ImportTarget, key: string): boolean {
  return target.exact ? key === target.module : key === target.module || key.endsWith(`/${target.module}`);
}

const FROM_IMPORT = /^[ \t]*from[ \t]+([.\w]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)/gm;
const PLAIN_IMPORT = /^[ \t]*import[ \t]+([^\n#;]+)/gm;

/** Module targets of every import statement, at any indentation; `from p import a` also names `p.a` (a submodule). */
export function importTargets(uri: string, text: string): ImportTarget[] {
  const from = uri.replace(/\\/g, '/');
  const out = new Map<string, ImportTarget>();
  const add = (dotted: string): void => {
    if (!/^(?:\.*\w+(?:\.\w+)*|\.+)$/.test(dotted)) return;
    const t = moduleToPath(dotted, from);
    const target = { module: moduleKey(t.module), exact: t.exact };
    out.set(`${target.exact}:${target.module}`, target);
  };
  for (const m of text.matchAll(FROM_IMPORT)) {
    const base = m[1];
    add(base);
    for (const raw of m[2].replace(/[()\\]/g, ' ').split(',')) {
      const name = raw.trim().split(/\s+as\s+/)[0]?.trim();
      if (name && name !== '*' && /^\w+$/.test(name)) add(base.endsWith('.') ? `${base}${name}` : `${base}.${name}`);
    }
  }
  for (const m of text.matchAll(PLAIN_IMPORT)) {
    for (const raw of m[1].split(',')) {
      const name = raw.trim().split(/\s+as\s+/)[0]?.trim();
      if (name) add(name);
    }
  }
  return [...out.values()];
}
