import * as path from 'node:path';
import { PythonParser } from '../core/parsing/pythonParser';
import { LineMap } from '../core/parsing/textDocument';
import { WorkspaceIndex } from '../core/workspace/workspaceIndex';
import { extractFileFacts, mayHaveFacts } from '../core/workspace/fileFacts';
import { analyzeFile, type FileNotice, type ReportedFinding } from '../core/analyzer';
import type { DjperfConfig } from '../core/config/config';
import { nodeGrammarLocation } from './grammarFiles';
import { discoverPythonFiles, readPythonFile, type SourceText } from './sourceFiles';

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
    const tree = parser.parse(src.text);
    index.setFile(src.path, extractFileFacts(tree, src.path, src.text));
    tree.delete();
    stats.factsMs += performance.now() - t0;
  }
  const workspace = index.facts();
  const results: FileResult[] = [];
  let done = 0;
  for (const src of sources) {
    const relPath = path.relative(options.root, src.path).split(path.sep).join('/');
    const t0 = performance.now();
    const tree = parser.parse(src.text);
    const t1 = performance.now();
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
