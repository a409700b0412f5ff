import { ModelIndex } from '../django/modelIndex';
import type { ModelDecl } from '../django/modelDecls';
import { mergeSettingsFacts, type DjangoSettingsFacts } from '../django/settingsFacts';
import type { UrlViewRef } from '../django/urlFacts';
import type { SerializerDecl } from '../drf/serializerDecls';
import type { WorkspaceFacts } from '../rules/context';
import type { FileFacts } from './fileFacts';
import { FunctionIndex, type FunctionSummary } from './functionSummaries';
import { ModuleTypeIndex } from './moduleTypeIndex';
import { CallerIndex, type CallerSource } from './callerIndex';

/**
 * The workspace's model index and settings, rebuilt lazily when a file's facts change
 * (cheap: facts are small; resolution is linear in the number of classes).
 */
export class WorkspaceIndex {
  private readonly files = new Map<string, FileFacts>();
  private built?: WorkspaceFacts;
  private functionSource?: { uris: readonly string[]; load: (uri: string) => FunctionSummary[] | undefined };
  private callerSource?: CallerSource;
  /**
   * The caller lookups of `callerSource`, kept across facts changes: which files mention a name does not depend on
   * the facts, and searching the workspace again after every keystroke in a models module cost ~3 ms.
   */
  private callers?: CallerIndex;
  /** Bumped on every change, so callers can tell whether dependants need re-analysis. */
  generation = 0;
  /** What the last change of setFile/removeFile reached (see FactsScope): which dependants need re-analysis. */
  lastScope: FactsScope = 'none';

  setFile(uri: string, facts: FileFacts): boolean {
    const prev = this.files.get(uri);
    this.lastScope = factsScope(prev, facts);
    if (this.lastScope === 'none') return false;
    this.files.set(uri, facts);
    if (prev && this.built) {
      // A keystroke in a known file: the function index is patched in place instead of indexing every file again
      // (it holds function summaries only, whatever else changed: a models module's fields rebuild the models, not it).
      const { functions, moduleTypes } = this.built;
      functions?.setModule(uri, facts.functions ?? []);
      const typesChanged = !sameData(prev.types ?? null, facts.types ?? null);
      this.invalidate(this.lastScope === 'global');
      this.kept = { functions, moduleTypes: typesChanged ? undefined : moduleTypes };
      return true;
    }
    this.invalidate(this.lastScope === 'global' || !prev);
    return true;
  }

  removeFile(uri: string): void {
    const prev = this.files.get(uri);
    this.lastScope = factsScope(prev, undefined);
    if (this.files.delete(uri)) this.invalidate(true);
  }

  /**
   * Files of the workspace whose function summaries are computed on demand (the CLI: parsing every helper module
   * up front would cost more than the few a row loop actually calls).
   */
  setFunctionSource(uris: readonly string[], load: (uri: string) => FunctionSummary[] | undefined): void {
    this.functionSource = { uris, load };
    this.invalidate();
  }

  /** Every file of the workspace, read and parsed on demand, for caller lookups (where a helper's callers run). */
  setCallerSource(source: CallerSource): void {
    this.callerSource = source;
    this.callers = undefined;
    this.invalidate();
  }

  /**
   * Takes over `other`'s caller lookups (the same files, read and searched once): the language server's scan builds
   * the whole index after the first wave's. What the kept trees carry was made with `other`'s facts and is dropped.
   */
  shareCallers(other: WorkspaceIndex): void {
    this.callerSource = other.callerSource;
    this.callers = other.callers;
    this.invalidate();
  }

  /** An open document's text changed: the caller index must not answer from its old text (see CallerIndex.textChanged). */
  textChanged(uri: string, text: string): void {
    this.callers?.textChanged(uri, text);
  }

  /** Drops all but the `files` most recently used trees of the caller index (see CallerIndex.trim). */
  trimCallerTrees(files: number): void {
    this.callers?.trim(files);
  }

  has(uri: string): boolean {
    return this.files.has(uri);
  }

  /** Each file's own facts (settings of several modules that the merged facts keep only one of). */
  entries(): IterableIterator<[string, FileFacts]> {
    return this.files.entries();
  }

  get fileCount(): number {
    return this.files.size;
  }

  facts(): WorkspaceFacts {
    if (!this.built) {
      this.global ??= this.buildGlobal();
      const { models, settings, urlViews, serializers } = this.global;
      const functions = this.kept?.functions ?? this.buildFunctions();
      const moduleTypes = this.kept?.moduleTypes ?? new ModuleTypeIndex([...this.files.entries()].map(([uri, f]) => [uri, f.types]));
      this.kept = undefined;
      this.built = {
        models, settings, urlViews, serializers, functions, moduleTypes,
        ...(this.callerSource ? { callers: (this.callers ??= new CallerIndex(this.callerSource)) } : {}),
      };
    }
    return this.built;
  }

  private buildFunctions(): FunctionIndex {
    const known: [string, FunctionSummary[] | undefined][] = [...this.files.entries()].map(([uri, f]) => [uri, f.functions ?? []]);
    for (const uri of this.functionSource?.uris ?? []) if (!this.files.has(uri)) known.push([uri, undefined]);
    return new FunctionIndex(known, this.functionSource?.load);
  }

  /** The parts every file may read: models, settings, URLconfs, serializers (see FactsScope). */
  private buildGlobal(): GlobalFacts {
    // One pass over the files (every keystroke in a models module comes here).
    const classes: ModelDecl[] = [];
    const urlViews: UrlViewRef[] = [];
    const serializers: SerializerDecl[] = [];
    const settingsFiles: [string, DjangoSettingsFacts][] = [];
    for (const [uri, f] of this.files) {
      for (const c of f.classes) classes.push(c);
      if (f.urlViews) for (const u of f.urlViews) urlViews.push(u);
      if (f.serializers) for (const d of f.serializers) serializers.push(d);
      if (f.settings) settingsFiles.push([uri, f.settings]);
    }
    const settings = mergeSettingsFacts(settingsFiles.sort(([a], [b]) => a.localeCompare(b)).map(([, f]) => f));
    return { models: ModelIndex.build(classes, { authUserModel: settings.authUserModel?.value }), settings, urlViews, serializers };
  }

  /** Built once per global change: a keystroke in a helper module changes its function summaries, not the models. */
  private global?: GlobalFacts;

  /** Indexes carried into the next build after a module-scope change (patched, not rebuilt). */
  private kept?: Partial<Pick<WorkspaceFacts, 'functions' | 'moduleTypes'>>;

  private invalidate(global = false): void {
    if (global) this.global = undefined;
    // Analyses of the callers' trees read the facts (types, summaries): made again with the new ones.
    this.callers?.factsChanged();
    this.built = undefined;
    this.kept = undefined;
    this.generation++;
  }
}

type GlobalFacts = Pick<WorkspaceFacts, 'models' | 'settings' | 'urlViews' | 'serializers'>;

/**
 * What a change of one file's facts can affect: `global` for models, settings, URLconfs and serializers (any file
 * may read them), `module` for function summaries and exported types (only the modules that import this one, and
 * theirs), `none` when nothing changed.
 */
export type FactsScope = 'none' | 'module' | 'global';

function factsScope(prev: FileFacts | undefined, next: FileFacts | undefined): FactsScope {
  // Compared as data, not as JSON: a keystroke's new summaries share most of their objects with the previous ones
  // (see summarizeFunctions), so the comparison skips them by identity instead of writing 100 KB of JSON twice.
  if (!prev && !next) return 'none';
  const { functions: prevFunctions, types: prevTypes, ...prevRest } = prev ?? { classes: [] };
  const { functions: nextFunctions, types: nextTypes, ...nextRest } = next ?? { classes: [] };
  // Every part but the module-scoped ones counts as global, so a fact added later is never under-scoped.
  if (!sameData(prevRest, nextRest)) return 'global';
  if (prev === undefined && next !== undefined) return 'module';
  return sameData(prevFunctions ?? null, nextFunctions ?? null) && sameData(prevTypes ?? null, nextTypes ?? null) ? 'none' : 'module';
}

/** Equal as JSON data (a property set to undefined counts as absent); shared objects are equal at once. */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let defined = 0;
  for (const key of Object.keys(x)) {
    if (x[key] === undefined) continue;
    defined++;
    if (!sameData(x[key], y[key])) return false;
  }
  for (const key of Object.keys(y)) if (y[key] !== undefined) defined--;
  return defined === 0;
}
