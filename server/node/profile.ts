import * as path from 'node:path';
import { PythonParser } from '../core/parsing/pythonParser';
import { WorkspaceIndex } from '../core/workspace/workspaceIndex';
import { extractFileFacts, mayHaveFacts, type FileFacts } from '../core/workspace/fileFacts';
import type { DjperfConfig } from '../core/config/config';
import { buildProfileReport } from '../core/profiles/build';
import type { ProfileReport } from '../core/profiles/types';
import type { FileNotice } from '../core/analyzer';
import { nodeGrammarLocation } from './grammarFiles';
import { discoverPythonFiles, readPythonFile, type SourceText } from './sourceFiles';
import { discoverDeploymentFiles } from './deploymentFiles';
import { readTemplates } from './templateScan';
import { templateDirsOf } from './templateDirs';

/** `djperf profile`: endpoint profiles and the detected deployment of a project folder. */
export async function profileProject(folder: string, config: DjperfConfig): Promise<{ report: ProfileReport; notices: FileNotice[] }> {
  const root = path.resolve(folder);
  const parser = await PythonParser.load(nodeGrammarLocation());
  try {
    const { files, notices } = discoverPythonFiles([root], root, config);
    const sources: SourceText[] = [];
    for (const file of files) {
      const read = readPythonFile(file, config.maxFileSize);
      if ('message' in read) notices.push(read);
      else sources.push(read);
    }
    const index = new WorkspaceIndex();
    const textOf = new Map(sources.map((s) => [s.path, s.text]));
    index.setCallerSource({
      files: sources.map((s) => ({ uri: s.path, relPath: path.relative(root, s.path).split(path.sep).join('/') })),
      read: (uri) => textOf.get(uri),
      parse: (text) => parser.parse(text),
    });
    const facts: [string, FileFacts][] = [];
    for (const src of sources) {
      if (!mayHaveFacts(src.path, src.text)) continue;
      const tree = parser.parse(src.text);
      facts.push([src.path, extractFileFacts(tree, src.path, src.text)]);
      index.setFile(src.path, facts[facts.length - 1][1]);
    }
    const templates = readTemplates([root], { root, config }, templateDirsOf(facts, root));
    notices.push(...templates.notices);
    const report = buildProfileReport({
      files: [...sources.map((s) => ({ path: s.path, text: s.text })), ...discoverDeploymentFiles(root, config)],
      parse: (text) => parser.parse(text), workspace: index.facts(), config, root, templates: templates.sources,
    });
    return { report, notices };
  } finally {
    parser.delete();
  }
}
