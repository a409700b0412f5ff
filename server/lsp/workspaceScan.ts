/**
 * The background pass over every Python file of the workspace folders: first the model/settings facts
 * (only files that can declare them are parsed), then the open documents, then every other file, in
 * chunks that yield to the event loop so edits and requests stay responsive. A newer scan cancels an older one.
 */
import type { Tree } from '../core/parsing/syntaxTree';
import type { FileNotice } from '../core/analyzer';
import { extractFileFacts, mayHaveGlobalFacts, mayHaveHelperFacts, type FileFacts } from '../core/workspace/fileFacts';
import { isMigrationText, isTestOrMigrationPath } from '../core/workspace/executionContext';
import type { CallerSource } from '../core/workspace/callerIndex';
import { ImportGraph } from '../core/workspace/importGraph';
import { WorkspaceIndex } from '../core/workspace/workspaceIndex';
import { ParseTimeoutError, type PythonParser } from '../core/parsing/pythonParser';
import type { FactsCache } from '../node/factsCache';
import { discoverPythonFilesPausing, readPythonFile, skippedAnyway } from '../node/sourceFiles';
import * as path from 'node:path';
import { fileUri, type FolderState } from './folders';
import { boundHeapGrowth, releaseMemory } from './releaseMemory';
import type { Steps } from '../core/steps';
import type { TemplateCounts } from './templates';

/** What the scan needs from the server; kept narrow so the scan is testable on its own. */
export interface ScanHost {
  parser: PythonParser;
  /** Text of the document if it is open (open text wins over the disk). */
  openText(uri: string): string | undefined;
  /** Analyses one closed file's text and publishes the result; returns the number of findings. */
  analyzeClosedFile(folder: FolderState, uri: string, text: string): number;
  /** Re-analyses the open documents (after the index changed). */
  analyzeOpenDocuments(): void;
  /** Findings of the open document at `uri` from its latest analysis (0 when it has none yet). */
  openFindings(uri: string): number;
  /** Clears diagnostics published for files of `folder` that are not in `keep`. */
  forgetOthers(folder: FolderState, keep: ReadonlySet<string>): void;
  /** The folder's template files (found once its models and settings are indexed): kept among the scanned files. */
  templateFiles?(folder: FolderState): string[];
  /**
   * The folder's Python files are all analysed: its templates can be judged by the views that render them; returns
   * how many templates were judged and their findings (they count in the scan's summary like `djperf check`'s).
   * In steps: the scan yields to edits between them, as between files.
   */
  templatesReady?(folder: FolderState): Steps<TemplateCounts>;
  beginProgress(title: string): Promise<Progress>;
  status(pending: number | undefined, message?: string): void;
  log(level: 'info' | 'warn', message: string): void;
  /** The files' facts by their text, across scans (and sessions, when kept on disk). */
  facts?: FactsCache;
}

export interface Progress {
  report(percentage: number, message: string): void;
  done(): void;
}

export interface ScanSummary {
  files: number;
  findings: number;
  skipped: number;
  cancelled: boolean;
}

/** Work between two yields to the event loop. */
const SLICE_MS = 25;

export class WorkspaceScan {
  private generation = 0;
  private running?: Promise<ScanSummary>;

  constructor(private readonly host: ScanHost) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  cancel(): void {
    this.generation++;
  }

  /** Starts a scan of `folders` (valid configuration only), cancelling the one in flight. */
  run(folders: readonly FolderState[]): Promise<ScanSummary> {
    const generation = ++this.generation;
    const previous = this.running ?? Promise.resolve(undefined);
    // The previous scan notices its generation is stale at its next yield; wait for it so two never interleave.
    const next = previous.catch(() => undefined).then(() => this.scan(folders, generation));
    this.running = next;
    void next.finally(() => {
      if (this.running === next) this.running = undefined;
    });
    return next;
  }

  private async scan(folders: readonly FolderState[], generation: number): Promise<ScanSummary> {
    const summary: ScanSummary = { files: 0, findings: 0, skipped: 0, cancelled: false };
    const stale = (): boolean => generation !== this.generation;
    if (stale()) return { ...summary, cancelled: true };
    this.host.facts?.takeCounts(); // the counts logged at the end are this scan's
    const progress = await this.host.beginProgress('djperf: analysing workspace');
    boundHeapGrowth(true);
    try {
      const plans: { folder: FolderState; files: string[] }[] = [];
      const slices = new Slices();
      // Listing the folders yields like the rest: every save of a models module starts a scan, and its file system
      // calls must not hold up the next keystroke.
      const pause = (): Promise<void> | undefined => (slices.spent() ? slices.next() : undefined);
      for (const folder of folders) {
        if (!folder.path || !folder.config || !folder.server.enable) continue;
        const found = await discoverPythonFilesPausing([folder.path], folder.root ?? folder.path, folder.config, pause);
        if (stale()) return { ...summary, cancelled: true };
        for (const n of found.notices) this.logNotice(n);
        plans.push({ folder, files: found.files });
      }
      const total = plans.reduce((n, p) => n + p.files.length, 0);
      this.host.status(total, 'indexing models');
      progress.report(0, `indexing models in ${total} files`);

      // Pass 1: facts. A fresh index per folder, swapped in at the end, so deleted files drop out. Files that can
      // declare models, settings, URLconfs or serializers come first; on the first scan of a folder its index is
      // swapped in once they are indexed and the open documents are analysed then (first diagnostics in a large
      // workspace must not wait for every helper module), and again once the helper modules' summaries and exported
      // types are in, and the test and migration files that are not checked (half of a real project's text) are
      // read and indexed.
      const indexing: IndexingState[] = [];
      let early = false;
      for (const plan of plans) {
        // Where a helper's callers run (execution contexts through other modules): files read and parsed on demand.
        const pathOf = new Map(plan.files.map((f) => [fileUri(f), f]));
        const folder = plan.folder;
        const root = folder.root ?? folder.path;
        const callers: CallerSource = {
          // From the paths, not the URIs: decoding 2,000 URIs again at every scan (every save of a models module)
          // held up keystrokes for 20 ms.
          files: plan.files.map((f) => ({ uri: fileUri(f), relPath: root ? path.relative(root, f).split(path.sep).join('/') : path.basename(f) })),
          read: (uri) => {
            const file = pathOf.get(uri);
            return this.host.openText(uri) ?? (file === undefined ? undefined : this.diskText(uri, file, folder));
          },
          parse: (text) => this.host.parser.parse(text),
        };
        const index = new WorkspaceIndex();
        index.setCallerSource(callers);
        const readLater = !folder.config?.checkTests;
        const state: IndexingState = { index, facts: new Map(), globals: [], helpers: [], texts: [], imports: new ImportGraph(), later: [], laterGlobals: readLater ? [] : undefined };
        for (const [i, file] of plan.files.entries()) {
          if (slices.spent()) {
            await slices.next();
            if (stale()) return { ...summary, cancelled: true };
          }
          // callers.files lists plan.files in the same order.
          if (readLater && isTestOrMigrationPath(callers.files[i].relPath) && this.host.openText(fileUri(file)) === undefined) {
            state.later.push(file);
            continue;
          }
          this.readForFacts(state, file, plan.folder);
        }
        // The files that can declare models, settings, URLconfs or serializers, after the reading: the first
        // diagnostics wait for them. (Half of them on a worker thread was tried twice: 100 ms faster and 100 MB more
        // RSS on one machine, slower on another with two cores; see docs/performance.md.)
        const factFiles = state.globals.splice(0);
        // The migrations told by their text go to the second wave, with those told by their folder.
        if (state.laterGlobals) state.globals.push(...state.laterGlobals);
        state.laterGlobals = undefined;
        for (const { uri, text } of factFiles) {
          if (slices.spent()) {
            await slices.next();
            if (stale()) return { ...summary, cancelled: true };
          }
          const facts = this.factsOf(uri, text);
          if (facts) state.facts.set(uri, facts);
        }
        for (const { uri } of factFiles) {
          const facts = state.facts.get(uri);
          if (facts) index.setFile(uri, facts);
        }
        const moreToIndex = state.texts.length > factFiles.length || state.later.length > 0;
        if (plan.folder.index.fileCount === 0 && moreToIndex) {
          plan.folder.index = index;
          early = true;
        }
        indexing.push(state);
      }
      if (stale()) return { ...summary, cancelled: true };
      if (early) this.host.analyzeOpenDocuments();
      for (const [i, plan] of plans.entries()) {
        const state = indexing[i];
        for (const file of state.later) {
          if (slices.spent()) {
            await slices.next();
            if (stale()) return { ...summary, cancelled: true };
          }
          this.readForFacts(state, file, plan.folder);
        }
        for (const { uri, text, global } of state.texts) {
          if (slices.spent()) {
            await slices.next();
            if (stale()) return { ...summary, cancelled: true };
          }
          state.imports.setFile(uri, text);
          if (!global && mayHaveHelperFacts(text)) state.helpers.push({ uri, text });
        }
        state.texts = [];
        plan.folder.imports = state.imports;
        plan.folder.globalFactsEdited = false;
        for (const { uri, text } of [...state.globals, ...state.helpers]) {
          if (slices.spent()) {
            await slices.next();
            if (stale()) return { ...summary, cancelled: true };
          }
          // The editor's text wins if the document was opened meanwhile.
          const facts = this.factsOf(uri, this.host.openText(uri) ?? text);
          if (facts) state.facts.set(uri, facts);
        }
        // Nothing indexed after the first wave (no helper modules, no files read late): the first wave's index is whole.
        if (state.helpers.length === 0 && state.later.length === 0 && state.globals.length === 0) {
          plan.folder.index = state.index;
          continue;
        }
        // The whole index, its files in the order of the folder's files as before (the merged facts follow it).
        const index = new WorkspaceIndex();
        index.shareCallers(state.index);
        for (const file of plan.files) {
          const uri = fileUri(file);
          const facts = state.facts.get(uri);
          if (facts) index.setFile(uri, facts);
        }
        plan.folder.index = index;
      }
      if (stale()) return { ...summary, cancelled: true };

      // Pass 2: the open documents first (the user is looking at them), then the rest.
      this.host.analyzeOpenDocuments();
      let done = 0;
      for (const plan of plans) {
        const seen = new Set<string>((this.host.templateFiles?.(plan.folder) ?? []).map(fileUri));
        for (const file of plan.files) {
          if (slices.spent()) {
            await slices.next();
            if (stale()) return { ...summary, cancelled: true };
            progress.report(Math.floor((done / Math.max(1, total)) * 100), `${done}/${total} files`);
            this.host.status(total - done);
          }
          done++;
          const uri = fileUri(file);
          seen.add(uri);
          if (this.host.openText(uri) !== undefined) {
            // Analysed above from its editor text; it counts like any other file (the Problems panel lists it too).
            summary.findings += this.host.openFindings(uri);
            summary.files++;
            continue;
          }
          // The text the facts pass read; a file it could not read is read again, so that why is logged and counted.
          const read = this.diskTexts.get(uri);
          const text = typeof read === 'string' ? read : this.readText(file, plan.folder, summary);
          if (text === undefined) continue;
          summary.findings += this.host.analyzeClosedFile(plan.folder, uri, text);
          summary.files++;
        }
        this.host.forgetOthers(plan.folder, seen);
        const steps = this.host.templatesReady?.(plan.folder);
        if (steps) {
          let step = steps.next();
          while (!step.done) {
            if (slices.spent()) {
              await slices.next();
              if (stale()) return { ...summary, cancelled: true };
            }
            step = steps.next();
          }
          summary.files += step.value.files;
          summary.findings += step.value.findings;
        }
      }
      this.keepFacts(plans);
      if (summary.skipped) this.host.log('info', `workspace scan: skipped ${summary.skipped} file(s); reasons above`);
      const django = [...new Set(plans.map((p) => p.folder.config!.targetDjango.join('.')))].join(', ');
      this.host.log('info', `workspace scan: ${summary.files} file(s) analysed, ${summary.findings} finding(s); Django ${django || '-'} assumed (djperf.targetDjangoVersion)${this.cacheNote()}`);
      // Give the scan's garbage back once it is done (after the diagnostics above have been sent), with most of the
      // caller files it parsed: edits look up the callers of one module at a time.
      if (summary.files >= RELEASE_AFTER_FILES) {
        for (const plan of plans) plan.folder.index.trimCallerTrees(CALLER_TREES_AFTER_SCAN);
        setTimeout(() => releaseMemory(), 0);
      }
      return summary;
    } finally {
      boundHeapGrowth(false);
      progress.done();
      if (!stale()) this.host.status(undefined);
    }
  }

  /** How many files' facts this scan took from the cache (their text unchanged) instead of parsing them. */
  private cacheNote(): string {
    const cache = this.host.facts;
    if (!cache) return '';
    const { hits, misses } = cache.takeCounts();
    return `; facts of ${hits} of ${hits + misses} file(s) unchanged, not parsed again`;
  }

  /**
   * After a whole scan: the facts cache keeps the files scanned (not those deleted or excluded since) and is written
   * once the diagnostics are out, when it changed (a restart then parses only what changed meanwhile).
   */
  private keepFacts(plans: readonly { files: string[] }[]): void {
    const cache = this.host.facts;
    if (!cache) return;
    cache.retain(new Set(plans.flatMap((p) => p.files.map(fileUri))));
    setTimeout(() => {
      const error = cache.save();
      if (error) this.host.log('warn', error);
    }, 0);
  }

  /**
   * Reads a file for the facts pass (the editor's text if it is open): its text for the import graph and the caller
   * lookups, and whether it is indexed in the first wave (`globals`: what every file may read). The others are told
   * apart after the first diagnostics, with the import graph (`helpers`: function summaries and exported types, which
   * only importers read).
   */
  private readForFacts(state: IndexingState, file: string, folder: FolderState): void {
    const uri = fileUri(file);
    const open = this.host.openText(uri);
    const text = open ?? this.readText(file, folder);
    // Each scan reads the disk again: the texts caller lookups read are those of this scan.
    if (open === undefined) this.diskTexts.set(uri, text ?? null);
    if (text === undefined) return;
    const global = mayHaveGlobalFacts(uri, text);
    // Who imports whom is only needed once edits come: read after the open documents' first diagnostics.
    state.texts.push({ uri, text, global });
    if (!global) return;
    // A migration's classes are no models the open documents read (its `models.Model` is a `bases=` argument), and a
    // project's migrations can weigh as much as its models (400 KB of DefectDojo's 1.2 MB first wave).
    if (state.laterGlobals && isMigrationText(text)) state.laterGlobals.push({ uri, text });
    else state.globals.push({ uri, text });
  }

  /** A file's facts, or undefined when it cannot be parsed in time (reported when the file itself is analysed). */
  private factsOf(uri: string, text: string): FileFacts | undefined {
    return this.host.facts ? this.host.facts.factsOf(uri, text, () => this.extractFacts(uri, text)) : this.extractFacts(uri, text);
  }

  private extractFacts(uri: string, text: string): FileFacts | undefined {
    let tree: Tree;
    try {
      tree = this.host.parser.parse(text);
    } catch (e) {
      if (!(e instanceof ParseTimeoutError)) throw e;
      return undefined;
    }
    return extractFileFacts(tree, uri, text);
  }

  /**
   * A closed file's text, read from disk once per scan (by its facts pass) for the analysis pass and the caller
   * lookups, which keep reading it between scans. `forgetDiskText` drops a file's text when the disk or the editor
   * may hold another one.
   */
  private diskText(uri: string, file: string, folder: FolderState): string | undefined {
    let text = this.diskTexts.get(uri);
    if (text === undefined) {
      text = this.readText(file, folder) ?? null;
      this.diskTexts.set(uri, text);
    }
    return text ?? undefined;
  }

  private readonly diskTexts = new Map<string, string | null>();

  forgetDiskText(uri: string): void {
    this.diskTexts.delete(uri);
  }

  /**
   * A closed file's text, or undefined when it cannot be analysed. With `skips` (the analysis pass), why is logged
   * and counted, except for a generated migration or test that would not be checked anyway (as `djperf check`).
   */
  private readText(file: string, folder: FolderState, skips?: { skipped: number }): string | undefined {
    const read = readPythonFile(file, folder.config?.maxFileSize ?? Infinity);
    if ('message' in read) {
      if (skips && !skippedAnyway(file, read, folder.root ?? folder.path ?? path.dirname(file), folder.config?.checkTests === true)) {
        this.logNotice(read);
        skips.skipped++;
      }
      return undefined;
    }
    return read.text;
  }

  private logNotice(n: FileNotice): void {
    this.host.log(n.level === 'info' ? 'info' : 'warn', `${n.uri}: ${n.message}`);
  }
}

/** One folder's facts pass (see WorkspaceScan.scan). */
interface IndexingState {
  /** The index of the first wave, swapped in early on a folder's first scan. */
  index: WorkspaceIndex;
  facts: Map<string, FileFacts>;
  /** Files read whose facts every file may read: indexed in the first wave, or after it when read late. */
  globals: { uri: string; text: string }[];
  /** Files read whose facts only their importers read (second wave). */
  helpers: { uri: string; text: string }[];
  /** Texts for the import graph and the second wave, after the first diagnostics; `global`: one of `globals`. */
  texts: { uri: string; text: string; global: boolean }[];
  imports: ImportGraph;
  /** Test and migration files of a folder that does not check them: read after the first diagnostics. */
  later: string[];
  /**
   * Before the first wave, in a folder that does not check tests: files read for it that are migrations by their
   * text (outside a `migrations` folder), indexed in the second wave like those in `later`.
   */
  laterGlobals?: { uri: string; text: string }[];
}

/**
 * Caller files' trees kept once the scan is done (it keeps 48 while it runs: about 50 MB of heap on DefectDojo at its
 * end); the callers of the module being edited are parsed again once, on its first edit.
 */
const CALLER_TREES_AFTER_SCAN = 8;

/** Scans smaller than this leave too little garbage to be worth a full collection. */
const RELEASE_AFTER_FILES = 200;

/** The scan's work between two yields to the event loop (SLICE_MS each), so that edits and requests go first. */
class Slices {
  private start = performance.now();

  spent(): boolean {
    return performance.now() - this.start > SLICE_MS;
  }

  /** Yields to the event loop and starts the next slice. */
  async next(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.start = performance.now();
  }
}
