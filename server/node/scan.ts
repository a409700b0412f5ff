import * as path from 'node:path';
import { PythonParser, ParseTimeoutError } from '../core/parsing/pythonParser';
import type { Tree } from 'web-tree-sitter';
import { LineMap } from '../core/parsing/textDocument';
import { WorkspaceIndex } from '../core/workspace/workspaceIndex';
import { extractFileFacts, mayHaveFacts } from '../core/workspace/fileFacts';
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
  parseMs: number;
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
  onProgress?: (done: number, total: number) => void;
}

/** Parses a file, or records why it could not be (a pathological file must not stall the whole scan). */
function tryParse(parser: PythonParser, src: SourceText, notices: FileNotice[]): Tree | undefined {
  try {
    return parser.parse(src.text);
  } catch (e) {
    if (!(e instanceof ParseTimeoutError)) throw e;
    if (!notices.some((n) => n.uri === src.path)) notices.push({ uri: src.path, level: 'warning', message: `skipped: ${e.message}` });
    return undefined;
  }
}

/**
 * The CLI's whole-project scan: discover, index the workspace's models and settings (first pass, only files
 * that can declare them), then analyse every file (second pass). Results come in path order.
 */
export async function scanPaths(inputs: readonly string[], options: ScanOptions): Promise<ScanResult> {
  const parser = await PythonParser.load(nodeGrammarLocation());
  const { files, notices } = discoverPythonFiles(inputs, options.root, options.config);
  const stats: ScanStats = { files: 0, bytes: 0, parseMs: 0, analyzeMs: 0, factsMs: 0 };
  const sources: SourceText[] = [];
  for (const file of files) {
    const read = readPythonFile(file, options.config.maxFileSize);
    if ('message' in read) notices.push(read);
    else sources.push(read);
  }
  const index = new WorkspaceIndex();
  for (const src of sources) {
    if (!mayHaveFacts(src.path, src.text)) continue;
    const t0 = performance.now();
    const tree = tryParse(parser, src, notices);
    if (!tree) continue;
    index.setFile(src.path, extractFileFacts(tree, src.path, src.text));
    tree.delete();
    stats.factsMs += performance.now() - t0;
  }
  // Endpoint profiles + deployment (DJP6xx) need every file and the Procfile/Dockerfile/compose files: built on first use.
  const baseFacts = index.facts();
  let profiles: ProfileReport | undefined;
  const workspace: WorkspaceFacts = {
    ...baseFacts,
    profiles: () => (profiles ??= buildProfileReport({
      files: [...sources.map((s) => ({ path: s.path, text: s.text })), ...discoverDeploymentFiles(options.root, options.config)],
      parse: (text) => parser.parse(text), workspace: baseFacts, config: options.config, root: options.root,
    })),
  };
  const results: FileResult[] = [];
  let done = 0;
  for (const src of sources) {
    const relPath = path.relative(options.root, src.path).split(path.sep).join('/');
    const t0 = performance.now();
    const tree = tryParse(parser, src, notices);
    const t1 = performance.now();
    if (!tree) continue;
    try {
      const analysis = analyzeFile({ uri: src.path, text: src.text, tree, lineMap: new LineMap(src.text) }, workspace, options.config, { relPath });
      results.push({ path: src.path, relPath, text: src.text, findings: analysis.findings });
      notices.push(...analysis.notices.filter((n) => n.level !== 'info' || !n.message.startsWith('file has syntax errors')));
    } finally {
      tree.delete();
    }
    stats.parseMs += t1 - t0;
    stats.analyzeMs += performance.now() - t1;
    stats.files++;
    stats.bytes += src.text.length;
    options.onProgress?.(++done, sources.length);
  }
  parser.delete();
  return { results, notices, stats };
}
