/**
 * Django templates in the language server: which views render which templates (renders read from each Python file
 * when it is analysed, kept per folder), the template files of each folder (found by the workspace scan, open
 * documents win over the disk), and the template findings, recomputed for the whole folder when a template is
 * edited or a view's renders change. Parsed templates are memoised by text, so a recheck after one edit re-parses
 * one template.
 */
import * as fs from 'node:fs';
import type { ReportedFinding } from '../core/analyzer';
import { QuerysetEvaluator } from '../core/django/querysetEvaluator';
import type { Tree } from '../core/parsing/syntaxTree';
import { analyzeTemplate, templateNameIn, templateReadSteps, type TemplateSource } from '../core/templates/templateAnalysis';
import { runToEnd, type Steps } from '../core/steps';
import { parseTemplate, type ParsedTemplate } from '../core/templates/templateSyntax';
import { extractTemplateRenders, mayRenderTemplates, type TemplateRender } from '../core/templates/viewRenders';
import { discoverFiles } from '../node/sourceFiles';
import { templateDirsOf } from '../node/templateDirs';
import { filePath, fileUri, isExcluded, relativePath, uriKey, type FolderState } from './folders';

/** Language ids VS Code gives Django templates (extensions differ); plain `html` too. Jinja only in a Django template dir. */
export const TEMPLATE_LANGUAGES: ReadonlySet<string> = new Set(['django-html', 'django-txt', 'htmldjango', 'html', 'jinja-html']);

export function isTemplateLanguage(languageId: string): boolean {
  return TEMPLATE_LANGUAGES.has(languageId);
}

/** An open template document, as the service needs it. */
export interface OpenTemplate {
  uri: string;
  text: string;
}

interface FolderTemplates {
  /** Renders of each Python file, by uri key. */
  renders: Map<string, TemplateRender[]>;
  /** Template files found on disk by the last workspace scan (absolute paths). */
  files: string[];
  /** Their texts, read once per scan. */
  diskText: Map<string, string | undefined>;
  /** Bumped when the template files or the views' renders change: cached endpoint profiles are stale then. */
  generation: number;
}

/** Each template's findings after a check, by template uri (every template, empty or not). */
export type TemplateResults = Map<string, { source: TemplateSource; findings: ReportedFinding[] }>;

/** Templates judged by a check, and their findings (the scan's summary counts them like `djperf check`). */
export interface TemplateCounts {
  files: number;
  findings: number;
}

export function countsOf(results: TemplateResults): TemplateCounts {
  let findings = 0;
  for (const r of results.values()) findings += r.findings.length;
  return { files: results.size, findings };
}

export class TemplateService {
  private readonly folders = new Map<string, FolderTemplates>();
  private readonly parsed = new Map<string, { text: string; parsed: ParsedTemplate }>();

  constructor(private readonly openTemplates: (folder: FolderState) => OpenTemplate[]) {}

  private state(folder: FolderState): FolderTemplates {
    let s = this.folders.get(folder.uri);
    if (!s) this.folders.set(folder.uri, (s = { renders: new Map(), files: [], diskText: new Map(), generation: 0 }));
    return s;
  }

  /** Reads the renders of an analysed Python file; returns true when they changed (its templates need a recheck). */
  setRenders(folder: FolderState, uri: string, text: string, tree: Tree | undefined): boolean {
    const s = this.state(folder);
    const key = uriKey(uri);
    const renders = tree && mayRenderTemplates(text) ? extractTemplateRenders(tree.rootNode, new QuerysetEvaluator(folder.index.facts().models), uri) : [];
    const before = s.renders.get(key);
    let changed: boolean;
    if (renders.length === 0) {
      changed = s.renders.delete(key);
    } else {
      changed = before === undefined || JSON.stringify(before, mapsAsEntries) !== JSON.stringify(renders, mapsAsEntries);
      s.renders.set(key, renders);
    }
    if (changed) s.generation++;
    return changed;
  }

  /** Identifies the state of the folder's templates and renders, for caches built from them. */
  generation(folder: FolderState): number {
    return this.state(folder).generation;
  }

  /** The template directories of the folder's settings (absolute paths with `/`). */
  private dirs(folder: FolderState): string[] {
    const root = folder.root ?? folder.path;
    return root ? templateDirsOf(folder.index.entries(), root) : [];
  }

  /**
   * The name `uri` is loaded by, or undefined when it is not in a template directory of the folder; `dirs` are the
   * folder's template directories (computed once per listing: they are read from every settings file's facts).
   */
  private templateName(folder: FolderState, uri: string, dirs: readonly string[]): string | undefined {
    const p = filePath(uri);
    if (!p || !folder.config || isExcluded(folder, uri)) return undefined;
    return templateNameIn(p.split('\\').join('/'), relativePath(folder, uri), dirs);
  }

  /** Finds the folder's template files (the workspace scan calls this once its models are indexed). */
  discover(folder: FolderState): string[] {
    const s = this.state(folder);
    if (!folder.path || !folder.config) return (s.files = []);
    const root = folder.root ?? folder.path;
    const dirs = this.dirs(folder);
    const found = discoverFiles([folder.path], root, folder.config, (rel) => templateNameIn(`${root.split('\\').join('/')}/${rel}`, rel, dirs) !== undefined);
    s.files = found.files;
    s.diskText.clear();
    s.generation++;
    return s.files;
  }

  /** A closed template changed on disk or was closed in the editor: read it again next time. */
  dropDiskText(folder: FolderState, uri: string): void {
    const p = filePath(uri);
    if (p) this.state(folder).diskText.delete(p);
    this.state(folder).generation++;
  }

  /** Every template of the folder with its current text (open documents win over the disk). */
  sources(folder: FolderState): TemplateSource[] {
    return runToEnd(this.sourceSteps(folder));
  }

  /** `sources`, a step per template file read from the disk (the first listing after a scan reads hundreds). */
  private *sourceSteps(folder: FolderState): Steps<TemplateSource[]> {
    const s = this.state(folder);
    const out = new Map<string, TemplateSource>();
    const max = folder.config?.maxFileSize ?? Infinity;
    const dirs = this.dirs(folder);
    for (const file of s.files) {
      const uri = fileUri(file);
      const name = this.templateName(folder, uri, dirs);
      if (!name) continue;
      if (!s.diskText.has(file)) {
        s.diskText.set(file, readText(file, max));
        yield;
      }
      const text = s.diskText.get(file);
      if (text !== undefined) out.set(uriKey(uri), { uri, name, text });
    }
    for (const doc of this.openTemplates(folder)) {
      const name = this.templateName(folder, doc.uri, dirs);
      if (name && Buffer.byteLength(doc.text, 'utf8') <= max) out.set(uriKey(doc.uri), { uri: doc.uri, name, text: doc.text });
    }
    return [...out.values()];
  }

  /** Recomputes every template finding of the folder; returns them by template uri (every template, empty or not). */
  check(folder: FolderState): TemplateResults {
    return runToEnd(this.checkSteps(folder));
  }

  /**
   * `check` in small steps (a template read, a render followed, a template judged), for the workspace scan, which
   * yields to edits between them.
   */
  *checkSteps(folder: FolderState): Steps<TemplateResults> {
    const s = this.state(folder);
    const out: TemplateResults = new Map();
    if (!folder.config || !folder.server.enable) return out;
    const config = folder.config;
    const templates = yield* this.sourceSteps(folder);
    const renders = [...s.renders.values()].flat();
    const use = yield* templateReadSteps(templates, renders, folder.index.facts().models, (t) => this.parse(t));
    for (const t of templates) {
      out.set(t.uri, { source: t, findings: analyzeTemplate(t, use, config, relativePath(folder, t.uri)) });
      yield;
    }
    return out;
  }

  clearFolder(folder: FolderState): void {
    this.folders.delete(folder.uri);
  }

  private parse(t: TemplateSource): ParsedTemplate {
    const hit = this.parsed.get(t.uri);
    if (hit && hit.text === t.text) return hit.parsed;
    const parsed = parseTemplate(t.text);
    this.parsed.set(t.uri, { text: t.text, parsed });
    return parsed;
  }
}

function readText(file: string, maxBytes: number): string | undefined {
  try {
    if (fs.statSync(file).size > maxBytes) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Renders hold Maps (their contexts): compared by their entries. */
function mapsAsEntries(_key: string, value: unknown): unknown {
  return value instanceof Map ? [...value.entries()] : value;
}
