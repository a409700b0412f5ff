import type { ModelIndex } from '../django/modelIndex';
import type { DjperfConfig } from '../config/config';
import { RuleSelection } from '../config/ruleSelection';
import { LineMap } from '../parsing/textDocument';
import { compareFindings, type ReportedFinding } from '../analyzer';
import { reportedText } from '../rules/conciseMessage';
import { isSuppressed } from '../rules/suppressions';
import { TEMPLATE_RULES } from '../rules/registry';
import { parseTemplate, type ParsedTemplate } from './templateSyntax';
import { TemplateFlow, type LoadedTemplate, type TemplateRead } from './templateFlow';
import type { ContextValue, TemplateRender } from './viewRenders';
import { runToEnd, type Steps } from '../steps';

/** A template file of the workspace and the name views load it by (its path below a `templates` folder). */
export interface TemplateSource {
  uri: string;
  name: string;
  text: string;
}

/** File extensions Django projects write templates in (Jinja2 templates use another language: not read). */
export const TEMPLATE_EXTENSIONS = /\.(html?|txt|xml)$/;

/** `app/templates/shop/list.html` -> `shop/list.html`; undefined outside a `templates` folder. */
export function templateName(relPath: string): string | undefined {
  const parts = relPath.split('/');
  const at = parts.lastIndexOf('templates');
  if (at < 0 || at === parts.length - 1 || !TEMPLATE_EXTENSIONS.test(relPath)) return undefined;
  return parts.slice(at + 1).join('/');
}

/**
 * The name a file is loaded by: its path below the deepest configured template directory that holds it (settings
 * DIRS and loader directories, absolute paths with `/`), else below a `templates` folder.
 */
export function templateNameIn(filePath: string, relPath: string, dirs: readonly string[]): string | undefined {
  const p = filePath.replace(/\\/g, '/');
  if (!TEMPLATE_EXTENSIONS.test(p)) return undefined;
  let best: string | undefined;
  for (const d of dirs) {
    const dir = d.replace(/\/+$/, '');
    if (p.startsWith(`${dir}/`) && (!best || dir.length > best.length)) best = dir;
  }
  return best ? p.slice(best.length + 1) : templateName(relPath);
}

function sharedPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** What the renders of the workspace do in its templates, by template uri. */
export interface TemplateUse {
  /** Relation reads per row that the views' querysets do not load. */
  reads: Map<string, TemplateRead[]>;
  /** The renders that reach each template (directly, as a parent or as an include). */
  renderers: Map<string, TemplateRender[]>;
  /** The view querysets each render's templates iterate (evaluated by the template, not the view). */
  iterated: Map<TemplateRender, ContextValue[]>;
}

/** The relation reads every render makes in the workspace's templates, by template uri. */
export function templateReads(templates: readonly TemplateSource[], renders: readonly TemplateRender[], models: ModelIndex, parse: (t: TemplateSource) => ParsedTemplate = (t) => parseTemplate(t.text)): TemplateUse {
  return runToEnd(templateReadSteps(templates, renders, models, parse));
}

/**
 * `templateReads` one render at a time (a yield after each), for a host that must stay responsive meanwhile (the
 * language server's scan: on DefectDojo the whole pass takes a few hundred ms).
 */
export function* templateReadSteps(templates: readonly TemplateSource[], renders: readonly TemplateRender[], models: ModelIndex, parse: (t: TemplateSource) => ParsedTemplate = (t) => parseTemplate(t.text)): Steps<TemplateUse> {
  const byName = new Map<string, TemplateSource[]>();
  for (const t of templates) byName.set(t.name, [...(byName.get(t.name) ?? []), t]);
  const parsed = new Map<string, LoadedTemplate>();
  const out = new Map<string, TemplateRead[]>();
  const renderers = new Map<string, TemplateRender[]>();
  const iterated = new Map<TemplateRender, ContextValue[]>();
  for (const render of renders) {
    // Several templates with one name (app folders): Django takes the first app's; the view's own app is the best guess.
    const load = (name: string): LoadedTemplate | undefined => {
      const found = byName.get(name);
      if (!found) return undefined;
      const t = found.length === 1 ? found[0] : [...found].sort((a, b) => sharedPrefix(b.uri, render.uri) - sharedPrefix(a.uri, render.uri))[0];
      let p = parsed.get(t.uri);
      if (!p) parsed.set(t.uri, (p = { uri: t.uri, parsed: parse(t) }));
      return p;
    };
    const flow = new TemplateFlow(models, load);
    flow.run(render);
    for (const r of flow.reads) out.set(r.uri, [...(out.get(r.uri) ?? []), r]);
    for (const [uri, rs] of flow.renderers) renderers.set(uri, [...(renderers.get(uri) ?? []), ...rs]);
    if (flow.iterated.length > 0) iterated.set(render, [...flow.iterated]);
    yield;
  }
  return { reads: out, renderers, iterated };
}

/** Runs the enabled template rules over one template's reads. */
export function analyzeTemplate(template: TemplateSource, use: TemplateUse, config: DjperfConfig, relPath: string): ReportedFinding[] {
  const reads = use.reads.get(template.uri) ?? [];
  if (reads.length === 0) return [];
  const renderers = use.renderers.get(template.uri)?.length ?? 0;
  const selection = new RuleSelection(config);
  const lineMap = new LineMap(template.text);
  const findings: ReportedFinding[] = [];
  for (const rule of TEMPLATE_RULES) {
    if (!selection.enabled(rule.meta, relPath)) continue;
    const severity = selection.severity(rule.meta);
    if (severity === 'off') continue;
    for (const f of rule.checkTemplate({ uri: template.uri, lineMap, reads, renderers })) {
      if (isSuppressed(lineMap.lineText(f.range.start.line), f.code)) continue;
      findings.push({ ...f, severity, meta: rule.meta, ...reportedText(f.message, f.cost, rule.meta) });
    }
  }
  return findings.sort(compareFindings);
}
