import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import type { FileFacts } from '../core/workspace/fileFacts';

/**
 * The facts of the workspace's files by the hash of their text, so that a file whose text is unchanged is not parsed
 * again for them: by the language server's rescans (every save of a models module) and, kept on disk in the editor's
 * storage for the workspace, by its first scan after a restart (the first diagnostics of an opened file wait for the
 * facts of every file that can declare models, settings, URLconfs or serializers: 812 KB of DefectDojo to parse).
 *
 * A file's facts are a function of its URI and its text only (`extractFileFacts`), and plain data (the CLI's scan
 * workers post them between threads); the build identity (the server bundle and the grammar) covers the way they are
 * extracted, so a cache written by another build of djperf is ignored, never read.
 */

/** The layout of the file on disk (the facts' own shape is covered by the build identity). */
const FORMAT = 1;
/** A larger file was not written by us (DefectDojo's: 1.5 MB): it is ignored, not read. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

interface Entry {
  hash: string;
  facts: FileFacts;
}

interface OnDisk {
  format: number;
  build: string;
  /** [uri, hash of the text, facts]. */
  entries: [string, string, FileFacts][];
}

function textHash(text: string): string {
  return crypto.createHash('sha1').update(text).digest('base64');
}

/** Identifies the code that extracts facts: the running bundle and the grammar it parses with (files or their bytes). */
export function buildIdentity(parts: readonly (string | Uint8Array)[]): string {
  const hash = crypto.createHash('sha1');
  for (const p of parts) hash.update(typeof p === 'string' ? fs.readFileSync(p) : p).update('\0');
  return hash.digest('base64');
}

export class FactsCache {
  private readonly entries = new Map<string, Entry>();
  /** Entries changed since the file was read or written. */
  private dirty = false;
  private loaded = false;
  /** Lookups answered from the cache, and those that extracted (since `takeCounts`). */
  private hits = 0;
  private misses = 0;

  /** `file`: where the cache is kept between sessions (none: in memory only). */
  constructor(private readonly build: string, private readonly file?: string, private readonly log?: (message: string) => void) {}

  /** The facts of `uri` at `text`: remembered ones when its text is the same, else `extract`'s (remembered). */
  factsOf(uri: string, text: string, extract: () => FileFacts | undefined): FileFacts | undefined {
    this.load();
    const hash = textHash(text);
    const known = this.entries.get(uri);
    if (known && known.hash === hash) {
      this.hits++;
      return known.facts;
    }
    this.misses++;
    const facts = extract();
    // A file that cannot be parsed in time is tried again next time (the limit may have been raised).
    if (facts) this.entries.set(uri, { hash, facts });
    else this.entries.delete(uri);
    this.dirty = true;
    return facts;
  }

  /** Forgets every file but `uris` (files deleted or excluded since). */
  retain(uris: ReadonlySet<string>): void {
    for (const uri of this.entries.keys()) {
      if (uris.has(uri)) continue;
      this.entries.delete(uri);
      this.dirty = true;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** The lookups answered from the cache and those that were not, since the last call. */
  takeCounts(): { hits: number; misses: number } {
    const counts = { hits: this.hits, misses: this.misses };
    this.hits = 0;
    this.misses = 0;
    return counts;
  }

  /** Reads the file once, before the first lookup; a missing, damaged or foreign file starts an empty cache. */
  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    if (!this.file) return;
    let bytes: Buffer;
    try {
      const size = fs.statSync(this.file).size;
      if (size > MAX_FILE_BYTES) return this.log?.(`facts cache ${this.file}: ${size} bytes, not ours; ignored`);
      bytes = fs.readFileSync(this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log?.(`facts cache ${this.file}: cannot read (${(e as Error).message}); files are parsed`);
      return;
    }
    const onDisk = decode(bytes);
    if (!onDisk) return this.log?.(`facts cache ${this.file}: damaged; files are parsed and it is written again`);
    // Another build extracts facts another way: nothing of it is read.
    if (onDisk.format !== FORMAT || onDisk.build !== this.build) return;
    for (const [uri, hash, facts] of onDisk.entries) this.entries.set(uri, { hash, facts });
  }

  /** Writes the cache when it changed since (atomically: a reader never sees half a file); returns the error if any. */
  save(): string | undefined {
    if (!this.file || !this.dirty) return undefined;
    const onDisk: OnDisk = { format: FORMAT, build: this.build, entries: [...this.entries].map(([uri, e]) => [uri, e.hash, e.facts]) };
    const temp = `${this.file}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const payload = v8.serialize(onDisk);
      fs.writeFileSync(temp, Buffer.concat([digest(payload), payload]));
      fs.renameSync(temp, this.file);
      this.dirty = false;
      return undefined;
    } catch (e) {
      try {
        fs.rmSync(temp, { force: true });
      } catch {
        // Never created (its folder could not be).
      }
      return `facts cache ${this.file}: not written (${(e as Error).message})`;
    }
  }
}

/** The payload's SHA-1, written before it: a file damaged on disk is told by it, not read into wrong facts. */
function digest(payload: Buffer): Buffer {
  return crypto.createHash('sha1').update(payload).digest();
}
const DIGEST_BYTES = 20;

/** The file's content when it has the layout this build writes (any bytes may be found there). */
function decode(bytes: Buffer): OnDisk | undefined {
  const payload = bytes.subarray(DIGEST_BYTES);
  if (bytes.length <= DIGEST_BYTES || !digest(payload).equals(bytes.subarray(0, DIGEST_BYTES))) return undefined;
  let value: unknown;
  try {
    value = v8.deserialize(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<OnDisk>;
  if (typeof v.format !== 'number' || typeof v.build !== 'string' || !Array.isArray(v.entries)) return undefined;
  const wellFormed = v.entries.every((e: unknown) => Array.isArray(e) && e.length === 3 && typeof e[0] === 'string' && typeof e[1] === 'string' && typeof e[2] === 'object' && e[2] !== null);
  return wellFormed ? (v as OnDisk) : undefined;
}
