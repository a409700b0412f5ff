/**
 * Workspace folders and what applies to each: defaults < pyproject.toml `[tool.djperf]` < editor settings.
 * A folder with an invalid configuration keeps its error and gets no diagnostics until it is fixed.
 */
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, mergeConfig, type DjperfConfig } from '../core/config/config';
import { GlobSet } from '../core/config/glob';
import { ImportGraph } from '../core/workspace/importGraph';
import { WorkspaceIndex } from '../core/workspace/workspaceIndex';
import { loadProjectConfig } from '../node/projectConfig';
import { DEFAULT_SERVER_SETTINGS, readEditorSettings, type ServerSettings } from './settings';

export interface FolderState {
  /** Workspace folder URI; '' for the pseudo-folder of files outside every folder. */
  uri: string;
  /** File system path of the folder (undefined for the pseudo-folder). */
  path?: string;
  name: string;
  /** Per-file-ignores and excludes are relative to this: the pyproject.toml's folder, else the folder itself. */
  root?: string;
  configFile?: string;
  config?: DjperfConfig;
  error?: ConfigError;
  server: ServerSettings;
  exclude?: GlobSet;
  index: WorkspaceIndex;
  /** Who imports whom, for re-checking only the dependants of a module whose summaries changed. */
  imports: ImportGraph;
  /** Models, settings, URLconfs or serializers changed in an editor since the last workspace scan (closed files are stale). */
  globalFactsEdited?: boolean;
}

export function newFolder(uri: string, name: string): FolderState {
  return { uri, path: uri ? filePath(uri) : undefined, name, server: { ...DEFAULT_SERVER_SETTINGS }, index: new WorkspaceIndex(), imports: new ImportGraph() };
}

/** Re-reads pyproject.toml and the editor section into `folder`; returns the error, if any. */
export function loadFolderConfig(folder: FolderState, editorSection: unknown): ConfigError | undefined {
  folder.error = undefined;
  folder.config = undefined;
  folder.configFile = undefined;
  try {
    const editor = readEditorSettings(editorSection);
    folder.server = editor.server;
    let project: Partial<DjperfConfig> = {};
    if (folder.path) {
      const loaded = loadProjectConfig(folder.path);
      folder.root = loaded.root;
      folder.configFile = loaded.configFile;
      project = loaded.config;
    }
    folder.config = mergeConfig(project, editor.config);
    folder.exclude = new GlobSet([...folder.config.exclude, ...folder.config.extendExclude]);
  } catch (e) {
    folder.error = e instanceof ConfigError ? e : new ConfigError(folder.path ?? folder.name, '', e instanceof Error ? e.message : String(e));
  }
  return folder.error;
}

/** The folder a document belongs to: the deepest folder containing it, else the pseudo-folder. */
export function folderOf(folders: readonly FolderState[], loose: FolderState, uri: string): FolderState {
  const p = filePath(uri);
  if (p === undefined) return folders[0] ?? loose;
  let best: FolderState | undefined;
  for (const f of folders) {
    if (!f.path || !isInside(f.path, p)) continue;
    if (!best || f.path.length > best.path!.length) best = f;
  }
  return best ?? loose;
}

/** `a/b/c.py` relative to the folder's project root, as per-file-ignores and excludes expect. */
export function relativePath(folder: FolderState, uri: string): string {
  const p = filePath(uri);
  if (p === undefined) return uri.replace(/^.*[\\/]/, '');
  const root = folder.root ?? folder.path;
  if (!root) return path.basename(p);
  return path.relative(root, p).split(path.sep).join('/');
}

export function isExcluded(folder: FolderState, uri: string): boolean {
  if (!folder.exclude || !folder.path) return false;
  const rel = relativePath(folder, uri);
  return rel !== '' && !rel.startsWith('..') && folder.exclude.matches(rel);
}

/** The path of a `file:` URI (undefined for another scheme or a malformed URI); memoised like `fileUri`. */
export function filePath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  return pathOfFileUri(uri) || undefined;
}

/** '' for a URI no path can be made of (the memo table holds strings). */
const pathOfFileUri = memoised((uri) => {
  try {
    return fileURLToPath(uri);
  } catch {
    return '';
  }
});

/**
 * A string function memoised in a bounded table: each workspace scan converts every file's path and URI again, and
 * one conversion costs ~30 us (URL parsing), 60 ms a scan on a 2,000-file workspace.
 */
function memoised(convert: (s: string) => string): (s: string) => string {
  const table = new Map<string, string>();
  return (s) => {
    let hit = table.get(s);
    if (hit === undefined) {
      hit = convert(s);
      if (table.size >= MAX_MEMOISED) table.clear();
      table.set(s, hit);
    }
    return hit;
  };
}

const MAX_MEMOISED = 200_000;

export const fileUri: (p: string) => string = memoised((p) => pathToFileURL(p).href);

/** One spelling per file (clients differ in how they escape drive letters), for map keys. */
export const uriKey: (uri: string) => string = memoised((uri) => {
  const p = filePath(uri);
  return p === undefined ? uri : fileUri(p);
});

export function isInside(folder: string, file: string): boolean {
  const rel = path.relative(folder, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
