import type { Tree } from '../../parsing/syntaxTree';
import { MemoKey } from '../../memo';

/**
 * Types a module gives its top-level names that other modules can rely on: library objects built at import time
 * (`http = requests.Session()`) and functions that return one (`def client() -> httpx.Client`). Plain data, so a
 * module contributes it to the workspace index and its importers read it without its tree. Only library classes:
 * a class of the workspace is known in its own file only.
 */
export type ExportedType =
  | { kind: 'instance'; cls: string }
  | { kind: 'returns'; cls: string };

export type ExportedTypes = Record<string, ExportedType>;

/** What an importer's tree may ask: the exported type of an import-resolved dotted name (`.clients.http`). */
export type WorkspaceTypeLookup = (qualified: string) => ExportedType | undefined;

const LOOKUP = new MemoKey<{ lookup: WorkspaceTypeLookup | undefined }>('types other modules export');

/** The lookup an analysis of this tree uses for names imported from workspace modules (none outside an analysis). */
export function workspaceTypeLookup(tree: Tree): WorkspaceTypeLookup | undefined {
  return tree.memos.get(LOOKUP, () => ({ lookup: undefined })).lookup;
}

/**
 * Sets that lookup for the analysis about to run on `tree`. Returns whether it changed, so the caller drops the
 * types inferred with the previous one (the workspace changed since the tree was last analysed).
 */
export function setWorkspaceTypeLookup(tree: Tree, lookup: WorkspaceTypeLookup | undefined): boolean {
  const slot = tree.memos.get(LOOKUP, () => ({ lookup: undefined }));
  if (slot.lookup === lookup) return false;
  slot.lookup = lookup;
  return true;
}
