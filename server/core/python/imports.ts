import type { Node } from '../parsing/syntaxTree';
import { dottedName, nodesOfTypes } from './syntax';
import { MemoKey } from '../memo';

/**
 * Local name -> fully qualified dotted name, from every import of a module (flow-insensitive; imports inside
 * functions count too). `from time import sleep` maps `sleep` to `time.sleep`; relative imports keep their dots
 * (`from . import views` maps `views` to `.views`).
 */
export type ImportMap = ReadonlyMap<string, string>;

const IMPORT_NODES: readonly string[] = ['import_statement', 'import_from_statement'];
/** Per tree: the import map of each root it was asked for (the module, or a function body). */
const IMPORTS = new MemoKey<Map<number, ImportMap>>('imports');

export function importsOf(root: Node): ImportMap {
  const perTree = root.tree.memos.get(IMPORTS, () => new Map());
  const hit = perTree.get(root.id);
  if (hit) return hit;
  const out = new Map<string, string>();
  for (const n of nodesOfTypes(root, IMPORT_NODES)) {
    if (n.type === 'import_statement') {
      for (const c of n.namedChildren) {
        if (!c) continue;
        if (c.type === 'dotted_name') out.set(c.text.split('.')[0], c.text.split('.')[0]);
        else if (c.type === 'aliased_import') {
          const name = c.childForFieldName('name')?.text;
          const alias = c.childForFieldName('alias')?.text;
          if (name && alias) out.set(alias, name);
        }
      }
      continue;
    }
    if (n.type === 'import_from_statement') {
      const mod = n.childForFieldName('module_name')?.text ?? '';
      for (const c of n.namedChildren) {
        if (!c || c.id === n.childForFieldName('module_name')?.id) continue;
        const sep = mod.endsWith('.') ? '' : '.';
        if (c.type === 'dotted_name') out.set(c.text, `${mod}${sep}${c.text}`);
        else if (c.type === 'aliased_import') {
          const name = c.childForFieldName('name')?.text;
          const alias = c.childForFieldName('alias')?.text;
          if (name && alias) out.set(alias, `${mod}${sep}${name}`);
        }
      }
    }
  }
  perTree.set(root.id, out);
  return out;
}

/** `sleep` -> `time.sleep`, `r.get` -> `requests.get` (with `import requests as r`); unimported names stay as written. */
export function resolveName(node: Node | null | undefined, imports: ImportMap): string | undefined {
  const parts = node ? dottedName(node) : undefined;
  if (!parts) return undefined;
  const head = imports.get(parts[0]);
  return head ? [head, ...parts.slice(1)].join('.') : parts.join('.');
}

/** The resolved callee of a call. */
export function resolveCallee(call: Node, imports: ImportMap): string | undefined {
  return call.type === 'call' ? resolveName(call.childForFieldName('function'), imports) : undefined;
}

/** Whether a resolved dotted name is `name` or ends with `.name` under one of the given module prefixes. */
export function isQualified(resolved: string | undefined, candidates: readonly string[]): boolean {
  return !!resolved && candidates.includes(resolved);
}
