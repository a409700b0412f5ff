import * as fs from 'node:fs';
import * as path from 'node:path';
import { PythonParser } from '../core/parsing/pythonParser';
import { WorkspaceIndex } from '../core/workspace/workspaceIndex';
import { QuerysetEvaluator } from '../core/django/querysetEvaluator';
import type { FileNotice } from '../core/analyzer';
import { extractTemplateRenders, mayRenderTemplates, type TemplateRender } from '../core/templates/viewRenders';
import { analyzeTemplate, templateName, templateReads, type TemplateSource } from '../core/templates/templateAnalysis';
import { nodeGrammarLocation } from './grammarFiles';
import { discoverFiles, discoverPythonFiles, readPythonFile, type SourceText } from './sourceFiles';
import { extractFacts, type FileResult, type ScanOptions } from './scan';

/** Template files below the inputs: any file in a `templates` folder with a template extension. */
function readTemplates(inputs: readonly string[], options: ScanOptions, notices: FileNotice[]): TemplateSource[] {
  const rel = (p: string): string => path.relative(options.root, p).split(path.sep).join('/');
  const found = discoverFiles(inputs, options.root, options.config, (r) => templateName(r) !== undefined);
  const out: TemplateSource[] = [];
  for (const file of found.files) {
    const name = templateName(rel(file));
    if (!name) continue;
    let text: string;
    try {
      if (fs.statSync(file).size > options.config.maxFileSize) continue;
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      notices.push({ uri: file, level: 'warning', message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
      continue;
    }
    out.push({ uri: file, name, text });
  }
  return out;
}

/**
 * The template pass of `djperf check`: which views render which templates with which querysets, then the template
 * rules over each template. Views and models are read again from the project root (a template is judged by the
 * views that render it, wherever they are), so a check of a templates folder alone still knows its views.
 */
export async function scanTemplates(inputs: readonly string[], options: ScanOptions): Promise<{ results: FileResult[]; notices: FileNotice[] }> {
  const notices: FileNotice[] = [];
  const templates = readTemplates(inputs, options, notices);
  if (templates.length === 0) return { results: [], notices };
  const py = discoverPythonFiles([options.root], options.root, options.config);
  const sources: SourceText[] = [];
  for (const f of py.files) {
    const read = readPythonFile(f, options.config.maxFileSize);
    if (!('message' in read)) sources.push(read);
  }
  const parser = await PythonParser.load(nodeGrammarLocation());
  const renders: TemplateRender[] = [];
  let models;
  try {
    const index = new WorkspaceIndex();
    for (const [uri, facts] of extractFacts(parser, sources).facts) index.setFile(uri, facts);
    models = index.facts().models;
    for (const src of sources) {
      if (!mayRenderTemplates(src.text)) continue;
      let tree;
      try {
        tree = parser.parse(src.text);
      } catch {
        continue; // a file too slow to parse was already reported by the Python pass
      }
      renders.push(...extractTemplateRenders(tree.rootNode, new QuerysetEvaluator(models), src.path));
    }
  } finally {
    parser.delete();
  }
  const reads = templateReads(templates, renders, models);
  const results: FileResult[] = [];
  for (const t of templates) {
    const relPath = path.relative(options.root, t.uri).split(path.sep).join('/');
    const findings = analyzeTemplate(t, reads.get(t.uri) ?? [], options.config, relPath);
    results.push({ path: t.uri, relPath, text: t.text, findings });
  }
  return { results, notices };
}
