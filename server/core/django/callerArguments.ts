import type { Node } from '../parsing/syntaxTree';
import type { Binding } from '../python/semantic/bindings';
import { keywordArg, parentOf, positionalArgs } from '../python/syntax';
import type { CallerIndex } from '../workspace/callerIndex';
import { callSitesOf, type CallSite, type DefiningFile } from '../workspace/callers';

/** One resolved call of a helper and the expression it passes for the parameter asked about. */
export interface CallerArgument {
  site: CallSite;
  arg: Node;
}

/** Test modules: their calls pass fixtures and mocks, not what the application passes. */
function isTestPath(relPath: string): boolean {
  const parts = relPath.split('/');
  const file = parts[parts.length - 1] ?? '';
  return /^(tests?|test_.*|.*_tests?|conftest)\.py$/.test(file) || parts.slice(0, -1).some((d) => /^(tests?|testing|unittests)$/.test(d));
}

/** Whether the parameter is keyword-only (after `*` or `*args`). */
function keywordOnly(def: Node, name: string): boolean | undefined {
  let star = false;
  for (const p of def.childForFieldName('parameters')?.namedChildren ?? []) {
    if (!p) continue;
    if (p.type === 'list_splat_pattern' || p.type === 'keyword_separator') star = true;
    const id = p.type === 'identifier' ? p : p.type === 'typed_parameter' ? p.namedChildren[0] : p.childForFieldName('name');
    if (id?.text === name) return star;
  }
  return undefined;
}

function isModuleLevel(def: Node): boolean {
  const top = parentOf(def)?.type === 'decorated_definition' ? parentOf(def) : def;
  return parentOf(top)?.type === 'module';
}

/**
 * What every resolved caller of a module-level function passes for one of its (unannotated) parameters. Callers in
 * test modules are ignored when the application calls it too (a helper only tests call is left alone). Undefined
 * when djperf cannot see every call (see `callSitesOf`), a call unpacks `*args`/`**kwargs` or leaves the parameter
 * to its default, or the function is a method, nested or decorated (a decorator may change what is passed).
 */
export function callerArguments(param: Binding, home: DefiningFile, index: CallerIndex | undefined): CallerArgument[] | undefined {
  const def = param.definition;
  if (def?.type !== 'function_definition' || param.splat || param.index === undefined || !isModuleLevel(def)) return undefined;
  if (parentOf(def)?.type === 'decorated_definition') return undefined;
  const kwOnly = keywordOnly(def, param.name);
  if (kwOnly === undefined) return undefined;
  const sites = callSitesOf(def, home, index)?.filter((s) => !(s.uri === home.uri && s.call.startIndex >= def.startIndex && s.call.endIndex <= def.endIndex));
  if (!sites?.length) return undefined;
  const app = sites.filter((s) => !isTestPath(s.relPath));
  if (app.length === 0) return undefined;
  const out: CallerArgument[] = [];
  for (const site of app) {
    const args = site.call.childForFieldName('arguments');
    if (!args || args.namedChildren.some((a) => a?.type === 'list_splat' || a?.type === 'dictionary_splat')) return undefined;
    const arg = keywordArg(site.call, param.name) ?? (kwOnly ? undefined : positionalArgs(site.call)[param.index]);
    if (!arg) return undefined;
    out.push({ site, arg });
  }
  return out;
}
