import * as fs from 'node:fs';
import * as path from 'node:path';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import { LineMap, type Range } from '../../server/core/parsing/textDocument';
import { WorkspaceIndex } from '../../server/core/workspace/workspaceIndex';
import { extractFileFacts, mayHaveFacts } from '../../server/core/workspace/fileFacts';
import { analyzeFile, type ReportedFinding } from '../../server/core/analyzer';
import { defaultConfig } from '../../server/core/config/config';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';
import type { TextEdit } from '../../server/core/rules/types';

let parserPromise: Promise<PythonParser> | undefined;
export function parser(): Promise<PythonParser> {
  parserPromise ??= PythonParser.load(nodeGrammarLocation());
  return parserPromise;
}

export interface Analysis {
  findings: ReportedFinding[];
  hasError: boolean;
}

/**
 * Analyses `text` as file `uri` of a workspace made of the other `.py` files of `dir` (models.py, serializers.py …),
 * with every rule enabled: exactly what the fix test needs before and after applying edits.
 */
export async function analyzeInFolder(dir: string, uri: string, text: string): Promise<Analysis> {
  const p = await parser();
  const index = new WorkspaceIndex();
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.py') && !f.endsWith('.fixed.py'))) {
    const file = path.join(dir, f);
    if (file === uri) continue;
    const src = fs.readFileSync(file, 'utf8');
    if (!mayHaveFacts(file, src)) continue;
    const tree = p.parse(src);
    index.setFile(file, extractFileFacts(tree, file, src));
  }
  const tree = p.parse(text);
  if (mayHaveFacts(uri, text)) index.setFile(uri, extractFileFacts(tree, uri, text));
  const config = defaultConfig();
  const result = analyzeFile({ uri, text, tree, lineMap: new LineMap(text) }, index.facts(), config, { relPath: path.basename(uri) });
  return { findings: result.findings, hasError: tree.rootNode.hasError };
}

function offsets(map: LineMap, r: Range): [number, number] {
  return [map.offsetAt(r.start), map.offsetAt(r.end)];
}

/**
 * Applies the preferred fixes of `code`'s findings the way an editor's fix-all does: whole fixes only, skipping a fix
 * that overlaps one already taken (identical edits shared by two fixes, such as one import, are applied once),
 * then all edits back to front.
 */
export function applyPreferredFixes(text: string, findings: readonly ReportedFinding[], code: string): { text: string; applied: number } {
  const map = new LineMap(text);
  const taken: { start: number; end: number; newText: string }[] = [];
  let applied = 0;
  for (const f of findings) {
    if (f.code !== code) continue;
    const fix = f.fixes?.find((x) => x.isPreferred);
    if (!fix) continue;
    const edits = fix.edits.map((e: TextEdit) => {
      const [start, end] = offsets(map, e.range);
      return { start, end, newText: e.newText };
    });
    const fresh = edits.filter((e) => !taken.some((t) => t.start === e.start && t.end === e.end && t.newText === e.newText));
    const overlaps = fresh.some((e) => taken.some((t) => (e.start < t.end && t.start < e.end) || (e.start === e.end && e.start === t.start && t.start === t.end)));
    if (overlaps) continue;
    taken.push(...fresh);
    applied++;
  }
  taken.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of taken) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return { text: out, applied };
}
