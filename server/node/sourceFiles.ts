import * as fs from 'node:fs';
import * as path from 'node:path';
import { GlobSet } from '../core/config/glob';
import type { DjperfConfig } from '../core/config/config';
import type { FileNotice } from '../core/analyzer';
import { fileContextOf, isTestLike } from '../core/workspace/executionContext';

export const GENERATED_NOTICE = 'skipped: generated or minified file';

/**
 * A generated test or migration file (a squashed migration is one long literal) would not be checked by default
 * anyway: saying it was skipped as generated is noise. Only the head is read again, and only for such notices.
 */
export function skippedAnyway(file: string, notice: FileNotice, root: string, checkTests: boolean): boolean {
  if (checkTests || notice.message !== GENERATED_NOTICE) return false;
  let head = '';
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(8192);
      head = buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)).toString('latin1');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
  return isTestLike(fileContextOf(path.relative(root, file).split(path.sep).join('/'), head)?.kind);
}

export interface SourceText {
  path: string;
  text: string;
}

/** Reads a Python file as text, or says why it cannot be analysed (size, binary, encoding). */
export function readPythonFile(file: string, maxBytes: number): SourceText | FileNotice {
  const cannotRead = (e: unknown): FileNotice => ({ uri: file, level: 'warning', message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
  // One open, then the size and kind of what was opened (a stat by path first cost a third of reading a workspace).
  // O_NONBLOCK: opening a FIFO named `x.py` must not wait for a writer; it is refused below, as a folder is.
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EISDIR' ? { uri: file, level: 'warning', message: 'cannot read: not a regular file' } : cannotRead(e);
  }
  let bytes: Buffer;
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { uri: file, level: 'warning', message: `cannot read: not a regular file` };
    if (stat.size > maxBytes) {
      return { uri: file, level: 'info', message: `skipped: ${(stat.size / 1048576).toFixed(1)} MB is over the ${(maxBytes / 1048576).toFixed(1)} MB limit (max-file-size)` };
    }
    bytes = readAll(fd, stat.size);
  } catch (e) {
    return cannotRead(e);
  } finally {
    fs.closeSync(fd);
  }
  return decodePython(file, bytes);
}

/** The `size` bytes of an open file, fewer if it shrank meanwhile. */
function readAll(fd: number, size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  let n = 0;
  while (n < size) {
    const read = fs.readSync(fd, bytes, n, size - n, null);
    if (read === 0) break;
    n += read;
  }
  return n < size ? bytes.subarray(0, n) : bytes;
}

/** PEP 263: UTF-8 unless a coding cookie in the first two lines says otherwise. */
export function decodePython(file: string, bytes: Uint8Array): SourceText | FileNotice {
  if (bytes.includes(0)) return { uri: file, level: 'info', message: 'skipped: binary file (contains NUL bytes)' };
  const head = Buffer.from(bytes.subarray(0, 400)).toString('latin1').split(/\r?\n/).slice(0, 2).join('\n');
  const cookie = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/m.exec(head)?.[1]?.toLowerCase();
  const encoding = cookie && !/^utf[-_]?8/.test(cookie) ? whatwgLabel(cookie) : 'utf-8';
  try {
    const text = encoding === 'windows-1252' ? decodeWindows1252(bytes) : new TextDecoder(encoding, { fatal: true }).decode(bytes);
    if (isGenerated(text)) return { uri: file, level: 'info', message: GENERATED_NOTICE };
    return { path: file, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch (e) {
    const why = e instanceof RangeError ? `unknown encoding "${encoding}"` : `not valid ${encoding}`;
    return { uri: file, level: 'warning', message: `skipped: ${why}` };
  }
}

/**
 * Python's cp1252 for bytes 0x80-0x9F (the rest is latin-1); 0 where Python has no character (0x81, 0x8D, 0x8F,
 * 0x90, 0x9D raise UnicodeDecodeError). Node's TextDecoder maps the whole range like latin-1 instead.
 */
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

function decodeWindows1252(bytes: Uint8Array): string {
  const units = new Uint16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b < 0x80 || b > 0x9f) {
      units[i] = b;
      continue;
    }
    const u = CP1252_HIGH[b - 0x80];
    if (u === 0) throw new TypeError(`byte 0x${b.toString(16)} at offset ${i} has no character in windows-1252`);
    units[i] = u;
  }
  let out = '';
  for (let i = 0; i < units.length; i += 8192) out += String.fromCharCode(...units.subarray(i, i + 8192));
  return out;
}

/** Python codec names -> WHATWG encoding labels (`latin-1` is Python's, `latin1` the web's). */
function whatwgLabel(pythonCodec: string): string {
  const c = pythonCodec.replace(/_/g, '-');
  if (/^(latin-?1|l1|iso-?8859-1|8859|cp819)$/.test(c)) return 'latin1';
  const iso = /^iso-?8859-?(\d+)$/.exec(c);
  if (iso) return `iso-8859-${iso[1]}`;
  const cp = /^(?:cp|windows-?)(\d+)$/.exec(c);
  if (cp) return `windows-${cp[1]}`;
  return c;
}

/** Minified or machine-written sources are not worth analysing (and can be huge single lines). */
function isGenerated(text: string): boolean {
  const head = text.slice(0, 2000);
  if (/^#.*(@generated|DO NOT EDIT|Generated by)/im.test(head)) return true;
  const firstNewline = text.indexOf('\n');
  return text.length > 200_000 && (firstNewline < 0 || firstNewline > 100_000);
}

export interface DiscoveredFiles {
  files: string[];
  notices: FileNotice[];
}

/**
 * Expands the paths given on the command line (or the workspace root) into Python files, honouring
 * exclude globs relative to `root`, never following a symlink loop, in a stable sorted order.
 */
export function discoverPythonFiles(inputs: readonly string[], root: string, config: DjperfConfig): DiscoveredFiles {
  return discoverFiles(inputs, root, config, PYTHON_FILE);
}

const PYTHON_FILE = (name: string): boolean => name.endsWith('.py') || name.endsWith('.pyi');

/** The same walk for any kind of file `accept` takes by its path relative to `root` (templates). */
export function discoverFiles(inputs: readonly string[], root: string, config: DjperfConfig, accept: (relPath: string) => boolean): DiscoveredFiles {
  const found: DiscoveredFiles = { files: [], notices: [] };
  const walk = walkFolders(inputs, root, config, accept, found);
  while (!walk.next().done) { /* one folder per step */ }
  return found;
}

/**
 * `discoverPythonFiles` for a host that must stay responsive (the language server's workspace scan): `pause` is
 * asked after each folder and returns a promise when the host wants to yield to its event loop first. Listing a
 * large workspace takes 25-100 ms of file system calls, which would otherwise delay a keystroke's diagnostics.
 */
export async function discoverPythonFilesPausing(inputs: readonly string[], root: string, config: DjperfConfig, pause: () => Promise<void> | undefined): Promise<DiscoveredFiles> {
  const found: DiscoveredFiles = { files: [], notices: [] };
  const walk = walkFolders(inputs, root, config, PYTHON_FILE, found);
  while (!walk.next().done) {
    const wait = pause();
    if (wait) await wait;
  }
  return found;
}

/** The walk behind both, one step per folder listed; fills `found` (files sorted) when it ends. */
function* walkFolders(inputs: readonly string[], root: string, config: DjperfConfig, accept: (relPath: string) => boolean, found: DiscoveredFiles): Generator<void, void, undefined> {
  const exclude = new GlobSet([...config.exclude, ...config.extendExclude]);
  const files = new Set<string>();
  const notices: FileNotice[] = found.notices;
  const seenDirs = new Set<string>();
  const rel = (p: string): string => path.relative(root, p).split(path.sep).join('/');

  // A child's path relative to root is its folder's plus its name (path.relative per entry was most of the walk).
  function* visitDir(dir: string, relDir = rel(dir)): Generator<void, void, undefined> {
    let real: string;
    try {
      real = fs.realpathSync.native(dir);
    } catch (e) {
      notices.push({ uri: dir, level: 'warning', message: `cannot resolve: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
      return;
    }
    if (seenDirs.has(real)) {
      notices.push({ uri: dir, level: 'info', message: 'skipped: symlink loop or folder already visited' });
      return;
    }
    seenDirs.add(real);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      notices.push({ uri: dir, level: 'warning', message: `cannot list folder: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
      return;
    }
    yield;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const r = relDir === '' ? e.name : `${relDir}/${e.name}`;
      // A plain file the walk does not want (documentation, static files) is left before the glob match and
      // path.join, about half of the walk's own JavaScript time on DefectDojo.
      if (e.isFile() && !accept(r || e.name)) continue;
      if (r && exclude.matches(r)) continue;
      const full = path.join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const st = fs.statSync(full);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          notices.push({ uri: full, level: 'info', message: 'skipped: broken symlink' });
          continue;
        }
      }
      if (isDir) yield* visitDir(full, r);
      else if (isFile && accept(r || e.name)) files.add(full);
    }
  }

  for (const input of inputs) {
    const abs = path.resolve(input);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      notices.push({ uri: abs, level: 'error', message: 'no such file or folder' });
      continue;
    }
    if (st.isDirectory()) yield* visitDir(abs);
    else files.add(abs);
  }
  found.files = [...files].sort();
  found.notices = notices;
}
