import * as path from 'node:path';
import { PythonParser } from '../core/parsing/pythonParser';
import { WorkspaceIndex } from '../core/workspace/workspaceIndex';
import { extractFileFacts, mayHaveFacts } from '../core/workspace/fileFacts';
import type { DjperfConfig } from '../core/config/config';
import { buildProfileReport } from '../core/profiles/build';
import type { ProfileReport } from '../core/profiles/types';
import type { FileNotice } from '../core/analyzer';
import { nodeGrammarLocation } from './grammarFiles';
import { discoverPythonFiles, readPythonFile, type SourceText } from './sourceFiles';
import { discoverDeploymentFiles } from './deploymentFiles';

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
    for (const src of sources) {
      if (!mayHaveFacts(src.path, src.text)) continue;
      const tree = parser.parse(src.text);
      index.setFile(src.path, extractFileFacts(tree, src.path, src.text));
    }
    const report = buildProfileReport({
      files: [...sources.map((s) => ({ path: s.path, text: s.text })), ...discoverDeploymentFiles(root, config)],
      parse: (text) => parser.parse(text), workspace: index.facts(), config, root,
    });
    return { report, notices };
  } finally {
    parser.delete();
  }
}
