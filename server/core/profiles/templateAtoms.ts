import type { Node } from '../parsing/syntaxTree';
import type { ReportedFinding } from '../analyzer';
import type { DjperfConfig } from '../config/config';
import { analyzeTemplate, templateReads, type TemplateSource } from '../templates/templateAnalysis';
import { parseTemplate, type ParsedTemplate } from '../templates/templateSyntax';
import { extractTemplateRenders, mayRenderTemplates, type ContextValue } from '../templates/viewRenders';
import { pathModels, type AnalyzedFile, type Atom } from './atoms';

interface FileTemplateWork {
  findings: { finding: ReportedFinding; at: { line: number; character: number }; template: string }[];
  /** View querysets the templates iterate, at the render call. */
  iterated: { at: { line: number; character: number }; source: ContextValue }[];
}

/** A template finding as one handler sees it: placed at the handler's render, priced per row of the template loop. */
export interface HandlerTemplateWork {
  atoms: Atom[];
  /** The findings, their range moved to the view's queryset (profile findings are lines of the handler's file). */
  findings: ReportedFinding[];
}

/**
 * The template N+1s of the views of each handler file: the renders the file makes, followed through the
 * workspace's templates like `djperf check` does, memoised per file. A handler takes the findings whose view
 * queryset lies inside it (several handlers of one file render different templates).
 */
export class TemplateWork {
  private readonly perFile = new Map<string, FileTemplateWork>();
  private readonly parsed = new Map<string, ParsedTemplate>();

  constructor(
    private readonly templates: readonly TemplateSource[],
    private readonly config: DjperfConfig,
    private readonly relPath: (uri: string) => string,
  ) {}

  /**
   * `viewEvaluates`: a generic view (ListView …) evaluates its queryset itself (its profile has that query already);
   * a function view hands a lazy queryset to the template, whose loop runs it.
   */
  forHandler(file: AnalyzedFile, handler: Node, viewEvaluates: boolean): HandlerTemplateWork {
    const out: HandlerTemplateWork = { atoms: [], findings: [] };
    if (this.templates.length === 0) return out;
    const work = this.ofFile(file);
    const inside = (line: number): boolean => line >= handler.startPosition.row && line <= handler.endPosition.row;
    if (!viewEvaluates) {
      for (const { at, source } of work.iterated) {
        if (!inside(at.line)) continue;
        out.atoms.push({
          kind: 'db', order: handler.endIndex - 0.5, line: at.line, uri: file.uri, loop: 0,
          queries: 1 + source.prefetched.length + source.opaque.length, reads: [source.model],
        });
      }
    }
    // One prefetch serves every read of its relation (`.count` and `.all` of the same manager).
    const prefetched = new Set<string>();
    for (const { finding, at, template } of work.findings) {
      if (!inside(at.line) || finding.cost?.kind !== 'queries') continue;
      const cost = finding.cost;
      const prefetch = finding.code === 'DJP111' || /\.prefetch_related\(/.test(finding.message);
      const fixedBase = prefetch && !prefetched.has(cost.relationPath ?? '') ? 1 : 0;
      if (prefetch) prefetched.add(cost.relationPath ?? '');
      const reads = pathModels(cost.model, cost.relationPath, file.ctx);
      out.atoms.push({
        // The template renders after the view's own code: ordered at the handler's end.
        kind: 'db', order: handler.endIndex + out.atoms.length / 1000, line: at.line, uri: file.uri, loop: Math.max(1, cost.rowFactors.length),
        queries: cost.perRow, code: finding.code, fixedQueries: { base: fixedBase, perRow: 0 }, ...(reads.length ? { reads } : {}),
      });
      out.findings.push({ ...finding, range: { start: at, end: at }, message: `${template}:${finding.range.start.line + 1}: ${finding.message}` });
    }
    return out;
  }

  private ofFile(file: AnalyzedFile): FileTemplateWork {
    let hit = this.perFile.get(file.uri);
    if (hit) return hit;
    hit = { findings: [], iterated: [] };
    this.perFile.set(file.uri, hit);
    if (!mayRenderTemplates(file.root.text)) return hit;
    const renders = extractTemplateRenders(file.root, file.ctx.evaluator, file.uri);
    if (renders.length === 0) return hit;
    const use = templateReads(this.templates, renders, file.ctx.workspace.models, (t) => {
      let p = this.parsed.get(t.uri);
      if (!p) this.parsed.set(t.uri, (p = parseTemplate(t.text)));
      return p;
    });
    for (const t of this.templates) {
      if (!use.reads.has(t.uri)) continue;
      for (const finding of analyzeTemplate(t, use, this.config, this.relPath(t.uri))) {
        for (const r of finding.related ?? []) {
          if (r.uri === file.uri && r.range) hit.findings.push({ finding, at: r.range.start, template: t.name });
        }
      }
    }
    for (const [render, sources] of use.iterated) for (const source of sources) hit.iterated.push({ at: render.range.start, source });
    return hit;
  }
}
