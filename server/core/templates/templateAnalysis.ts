import type { ModelIndex } from '../django/modelIndex';
import type { DjperfConfig } from '../config/config';
import { RuleSelection } from '../config/ruleSelection';
import { LineMap } from '../parsing/textDocument';
import { compareFindings, type ReportedFinding } from '../analyzer';
import { reportedText } from '../rules/conciseMessage';
import { isSuppressed } from '../rules/suppressions';
import { TEMPLATE_RULES } from '../rules/registry';
import { parseTemplate } from './templateSyntax';
import { TemplateFlow, type LoadedTemplate, type TemplateRead } from './templateFlow';
import type { TemplateRender } from './viewRenders';

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

function sharedPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** The relation reads every render makes in the workspace's templates, by template uri. */
export function templateReads(templates: readonly TemplateSource[], renders: readonly TemplateRender[], models: ModelIndex): Map<string, TemplateRead[]> {
  const byName = new Map<string, TemplateSource[]>();
  for (const t of templates) byName.set(t.name, [...(byName.get(t.name) ?? []), t]);
  const parsed = new Map<string, LoadedTemplate>();
  const out = new Map<string, TemplateRead[]>();
  for (const render of renders) {
    // Several templates with one name (app folders): Django takes the first app's; the view's own app is the best guess.
    const load = (name: string): LoadedTemplate | undefined => {
      const found = byName.get(name);
      if (!found) return undefined;
      const t = found.length === 1 ? found[0] : [...found].sort((a, b) => sharedPrefix(b.uri, render.uri) - sharedPrefix(a.uri, render.uri))[0];
      let p = parsed.get(t.uri);
      if (!p) parsed.set(t.uri, (p = { uri: t.uri, parsed: parseTemplate(t.text) }));
      return p;
    };
    const flow = new TemplateFlow(models, load);
    flow.run(render);
    for (const r of flow.reads) out.set(r.uri, [...(out.get(r.uri) ?? []), r]);
  }
  return out;
}

/** Runs the enabled template rules over one template's reads. */
export function analyzeTemplate(template: TemplateSource, reads: readonly TemplateRead[], config: DjperfConfig, relPath: string): ReportedFinding[] {
  const selection = new RuleSelection(config);
  const lineMap = new LineMap(template.text);
  const findings: ReportedFinding[] = [];
  for (const rule of TEMPLATE_RULES) {
    if (!selection.enabled(rule.meta, relPath)) continue;
    const severity = selection.severity(rule.meta);
    if (severity === 'off') continue;
    for (const f of rule.checkTemplate({ uri: template.uri, lineMap, reads })) {
      if (isSuppressed(lineMap.lineText(f.range.start.line), f.code)) continue;
      findings.push({ ...f, severity, meta: rule.meta, ...reportedText(f.message, f.cost, rule.meta) });
    }
  }
  return findings.sort(compareFindings);
}
