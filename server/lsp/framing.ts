/**
 * A re-synchronising front for the stdio transport. vscode-jsonrpc's reader stops for good after one malformed
 * header (its buffer never skips the bad bytes), so a single stray write to the server's stdin silenced it. This
 * transform forwards only well-formed `Content-Length` frames and skips anything else up to the next header.
 */
import { Transform, type TransformCallback } from 'node:stream';

const HEADER = 'content-length:';
const HEADER_END = Buffer.from('\r\n\r\n', 'ascii');
/** Longest header block accepted (LSP headers are one or two short lines). */
const MAX_HEADER_BYTES = 1024;
/** Largest body accepted; beyond it the length is taken as a lie. */
export const MAX_FRAME_BYTES = 512 * 1024 * 1024;

export class FrameResync extends Transform {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes needed before the pending frame is complete (0: parse headers first). */
  private needed = 0;

  constructor(private readonly onDrop: (bytes: number, why: string) => void = () => undefined) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.needed) this.drain();
    done();
  }

  private drain(): void {
    let buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
    this.needed = 0;
    const drop = (count: number, why: string): void => {
      this.onDrop(count, why);
      buf = buf.subarray(count);
    };
    for (;;) {
      const start = headerStart(buf);
      if (start < 0) {
        const keep = Math.min(buf.length, HEADER.length - 1); // maybe the start of a header cut by the chunk end
        if (buf.length > keep) drop(buf.length - keep, 'not a message header');
        break;
      }
      if (start > 0) drop(start, 'bytes before a message header');
      const end = buf.indexOf(HEADER_END);
      if (end < 0 || end > MAX_HEADER_BYTES) {
        if (end < 0 && buf.length <= MAX_HEADER_BYTES) break;
        drop(HEADER.length, 'unterminated or oversized header');
        continue;
      }
      const headers = buf.subarray(0, end).toString('latin1').split('\r\n');
      const lengthText = headers[0].slice(HEADER.length).trim();
      const length = /^\d{1,10}$/.test(lengthText) ? Number(lengthText) : -1;
      if (!headers.every((h) => /^[\w-]+:/.test(h)) || length < 0 || length > MAX_FRAME_BYTES) {
        drop(HEADER.length, `bad header ${JSON.stringify(headers.join(' | ').slice(0, 80))}`);
        continue;
      }
      const total = end + HEADER_END.length + length;
      if (buf.length < total) {
        this.needed = total;
        break;
      }
      this.push(Buffer.from(buf.subarray(0, total)));
      buf = buf.subarray(total);
    }
    this.chunks = buf.length ? [buf] : [];
    this.size = buf.length;
  }
}

/** Index of the first `Content-Length:` (any case), or of a prefix of it at the very end; -1 when there is none. */
function headerStart(buf: Buffer): number {
  for (let i = buf.indexOf(0x43) < 0 && buf.indexOf(0x63) < 0 ? buf.length : 0; i < buf.length; i++) {
    if ((buf[i] | 0x20) !== 0x63) continue; // 'c'
    let j = 1;
    while (j < HEADER.length && i + j < buf.length && (buf[i + j] === HEADER.charCodeAt(j) || (buf[i + j] | 0x20) === HEADER.charCodeAt(j))) j++;
    if (j === HEADER.length || i + j === buf.length) return i;
  }
  return -1;
}
