import * as path from 'node:path';
import { PythonParser, ParseTimeoutError, type WasmTree } from '../core/parsing/pythonParser';
import type { Tree } from '../core/parsing/syntaxTree';
import { LineMap } from '../core/parsing/textDocument';
import { WorkspaceIndex } from '../core/workspace/workspaceIndex';
import { extractFileFacts, mayHaveFacts, type FileFacts } from '../core/workspace/fileFacts';
import { mayHaveFunctionSummaries, summarizeFunctions } from '../core/workspace/functionSummaries';
import { scanInWorkers, startScanWorkers } from './scanWorkers';
import { analyzeFile, nothingToAnalyse, type FileNotice, type ReportedFinding } from '../core/analyzer';
import type { DjperfConfig } from '../core/config/config';
import { nodeGrammarLocation } from './grammarFiles';
import { discoverPythonFiles, readPythonFile, skippedAnyway, type SourceText } from './sourceFiles';
import { discoverDeploymentFiles } from './deploymentFiles';
import { parseTemplatesNow, prepareTemplates, scanTemplates, type PreparedTemplates } from './templateScan';
import { QuerysetEvaluator } from '../core/django/querysetEvaluator';
import type { ModelIndex } from '../core/django/modelIndex';
import { extractTemplateRenders, mayRenderTemplates, type TemplateRender } from '../core/templates/viewRenders';
import { buildProfileReport } from '../core/profiles/build';
import type { ProfileReport } from '../core/profiles/types';
import type { WorkspaceFacts } from '../core/rules/context';
import { PhaseTimes } from '../core/phaseTimes';
import { RecentTrees } from './recentTrees';
import { importsFirst } from '../core/workspace/analysisOrder';

export interface FileResult {
  path: string;
  relPath: string;
  text: string;
  findings: ReportedFinding[];
}

export interface ScanStats {
  files: number;
  bytes: number;
  /** WASM parsing of the analysis pass. */
  parseMs: number;
  /** Copying those trees into JavaScript. */
  copyMs: number;
  analyzeMs: number;
  factsMs: number;
  /** Files of the analysis pass whose tree a caller lookup had already parsed. */
  reusedTrees: number;
  /**
   * Files parsed (or copied from a kept tree) for caller lookups and helper modules' function summaries, reused ones
   * included, and their characters.
   */
  callerFiles?: number;
  callerChars?: number;
  /** With `timePhases`: milliseconds per phase of the analysis pass (rule families, contexts, profiles, templates). */
  phases?: Record<string, number>;
}

export interface ScanResult {
  results: FileResult[];
  notices: FileNotice[];
  stats: ScanStats;
  /** Template renders of the analysed views (read from the trees the analysis pass parsed), for the template pass. */
  renders?: TemplateRender[];
}

export interface ScanOptions {
  root: string;
  config: DjperfConfig;
  /**
   * Worker threads for the analysis pass. One job runs in this thread for projects below `minFilesPerJob` files and
   * on one worker thread above (its young generation sized for a scan, see `startScanWorkers`).
   */
  jobs?: number;
  /** Files each worker must at least get, or fewer workers are used (default 64: below that a pool costs more than it saves). */
  minFilesPerJob?: number;
  onProgress?: (done: number, total: number) => void;
  /** Time each phase into `stats.phases` (benchmarks). */
  timePhases?: boolean;
}

/** Parses a file into a WASM tree, or records why it could not be (a pathological file must not stall the whole scan). */
function tryParseWasm(parser: PythonParser, src: SourceText, notices: FileNotice[], stats?: ScanStats): WasmTree | undefined {
  try {
    const t0 = performance.now();
    const tree = parser.parseWasm(src.text, null);
    if (stats) stats.parseMs += performance.now() - t0;
    return tree;
  } catch (e) {
    if (!(e instanceof ParseTimeoutError)) throw e;
    if (!notices.some((n) => n.uri === src.path)) notices.push({ uri: src.path, level: 'warning', message: `skipped: ${e.message}` });
    return undefined;
  }
}

/** The JavaScript copy of a WASM tree, which is then kept in `recent` or freed. */
function copyOf(parser: PythonParser, wasmTree: WasmTree, src: SourceText, stats: ScanStats, recent?: RecentTrees): Tree {
  const t0 = performance.now();
  try {
    return parser.copy(wasmTree, src.text);
  } finally {
    if (!recent?.keep(src.path, src.text, wasmTree)) wasmTree.delete();
    stats.copyMs += performance.now() - t0;
  }
}

/** Reads the discovered files (cheap and in path order; parsing is left to the passes). */
function readDiscovered(files: readonly string[], options: ScanOptions, notices: FileNotice[]): SourceText[] {
  const sources: SourceText[] = [];
  for (const file of files) {
    const read = readPythonFile(file, options.config.maxFileSize);
    if (!('message' in read)) sources.push(read);
    else if (!skippedAnyway(file, read, options.root, options.config.checkTests)) notices.push(read);
  }
  return sources;
}

/**
 * WASM trees of the facts pass kept for the analysis pass, so that models, settings and URLconf files are not parsed
 * twice; bounded by their source size. WASM trees, not their JavaScript copies: a copy kept that long would reach
 * the old generation, and everything the analysis later hangs on it would be promoted with it (about 400 MB more
 * promoted over the generated corpus, measured).
 */
export class KeptTrees {
  private readonly trees = new Map<string, WasmTree>();
  private chars = 0;

  constructor(private readonly budgetChars = KEPT_TREES_BUDGET_CHARS) {}

  /** Whether the tree of `text` was kept (the caller must not free it then). */
  keep(path: string, text: string, tree: WasmTree): boolean {
    if (this.chars + text.length > this.budgetChars || this.trees.has(path)) return false;
    this.chars += text.length;
    this.trees.set(path, tree);
    return true;
  }

  /** The kept tree of `path`, handed over once (the taker frees it). */
  take(path: string): WasmTree | undefined {
    const tree = this.trees.get(path);
    if (tree) this.trees.delete(path);
    return tree;
  }

  /** The kept tree of `path`, left in place (the caller copies it and must not free it). */
  peek(path: string): WasmTree | undefined {
    return this.trees.get(path);
  }

  /** Frees the trees nobody took; the budget is whole again. */
  dispose(): void {
    for (const tree of this.trees.values()) tree.delete();
    this.trees.clear();
    this.chars = 0;
  }
}

/** 4 M characters of source: a few tens of MB of WASM memory. */
const KEPT_TREES_BUDGET_CHARS = 4 * 1024 * 1024;

/** Pass 1 over some files: models, settings, URLconfs and serializers they declare (their WASM trees kept in `kept`). */
export function extractFacts(parser: PythonParser, sources: readonly SourceText[], kept?: KeptTrees): { facts: [string, FileFacts][]; notices: FileNotice[] } {
  const facts: [string, FileFacts][] = [];
  const notices: FileNotice[] = [];
  for (const src of sources) {
    if (!mayHaveFacts(src.path, src.text)) continue;
    const wasmTree = tryParseWasm(parser, src, notices);
    if (!wasmTree) continue;
    let tree: Tree;
    try {
      tree = parser.copy(wasmTree, src.text);
    } finally {
      if (!kept?.keep(src.path, src.text, wasmTree)) wasmTree.delete();
    }
    facts.push([src.path, extractFileFacts(tree, src.path, src.text)]);
  }
  return { facts, notices };
}

export interface AnalyzeBatch {
  /** The files to analyse. */
  sources: readonly SourceText[];
  /** `sources` are in analysis order already (`importsFirst`, computed by the host meanwhile). */
  ordered?: boolean;
  /** Every source of the workspace: endpoint profiles (DJP6xx) may need any of them. */
  workspaceSources: readonly SourceText[];
  facts: readonly [string, FileFacts][];
}

/**
 * Pass 2 over a batch of files, in the order given; the same code runs in-process and in worker threads. `recent`:
 * the pool of recently analysed files' trees, freed by the caller (a worker frees it after it has answered); without
 * it the batch uses one of its own and frees it.
 */
export function analyzeBatch(parser: PythonParser, batch: AnalyzeBatch, options: ScanOptions, onFile?: () => void, kept?: KeptTrees, recent?: RecentTrees): ScanResult {
  const index = new WorkspaceIndex();
  for (const [uri, facts] of batch.facts) index.setFile(uri, facts);
  // Helper modules' function summaries, parsed only when a row loop or an async view calls into them.
  const textOf = new Map(batch.workspaceSources.map((s) => [s.path, s.text]));
  // Files of this batch not analysed yet: a caller lookup's tree of one of them is kept for its analysis.
  const relPaths = new Map<string, string>();
  // Asked three times per file (path.relative is not cheap: 60 ms over DefectDojo's 2,200 files, uncached).
  const relPathOf = (p: string): string => {
    let rel = relPaths.get(p);
    if (rel === undefined) {
      rel = path.relative(options.root, p).split(path.sep).join('/');
      relPaths.set(p, rel);
    }
    return rel;
  };
  const pending = new Set(batch.sources.filter((s) => !nothingToAnalyse(s.path, relPathOf(s.path), s.text, options.config)).map((s) => s.path));
  const trees = recent ?? new RecentTrees();
  index.setFunctionSource([...textOf.keys()], (uri) => {
    const text = textOf.get(uri);
    if (text === undefined || !mayHaveFunctionSummaries(text)) return undefined;
    try {
      // The caller index's tree: a helper module parsed here is kept for its own analysis (not parsed a second time),
      // and one a caller lookup or the analysis holds already is not parsed again for its summaries.
      const tree = baseFacts.callers?.file(uri)?.root.tree ?? parser.parse(text);
      return summarizeFunctions(tree);
    } catch {
      return undefined;
    }
  });
  index.setCallerSource({
    files: batch.workspaceSources.map((s) => ({ uri: s.path, relPath: relPathOf(s.path) })),
    read: (uri) => textOf.get(uri),
    // A facts file's tree kept for the analysis pass is copied rather than parsed again (it stays kept for that pass).
    parse: (text, uri) => {
      const wasmTree = kept?.peek(uri) ?? trees.peek(uri);
      return wasmTree ? parser.copy(wasmTree, text) : parser.parse(text);
    },
    pending: (uri) => pending.has(uri),
  });
  // Endpoint profiles + deployment (DJP6xx) need every file and the Procfile/Dockerfile/compose files: built on first use.
  const baseFacts = index.facts();
  const times = options.timePhases ? new PhaseTimes() : undefined;
  let profiles: ProfileReport | undefined;
  const workspace: WorkspaceFacts = {
    ...baseFacts,
    profiles: () => (profiles ??= timed(times, 'profiles', () => buildProfileReport({
      files: [...batch.workspaceSources.map((s) => ({ path: s.path, text: s.text })), ...discoverDeploymentFiles(options.root, options.config)],
      parse: (text) => parser.parse(text), workspace: baseFacts, config: options.config, root: options.root,
    }))),
  };
  const stats: ScanStats = { files: 0, bytes: 0, parseMs: 0, copyMs: 0, analyzeMs: 0, factsMs: 0, reusedTrees: 0 };
  const results: FileResult[] = [];
  const notices: FileNotice[] = [];
  const renders: TemplateRender[] = [];
  let evaluator: QuerysetEvaluator | undefined;
  try {
    for (const src of batch.ordered ? batch.sources : importsFirst(batch.sources)) {
      // Not pending from the start: nothing to analyse in it (see nothingToAnalyse in analyzer.ts).
      if (!pending.delete(src.path)) {
        kept?.take(src.path)?.delete();
        onFile?.();
        continue;
      }
      const relPath = relPathOf(src.path);
      // A file a caller lookup already parsed (the same text) is not parsed again.
      const parsed = baseFacts.callers?.take(src.path);
      if (parsed) {
        kept?.take(src.path)?.delete();
        stats.reusedTrees++;
      }
      const wasmTree = parsed ? undefined : kept?.take(src.path) ?? tryParseWasm(parser, src, notices, stats);
      const tree = parsed ?? (wasmTree && copyOf(parser, wasmTree, src, stats, trees));
      const t1 = performance.now();
      if (tree) {
        baseFacts.callers?.analysing(src.path, tree, src.text);
        const analysis = analyzeFile({ uri: src.path, text: src.text, tree, lineMap: new LineMap(src.text) }, workspace, options.config, { relPath, times });
        results.push({ path: src.path, relPath, text: src.text, findings: analysis.findings });
        if (mayRenderTemplates(src.text)) {
          renders.push(...timed(times, 'template renders', () => extractTemplateRenders(tree.rootNode, (evaluator ??= new QuerysetEvaluator(baseFacts.models)), src.path)));
        }
        notices.push(...analysis.notices.filter((n) => n.level !== 'info' || !n.message.startsWith('file has syntax errors')));
        stats.files++;
        stats.bytes += src.text.length;
      }
      stats.analyzeMs += performance.now() - t1;
      onFile?.();
    }
  } finally {
    baseFacts.callers?.analysing(undefined);
    if (!recent) trees.dispose();
  }
  if (times) stats.phases = times.toJSON();
  stats.callerFiles = baseFacts.callers?.work.files ?? 0;
  stats.callerChars = baseFacts.callers?.work.chars ?? 0;
  // In path order, as they were before files were analysed imports first.
  notices.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
  return { results, notices, stats, renders };
}

/** `run()`, its time added to `phase` when timing. */
function timed<T>(times: PhaseTimes | undefined, phase: string, run: () => T): T {
  if (!times) return run();
  const t0 = performance.now();
  try {
    return run();
  } finally {
    times.add(phase, performance.now() - t0);
  }
}

/** Both passes in this thread, the facts pass's trees kept for the analysis pass. */
async function scanInThread(sources: readonly SourceText[], options: ScanOptions, onFile: () => void): Promise<ScanResult & { facts: [string, FileFacts][] }> {
  const parser = await PythonParser.load(nodeGrammarLocation());
  const kept = new KeptTrees();
  try {
    const t0 = performance.now();
    const extracted = extractFacts(parser, sources, kept);
    const factsMs = performance.now() - t0;
    const scan = analyzeBatch(parser, { sources, workspaceSources: sources, facts: extracted.facts }, options, onFile, kept);
    scan.notices.unshift(...extracted.notices);
    scan.stats.factsMs = factsMs;
    return { ...scan, facts: extracted.facts };
  } finally {
    kept.dispose();
    parser.delete();
  }
}

/**
 * The CLI's whole-project scan: discover, index the workspace's models and settings (first pass, only files
 * that can declare them), then analyse every file (second pass), over `jobs` worker threads when the project is
 * large enough. Results come in path order whatever the number of workers.
 */
export async function scanPaths(inputs: readonly string[], options: ScanOptions): Promise<ScanResult> {
  const { files, notices } = discoverPythonFiles(inputs, options.root, options.config);
  const minFilesPerJob = options.minFilesPerJob ?? 64;
  const jobs = Math.max(1, Math.min(options.jobs ?? 1, Math.floor(files.length / minFilesPerJob)));
  // Workers boot (bundle, WASM) while this thread reads the files. One job still runs on a worker once the project
  // is large enough: a worker's young generation can be sized for a scan (see SCAN_YOUNG_GENERATION_MB), this
  // thread's is fixed when node starts.
  const pool = jobs > 1 || files.length >= minFilesPerJob ? startScanWorkers(jobs) : undefined;
  let done = 0;
  let scan: ScanResult & { facts: [string, FileFacts][] };
  let templates: PreparedTemplates | undefined;
  let sources: SourceText[];
  try {
    sources = readDiscovered(files, options, notices);
    // Workers report files analysed in batches (one progress message per 100 ms); this thread, one at a time.
    const onFiles = (count: number): void => options.onProgress?.((done += count), sources.length);
    // While workers analyse, this thread finds, reads and parses the templates (their folders are known once the
    // settings' facts are): the pass after the analysis is left only what needs the views' renders.
    scan = pool
      ? await scanInWorkers(sources, options, pool, onFiles, (facts) => parseTemplatesNow((templates = prepareTemplates(inputs, options, facts))))
      : await scanInThread(sources, options, () => onFiles(1));
  } catch (e) {
    await pool?.terminate();
    throw e;
  }
  // The workers have answered: they exit while this thread runs the template pass.
  const terminated = pool?.terminate();
  // Templates are judged by the views that render them: a pass of their own once the Python files are done, with
  // the renders the analysis pass read from its trees (no Python file is parsed again, unless views lie outside
  // the inputs: `djperf check app/templates` still knows the views of the project root).
  const t0 = performance.now();
  templates ??= prepareTemplates(inputs, options, scan.facts);
  if (templates.sources.length > 0) {
    const views = await viewsOf(inputs, options, sources, scan);
    const found = scanTemplates(templates.sources, options, views, templates.parsed);
    scan.results.push(...found);
  }
  if (scan.stats.phases) scan.stats.phases['templates pass'] = performance.now() - t0;
  scan.notices.push(...templates.notices);
  scan.results.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  await terminated;
  return { results: scan.results, notices: [...notices, ...scan.notices], stats: scan.stats };
}

/**
 * The template renders and models of the whole project: those of the analysis pass, plus (only when the inputs
 * leave Python files of the root out) the facts and renders of the files left out.
 */
async function viewsOf(inputs: readonly string[], options: ScanOptions, analysed: readonly SourceText[], scan: ScanResult & { facts: [string, FileFacts][] }): Promise<{ renders: TemplateRender[]; models: ModelIndex }> {
  const seen = new Set(analysed.map((s) => s.path));
  // The inputs are the root: every Python file was analysed (no second walk of the tree).
  const wholeRoot = inputs.some((i) => path.resolve(i) === path.resolve(options.root));
  const rest = wholeRoot ? [] : discoverPythonFiles([options.root], options.root, options.config).files.filter((f) => !seen.has(f));
  const renders = [...(scan.renders ?? [])];
  const facts = [...scan.facts];
  if (rest.length > 0) {
    const extra = readDiscovered(rest, options, []);
    const parser = await PythonParser.load(nodeGrammarLocation());
    try {
      facts.push(...extractFacts(parser, extra).facts);
      const models = indexOf(facts).models;
      const ev = new QuerysetEvaluator(models);
      for (const src of extra) {
        if (!mayRenderTemplates(src.text)) continue;
        try {
          renders.push(...extractTemplateRenders(parser.parse(src.text).rootNode, ev, src.path));
        } catch (e) {
          if (!(e instanceof ParseTimeoutError)) throw e;
        }
      }
    } finally {
      parser.delete();
    }
  }
  return { renders, models: indexOf(facts).models };
}

function indexOf(facts: readonly [string, FileFacts][]): WorkspaceFacts {
  const index = new WorkspaceIndex();
  for (const [uri, f] of facts) index.setFile(uri, f);
  return index.facts();
}
