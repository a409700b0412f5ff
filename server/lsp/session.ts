/**
 * The language server's state and handlers: open documents, workspace folders and their configuration,
 * the background workspace scan. Every handler is wrapped: whatever a client sends, the server logs and lives on.
 */
import {
  CodeActionKind, CodeLensRefreshRequest, DidChangeConfigurationNotification, MessageType, NotificationType, RequestType, ShowMessageNotification, DidChangeWatchedFilesNotification, FileChangeType, ResponseError,
  ErrorCodes, TextDocumentSyncKind, type CancellationToken, type Connection, type InitializeParams, type InitializeResult,
  type WorkspaceFolder, type InitializeError,
} from 'vscode-languageserver/node';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_ROWS, defaultConfig } from '../core/config/config';
import { PythonParser, type GrammarLocation } from '../core/parsing/pythonParser';
import { buildIdentity, FactsCache } from '../node/factsCache';
import { readPythonFile } from '../node/sourceFiles';
import { EditWarmup } from './editWarmup';
import { Analysis } from './analysis';
import { codeActions } from './codeActions';
import { DocumentStore } from './documents';
import { filePath, fileUri, folderOf, isInside, loadFolderConfig, newFolder, uriKey, type FolderState } from './folders';
import { hoverAt } from './hover';
import {
  AnalyzeWorkspaceRequest, DocumentStatsRequest, FIX_ALL_KIND, ProfilesRequest, StatusNotification, type AnalyzeWorkspaceResult,
  type NotificationSpec, type RequestSpec,
} from './protocol';
import { ProfileService } from './profiles';
import { codeLenses } from './codeLens';
import { WorkspaceScan, type Progress } from './workspaceScan';
import { countsOf, TemplateService, type TemplateCounts, type TemplateResults } from './templates';
import type { Steps } from '../core/steps';
import { SLOW_FILE_MS } from './analysis';
import { SessionTimers } from './sessionTimers';

/** Typing pauses shorter than this do not trigger an analysis (djperf.run = onType). */
const TYPING_DEBOUNCE_MS = 150;
/** Importers of importers…: summaries propagate this many calls across modules (functionSummaries' propagateWork). */
const DEPENDANT_DEPTH = 3;
/** More dependants than this after one edit: the module is imported everywhere, the edit is treated like a model's. */
const MAX_DEPENDANTS = 200;
const DEPENDANT_SLICE_MS = 30;
const DEPENDANTS_TIMER = 'dependants';
/**
 * After an edit that every file may read (a models module saved, a file changed on disk), the workspace is analysed
 * again once the edits pause this long: started at each keystroke, the scans' slices held up the next keystroke's
 * diagnostics (DefectDojo's models module: 100 ms instead of 40 ms per keystroke).
 */
const RESCAN_DEBOUNCE_MS = 400;
const RESCAN_TIMER = 'rescan';
/** In the client's storage folder for the workspace (see factsCache). */
const FACTS_CACHE_FILE = 'djperf-facts.bin';

interface ClientSupport {
  configuration: boolean;
  dynamicConfiguration: boolean;
  dynamicWatchers: boolean;
  versionedEdits: boolean;
  /** The client already watches `**\/*.py` and pyproject.toml for us (the VS Code extension does). */
  watchesFiles: boolean;
  /** `workspace/codeLens/refresh` is understood: lenses computed from a stale report are refreshed. */
  codeLensRefresh: boolean;
}

export class DjperfSession {
  private parser?: PythonParser;
  private warmup?: EditWarmup;
  private docs?: DocumentStore;
  private analysis?: Analysis;
  private scan?: WorkspaceScan;
  private profiles?: ProfileService;
  private templates?: TemplateService;
  private folders: FolderState[] = [];
  private readonly loose = newFolder('', 'files outside the workspace folders');
  private support: ClientSupport = { configuration: false, dynamicConfiguration: false, dynamicWatchers: false, versionedEdits: false, watchesFiles: false, codeLensRefresh: false };
  private readonly timers = new SessionTimers();
  /** Closed files importing an edited module whose summaries changed, waiting to be analysed again. */
  private readonly staleDependants = new Set<string>();
  /** Open documents are analysed once the workspace's models are indexed (else a first pass would miss N+1s). */
  private indexReady = false;
  private configLoading: Promise<void> = Promise.resolve();
  private readonly shownErrors = new Map<string, string>();

  constructor(private readonly connection: Connection, private readonly grammar: GrammarLocation) {}

  listen(): void {
    const c = this.connection;
    // LSP allows one initialize: a second one (a confused or hostile client) must not reset the session's state.
    let initializeSeen = false;
    c.onInitialize((params) => {
      if (initializeSeen) return new ResponseError<InitializeError>(ErrorCodes.InvalidRequest, 'djperf: initialize was already sent; the session keeps its state', { retry: false });
      initializeSeen = true;
      return this.initialize(params);
    });
    c.onInitialized(this.notification('initialized', () => this.initialized()));
    c.onDidOpenTextDocument(this.notification('didOpen', (p) => {
      const folder = this.folderOf(p.textDocument.uri);
      const doc = this.docs!.open(p.textDocument.uri, p.textDocument.languageId, p.textDocument.text, p.textDocument.version, folder.config?.maxFileSize ?? defaultConfig().maxFileSize);
      this.schedule(doc.uri, 0);
    }));
    c.onDidChangeTextDocument(this.notification('didChange', (p) => {
      const result = this.docs!.change(p.textDocument.uri, p.contentChanges, p.textDocument.version);
      if ('reason' in result) return c.console.warn(`ignored: ${result.reason}`);
      // Still typing: what waits for a pause (other documents, templates, dependants, the rescan) waits again.
      this.timers.typing();
      this.warmup?.cancel();
      if (this.folderOf(result.uri).server.run === 'onType') this.schedule(result.uri, TYPING_DEBOUNCE_MS);
    }));
    c.onDidSaveTextDocument(this.notification('didSave', (p) => {
      const folder = this.folderOf(p.textDocument.uri);
      if (folder.server.run === 'onSave') this.schedule(p.textDocument.uri, 0);
      else if (this.timers.cancel(p.textDocument.uri)) {
        // Saved before the typing debounce ran: analyse now, so that a model edit being saved is known below.
        this.analyzeOpen(p.textDocument.uri);
      }
      // Models or settings edited in the editor are on disk now: every closed file may read them.
      if (folder.globalFactsEdited && this.indexReady) this.scheduleRescan();
    }));
    c.onDidCloseTextDocument(this.notification('didClose', (p) => this.closeDocument(p.textDocument.uri)));
    c.onDidChangeWatchedFiles(this.notification('didChangeWatchedFiles', (p) => this.watchedFilesChanged(p.changes)));
    c.onDidChangeConfiguration(this.notification('didChangeConfiguration', () => this.refreshAll()));
    c.onCodeAction(this.request('codeAction', [], (params) => {
      const doc = this.docs?.get(params.textDocument.uri);
      if (!doc) return [];
      return codeActions(params, {
        uri: doc.uri, version: doc.version, lineMap: doc.lineMap, findings: this.analysis!.findingsOf(doc), template: doc.isTemplate,
      }, { versionedEdits: this.support.versionedEdits, versionOf: (uri) => this.openDocumentAt(uri)?.version ?? null });
    }));
    c.onHover(this.request('hover', null, (params) => {
      const doc = this.docs?.get(params.textDocument.uri);
      const findings = doc && this.analysis!.findingsOf(doc);
      if (!findings) return null;
      const folder = this.folderOf(doc.uri);
      return hoverAt(findings, params.position, { ...folder.server.hover, rows: folder.config?.rows ?? DEFAULT_ROWS });
    }));
    c.onRequest(requestType(AnalyzeWorkspaceRequest), this.request('analyzeWorkspace', { files: 0, findings: 0, configErrors: 0 }, () => this.analyzeWorkspace()));
    c.onCodeLens(this.request('codeLens', [], (params) => {
      const doc = this.docs?.get(params.textDocument.uri);
      if (!doc || !this.profiles) return [];
      const folder = this.folderOf(doc.uri);
      return codeLenses(this.profiles, folder, () => this.folderRevision(folder), doc.uri, () => {
        if (this.support.codeLensRefresh) void c.sendRequest(CodeLensRefreshRequest.type).catch((e) => this.logError('codeLens refresh', e));
      });
    }));
    c.onRequest(requestType(ProfilesRequest), this.request('profiles', null, (p) => {
      const folder = p.uri ? this.folderOf(p.uri) : this.folders[0];
      if (!folder || !this.profiles) return null;
      return this.profiles.report(folder, this.folderRevision(folder)) ?? null;
    }));
    c.onRequest(requestType(DocumentStatsRequest), this.request('debugDocumentStats', null, (p) => this.docs?.get(p.uri)?.stats() ?? null));
    c.onShutdown(() => this.shutdown());
  }

  private async initialize(params: InitializeParams): Promise<InitializeResult> {
    this.parser = await PythonParser.load(this.grammar);
    this.docs = new DocumentStore(this.parser);
    this.analysis = new Analysis(this.connection, this.parser);
    // No full collection after it, unlike after the scan: one there made the first edits slower again (p95 of
    // bench/lsp.mjs 27-32 ms with it, 19-25 ms without), for 25-50 MB less RSS (docs/performance.md).
    this.warmup = new EditWarmup(this.parser, (message) => this.connection.console.info(message));
    this.templates = new TemplateService((folder) => this.docs!.all().filter((d) => d.isTemplate && this.folderOf(d.uri) === folder).map((d) => ({ uri: d.uri, text: d.text })));
    this.analysis.onAnalysed = (folder, uri, text, tree) => {
      // A view's renders changed (a select_related added, a template renamed): its templates are judged again, by
      // the scan's template steps if a scan is running (those already under way are overtaken and start again).
      if (!this.templates!.setRenders(folder, uri, text, tree) || !this.indexReady) return;
      if (this.scan?.busy) this.templateRunStarted(folder);
      else this.scheduleTemplates(folder, TYPING_DEBOUNCE_MS);
    };
    const options = (params.initializationOptions ?? {}) as { clientWatchesFiles?: unknown; storagePath?: unknown };
    this.facts = this.factsCache(options.storagePath);
    this.profiles = new ProfileService(this.parser, (path) => this.openDocumentAt(fileUri(path))?.text, (folder) => this.templates!.sources(folder));
    this.analysis.profilesFor = (folder) => this.profiles?.report(folder, this.folderRevision(folder));
    this.scan = new WorkspaceScan({
      parser: this.parser,
      openText: (uri) => this.openDocumentAt(uri)?.text,
      analyzeClosedFile: (folder, uri, text) => this.analysis!.analyzeClosed(folder, uri, text).findings,
      analyzeOpenDocuments: () => this.analyzeOpenDocuments(),
      openFindings: (uri) => {
        const doc = this.openDocumentAt(uri);
        return (doc && this.analysis!.findingsOf(doc)?.length) ?? 0;
      },
      forgetOthers: (folder, keep) => this.forgetOthers(folder, keep),
      templateFiles: (folder) => this.templates!.discover(folder),
      templatesReady: (folder) => this.checkTemplateSteps(folder),
      beginProgress: (title) => this.beginProgress(title),
      status: (pending, message) => this.sendStatus(pending, message),
      log: (level, message) => (level === 'warn' ? this.connection.console.warn(message) : this.connection.console.info(message)),
      facts: this.facts,
    });
    const caps = params.capabilities;
    this.support = {
      configuration: caps.workspace?.configuration === true,
      dynamicConfiguration: caps.workspace?.didChangeConfiguration?.dynamicRegistration === true,
      dynamicWatchers: caps.workspace?.didChangeWatchedFiles?.dynamicRegistration === true,
      versionedEdits: caps.workspace?.workspaceEdit?.documentChanges === true,
      watchesFiles: options.clientWatchesFiles === true,
      codeLensRefresh: caps.workspace?.codeLens?.refreshSupport === true,
    };
    const folders: WorkspaceFolder[] = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: params.rootUri }] : []);
    this.folders = folders.map((f) => newFolder(f.uri, f.name));
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'djperf', version: typeof DJPERF_VERSION === 'string' ? DJPERF_VERSION : undefined },
    };
  }

  private async initialized(): Promise<void> {
    const c = this.connection;
    if (this.support.dynamicConfiguration) {
      c.client.register(DidChangeConfigurationNotification.type, { section: 'djperf' }).catch((e) => this.logError('register configuration', e));
    }
    if (this.support.dynamicWatchers && !this.support.watchesFiles) {
      c.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{py,pyi}' }, { globPattern: '**/pyproject.toml' }] })
        .catch((e) => this.logError('register file watchers', e));
    }
    c.workspace.onDidChangeWorkspaceFolders(this.notification('didChangeWorkspaceFolders', (e) => {
      for (const removed of e.removed) {
        const folder = this.folders.find((f) => f.uri === removed.uri);
        if (folder) this.analysis!.clearFolder(folder);
      }
      const removed = new Set(e.removed.map((f) => f.uri));
      this.folders = [...this.folders.filter((f) => !removed.has(f.uri)), ...e.added.map((f) => newFolder(f.uri, f.name))];
      return this.refreshAll();
    }));
    await this.refreshAll();
  }

  /** Re-reads all configuration, then re-analyses everything (open documents first). */
  private async refreshAll(): Promise<void> {
    await this.reloadConfig();
    void this.scan!.run(this.folders)
      // The first whole scan is done: the editing path is compiled before the first keystroke (see EditWarmup).
      .then(() => { if (!this.scan!.busy) this.warmup?.start(); })
      .catch((e) => this.logError('workspace scan', e));
  }

  private reloadConfig(): Promise<void> {
    // Serialised: two overlapping reloads must not interleave their results.
    this.configLoading = this.configLoading.catch(() => undefined).then(async () => {
      const shownNow = new Set<string>();
      for (const folder of [...this.folders, this.loose]) {
        const section = await this.editorSection(folder.uri || undefined);
        const error = loadFolderConfig(folder, section);
        const key = folder.uri || '(no folder)';
        if (error) {
          this.analysis!.clearFolder(folder);
          if (this.shownErrors.get(key) !== error.message) {
            this.shownErrors.set(key, error.message);
            this.connection.console.error(`configuration error, diagnostics paused for ${folder.name}: ${error.message}`);
            // One message per distinct error: a bad user setting breaks every folder the same way.
            if (!shownNow.has(error.message)) {
              shownNow.add(error.message);
              void this.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Error, message: `djperf: ${error.message}` });
            }
          }
        } else if (this.shownErrors.delete(key)) {
          this.connection.console.info(`configuration of ${folder.name} is valid again`);
        }
        if (!folder.server.enable) this.analysis!.clearFolder(folder);
      }
      this.sendStatus(undefined);
    });
    return this.configLoading;
  }

  private async editorSection(scopeUri: string | undefined): Promise<unknown> {
    if (!this.support.configuration) return {};
    try {
      return await this.connection.workspace.getConfiguration({ scopeUri, section: 'djperf' });
    } catch (e) {
      this.logError('workspace/configuration', e);
      return {};
    }
  }

  private schedule(uri: string, delayMs: number): void {
    this.timers.set(uri, delayMs, () => {
      try {
        this.analyzeOpen(uri);
      } catch (e) {
        this.logError(`analysing ${uri}`, e);
      }
    });
  }

  private analyzeOpen(uri: string): void {
    const doc = this.docs?.get(uri);
    if (!doc || !this.indexReady) return;
    const folder = this.folderOf(uri);
    if (doc.isTemplate) {
      this.checkTemplates(folder);
      return;
    }
    const factsChanged = this.analysis!.analyzeOpen(doc, folder);
    // Only for a new text: an analysis this schedules must not schedule back (modules that import each other).
    if (this.importedChecked.get(uri) !== doc.version) {
      this.importedChecked.set(uri, doc.version);
      this.scheduleImported(folder, uri);
    }
    if (!factsChanged) return;
    if (this.queueDependants(folder, uri)) {
      this.scheduleDependants();
      return;
    }
    // The models changed under the other open documents of this folder, and under its templates; the closed files are
    // analysed again when the document is saved (not on every keystroke).
    folder.globalFactsEdited = true;
    // A scan in flight reads the models as they were: it stops at its next slice, the rescan below replaces it.
    if (this.scan!.busy) this.scan!.cancel();
    if (folder.server.run === 'onSave') this.scheduleRescan();
    for (const other of this.docs!.all()) if (other.uri !== uri && this.folderOf(other.uri) === folder && !other.isTemplate) this.schedule(other.uri, TYPING_DEBOUNCE_MS);
    this.scheduleTemplates(folder, TYPING_DEBOUNCE_MS);
  }

  /**
   * The open documents `uri` imports (and theirs), checked again once the typing pauses: what they report can depend
   * on their callers here (a model method's query reported at the method when a row loop calls it, DJP112; the
   * callers DJP102/104 name; where their code runs), whether or not this file's own facts changed.
   */
  private scheduleImported(folder: FolderState, uri: string): void {
    const open = this.docs!.all().filter((d) => d.uri !== uri && !d.isTemplate && this.folderOf(d.uri) === folder);
    if (open.length === 0) return;
    const byKey = new Map(open.map((d) => [uriKey(d.uri), d.uri]));
    for (const key of folder.imports.importedAmong(uriKey(uri), [...byKey.keys()], DEPENDANT_DEPTH)) {
      this.schedule(byKey.get(key) as string, TYPING_DEBOUNCE_MS);
    }
  }

  /**
   * After a change of `uri`'s facts: when only its function summaries or exported types changed, the modules that
   * import it (and theirs) are queued for analysis (open ones from their editor text) and true is returned; false
   * when the change reaches every file (models, settings) or too many files import it.
   */
  private queueDependants(folder: FolderState, uri: string): boolean {
    if (folder.index.lastScope !== 'module') return false;
    const dependants = folder.imports.dependantsOf(uriKey(uri), DEPENDANT_DEPTH, MAX_DEPENDANTS);
    if (!dependants) return false;
    for (const dep of dependants) {
      const open = this.openDocumentAt(dep);
      if (open && !open.isTemplate) this.schedule(open.uri, TYPING_DEBOUNCE_MS);
      else if (!open) this.staleDependants.add(dep);
    }
    return true;
  }

  /** The version of each open document whose imported open modules were last scheduled (see scheduleImported). */
  private readonly importedChecked = new Map<string, number>();

  /** The workspace analysed again once edits pause (RESCAN_DEBOUNCE_MS); each new edit pushes it back. */
  private scheduleRescan(): void {
    this.timers.set(RESCAN_TIMER, RESCAN_DEBOUNCE_MS, () => {
      void this.scan!.run(this.folders).catch((e) => this.logError('workspace scan', e));
    });
  }

  /** Closed dependants of an edited module, re-read from disk and analysed against the new summaries. */
  private scheduleDependants(): void {
    this.timers.cancel(DEPENDANTS_TIMER);
    if (this.staleDependants.size === 0) return;
    this.timers.set(DEPENDANTS_TIMER, TYPING_DEBOUNCE_MS, () => {
      const started = performance.now();
      for (const dep of [...this.staleDependants]) {
        // Yield to the editor between slices: typing goes first.
        if (performance.now() - started > DEPENDANT_SLICE_MS) return this.scheduleDependants();
        this.staleDependants.delete(dep);
        if (this.openDocumentAt(dep)) continue;
        try {
          this.refreshFromDisk(dep);
        } catch (e) {
          this.logError(`analysing ${dep}`, e);
        }
      }
    });
  }

  private scheduleTemplates(folder: FolderState, delayMs: number): void {
    this.templateRunStarted(folder);
    this.timers.set(`templates:${folder.uri}`, delayMs, () => this.checkTemplates(folder));
  }

  /**
   * Per folder, bumped by every template check started or scheduled and by every change of the views' renders: a
   * stepped check overtaken meanwhile is dropped.
   */
  private readonly templateRuns = new Map<string, number>();

  private templateRunStarted(folder: FolderState): void {
    this.templateRuns.set(folder.uri, (this.templateRuns.get(folder.uri) ?? 0) + 1);
  }

  /** Judges every template of `folder` again and publishes what changed; a broken template never throws out of here. */
  private checkTemplates(folder: FolderState): TemplateCounts {
    this.timers.cancel(`templates:${folder.uri}`);
    this.templateRunStarted(folder);
    try {
      const started = performance.now();
      const results = this.templates!.check(folder);
      const counts = this.publishTemplates(folder, results);
      const ms = performance.now() - started;
      if (ms > SLOW_FILE_MS) this.connection.console.warn(`slow templates: ${folder.name} took ${Math.round(ms)} ms (${results.size} templates)`);
      return counts;
    } catch (e) {
      this.logError(`analysing the templates of ${folder.name}`, e);
      return { files: 0, findings: 0 };
    }
  }

  /**
   * `checkTemplates` in small steps, for the workspace scan (which yields to edits between them): on DefectDojo the
   * whole check takes 300-450 ms, which a keystroke at the end of the scan would otherwise wait for. Its findings
   * are published only if nothing overtook it meanwhile (a template edited, a view's renders changed); otherwise a
   * check with the newer texts is scheduled instead.
   */
  private *checkTemplateSteps(folder: FolderState): Steps<TemplateCounts> {
    const run = this.templateRuns.get(folder.uri) ?? 0;
    try {
      const results = yield* this.templates!.checkSteps(folder);
      if ((this.templateRuns.get(folder.uri) ?? 0) !== run) {
        this.scheduleTemplates(folder, TYPING_DEBOUNCE_MS);
        return countsOf(results);
      }
      this.timers.cancel(`templates:${folder.uri}`);
      return this.publishTemplates(folder, results);
    } catch (e) {
      this.logError(`analysing the templates of ${folder.name}`, e);
      return { files: 0, findings: 0 };
    }
  }

  /** Publishes a template check's findings; open templates outside the template directories get an empty list. */
  private publishTemplates(folder: FolderState, results: TemplateResults): TemplateCounts {
    for (const [uri, { findings }] of results) {
      const doc = this.openDocumentAt(uri);
      this.analysis!.publishTemplate(folder, doc?.uri ?? uri, findings, doc);
    }
    // Code actions see that those have no findings.
    for (const doc of this.docs!.all()) {
      if (doc.isTemplate && this.folderOf(doc.uri) === folder && !results.has(doc.uri) && !this.analysis!.findingsOf(doc)) {
        this.analysis!.publishTemplate(folder, doc.uri, [], doc);
      }
    }
    return countsOf(results);
  }

  private analyzeOpenDocuments(): void {
    this.indexReady = true;
    for (const doc of this.docs!.all()) {
      if (doc.isTemplate) continue; // judged once the views are analysed (templatesReady)
      this.timers.cancel(doc.uri);
      try {
        this.analysis!.analyzeOpen(doc, this.folderOf(doc.uri));
      } catch (e) {
        this.logError(`analysing ${doc.uri}`, e);
      }
    }
  }

  private closeDocument(uri: string): void {
    this.timers.cancel(uri);
    this.importedChecked.delete(uri);
    const template = this.docs!.get(uri)?.isTemplate === true;
    if (!this.docs!.close(uri)) return this.connection.console.warn(`ignored: didClose for ${uri}, which is not open`);
    this.analysis!.closed(uri);
    if (template) {
      // What counts now is the file on disk, judged with the folder's other templates.
      const folder = this.folderOf(uri);
      this.templates!.dropDiskText(folder, uri);
      if (this.indexReady) this.scheduleTemplates(folder, 0);
      return;
    }
    // The editor may have discarded unsaved changes: what counts now is the file on disk.
    this.refreshFromDisk(uri);
  }

  private watchedFilesChanged(changes: readonly { uri: string; type: FileChangeType }[]): Promise<void> | void {
    let configChanged = false;
    let factsChanged = false;
    for (const change of changes) {
      if (/(^|\/)pyproject\.toml$/.test(change.uri)) configChanged = true;
      else if (/\.pyi?$/.test(change.uri) && !this.docs!.get(change.uri)) {
        if (change.type === FileChangeType.Deleted) {
          this.scan?.forgetDiskText(uriKey(change.uri));
          const folder = this.folderOf(change.uri);
          const before = folder.index.generation;
          folder.index.removeFile(uriKey(change.uri));
          factsChanged ||= folder.index.generation !== before;
          this.analysis!.clear(change.uri);
          if (this.templates!.setRenders(folder, change.uri, '', undefined)) this.scheduleTemplates(folder, TYPING_DEBOUNCE_MS);
        } else if (this.refreshFromDisk(change.uri)) {
          if (!this.queueDependants(this.folderOf(change.uri), change.uri)) factsChanged = true;
        }
      }
    }
    this.scheduleDependants();
    if (configChanged) return this.refreshAll();
    // A model changed on disk: every file may read it, so the workspace is analysed again in the background.
    if (factsChanged) this.scheduleRescan();
  }

  /** Re-indexes and re-analyses a closed file from disk; returns true when the folder's model facts changed. */
  private refreshFromDisk(uri: string): boolean {
    this.scan?.forgetDiskText(uriKey(uri));
    const folder = this.folderOf(uri);
    const p = filePath(uri);
    if (!p || !folder.path || !folder.config || !isInside(folder.path, p)) {
      this.analysis!.clear(uri);
      return false;
    }
    if (!fs.existsSync(p)) {
      this.analysis!.clear(uri);
      return false;
    }
    const read = readPythonFile(p, folder.config.maxFileSize);
    if ('message' in read) {
      this.connection.console.info(`${p}: ${read.message}`);
      this.analysis!.clear(uri);
      return false;
    }
    return this.analysis!.analyzeClosed(folder, uri, read.text, true).factsChanged;
  }

  private forgetOthers(folder: FolderState, keep: ReadonlySet<string>): void {
    const open = new Set(this.docs!.all().map((d) => d.uri));
    this.analysis!.clearFolder(folder, new Set([...keep, ...open]));
  }

  private async analyzeWorkspace(): Promise<AnalyzeWorkspaceResult> {
    await this.reloadConfig();
    const summary = await this.scan!.run(this.folders);
    return { files: summary.files, findings: summary.findings, configErrors: this.folders.filter((f) => f.error).length };
  }

  private async beginProgress(title: string): Promise<Progress> {
    try {
      const reporter = await this.connection.window.createWorkDoneProgress();
      reporter.begin(title, 0, undefined, false);
      return { report: (percentage, message) => reporter.report(percentage, message), done: () => reporter.done() };
    } catch (e) {
      this.logError('window/workDoneProgress/create', e);
      return { report: () => undefined, done: () => undefined };
    }
  }

  private sendStatus(pending: number | undefined, message?: string): void {
    const broken = [...this.folders, this.loose].find((f) => f.error);
    const params = broken
      ? { state: 'configError' as const, message: broken.error!.message, folderUri: broken.uri || undefined }
      : this.folders.length > 0 && this.folders.every((f) => !f.server.enable)
        ? { state: 'disabled' as const }
        : pending !== undefined
          ? { state: 'analysing' as const, pending, message }
          : { state: 'ready' as const };
    void this.connection.sendNotification(notificationType(StatusNotification), params).catch(() => undefined);
  }

  private folderOf(uri: string): FolderState {
    return folderOf(this.folders, this.loose, uri);
  }

  /** Identifies the state of a folder's open documents, so caches built from them know when they are stale. */
  private folderRevision(folder: FolderState): string {
    const docs = this.docs!.all().filter((d) => this.folderOf(d.uri) === folder).map((d) => `${d.uri}#${d.revision}`).join('|');
    return `${docs}|templates#${this.templates?.generation(folder) ?? 0}`;
  }

  private openDocumentAt(uri: string) {
    return this.docs!.atKey(uri);
  }

  /**
   * The files' facts across scans; kept on disk when the client gives a storage folder for the workspace
   * (`initializationOptions.storagePath`, VS Code's `ExtensionContext.storageUri`), so that a restart parses only the
   * files that changed meanwhile.
   */
  private factsCache(storagePath: unknown): FactsCache {
    const warn = (message: string): void => this.connection.console.warn(message);
    if (storagePath === undefined) return new FactsCache('');
    if (typeof storagePath !== 'string' || !path.isAbsolute(storagePath)) {
      warn(`initializationOptions.storagePath must be an absolute path; facts are not kept across sessions`);
      return new FactsCache('');
    }
    try {
      // The bundle and the grammar say how facts are extracted: another build's cache is not read.
      const build = buildIdentity([__filename, this.grammar.runtimeWasm, this.grammar.pythonWasm]);
      return new FactsCache(build, path.join(storagePath, FACTS_CACHE_FILE), warn);
    } catch (e) {
      warn(`facts cache: ${(e as Error).message}; facts are not kept across sessions`);
      return new FactsCache('');
    }
  }

  private facts?: FactsCache;

  private shutdown(): void {
    const error = this.facts?.save();
    if (error) this.connection.console.warn(error);
    this.scan?.cancel();
    this.warmup?.cancel();
    this.timers.clear();
    this.docs?.dispose();
  }

  private logError(what: string, e: unknown): void {
    this.connection.console.error(`${what} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  }

  /** A notification handler that logs instead of throwing, for sync and async handlers alike. */
  private notification<P>(name: string, handler: (params: P) => void | Promise<void>): (params: P) => void {
    return (params) => {
      try {
        const result = handler(params);
        if (result) result.catch((e) => this.logError(name, e));
      } catch (e) {
        this.logError(name, e);
      }
    };
  }

  /** A request handler that answers `fallback` when cancelled and an InternalError (logged) when it fails. */
  private request<P, R>(name: string, fallback: R, handler: (params: P, token: CancellationToken) => R | Promise<R>) {
    return async (params: P, token: CancellationToken): Promise<R | ResponseError<void>> => {
      if (token.isCancellationRequested || !this.docs) return fallback;
      try {
        const result = await handler(params, token);
        return token.isCancellationRequested ? fallback : result;
      } catch (e) {
        this.logError(name, e);
        return new ResponseError(ErrorCodes.InternalError, `djperf: ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
  }
}

declare const DJPERF_VERSION: string | undefined;

function requestType<P, R>(spec: RequestSpec<P, R>): RequestType<P, R, void> {
  return new RequestType<P, R, void>(spec.method);
}

function notificationType<P>(spec: NotificationSpec<P>): NotificationType<P> {
  return new NotificationType<P>(spec.method);
}
