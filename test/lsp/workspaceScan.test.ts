import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';
import { loadFolderConfig, newFolder, type FolderState } from '../../server/lsp/folders';
import { WorkspaceScan, type ScanHost } from '../../server/lsp/workspaceScan';
import { FIXTURE_PROJECTS } from '../harness/paths';

/** A host that records what the scan asked, and how many files the folder's index held at each step. */
function recordingHost(parser: PythonParser, folder: () => FolderState, log: string[]): ScanHost {
  return {
    parser,
    openText: () => undefined,
    analyzeClosedFile: () => 0,
    analyzeOpenDocuments: () => void log.push(`open documents analysed, index of ${folder().index.fileCount} files`),
    openFindings: () => 0,
    forgetOthers: () => undefined,
    beginProgress: async () => ({ report: () => undefined, done: () => undefined }),
    status: () => undefined,
    log: () => undefined,
  };
}

describe('language server: workspace scan order', () => {
  let parser: PythonParser;
  before(async () => {
    parser = await PythonParser.load(nodeGrammarLocation());
  });

  it('first scan: the open documents are analysed once the model/settings/URL files are indexed, again with the helper modules', async () => {
    // n1_helpers: models.py (facts) and helper modules (function summaries only).
    const dir = path.join(FIXTURE_PROJECTS, 'n1_helpers');
    const folder = newFolder(pathToFileURL(dir).href, 'n1_helpers');
    assert.equal(loadFolderConfig(folder, {}), undefined);
    const log: string[] = [];
    const scan = new WorkspaceScan(recordingHost(parser, () => folder, log));
    await scan.run([folder]);
    assert.equal(log.length, 2, log.join('; '));
    const [early, full] = log.map((l) => Number(/index of (\d+)/.exec(l)?.[1]));
    assert.ok(early > 0 && early < full, `early index ${early} files, whole index ${full}`);

    // A later scan (configuration change) keeps the whole index until the new one is complete: one analysis.
    log.length = 0;
    await scan.run([folder]);
    assert.deepEqual(log, [`open documents analysed, index of ${full} files`]);
  });
});
