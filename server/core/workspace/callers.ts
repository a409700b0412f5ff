import type { Node } from '../parsing/syntaxTree';
import { dottedName, identifiersNamed, parentOf } from '../python/syntax';
import { bindingOf } from '../python/semantic/infer';
import { resolveName as resolveInScope, semanticIndex } from '../python/semantic/bindings';
import type { CallerIndex } from './callerIndex';

/** A call of a function found in the workspace: the call node and the file it sits in. */
export interface CallSite {
  uri: string;
  relPath: string;
  root: Node;
  /** The file's text (its context depends on its imports). */
  text: string;
  call: Node;
}

/**
 * More files than this mentioning a helper's name: its callers are not looked up (a name that common is likely
 * called from everywhere, and each file costs a parse).
 */
export const MAX_CALLER_FILES = 24;

/** Files a lookup leaves out, by relative path (`/`-separated) or uri: never parsed for it. */
export type SkipFile = (relPath: string, uri: string) => boolean;

/** The file whose function is asked about, already parsed. */
export interface DefiningFile {
  uri: string;
  relPath: string;
  root: Node;
  text: string;
}

const IMPORT_PARENTS = new Set(['import_statement', 'import_from_statement', 'aliased_import', 'dotted_name']);
const NAME_SLOTS = new Set(['function_definition', 'class_definition', 'parameters', 'typed_parameter', 'default_parameter',
  'typed_default_parameter', 'keyword_argument', 'global_statement', 'nonlocal_statement']);

/**
 * Every call of the module-level function `def` (defined in `home`) in the workspace, resolved through each file's
 * imports and semantic model, never by bare name: `helper(x)` where `helper` is this def or imported from its
 * module, `helpers.helper(x)` where `helpers` is its module. Undefined when djperf cannot see them all: the function
 * is passed around as a value or decorates something, imported under an alias or through a re-export or a star
 * import, or its name is in too many files. Without a workspace index only the defining file is searched. Files
 * `skip` names (by relative path) are left out.
 */
export function callSitesOf(def: Node, home: DefiningFile, index: CallerIndex | undefined, skip?: SkipFile): CallSite[] | undefined {
  const name = def.childForFieldName('name')?.text;
  if (!name) return undefined;
  const uris = index ? index.filesMentioning(name) : [home.uri];
  if (uris.length > MAX_CALLER_FILES) return undefined;
  const sites: CallSite[] = [];
  for (const uri of uris.includes(home.uri) ? uris : [home.uri, ...uris]) {
    // Files the caller does not care about (tests, for caller typing and contexts) are not parsed at all.
    if (skip && uri !== home.uri && skip(index?.relPathOf(uri) ?? '', uri)) continue;
    const file = uri === home.uri ? home : index?.file(uri);
    if (!file) return undefined;
    for (const id of identifiersNamed(file.root, name)) {
      const ref = referenceTo(id, def, home.uri, file.uri, index);
      if (ref === 'other') continue;
      if (ref === 'unknown') return undefined;
      const call = parentOf(ref);
      if (call?.type !== 'call' || call.childForFieldName('function')?.id !== ref.id) return undefined; // used as a value
      sites.push({ uri: file.uri, relPath: file.relPath, root: file.root, text: file.text, call });
    }
  }
  return sites;
}

/** Whether identifier `id` (in `fileUri`) denotes `def`: the expression that does, 'other', or 'unknown'. */
function referenceTo(id: Node, def: Node, defUri: string, fileUri: string, index: CallerIndex | undefined): Node | 'other' | 'unknown' {
  const parent = parentOf(id);
  if (!parent) return 'other';
  if (IMPORT_PARENTS.has(parent.type) || parentOf(parent)?.type === 'import_from_statement') {
    // `from helpers import name as other`: later uses go by another name this search does not see.
    const stmt = parent.type === 'aliased_import' ? parent : parentOf(parent)?.type === 'aliased_import' ? parentOf(parent) : undefined;
    if (stmt && stmt.childForFieldName('name')?.text.split('.').pop() === id.text && stmt.childForFieldName('alias')?.id !== id.id &&
        importedModuleFile(stmt, fileUri, index) === defUri) return 'unknown';
    return 'other';
  }
  if (NAME_SLOTS.has(parent.type) && parent.childForFieldName('name')?.id === id.id) return 'other';
  if (parent.type === 'parameters') return 'other';
  if (parent.type === 'attribute') {
    if (parent.childForFieldName('attribute')?.id !== id.id) return referenceByName(id, def, defUri, fileUri, index);
    // `helpers.name`: the object must be the defining module; an attribute of anything else is not this function.
    const mod = moduleOf(parent.childForFieldName('object'));
    const target = mod !== undefined ? moduleFile(mod, fileUri, index) : undefined;
    if (target === defUri) return parent;
    if (target && !definesName(index, target, id.text)) return reexports(index, target, id.text, defUri) ? parent : 'unknown';
    return 'other';
  }
  return referenceByName(id, def, defUri, fileUri, index);
}

function referenceByName(id: Node, def: Node, defUri: string, fileUri: string, index: CallerIndex | undefined): Node | 'other' | 'unknown' {
  const b = bindingOf(id);
  if (b) {
    if (b.kind === 'function') return fileUri === defUri && b.definition?.id === def.id ? id : 'other';
    if (b.kind !== 'import' || !b.qualified) return 'other';
    const module = moduleOfQualified(b.qualified);
    if (module === undefined) return 'other';
    const target = moduleFile(module, fileUri, index);
    if (target === defUri) return id;
    // Imported from another workspace module that does not define it: a re-export, followed one level
    // (`from dojo.notifications.helper import f` in dojo/utils.py, imported from dojo.utils elsewhere).
    if (target && target !== fileUri && !definesName(index, target, id.text)) return reexports(index, target, id.text, defUri) ? id : 'unknown';
    return 'other';
  }
  const r = resolveInScope(id.text, id);
  return r.kind === 'star' ? 'unknown' : 'other';
}

/** `a.b` as a dotted module name through the file's imports (`helpers` imported as `app.helpers`). */
function moduleOf(expr: Node | null): string | undefined {
  const parts = expr ? dottedName(expr) : undefined;
  if (!parts || expr?.type === 'call') return undefined;
  const headNode = expr?.type === 'identifier' ? expr : firstIdentifier(expr);
  const b = headNode ? bindingOf(headNode) : undefined;
  if (b?.kind !== 'import' || !b.qualified) return undefined;
  return [b.qualified, ...parts.slice(1)].join('.');
}

/** `app.helpers.name` -> `app.helpers`, `.helpers.name` -> `.helpers`, `..name` -> `..`; undefined for a bare `name`. */
function moduleOfQualified(qualified: string): string | undefined {
  const m = /^(\.*)([\s\S]*)$/.exec(qualified) as RegExpExecArray;
  const parts = m[2].split('.');
  parts.pop();
  const module = `${m[1]}${parts.join('.')}`;
  return module || undefined;
}

function firstIdentifier(expr: Node | null | undefined): Node | undefined {
  let e = expr;
  while (e?.type === 'attribute') e = e.childForFieldName('object');
  return e?.type === 'identifier' ? e : undefined;
}

function importedModuleFile(aliased: Node, fileUri: string, index: CallerIndex | undefined): string | undefined {
  const stmt = parentOf(aliased);
  const mod = stmt?.type === 'import_from_statement' ? stmt.childForFieldName('module_name')?.text : undefined;
  return mod === undefined ? undefined : moduleFile(mod, fileUri, index);
}

function moduleFile(module: string, fromUri: string, index: CallerIndex | undefined): string | undefined {
  return index?.moduleFile(module, fromUri);
}

function definesName(index: CallerIndex | undefined, uri: string, name: string): boolean {
  const text = index?.textOf(uri);
  return !!text && new RegExp(`^(?:async[ \\t]+)?(?:def|class)[ \\t]+${name}\\b|^${name}[ \\t]*[:=]`, 'm').test(text);
}

/** Whether module `uri` binds `name` only by importing it from the module `defUri`. */
function reexports(index: CallerIndex | undefined, uri: string, name: string, defUri: string): boolean {
  const file = index?.file(uri);
  const bindings = file ? semanticIndex(file.root.tree).module.bindings.get(name) : undefined;
  if (!bindings?.length) return false;
  return bindings.every((b) => {
    const module = b.kind === 'import' && b.qualified ? moduleOfQualified(b.qualified) : undefined;
    return module !== undefined && moduleFile(module, uri, index) === defUri;
  });
}
