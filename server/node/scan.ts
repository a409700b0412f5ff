import * as path from 'node:path';
import { PythonParser, ParseTimeoutError } from '../core/parsing/pythonParser';
import type { Tree } from '../core/parsing/syntaxTree';
import { LineMap } from '../core/parsing/textDocument';
import { WorkspaceIndex } from '../core/workspace/workspaceIndex';
import { extractFileFacts, mayHaveFacts, type FileFacts } from '../core/workspace/fileFacts';
import { mayHaveFunctionSummaries, summarizeFunctions } from '../core/workspace/functionSummaries';
import { scanInWorkers, startScanWorkers } from './scanWorkers';
import { analyzeFile, type FileNotice, type ReportedFinding } from '../core/analyzer';
import type { DjperfConfig } from '../core/config/config';
import { nodeGrammarLocation } from './grammarFiles';
import { discoverPythonFiles, readPythonFile, type SourceText } from './sourceFiles';
import { discoverDeploymentFiles } from './deploymentFiles';
import { buildProfileReport } from '../core/profiles/build';
import type { ProfileReport } from '../core/profiles/types';
import type { WorkspaceFacts } from '../core/rules/context';

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
}

export interface ScanResult {
  results: FileResult[];
  notices: FileNotice[];
  stats: ScanStats;
}

export interface ScanOptions {
  root: string;
  config: DjperfConfig;
  /** Worker threads for the analysis pass (1 = in this thread). */
  jobs?: number;
  /** Files each worker must at least get, or fewer workers are used (default 64: below that a pool costs more than it saves). */
  minFilesPerJob?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Parses a file, or records why it could not be (a pathological file must not stall the whole scan). */
function tryParse(parser: PythonParser, src: SourceText, notices: FileNotice[], stats?: ScanStats): Tree | undefined {
  try {
    const t0 = performance.now();
    const wasmTree = parser.parseWasm(src.text, null);
    const t1 = performance.now();
    try {
      return parser.copy(wasmTree, src.text);
    } finally {
      wasmTree.delete();
      if (stats) {
        stats.parseMs += t1 - t0;
        stats.copyMs += performance.now() - t1;
      }
    }
  } catch (e) {
    if (!(e instanceof ParseTimeoutError)) throw e;
    if (!notices.some((n) => n.uri === src.path)) notices.push({ uri: src.path, level: 'warning', message: `skipped: ${e.message}` });
    return undefined;
  }
}

/** Reads the discovered files (cheap and in path order; parsing is left to the passes). */
function readDiscovered(files: readonly string[], options: ScanOptions, notices: FileNotice[]): SourceText[] {
  const sources: SourceText[] = [];
  for (const file of files) {
    const read = readPythonFile(file, options.config.maxFileSize);
    if ('message' in read) notices.push(read);
    else sources.push(read);
  }
  return sources;
}

/** Discovers and reads the files. */
export function readSources(inputs: readonly string[], options: ScanOptions): { sources: SourceText[]; notices: FileNotice[] } {
  const { files, notices } = discoverPythonFiles(inputs, options.root, options.config);
  return { sources: readDiscovered(files, options, notices), notices };
}

/**
 * Trees of the facts pass kept for the analysis pass, so that models, settings and URLconf files are not parsed
 * twice; bounded by their source size (a JavaScript tree takes about 40 bytes per character of source).
 */
export class KeptTrees {
  private readonly trees = new Map<string, Tree>();
  private chars = 0;

  constructor(private readonly budgetChars = KEPT_TREES_BUDGET_CHARS) {}

  keep(path: string, text: string, tree: Tree): void {
    if (this.chars + text.length > this.budgetChars) return;
    this.chars += text.length;
    this.trees.set(path, tree);
  }

  /** The kept tree of `path`, handed over once. */
  take(path: string): Tree | undefined {
    const tree = this.trees.get(path);
    if (tree) this.trees.delete(path);
    return tree;
  }
}

/** 2 M characters of source: about 80 MB of trees. */
const KEPT_TREES_BUDGET_CHARS = 2 * 1024 * 1024;

/** Pass 1 over some files: models, settings, URLconfs and serializers they declare (their trees kept in `kept`). */
export function extractFacts(parser: PythonParser, sources: readonly SourceText[], kept?: KeptTrees): { facts: [string, FileFacts][]; notices: FileNotice[] } {
  const facts: [string, FileFacts][] = [];
  const notices: FileNotice[] = [];
  for (const src of sources) {
    if (!mayHaveFacts(src.path, src.text)) continue;
    const tree = tryParse(parser, src, notices);
    if (!tree) continue;
    facts.push([src.path, extractFileFacts(tree, src.path, src.text)]);
    kept?.keep(src.path, src.text, tree);
  }
  return { facts, notices };
}

export interface AnalyzeBatch {
  /** The files to analyse. */
  sources: readonly SourceText[];
  /** Every source of the workspace: endpoint profiles (DJP6xx) may need any of them. */
  workspaceSources: readonly SourceText[];
  facts: readonly [string, FileFacts][];
}

/** Pass 2 over a batch of files, in the order given; the same code runs in-process and in worker threads. */
export function analyzeBatch(parser: PythonParser, batch: AnalyzeBatch, options: ScanOptions, onFile?: () => void, kept?: KeptTrees): ScanResult {
  const index = new WorkspaceIndex();
  for (const [uri, facts] of batch.facts) index.setFile(uri, facts);
  // Helper modules' function summaries, parsed only when a row loop or an async view calls into them.
  const textOf = new Map(batch.workspaceSources.map((s) => [s.path, s.text]));
  index.setFunctionSource([...textOf.keys()], (uri) => {
    const text = textOf.get(uri);
    if (text === undefined || !mayHaveFunctionSummaries(text)) return undefined;
    try {
      return summarizeFunctions(parser.parse(text));
    } catch {
      return undefined;
    }
  });
  // Endpoint profiles + deployment (DJP6xx) need every file and the Procfile/Dockerfile/compose files: built on first use.
  const baseFacts = index.facts();
  let profiles: ProfileReport | undefined;
  const workspace: WorkspaceFacts = {
    ...baseFacts,
    profiles: () => (profiles ??= buildProfileReport({
      files: [...batch.workspaceSources.map((s) => ({ path: s.path, text: s.text })), ...discoverDeploymentFiles(options.root, options.config)],
      parse: (text) => parser.parse(text), workspace: baseFacts, config: options.config, root: options.root,
    })),
  };
  const stats: ScanStats = { files: 0, bytes: 0, parseMs: 0, copyMs: 0, analyzeMs: 0, factsMs: 0 };
  const results: FileResult[] = [];
  const notices: FileNotice[] = [];
  for (const src of batch.sources) {
    const relPath = path.relative(options.root, src.path).split(path.sep).join('/');
    const tree = kept?.take(src.path) ?? tryParse(parser, src, notices, stats);
    const t1 = performance.now();
    if (tree) {
      const analysis = analyzeFile({ uri: src.path, text: src.text, tree, lineMap: new LineMap(src.text) }, workspace, options.config, { relPath });
      results.push({ path: src.path, relPath, text: src.text, findings: analysis.findings });
      notices.push(...analysis.notices.filter((n) => n.level !== 'info' || !n.message.startsWith('file has syntax errors')));
      stats.files++;
      stats.bytes += src.text.length;
    }
    stats.analyzeMs += performance.now() - t1;
    onFile?.();
  }
  return { results, notices, stats };
}

/**
 * The CLI's whole-project scan: discover, index the workspace's models and settings (first pass, only files
 * that can declare them), then analyse every file (second pass), over `jobs` worker threads when the project is
 * large enough. Results come in path order whatever the number of workers.
 */
export async function scanPaths(inputs: readonly string[], options: ScanOptions): Promise<ScanResult> {
  const { files, notices } = discoverPythonFiles(inputs, options.root, options.config);
  const jobs = Math.max(1, Math.min(options.jobs ?? 1, Math.floor(files.length / (options.minFilesPerJob ?? 64))));
  // Workers boot (bundle, WASM) while this thread reads the files.
  const pool = jobs > 1 ? startScanWorkers(jobs) : undefined;
  let done = 0;
  let scan: ScanResult;
  try {
    const sources = readDiscovered(files, options, notices);
    const onFile = (): void => options.onProgress?.(++done, sources.length);
    if (pool) {
      scan = await scanInWorkers(sources, options, pool, onFile);
    } else {
      const parser = await PythonParser.load(nodeGrammarLocation());
      try {
        const t0 = performance.now();
        const kept = new KeptTrees();
        const extracted = extractFacts(parser, sources, kept);
        const factsMs = performance.now() - t0;
        scan = analyzeBatch(parser, { sources, workspaceSources: sources, facts: extracted.facts }, options, onFile, kept);
        scan.notices.unshift(...extracted.notices);
        scan.stats.factsMs = factsMs;
      } finally {
        parser.delete();
      }
    }
  } finally {
    await pool?.terminate();
  }
  scan.results.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { results: scan.results, notices: [...notices, ...scan.notices], stats: scan.stats };
}
