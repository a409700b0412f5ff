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

/** Parameters that never hold rows (views' `request`, `self`/`cls` of anything module-level by mistake). */
const NOT_ROWS = new Set(['request', 'self', 'cls']);
/** A helper named in more files than this is not typed from its callers: each file costs a parse and a walk. */
const MAX_TYPING_FILES = 4;

/**
 * The non-test calls of `def` (memoised per function: every parameter asks), or undefined when they cannot all be
 * seen, there are none, or only tests call it. Views (a first parameter `request`) are called by Django, not code.
 */
function applicationSites(def: Node, home: DefiningFile, index: CallerIndex | undefined, memo: Map<number, CallSite[] | null>): CallSite[] | undefined {
  const known = memo.get(def.id);
  if (known !== undefined) return known ?? undefined;
  memo.set(def.id, null);
  const first = def.childForFieldName('parameters')?.namedChildren[0];
  const name = def.childForFieldName('name')?.text ?? '';
  if ((first?.type === 'identifier' ? first.text : first?.childForFieldName('name')?.text ?? first?.namedChildren[0]?.text) === 'request') return undefined;
  if (index && index.filesMentioning(name).length > MAX_TYPING_FILES) return undefined;
  // Test modules are not even parsed: their calls pass fixtures and mocks.
  const sites = callSitesOf(def, home, index, isTestPath)?.filter((s) => !(s.uri === home.uri && s.call.startIndex >= def.startIndex && s.call.endIndex <= def.endIndex));
  const app = sites?.filter((s) => !isTestPath(s.relPath));
  if (!app?.length) return undefined;
  memo.set(def.id, app);
  return app;
}

/** Test modules: their calls pass fixtures and mocks, not what the application passes. */
export function isTestPath(relPath: string): boolean {
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
 * Whether `callerArguments` may answer for `param` at all, from the parameter and its function alone (no workspace
 * lookup): a plain parameter of an undecorated module-level function that its body reads through (`p.x`) or iterates
 * (`in p`). Cheap, so callers ask it before anything costlier (most parameters are methods' `self`).
 */
export function mayTypeFromCallers(param: Binding): boolean {
  const def = param.definition;
  if (def?.type !== 'function_definition' || param.splat || param.index === undefined || NOT_ROWS.has(param.name) || !isModuleLevel(def)) return false;
  if (parentOf(def)?.type === 'decorated_definition') return false;
  // Only a parameter the body reads through or iterates can carry rows worth typing (each function asked about costs
  // a scan of the workspace's texts for its name).
  const body = def.childForFieldName('body')?.text ?? '';
  return new RegExp(`(?<![\\w.])${param.name}\\.\\w|\\bin\\s+${param.name}\\b`).test(body);
}

/**
 * What every resolved caller of a module-level function passes for one of its (unannotated) parameters. Callers in
 * test modules are ignored when the application calls it too (a helper only tests call is left alone). Undefined
 * when djperf cannot see every call (see `callSitesOf`), a call unpacks `*args`/`**kwargs` or leaves the parameter
 * to its default, or the function is a method, nested or decorated (a decorator may change what is passed).
 */
export function callerArguments(param: Binding, home: DefiningFile, index: CallerIndex | undefined, memo: Map<number, CallSite[] | null>): CallerArgument[] | undefined {
  const def = param.definition;
  if (!def || param.index === undefined || !mayTypeFromCallers(param)) return undefined;
  const kwOnly = keywordOnly(def, param.name);
  if (kwOnly === undefined) return undefined;
  const app = applicationSites(def, home, index, memo);
  if (!app) return undefined;
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
