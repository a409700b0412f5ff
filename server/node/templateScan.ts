import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileNotice } from '../core/analyzer';
import type { ModelIndex } from '../core/django/modelIndex';
import type { TemplateRender } from '../core/templates/viewRenders';
import { analyzeTemplate, templateNameIn, templateReads, type TemplateSource } from '../core/templates/templateAnalysis';
import { parseTemplate, type ParsedTemplate } from '../core/templates/templateSyntax';
import type { FileFacts } from '../core/workspace/fileFacts';
import { discoverFiles } from './sourceFiles';
import { templateDirsOf } from './templateDirs';
import type { FileResult, ScanOptions } from './scan';

/**
 * Template files below the inputs: files in a `templates` folder or in a template directory the settings configure
 * (DIRS, loader directories), with a template extension.
 */
export function readTemplates(inputs: readonly string[], options: ScanOptions, dirs: readonly string[]): { sources: TemplateSource[]; notices: FileNotice[] } {
  const notices: FileNotice[] = [];
  const rel = (p: string): string => path.relative(options.root, p).split(path.sep).join('/');
  const nameOf = (file: string): string | undefined => templateNameIn(file.split(path.sep).join('/'), rel(file), dirs);
  const found = discoverFiles(inputs, options.root, options.config, (r) => nameOf(path.join(options.root, r)) !== undefined);
  const sources: TemplateSource[] = [];
  for (const file of found.files) {
    const name = nameOf(file);
    if (!name) continue;
    let text: string;
    try {
      if (fs.statSync(file).size > options.config.maxFileSize) continue;
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      notices.push({ uri: file, level: 'warning', message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
      continue;
    }
    sources.push({ uri: file, name, text });
  }
  return { sources, notices };
}

/** The project's templates, read: what the template pass needs before it knows which views render them. */
export interface PreparedTemplates {
  sources: TemplateSource[];
  notices: FileNotice[];
  /** The syntax of the templates parsed beforehand (`parseTemplatesNow`), by uri; the pass parses the others as it loads them. */
  parsed: Map<string, ParsedTemplate>;
}

/** Finds and reads the templates below the inputs, in the folders the workspace's settings (`facts`) name. */
export function prepareTemplates(inputs: readonly string[], options: ScanOptions, facts: Iterable<readonly [string, FileFacts]>): PreparedTemplates {
  return { ...readTemplates(inputs, options, templateDirsOf(facts, options.root)), parsed: new Map() };
}

/**
 * Parses every template now, for a thread that would otherwise wait (the CLI's main thread while its workers
 * analyse); without it the pass parses only the templates a view renders.
 */
export function parseTemplatesNow(templates: PreparedTemplates): void {
  for (const t of templates.sources) if (!templates.parsed.has(t.uri)) templates.parsed.set(t.uri, parseTemplate(t.text));
}

/**
 * The template pass of `djperf check`: the template rules over each template, judged by the views that render it
 * (`parsed`: templates parsed beforehand, by uri; the others are parsed here).
 */
export function scanTemplates(
  templates: readonly TemplateSource[],
  options: ScanOptions,
  views: { renders: readonly TemplateRender[]; models: ModelIndex },
  parsed?: ReadonlyMap<string, ParsedTemplate>,
): FileResult[] {
  const use = templateReads(templates, views.renders, views.models, (t) => parsed?.get(t.uri) ?? parseTemplate(t.text));
  return templates.map((t) => {
    const relPath = path.relative(options.root, t.uri).split(path.sep).join('/');
    return { path: t.uri, relPath, text: t.text, findings: analyzeTemplate(t, use, options.config, relPath) };
  });
}
