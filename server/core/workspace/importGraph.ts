import { moduleToPath } from '../django/urlFacts';
import { moduleKey } from './modulePaths';

/**
 * Which workspace files import which modules, read from the import statements' text (no parse), so that the language
 * server re-checks only the dependants of a module whose function summaries or exported types changed. Over-approximate
 * on purpose: an import that may name the module counts (a re-check too many costs time, one too few leaves stale
 * diagnostics).
 */
export class ImportGraph implements ImportsAmong {
  /** uri -> the dotted names its imports may denote, as written (`.helpers`, `shop.models.Book`). */
  private readonly imports = new Map<string, readonly string[]>();
  /** Last segment of a dotted name -> the files importing something of that name: resolution is left to lookups. */
  private readonly byTail = new Map<string, Set<string>>();

  setFile(uri: string, text: string): void {
    this.removeFile(uri);
    const dotted = importedNames(text);
    this.imports.set(uri, dotted);
    for (const d of dotted) {
      const tail = tailOf(d, uri);
      let set = this.byTail.get(tail);
      if (!set) this.byTail.set(tail, (set = new Set()));
      set.add(uri);
    }
  }

  removeFile(uri: string): void {
    for (const d of this.imports.get(uri) ?? []) this.byTail.get(tailOf(d, uri))?.delete(uri);
    this.imports.delete(uri);
  }

  get size(): number {
    return this.imports.size;
  }

  /**
   * Files that import `uri`'s module, then those importing them, up to `depth` levels (summaries propagate through
   * that many calls across modules), nearest first; undefined when there are more than `limit` (the caller then
   * re-checks everything).
   */
  dependantsOf(uri: string, depth: number, limit: number): string[] | undefined {
    const out: string[] = [];
    const seen = new Set<string>([uri]);
    let frontier = [uri];
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const next: string[] = [];
      for (const module of frontier) {
        const key = moduleKey(module);
        const tail = key.slice(key.lastIndexOf('/') + 1);
        // Only the importer's names ending in the tail are resolved (resolution is the costly part).
        const mayName = (d: string): boolean => d === tail || d.endsWith(`.${tail}`) || /^\.+$/.test(d);
        for (const importer of this.byTail.get(tail) ?? []) {
          if (seen.has(importer) || !this.imports.get(importer)!.some((d) => mayName(d) && names(importTarget(d, importer), key))) continue;
          seen.add(importer);
          out.push(importer);
          next.push(importer);
          if (out.length > limit) return undefined;
        }
      }
      frontier = next;
    }
    return out;
  }

  importedAmong(uri: string, candidates: readonly string[], depth: number): string[] {
    const out: string[] = [];
    const left = new Set(candidates);
    left.delete(uri);
    let frontier = [uri];
    for (let level = 0; level < depth && frontier.length > 0 && left.size > 0; level++) {
      const next: string[] = [];
      for (const importer of frontier) {
        const dotted = this.imports.get(importer) ?? [];
        for (const candidate of [...left]) {
          const key = moduleKey(candidate);
          if (!dotted.some((d) => names(importTarget(d, importer), key))) continue;
          left.delete(candidate);
          out.push(candidate);
          next.push(candidate);
        }
      }
      frontier = next;
    }
    return out;
  }
}

export interface ImportsAmong {
  /**
   * Of `candidates`, the files `uri` imports, then those they import, up to `depth` levels (over-approximate, as
   * `dependantsOf`): the language server re-checks open modules whose callers were edited.
   */
  importedAmong(uri: string, candidates: readonly string[], depth: number): string[];
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

// Sticky: tried at the start of each line holding the word `import` (found with indexOf, far faster than a multi-line
// search of the whole text).
const FROM_IMPORT = /[ \t]*from[ \t]+([.\w]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)/y;
const PLAIN_IMPORT = /[ \t]*import[ \t]+([^\n#;]+)/y;

/** Dotted names of every import statement, at any indentation; `from p import a` also names `p.a` (a submodule). */
export function importedNames(text: string): string[] {
  const out = new Set<string>();
  const add = (dotted: string): void => {
    if (/^(?:\.*\w+(?:\.\w+)*|\.+)$/.test(dotted)) out.add(dotted);
  };
  let lastLine = -1;
  for (let at = text.indexOf('import'); at >= 0; at = text.indexOf('import', at + 6)) {
    const line = text.lastIndexOf('\n', at) + 1;
    if (line === lastLine) continue;
    lastLine = line;
    FROM_IMPORT.lastIndex = line;
    const from = FROM_IMPORT.exec(text);
    if (from) {
      const base = from[1];
      add(base);
      for (const raw of from[2].replace(/[()\\]/g, ' ').split(',')) {
        const name = raw.trim().split(/\s+as\s+/)[0]?.trim();
        if (name && name !== '*' && /^\w+$/.test(name)) add(base.endsWith('.') ? `${base}${name}` : `${base}.${name}`);
      }
      continue;
    }
    PLAIN_IMPORT.lastIndex = line;
    const plain = PLAIN_IMPORT.exec(text);
    for (const raw of plain ? plain[1].split(',') : []) {
      const name = raw.trim().split(/\s+as\s+/)[0]?.trim();
      if (name) add(name);
    }
  }
  return [...out];
}

/** The module file(s) a dotted import in `fromUri` may denote. */
export function importTarget(dotted: string, fromUri: string): ImportTarget {
  const t = moduleToPath(dotted, fromUri.replace(/\\/g, '/'));
  return { module: moduleKey(t.module), exact: t.exact };
}

/** The last segment of the module a dotted import denotes (`.` alone: the importing file's package). */
function tailOf(dotted: string, fromUri: string): string {
  const dot = dotted.lastIndexOf('.');
  if (dot < dotted.length - 1) return dotted.slice(dot + 1);
  const module = importTarget(dotted, fromUri).module;
  return module.slice(module.lastIndexOf('/') + 1);
}
