import type { Node, Tree } from '../parsing/syntaxTree';
import { ModuleTable } from './modulePaths';

/** One workspace file as a caller lookup sees it (parsed on demand). */
export interface CallerFile {
  uri: string;
  /** Path relative to the project root, `/`-separated (execution contexts read test/migration folders from it). */
  relPath: string;
  text: string;
  root: Node;
}

/** Where the index reads the workspace's files from: the CLI's sources in memory, the language server's disk reads. */
export interface CallerSource {
  files: readonly { uri: string; relPath: string }[];
  read(uri: string): string | undefined;
  /** The tree of `text`, the text of `uri` (a host that already holds that file's tree, e.g. the CLI's kept trees, hands it over). */
  parse(text: string, uri: string): Tree | undefined;
  /**
   * Whether the host will analyse `uri` later with the same text (the CLI's scan): such a file's tree is kept until
   * `take` hands it over, within a budget, instead of competing for the few recently-used places.
   */
  pending?(uri: string): boolean;
}

/** Files parsed for caller lookups kept at once: callers cluster in a few view/task modules. */
const KEPT_FILES = 48;
/** Characters of source whose trees are kept for the host's analysis (about 40 bytes of tree per character). */
const PINNED_CHARS = 2 * 1024 * 1024;

/**
 * The workspace's files for "who calls this function": which files mention a name (a text test, memoised per name)
 * and their trees (parsed once, a bounded number kept). Resolution of the mentions is done by the caller
 * (`callers.ts`) through each file's imports and semantic model; this class knows nothing about Python names.
 */
export class CallerIndex {
  private readonly texts = new Map<string, string | null>();
  /** Files mentioning each name searched, as of text version `checked` (see `textChanged`). */
  private readonly mentions = new Map<string, { files: readonly string[]; checked: number }>();
  /** Bumped by every text change; `changedAt` holds the version at which each changed file last changed. */
  private textVersion = 0;
  private readonly changedAt = new Map<string, number>();
  private readonly parsed = new Map<string, CallerFile | null>();
  /** Files parsed here that the host analyses later, kept for it (`take`). */
  private readonly pinned = new Map<string, CallerFile>();
  private pinnedChars = 0;
  /** Files parsed (or copied) for lookups, and their characters: the work caller lookups add to a scan. */
  readonly work = { files: 0, chars: 0 };
  /** The file of each module (the first of `x.py` and `x.pyi`). */
  private readonly modules: ModuleTable<string>;
  private readonly relPaths: ReadonlyMap<string, string>;
  /** Each file's place in the source's list: mention lists keep that order, whichever way they were made. */
  private readonly order: ReadonlyMap<string, number>;
  /** The files in the source's order (`order` gives each one's place). */
  private readonly uris: readonly string[];
  /** Each file's word filter, by its place in `uris` (an array: every search reads one per file). */
  private words: (WordFilter | undefined)[] | undefined;

  constructor(private readonly source: CallerSource) {
    const files = filesOf(source);
    this.relPaths = files.relPaths;
    this.modules = files.modules;
    this.order = files.order;
    this.uris = [...files.relPaths.keys()];
  }

  /** A file's text, read once (a text test before a parse). */
  textOf(uri: string): string | undefined {
    let t = this.texts.get(uri);
    if (t === undefined) {
      t = this.source.read(uri) ?? null;
      this.texts.set(uri, t);
    }
    return t ?? undefined;
  }

  /** Files whose text contains `name` as a whole word (any use: a call, an import, a reference, a string). */
  filesMentioning(name: string): readonly string[] {
    const known = this.mentions.get(name);
    if (known) {
      if (known.checked < this.textVersion) this.recheckMentions(name, known);
      return known.files;
    }
    const word = mentionPattern(name);
    // Only the files whose word filter may hold the name are searched (a plain ASCII name is a whole run of word
    // characters wherever the search matches it, so the filter never leaves a match out).
    const filters = ASCII_NAME.test(name) ? (this.words ??= this.wordFilters()) : undefined;
    const h = filters ? wordHash(name, 0, name.length) : 0;
    const files: string[] = [];
    for (let i = 0; i < this.uris.length; i++) {
      const uri = this.uris[i];
      // A file without a filter (its text changed, or unreadable) is searched whole.
      if (filters?.[i]?.mayHave(h) === false) continue;
      if (this.mentionedIn(uri, name, word)) files.push(uri);
    }
    this.mentions.set(name, { files, checked: this.textVersion });
    return files;
  }

  /**
   * Brings one name's mention list up to date with the files changed since it was made (the open documents being
   * edited): only those files are searched again, not the workspace. The list is replaced, never changed in place
   * (a caller may be iterating the old one).
   */
  private recheckMentions(name: string, known: { files: readonly string[]; checked: number }): void {
    const word = mentionPattern(name);
    let files = known.files;
    for (const [uri, version] of this.changedAt) {
      if (version <= known.checked) continue;
      const has = this.mentionedIn(uri, name, word);
      const at = files.indexOf(uri);
      if (has === at >= 0) continue;
      if (has) {
        const place = this.order.get(uri) ?? Infinity;
        const before = files.findIndex((u) => (this.order.get(u) ?? Infinity) > place);
        files = before < 0 ? [...files, uri] : [...files.slice(0, before), uri, ...files.slice(before)];
      } else {
        files = files.filter((u) => u !== uri);
      }
    }
    known.files = files;
    known.checked = this.textVersion;
  }

  /** Whether `uri`'s text uses `name` as a whole word (`word`: its `mentionPattern`). */
  private mentionedIn(uri: string, name: string, word: RegExp): boolean {
    const text = this.textOf(uri);
    return text !== undefined && text.includes(name) && word.test(text);
  }

  /**
   * One word filter per file, built once, on the first search (one pass over every text instead of one per name).
   * The index lives as long as its source (the language server's scan hands it from the first wave's index to the
   * whole one; see WorkspaceIndex.shareCallers), so the filters are built once per scan.
   */
  private wordFilters(): (WordFilter | undefined)[] {
    return this.uris.map((uri) => {
      const text = this.textOf(uri);
      return text === undefined ? undefined : new WordFilter(text);
    });
  }

  /**
   * `uri` holds `text` now (an open document was edited): what was read, parsed or searched of its old text is
   * dropped, so that an open module whose callers are in `uri` sees them as they are (the language server keeps an
   * index while no facts change).
   */
  textChanged(uri: string, text: string): void {
    const known = this.texts.get(uri);
    if (known === undefined || known === text) return;
    this.texts.set(uri, text);
    this.parsed.delete(uri);
    const pinned = this.pinned.get(uri);
    if (pinned) {
      this.pinned.delete(uri);
      this.pinnedChars -= pinned.text.length;
    }
    if (this.current?.uri === uri) this.current = undefined;
    // Which files mention a name may change with this one: this file is searched again when a name is next looked up.
    this.changedAt.set(uri, ++this.textVersion);
    // Its word filter is dropped: the next searches read this text whole.
    const place = this.order.get(uri);
    if (this.words && place !== undefined) this.words[place] = undefined;
  }

  /**
   * The workspace's facts changed (a models module or a helper's summaries edited): the analyses the kept trees carry
   * were made with the old facts and are dropped (the trees, the texts and which files mention which name hold).
   */
  factsChanged(): void {
    for (const file of this.parsed.values()) file?.root.tree.forgetDerived();
    for (const file of this.pinned.values()) file.root.tree.forgetDerived();
    this.current = undefined;
  }

  relPathOf(uri: string): string | undefined {
    return this.relPaths.get(uri);
  }

  file(uri: string): CallerFile | undefined {
    const pinned = this.pinned.get(uri);
    if (pinned) return pinned;
    if (this.current?.uri === uri) return this.current;
    const hit = this.parsed.get(uri);
    if (hit !== undefined) {
      // Most recently used last, so eviction drops the oldest.
      this.parsed.delete(uri);
      this.parsed.set(uri, hit);
      return hit ?? undefined;
    }
    const text = this.textOf(uri);
    const relPath = this.relPaths.get(uri);
    let tree: Tree | undefined;
    this.work.files++;
    this.work.chars += text?.length ?? 0;
    try {
      tree = text === undefined ? undefined : this.source.parse(text, uri);
    } catch {
      tree = undefined;
    }
    const file = tree && text !== undefined && relPath !== undefined ? { uri, relPath, text, root: tree.rootNode } : null;
    if (file && this.pinnedChars + file.text.length <= PINNED_CHARS && this.source.pending?.(uri)) {
      this.pinned.set(uri, file);
      this.pinnedChars += file.text.length;
      return file;
    }
    this.remember(uri, file);
    return file ?? undefined;
  }

  /**
   * The tree already parsed for `uri`, if still kept: the CLI's analysis pass takes it instead of parsing that file a
   * second time (same text, same tree). A kept-for-the-host tree joins the recently used ones (later lookups still
   * find it); another is left where it is in the recency order.
   */
  take(uri: string): Tree | undefined {
    const pinned = this.pinned.get(uri);
    if (!pinned) return this.parsed.get(uri)?.root.tree;
    this.pinned.delete(uri);
    this.pinnedChars -= pinned.text.length;
    this.remember(uri, pinned);
    return pinned.root.tree;
  }

  /**
   * The host's own tree of the file it is analysing: lookups that reach that file meanwhile (a caller of a caller)
   * read this tree instead of parsing it again. Kept only until the next call (`undefined` when done): analysed
   * trees carry their analyses and are not kept any longer.
   */
  analysing(uri: string | undefined, tree?: Tree, text?: string): void {
    const relPath = uri === undefined ? undefined : this.relPaths.get(uri);
    this.current = uri !== undefined && relPath !== undefined && tree && text !== undefined && this.textOf(uri) === text
      ? { uri, relPath, text, root: tree.rootNode } : undefined;
  }

  private current: CallerFile | undefined;

  private remember(uri: string, file: CallerFile | null): void {
    this.parsed.set(uri, file);
    if (this.parsed.size > KEPT_FILES) this.trim(KEPT_FILES);
  }

  /**
   * Keeps only the `files` most recently used trees: a host done with a burst of lookups (the language server's
   * workspace scan) gives back the rest, about 1.2 MB of heap per tree on DefectDojo.
   */
  trim(files: number): void {
    for (const uri of this.parsed.keys()) {
      if (this.parsed.size <= files) break;
      this.parsed.delete(uri);
    }
  }

  /** The workspace file a dotted module (`app.helpers`, `.helpers` relative to `fromUri`) names, if any. */
  moduleFile(module: string, fromUri: string): string | undefined {
    const memo = `${fromUri}\n${module}`;
    let hit = this.moduleFiles.get(memo);
    if (hit === undefined) {
      hit = this.modules.nearest(module, fromUri) ?? null;
      this.moduleFiles.set(memo, hit);
    }
    return hit ?? undefined;
  }

  private readonly moduleFiles = new Map<string, string | null>();
}

const ASCII_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `name` used as a whole word: not a longer name's part, nor an attribute's unless through a dot (`x.name`). */
function mentionPattern(name: string): RegExp {
  return new RegExp(`(?<![\\w.])${name}\\b|\\.${name}\\b`);
}

interface SourceFiles {
  relPaths: Map<string, string>;
  order: Map<string, number>;
  modules: ModuleTable<string>;
}

/** The file list's maps. */
function filesOf(source: CallerSource): SourceFiles {
  const relPaths = new Map<string, string>();
  const order = new Map<string, number>();
  const modules = new ModuleTable<string>();
  for (const f of source.files) {
    relPaths.set(f.uri, f.relPath);
    if (!order.has(f.uri)) order.set(f.uri, order.size);
    if (modules.get(f.uri) === undefined) modules.set(f.uri, f.uri); // the first file of a module wins
  }
  return { relPaths, order, modules };
}

/** `[A-Za-z0-9_]`, the word characters of the search's `\b` (a table: the filters read every character of the workspace). */
const WORD_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) WORD_CHAR[c] = /\w/.test(String.fromCharCode(c)) ? 1 : 0;

const FNV_OFFSET = 2166136261;
const FNV_PRIME = 16777619;

/** FNV-1a of `text[start, end)` (the filters hash each word of a text the same way, as they read it). */
function wordHash(text: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h;
}

/**
 * The whole words (runs of `[A-Za-z0-9_]`) of one text as a Bloom filter with two bits per word: `mayHave` is
 * never false for a word of the text, and rarely true for another (a few % at one bit per character).
 */
class WordFilter {
  private readonly bits: Int32Array;
  private readonly mask: number;

  constructor(text: string) {
    const size = Math.max(64, 2 ** Math.ceil(Math.log2(Math.max(1, text.length))));
    this.bits = new Int32Array(size >> 5);
    this.mask = size - 1;
    let h = FNV_OFFSET;
    let inWord = false;
    for (let i = 0, n = text.length; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 128 && WORD_CHAR[c] === 1) {
        h = Math.imul(h ^ c, FNV_PRIME);
        inWord = true;
      } else if (inWord) {
        this.set(h);
        h = FNV_OFFSET;
        inWord = false;
      }
    }
    if (inWord) this.set(h);
  }

  private set(h: number): void {
    const a = h & this.mask;
    const b = ((h >>> 16) ^ (h >>> 7)) & this.mask;
    this.bits[a >> 5] |= 1 << (a & 31);
    this.bits[b >> 5] |= 1 << (b & 31);
  }

  mayHave(h: number): boolean {
    const a = h & this.mask;
    const b = ((h >>> 16) ^ (h >>> 7)) & this.mask;
    return (this.bits[a >> 5] & (1 << (a & 31))) !== 0 && (this.bits[b >> 5] & (1 << (b & 31))) !== 0;
  }
}
